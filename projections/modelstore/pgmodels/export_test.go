package pgmodels

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"

	"github.com/drip-ledger/drip/projections/modelstore"
)

// CommitByCopy is the alternative the benchmarks measure Commit's upsert
// from unnest against: the puts COPYed into a temporary table, then merged
// with one INSERT ... SELECT ... ON CONFLICT. Puts only, no fencing.
func CommitByCopy(ctx context.Context, s *Store, model string, b *modelstore.Batch, checkpoint uint64) error {
	tx, err := s.pool.Begin(ctx)
	if err != nil {
		return err
	}
	defer tx.Rollback(ctx)
	tag, err := tx.Exec(ctx, s.q.advance, model, int64(checkpoint))
	if err != nil {
		return err
	}
	if tag.RowsAffected() == 0 {
		return modelstore.ErrCheckpoint
	}
	if _, err := tx.Exec(ctx, "CREATE TEMP TABLE IF NOT EXISTS model_stage (key bytea, value bytea) ON COMMIT DELETE ROWS"); err != nil {
		return err
	}
	var rows [][]any
	b.Each(func(key, value []byte, del bool) error {
		if del {
			return fmt.Errorf("CommitByCopy: puts only")
		}
		rows = append(rows, []any{key, value})
		return nil
	})
	if _, err := tx.CopyFrom(ctx, pgx.Identifier{"model_stage"}, []string{"key", "value"}, pgx.CopyFromRows(rows)); err != nil {
		return err
	}
	if _, err := tx.Exec(ctx, "INSERT INTO "+s.q.keys+" (model, key, value) SELECT $1, key, value FROM model_stage "+
		"ON CONFLICT (model, key) DO UPDATE SET value = EXCLUDED.value", model); err != nil {
		return err
	}
	return tx.Commit(ctx)
}
