package postgres

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/drip-ledger/drip/events"
)

var _ events.Importer = (*Store)(nil)

// Import implements events.Importer in one transaction: the head row is
// locked first (so no Append can interleave), every run's stream version
// and the IDs are checked, and the events are inserted at the positions,
// versions and recorded times they carry. An import here is atomic as a
// whole, more than the contract asks.
func (s *Store) Import(ctx context.Context, evs []events.Event) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if !s.enter() {
		return events.ErrClosed
	}
	defer s.leave()
	tx, err := s.pool.BeginTx(ctx, pgx.TxOptions{})
	if err != nil {
		return s.fail(ctx, "import", err)
	}
	defer func() { _ = tx.Rollback(context.WithoutCancel(ctx)) }()
	var head int64
	if err := tx.QueryRow(ctx, s.q.lockHead()).Scan(&head); err != nil {
		return s.fail(ctx, "import", err)
	}
	if err := s.reg.CheckImport(uint64(head), evs); err != nil {
		return err
	}
	if err := s.importRuns(ctx, tx, evs); err != nil {
		return err
	}
	last := evs[len(evs)-1]
	if _, err := tx.Exec(ctx, s.q.importHead(), int64(last.Position), events.RecordedTime(last.RecordedAt), s.q.channel); err != nil {
		return s.fail(ctx, "import", err)
	}
	if err := tx.Commit(ctx); err != nil {
		return s.fail(ctx, "import", err)
	}
	s.notify.Advance(last.Position)
	return nil
}

func (s *Store) importRuns(ctx context.Context, tx pgx.Tx, evs []events.Event) error {
	cols := columns(evs)
	var taken int
	if err := tx.QueryRow(ctx, s.q.countIDs(), cols.ids).Scan(&taken); err != nil {
		return s.fail(ctx, "import", err)
	}
	if taken > 0 {
		return fmt.Errorf("postgres: import: %d of the events' IDs are already in the log: %w", taken, events.ErrIDConflict)
	}
	var ps events.Problems
	for _, run := range events.ImportRuns(evs) {
		first, lastV := run[0], run[len(run)-1].Version
		var version int64
		if _, err := tx.Exec(ctx, s.q.newStream, first.Stream); err != nil {
			return s.fail(ctx, "import", err)
		}
		if err := tx.QueryRow(ctx, s.q.lockStream, first.Stream).Scan(&version); err != nil {
			return s.fail(ctx, "import", err)
		}
		if uint64(version)+1 != first.Version {
			ps.Addf("events", "stream %q is at version %d; the import continues it at %d", first.Stream, version, first.Version)
			continue
		}
		if _, err := tx.Exec(ctx, s.q.setVersion, first.Stream, int64(lastV)); err != nil {
			return s.fail(ctx, "import", err)
		}
	}
	if err := ps.Err(); err != nil {
		return err
	}
	positions, streams, versions := make([]int64, len(evs)), make([]string, len(evs)), make([]int64, len(evs))
	recorded := make([]time.Time, len(evs))
	for i, ev := range evs {
		positions[i], streams[i], versions[i] = int64(ev.Position), ev.Stream, int64(ev.Version)
		recorded[i] = events.RecordedTime(ev.RecordedAt)
	}
	_, err := tx.Exec(ctx, s.q.importEvents(), positions, streams, versions, cols.ids, cols.types, cols.data,
		cols.actorIDs, cols.roles, cols.jurisdictions, cols.idempotencyKeys, cols.correlationIDs,
		cols.causationIDs, cols.occurredAts, recorded, cols.backfills)
	if err != nil {
		return s.fail(ctx, "import", err)
	}
	return nil
}

func (q queries) lockHead() string {
	return `SELECT position FROM "` + q.schema + `".head FOR UPDATE`
}

func (q queries) countIDs() string {
	return `SELECT count(*) FROM "` + q.schema + `".events WHERE event_id = ANY($1)`
}

func (q queries) importHead() string {
	return `WITH h AS (UPDATE "` + q.schema + `".head SET position = $1, recorded_at = greatest(recorded_at, $2) RETURNING position)
		SELECT pg_notify($3, position::text) FROM h`
}

func (q queries) importEvents() string {
	return `INSERT INTO "` + q.schema + `".events (` + eventCols + `)
		SELECT * FROM unnest($1::bigint[], $2::text[], $3::bigint[], $4::uuid[], $5::text[], $6::bytea[],
			$7::bytea[], $8::bytea[], $9::bytea[], $10::bytea[], $11::bytea[], $12::bytea[],
			$13::timestamptz[], $14::timestamptz[], $15::boolean[])`
}
