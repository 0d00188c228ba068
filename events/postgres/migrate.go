package postgres

import (
	"context"
	"embed"
	"fmt"
	"io/fs"
	"sort"
	"strconv"
	"strings"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
)

// migrations are applied in the order of their names, each once, recorded in
// the schema's schema_migrations table. A released migration is never edited:
// a change is a new file.
//
//go:embed migrations/*.sql
var migrations embed.FS

// migrateLockKey is the first key of the advisory lock that serialises
// migrations; the second is the schema name's hash, so stores in other
// schemas migrate independently.
const migrateLockKey = 0x64726970 // "drip"

// migration is one file of migrations/, numbered by its name's prefix.
type migration struct {
	version int
	name    string
	sql     string
}

// migrate brings schema up to date in one transaction. The advisory lock
// makes two processes that start at once take turns: the second finds the
// first's work recorded and applies nothing. A crash mid-way rolls the whole
// transaction back.
func migrate(ctx context.Context, pool *pgxpool.Pool, schema string) error {
	ms, err := loadMigrations()
	if err != nil {
		return err
	}
	tx, err := pool.Begin(ctx)
	if err != nil {
		return fmt.Errorf("postgres: migrate: %w", err)
	}
	defer tx.Rollback(context.WithoutCancel(ctx))
	ident := pgx.Identifier{schema}.Sanitize()
	steps := []string{
		fmt.Sprintf("SELECT pg_advisory_xact_lock(%d, hashtext(%s))", migrateLockKey, quoteLiteral(schema)),
		"CREATE SCHEMA IF NOT EXISTS " + ident,
		"SET LOCAL search_path TO " + ident,
		`CREATE TABLE IF NOT EXISTS schema_migrations (
			version    integer     PRIMARY KEY,
			name       text        NOT NULL,
			applied_at timestamptz NOT NULL DEFAULT now())`,
	}
	for _, q := range steps {
		if _, err := tx.Exec(ctx, q); err != nil {
			return fmt.Errorf("postgres: migrate %s: %w", schema, err)
		}
	}
	rows, err := tx.Query(ctx, "SELECT version FROM schema_migrations")
	if err != nil {
		return fmt.Errorf("postgres: migrate %s: %w", schema, err)
	}
	done, err := pgx.CollectRows(rows, pgx.RowTo[int])
	if err != nil {
		return fmt.Errorf("postgres: migrate %s: %w", schema, err)
	}
	applied := map[int]bool{}
	for _, v := range done {
		applied[v] = true
	}
	for _, m := range ms {
		if applied[m.version] {
			continue
		}
		// No arguments: the simple protocol runs a file of several
		// statements in one call.
		if _, err := tx.Exec(ctx, m.sql); err != nil {
			return fmt.Errorf("postgres: migrate %s: %s: %w", schema, m.name, err)
		}
		if _, err := tx.Exec(ctx, "INSERT INTO schema_migrations (version, name) VALUES ($1, $2)", m.version, m.name); err != nil {
			return fmt.Errorf("postgres: migrate %s: %s: %w", schema, m.name, err)
		}
	}
	if err := tx.Commit(ctx); err != nil {
		return fmt.Errorf("postgres: migrate %s: commit: %w", schema, err)
	}
	return nil
}

func loadMigrations() ([]migration, error) {
	names, err := fs.Glob(migrations, "migrations/*.sql")
	if err != nil {
		return nil, err
	}
	sort.Strings(names)
	ms := make([]migration, 0, len(names))
	for _, path := range names {
		name := strings.TrimPrefix(path, "migrations/")
		num, _, _ := strings.Cut(name, "_")
		v, err := strconv.Atoi(num)
		if err != nil || v < 1 {
			return nil, fmt.Errorf("postgres: migration %s: name must start with a number from 1 and _", name)
		}
		if len(ms) > 0 && ms[len(ms)-1].version >= v {
			return nil, fmt.Errorf("postgres: migration %s: number %d repeats or goes back", name, v)
		}
		b, err := migrations.ReadFile(path)
		if err != nil {
			return nil, err
		}
		ms = append(ms, migration{version: v, name: name, sql: string(b)})
	}
	return ms, nil
}

// quoteLiteral quotes s as an SQL string literal. Schema names are checked by
// Options.Validate; quoting is belt and braces.
func quoteLiteral(s string) string {
	return "'" + strings.ReplaceAll(s, "'", "''") + "'"
}
