package postgres

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"
)

// DropSchema drops schema and everything in it: for tools that made a
// throw-away store (drip bench) and must leave the database as they found
// it. It refuses the default schema, whose loss would be a deployment's log.
func DropSchema(ctx context.Context, dsn, schema string) error {
	if schema == "" || schema == SchemaDefault {
		return fmt.Errorf("postgres: DropSchema refuses %q: only a throw-away schema may be dropped", schema)
	}
	conn, err := pgx.Connect(ctx, dsn)
	if err != nil {
		return fmt.Errorf("postgres: drop schema %s: %w", schema, err)
	}
	defer conn.Close(ctx)
	if _, err := conn.Exec(ctx, "DROP SCHEMA IF EXISTS "+pgx.Identifier{schema}.Sanitize()+" CASCADE"); err != nil {
		return fmt.Errorf("postgres: drop schema %s: %w", schema, err)
	}
	return nil
}
