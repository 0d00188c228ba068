package postgres

import (
	"context"
	"errors"
	"fmt"
	"math"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgtype"

	"github.com/drip-ledger/drip/events"
)

// ReadStream implements events.Store. The stream's version and its events
// are read in one round trip, the version first: a stream never goes away, so
// a stream found there is still there when its events are read.
func (s *Store) ReadStream(ctx context.Context, stream string, from uint64, dir events.Direction, limit int) ([]events.Event, error) {
	if err := events.CheckRead(ctx, limit); err != nil {
		return nil, err
	}
	if !s.enter() {
		return nil, events.ErrClosed
	}
	defer s.leave()
	q := s.q.readFwd
	if dir == events.Backwards {
		q = s.q.readBack
	}
	var version int64
	var out []events.Event
	b := &pgx.Batch{}
	b.Queue(s.q.streamVersion, stream).QueryRow(func(r pgx.Row) error {
		err := r.Scan(&version)
		if errors.Is(err, pgx.ErrNoRows) {
			return nil
		}
		return err
	})
	b.Queue(q, stream, toBigint(from), limit).Query(func(rows pgx.Rows) error {
		var err error
		out, err = collect(rows, limit)
		return err
	})
	if err := s.pool.SendBatch(ctx, b).Close(); err != nil {
		return nil, s.fail(ctx, "read stream", err)
	}
	if version == 0 {
		return nil, fmt.Errorf("stream %q: %w", stream, events.ErrStreamNotFound)
	}
	return out, nil
}

// ReadAll implements events.Store. Positions are dense and become visible in
// order (doc.go), so the rows at and after from are exactly the log's next
// events; a hole among them is damage, reported, never skipped.
func (s *Store) ReadAll(ctx context.Context, from uint64, limit int) ([]events.Event, error) {
	if err := events.CheckRead(ctx, limit); err != nil {
		return nil, err
	}
	if !s.enter() {
		return nil, events.ErrClosed
	}
	defer s.leave()
	from = max(from, 1)
	if from > math.MaxInt64 {
		return nil, nil
	}
	rows, err := s.pool.Query(ctx, s.q.readAll, int64(from), limit)
	if err != nil {
		return nil, s.fail(ctx, "read all", err)
	}
	out, err := collect(rows, limit)
	if err != nil {
		return nil, s.fail(ctx, "read all", err)
	}
	for i, ev := range out {
		if want := from + uint64(i); ev.Position != want {
			return nil, &events.CorruptError{File: s.q.schema + ".events", Offset: -1, Position: want,
				Reason: fmt.Sprintf("position %d is missing: the next row holds %d", want, ev.Position)}
		}
	}
	return out, nil
}

func collect(rows pgx.Rows, limit int) ([]events.Event, error) {
	defer rows.Close()
	out := make([]events.Event, 0, min(limit, 64))
	for rows.Next() {
		ev, err := scanEvent(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, ev)
	}
	return out, rows.Err()
}

// scanEvent reads the columns eventCols names.
func scanEvent(rows pgx.Rows) (events.Event, error) {
	var (
		ev                                  events.Event
		pos, ver                            int64
		id                                  pgtype.UUID
		actor, role, jur, idem, corr, cause []byte
	)
	err := rows.Scan(&pos, &ev.Stream, &ver, &id, &ev.Type, &ev.Data, &actor, &role, &jur,
		&idem, &corr, &cause, &ev.Meta.OccurredAt, &ev.RecordedAt, &ev.Meta.Backfill)
	if err != nil {
		return events.Event{}, err
	}
	ev.Position, ev.Version, ev.ID = uint64(pos), uint64(ver), id.Bytes
	ev.Meta.ActorID, ev.Meta.Role, ev.Meta.Jurisdiction = string(actor), string(role), string(jur)
	ev.Meta.IdempotencyKey, ev.Meta.CorrelationID, ev.Meta.CausationID = string(idem), string(corr), string(cause)
	ev.Meta.OccurredAt = ev.Meta.OccurredAt.UTC()
	ev.RecordedAt = ev.RecordedAt.UTC()
	return ev, nil
}
