package postgres_test

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"io"
	"log/slog"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/drip-ledger/drip/events"
	"github.com/drip-ledger/drip/events/postgres"
	"github.com/drip-ledger/drip/events/storetest"
)

// envDSN names the test database, e.g.
// postgres://postgres@127.0.0.1:5432/test?sslmode=disable.
const envDSN = "DRIP_TEST_POSTGRES"

// quiet keeps expected reconnection warnings out of the test output.
var quiet = slog.New(slog.NewTextHandler(io.Discard, nil))

// dsn returns the test database, skips without one, and fails without one
// under CI=true.
func dsn(t testing.TB) string {
	t.Helper()
	d := os.Getenv(envDSN)
	if d == "" {
		if os.Getenv("CI") == "true" {
			t.Fatalf("CI must provide PostgreSQL: set %s", envDSN)
		}
		t.Skipf("no PostgreSQL: set %s to run (e.g. postgres://postgres@127.0.0.1:5432/test?sslmode=disable)", envDSN)
	}
	return d
}

// newSchema returns a schema name no other test uses and drops the schema
// when t ends; the database is shared, so every test keeps to its own.
func newSchema(t testing.TB, dsn string) string {
	t.Helper()
	var b [6]byte
	rand.Read(b[:])
	schema := "drip_test_" + hex.EncodeToString(b[:])
	t.Cleanup(func() { dropSchema(t, dsn, schema) })
	return schema
}

func dropSchema(t testing.TB, dsn, schema string) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, dsn)
	if err != nil {
		t.Errorf("drop schema %s: %v", schema, err)
		return
	}
	defer conn.Close(ctx)
	if _, err := conn.Exec(ctx, "DROP SCHEMA IF EXISTS "+pgx.Identifier{schema}.Sanitize()+" CASCADE"); err != nil {
		t.Errorf("drop schema %s: %v", schema, err)
	}
}

// open opens a store in schema and closes it when t ends.
func open(t testing.TB, dsn, schema string, opts postgres.Options) *postgres.Store {
	t.Helper()
	opts.Schema = schema
	if opts.Logger == nil {
		opts.Logger = quiet
	}
	if opts.ConnsMax == 0 {
		opts.ConnsMax = 8
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	s, err := postgres.Open(ctx, dsn, storetest.Registry(), opts)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func TestConformance(t *testing.T) {
	d := dsn(t)
	storetest.Run(t, func(t *testing.T, reg *events.Registry) events.Store {
		schema := newSchema(t, d)
		s, err := postgres.Open(t.Context(), d, reg, postgres.Options{Schema: schema, Logger: quiet, ConnsMax: 8})
		if err != nil {
			t.Fatal(err)
		}
		return s
	})
}

func TestOpenRefusesBadOptionsAllAtOnce(t *testing.T) {
	_, err := postgres.Open(t.Context(), "postgres://nowhere.invalid/x", nil,
		postgres.Options{Schema: "Bad-Name", ConnsMax: -1, PollInterval: time.Nanosecond})
	if err == nil {
		t.Fatal("Open accepted a nil registry and bad options")
	}
	for _, want := range []string{"registry", "Schema", "ConnsMax", "PollInterval"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error does not name %s: %v", want, err)
		}
	}
}

func TestOptionsZeroIsValid(t *testing.T) {
	if err := (postgres.Options{}).Validate(); err != nil {
		t.Errorf("zero Options: %v", err)
	}
}

// Two processes that start at once must both open the store, and the
// migrations must run once.
func TestConcurrentOpenMigratesOnce(t *testing.T) {
	d := dsn(t)
	schema := newSchema(t, d)
	const openers = 6
	var wg sync.WaitGroup
	errs := make([]error, openers)
	for i := range openers {
		wg.Go(func() {
			s, err := postgres.Open(t.Context(), d, storetest.Registry(), postgres.Options{Schema: schema, Logger: quiet, ConnsMax: 2})
			if err == nil {
				s.Close()
			}
			errs[i] = err
		})
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		t.Fatalf("concurrent Open: %v", err)
	}
	conn, err := pgx.Connect(t.Context(), d)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(context.Background())
	var n, distinct int
	err = conn.QueryRow(t.Context(), "SELECT count(*), count(DISTINCT version) FROM "+pgx.Identifier{schema, "schema_migrations"}.Sanitize()).Scan(&n, &distinct)
	if err != nil {
		t.Fatal(err)
	}
	if n == 0 || n != distinct {
		t.Errorf("schema_migrations has %d rows, %d versions; want each migration once", n, distinct)
	}
	// Reopening applies nothing and keeps the data.
	s := open(t, d, schema, postgres.Options{})
	if _, err := s.Append(t.Context(), "reopen-1", events.NoStream, note("reopen", 1)); err != nil {
		t.Fatal(err)
	}
	s.Close()
	s = open(t, d, schema, postgres.Options{})
	if h, err := s.Head(t.Context()); err != nil || h != 1 {
		t.Errorf("after reopening: Head = %d, %v; want 1", h, err)
	}
}
