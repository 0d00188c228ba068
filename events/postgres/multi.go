package postgres

import (
	"context"
	"errors"
	"slices"
	"strings"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/drip-ledger/drip/events"
)

// AppendMulti implements events.Store in one transaction: it locks every
// part's stream row (in name order, so two calls over the same streams
// cannot deadlock), looks all the event IDs up, checks every expected
// version, and only then inserts the parts one after the other under the
// head row's lock, so their positions are contiguous and one COMMIT makes
// them visible together.
func (s *Store) AppendMulti(ctx context.Context, parts ...events.StreamAppend) ([]events.AppendResult, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if err := s.reg.CheckAppendMulti(parts); err != nil {
		return nil, err
	}
	if !s.enter() {
		return nil, events.ErrClosed
	}
	defer s.leave()
	for attempt := 1; ; attempt++ {
		res, err := s.appendMultiOnce(ctx, parts)
		var pe *pgconn.PgError
		if errors.As(err, &pe) && pe.Code == "23505" && pe.ConstraintName == "events_event_id_key" && attempt < appendAttemptsMax {
			continue
		}
		if err != nil {
			return nil, err
		}
		s.notify.Advance(res[len(res)-1].Position)
		return res, nil
	}
}

func (s *Store) appendMultiOnce(ctx context.Context, parts []events.StreamAppend) (res []events.AppendResult, err error) {
	conn, err := s.pool.Acquire(ctx)
	if err != nil {
		return nil, s.fail(ctx, "append", err)
	}
	defer conn.Release()
	defer func() {
		if err != nil {
			rollback(ctx, conn)
		}
	}()
	order := make([]int, len(parts))
	for i := range order {
		order[i] = i
	}
	slices.SortFunc(order, func(a, b int) int { return strings.Compare(parts[a].Stream, parts[b].Stream) })

	b := &pgx.Batch{}
	b.Queue("BEGIN")
	versions := make([]int64, len(parts))
	for _, i := range order {
		b.Queue(s.q.newStream, parts[i].Stream)
		b.Queue(s.q.lockStream, parts[i].Stream).QueryRow(func(r pgx.Row) error { return r.Scan(&versions[i]) })
	}
	var all []events.Event
	for _, p := range parts {
		all = append(all, p.Events...)
	}
	stored := map[events.ID]events.Event{}
	b.Queue(s.q.lookup, columns(all).ids).Query(func(rows pgx.Rows) error {
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
		return nil, s.fail(ctx, "append", err)
	}
	res, retry, err := events.CheckRetryMulti(parts, func(id events.ID) (events.Event, bool, error) {
		ev, ok := stored[id]
		return ev, ok, nil
	})
	if err != nil || retry {
		rollback(ctx, conn)
		return res, err
	}
	for i, p := range parts {
		if err := p.Expected.Check(p.Stream, uint64(versions[i])); err != nil {
			return nil, err
		}
	}

	res = make([]events.AppendResult, len(parts))
	lasts := make([]int64, len(parts))
	b = &pgx.Batch{}
	for i, p := range parts {
		cur, n := versions[i], int64(len(p.Events))
		cols := columns(p.Events)
		b.Queue(s.q.setVersion, p.Stream, cur+n)
		b.Queue(s.q.add, p.Stream, cur, n, cols.ids, cols.types, cols.data,
			cols.actorIDs, cols.roles, cols.jurisdictions, cols.idempotencyKeys, cols.correlationIDs,
			cols.causationIDs, cols.occurredAts, s.q.channel, cols.backfills).
			QueryRow(func(r pgx.Row) error { return r.Scan(&lasts[i], nil) })
	}
	b.Queue("COMMIT")
	if err := conn.SendBatch(ctx, b).Close(); err != nil {
		return nil, s.fail(ctx, "append", err)
	}
	for i, p := range parts {
		n := uint64(len(p.Events))
		res[i] = events.AppendResult{Version: uint64(versions[i]) + n, Position: uint64(lasts[i]), First: uint64(lasts[i]) - n + 1}
	}
	return res, nil
}
