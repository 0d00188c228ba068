package pgmodels_test

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"log/slog"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/drip-ledger/drip/events/postgres"
	"github.com/drip-ledger/drip/events/storetest"
	"github.com/drip-ledger/drip/projections/modelstore"
	"github.com/drip-ledger/drip/projections/modelstore/modeltest"
	"github.com/drip-ledger/drip/projections/modelstore/pgmodels"
)

// envDSN names the test database, e.g.
// postgres://postgres@127.0.0.1:5432/test?sslmode=disable.
const envDSN = "DRIP_TEST_POSTGRES"

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
// when t ends: the database is shared, so every test keeps to its own.
func newSchema(t testing.TB, dsn string) string {
	t.Helper()
	var b [6]byte
	rand.Read(b[:])
	schema := "drip_test_" + hex.EncodeToString(b[:])
	t.Cleanup(func() {
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
	})
	return schema
}

func open(t testing.TB, dsn, schema string) *pgmodels.Store {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	s, err := pgmodels.Open(ctx, dsn, pgmodels.Options{Schema: schema, ConnsMax: 8})
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func TestConformance(t *testing.T) {
	d := dsn(t)
	modeltest.Run(t, func(t *testing.T) modelstore.Store { return open(t, d, newSchema(t, d)) })
}

func TestOpenRefusesBadOptionsAllAtOnce(t *testing.T) {
	_, err := pgmodels.Open(t.Context(), "postgres://nowhere.invalid/x", pgmodels.Options{Schema: "Bad-Name", ConnsMax: -1})
	for _, want := range []string{"Schema", "ConnsMax"} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("error does not name %s: %v", want, err)
		}
	}
}

// Two processes that open one schema at once both migrate it, and a
// second open finds the tables and the data there.
func TestOpenTwiceSharesTheTables(t *testing.T) {
	d := dsn(t)
	schema := newSchema(t, d)
	errs := make(chan error, 2)
	for range 2 {
		go func() {
			s, err := pgmodels.Open(t.Context(), d, pgmodels.Options{Schema: schema})
			if err == nil {
				s.Close()
			}
			errs <- err
		}()
	}
	for range 2 {
		if err := <-errs; err != nil {
			t.Fatalf("concurrent Open: %v", err)
		}
	}
	a, b := open(t, d, schema), open(t, d, schema)
	var batch modelstore.Batch
	batch.Put([]byte("k"), []byte("v"))
	if err := a.Commit(t.Context(), "m", &batch, 3); err != nil {
		t.Fatal(err)
	}
	if v, ok, err := b.Get(t.Context(), "m", []byte("k")); err != nil || !ok || string(v) != "v" {
		t.Errorf("the other process reads %q, %v, %v", v, ok, err)
	}
	if err := b.Commit(t.Context(), "m", &batch, 3); err != modelstore.ErrCheckpoint {
		t.Errorf("the other process's commit at the same checkpoint: %v, want ErrCheckpoint", err)
	}
}

// The read models live in the event store's schema (the default of both):
// opened before or after the store, at once or in turns, both work.
func TestSharesTheEventStoresSchema(t *testing.T) {
	d := dsn(t)
	for _, modelsFirst := range []bool{true, false} {
		schema := newSchema(t, d)
		var ms *pgmodels.Store
		if modelsFirst {
			ms = open(t, d, schema)
		}
		es, err := postgres.Open(t.Context(), d, storetest.Registry(), postgres.Options{Schema: schema, Logger: slog.New(slog.DiscardHandler)})
		if err != nil {
			t.Fatalf("events/postgres after the models: %v", err)
		}
		defer es.Close()
		if !modelsFirst {
			ms = open(t, d, schema)
		}
		if err := ms.Commit(t.Context(), "m", nil, 1); err != nil {
			t.Errorf("Commit beside the event store: %v", err)
		}
		if h, err := es.Head(t.Context()); err != nil || h != 0 {
			t.Errorf("the event store's head beside the models: %d, %v", h, err)
		}
	}
}
