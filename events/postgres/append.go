package postgres

import (
	"context"
	"errors"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgtype"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/drip-ledger/drip/events"
)

// appendAttemptsMax bounds the transactions one Append runs. A second is
// needed only when another append took one of its event IDs in another
// stream between the look-up and the insert: the next attempt sees it and
// answers with the earlier result or ErrIDConflict.
const appendAttemptsMax = 3

// rollbackTimeout bounds the ROLLBACK sent after a failed append, even when
// the append's context is done.
const rollbackTimeout = 5 * time.Second

// Append implements events.Store in one transaction of two round trips:
//
//  1. BEGIN; lock the stream's row and read its version; look the event IDs
//     up (for an idempotent retry).
//  2. Set the stream's version; take positions from the head row, insert the
//     events and notify; COMMIT.
//
// The head row's lock is held only for the second round trip, from the
// UPDATE to the commit's WAL flush: that is the serial section every append
// of the whole store passes through (see doc.go).
func (s *Store) Append(ctx context.Context, stream string, expected events.Expected, evs ...events.Event) (events.AppendResult, error) {
	if err := ctx.Err(); err != nil {
		return events.AppendResult{}, err
	}
	if err := s.reg.CheckAppend(stream, evs); err != nil {
		return events.AppendResult{}, err
	}
	if !s.enter() {
		return events.AppendResult{}, events.ErrClosed
	}
	defer s.leave()
	for attempt := 1; ; attempt++ {
		res, err := s.appendOnce(ctx, stream, expected, evs)
		var pe *pgconn.PgError
		if errors.As(err, &pe) && pe.Code == "23505" && pe.ConstraintName == "events_event_id_key" && attempt < appendAttemptsMax {
			continue
		}
		if err != nil {
			return events.AppendResult{}, err
		}
		s.notify.Advance(res.Position)
		return res, nil
	}
}

func (s *Store) appendOnce(ctx context.Context, stream string, expected events.Expected, evs []events.Event) (res events.AppendResult, err error) {
	conn, err := s.pool.Acquire(ctx)
	if err != nil {
		return res, s.fail(ctx, "append", err)
	}
	defer conn.Release()
	defer func() {
		if err != nil {
			rollback(ctx, conn)
		}
	}()
	cols := columns(evs)

	b := &pgx.Batch{}
	b.Queue("BEGIN")
	b.Queue(s.q.newStream, stream)
	var version int64
	b.Queue(s.q.lockStream, stream).QueryRow(func(r pgx.Row) error { return r.Scan(&version) })
	stored := map[events.ID]events.Event{}
	b.Queue(s.q.lookup, cols.ids).Query(func(rows pgx.Rows) error {
		for rows.Next() {
			ev, err := scanEvent(rows)
			if err != nil {
				return err
			}
			stored[ev.ID] = ev
		}
		return rows.Err()
	})
	if err := conn.SendBatch(ctx, b).Close(); err != nil {
		return res, s.fail(ctx, "append", err)
	}

	res, retry, err := events.CheckRetry(stream, expected, evs, func(id events.ID) (events.Event, bool, error) {
		ev, ok := stored[id]
		return ev, ok, nil
	})
	if err != nil || retry {
		rollback(ctx, conn)
		return res, err
	}
	cur := uint64(version)
	if err := expected.Check(stream, cur); err != nil {
		return res, err
	}

	next := cur + uint64(len(evs))
	var last int64
	b = &pgx.Batch{}
	b.Queue(s.q.setVersion, stream, int64(next))
	b.Queue(s.q.add, stream, int64(cur), int64(len(evs)), cols.ids, cols.types, cols.data,
		cols.actorIDs, cols.roles, cols.jurisdictions, cols.idempotencyKeys, cols.correlationIDs,
		cols.causationIDs, cols.occurredAts, s.q.channel, cols.backfills).
		QueryRow(func(r pgx.Row) error { return r.Scan(&last, nil) })
	hold := s.holdBeforeCommit
	if hold == nil {
		b.Queue("COMMIT")
	}
	if err := conn.SendBatch(ctx, b).Close(); err != nil {
		return res, s.fail(ctx, "append", err)
	}
	if hold != nil {
		if err := hold(ctx, stream, uint64(last)); err != nil {
			return res, err
		}
		if _, err := conn.Exec(ctx, "COMMIT"); err != nil {
			return res, s.fail(ctx, "append", err)
		}
	}
	return events.AppendResult{Version: next, Position: uint64(last), First: uint64(last) - uint64(len(evs)) + 1}, nil
}

// rollback ends a transaction left open or aborted, so the connection goes
// back to the pool clean; if it cannot, the pool drops the connection.
func rollback(ctx context.Context, conn *pgxpool.Conn) {
	if conn.Conn().PgConn().TxStatus() == 'I' || conn.Conn().IsClosed() {
		return
	}
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), rollbackTimeout)
	defer cancel()
	if _, err := conn.Exec(ctx, "ROLLBACK"); err != nil {
		conn.Conn().PgConn().Close(ctx)
	}
}

// batchColumns are an append's events as one array per column, for unnest.
type batchColumns struct {
	ids                                           []pgtype.UUID
	types                                         []string
	data, actorIDs, roles, jurisdictions          [][]byte
	idempotencyKeys, correlationIDs, causationIDs [][]byte
	occurredAts                                   []time.Time
	backfills                                     []bool
}

func columns(evs []events.Event) batchColumns {
	n := len(evs)
	c := batchColumns{
		ids: make([]pgtype.UUID, n), types: make([]string, n), data: make([][]byte, n),
		actorIDs: make([][]byte, n), roles: make([][]byte, n), jurisdictions: make([][]byte, n),
		idempotencyKeys: make([][]byte, n), correlationIDs: make([][]byte, n), causationIDs: make([][]byte, n),
		occurredAts: make([]time.Time, n), backfills: make([]bool, n),
	}
	for i, ev := range evs {
		m := ev.Meta
		c.ids[i] = pgtype.UUID{Bytes: ev.ID, Valid: true}
		c.types[i] = ev.Type
		c.data[i] = nonNil(ev.Data)
		c.actorIDs[i], c.roles[i], c.jurisdictions[i] = []byte(m.ActorID), []byte(m.Role), []byte(m.Jurisdiction)
		c.idempotencyKeys[i], c.correlationIDs[i], c.causationIDs[i] = []byte(m.IdempotencyKey), []byte(m.CorrelationID), []byte(m.CausationID)
		c.occurredAts[i] = events.RecordedTime(m.OccurredAt)
		c.backfills[i] = m.Backfill
	}
	return c
}

// nonNil keeps an empty value from being sent as NULL.
func nonNil(b []byte) []byte {
	if b == nil {
		return []byte{}
	}
	return b
}
