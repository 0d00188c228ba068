package postgres_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/drip-ledger/drip/events"
	"github.com/drip-ledger/drip/events/postgres"
	"github.com/drip-ledger/drip/events/storetest"
)

// The crash test is storetest.RunCrash: a writer in a child process (this
// test binary, with -test.run=TestCrashWriter) killed with SIGKILL at random
// moments, then, after each kill, the store must open and hold every append
// the child saw acknowledged, exactly once, at the place it was told, with a
// dense log and contiguous stream versions. What is PostgreSQL's own: each
// run has its own schema; the first kills come early, often while the child
// is still migrating; the child tags its connections with the schema as
// application_name, and the parent waits for the killed child's server
// backends to end before it checks.

// crashDrainS bounds the wait for a killed child's server backends to
// finish: one blocked on a lock learns that its client is gone only when it
// gets the lock, and may still commit what was pipelined to it.
const crashDrainS = 15

// withAppName tags the child's connections, so the parent can wait for them
// to end.
func withAppName(dsn, name string) string {
	if strings.HasPrefix(dsn, "postgres://") || strings.HasPrefix(dsn, "postgresql://") {
		sep := "?"
		if strings.Contains(dsn, "?") {
			sep = "&"
		}
		return dsn + sep + "application_name=" + name
	}
	return dsn + " application_name=" + name
}

// TestCrashWriter is the child: it appends until it is killed.
func TestCrashWriter(t *testing.T) {
	storetest.CrashChild(t, func(ctx context.Context, schema string) (events.Store, error) {
		return postgres.Open(ctx, withAppName(dsn(t), schema), storetest.Registry(),
			postgres.Options{Schema: schema, Logger: quiet, ConnsMax: 8})
	})
}

func TestCrash(t *testing.T) {
	d := dsn(t)
	schema := newSchema(t, d)
	storetest.RunCrash(t, storetest.Crash{
		Child:      "TestCrashWriter",
		Target:     schema,
		Kills:      24,
		EarlyKills: 3,
		Settle:     func(t *testing.T) { waitForBackends(t, d, schema) },
		Open: func(t *testing.T) events.Store {
			return open(t, d, schema, postgres.Options{ConnsMax: 2})
		},
	})
}

// waitForBackends waits until the killed child's server backends are gone,
// so that none commits behind the next child's back.
func waitForBackends(t *testing.T, dsn, schema string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), crashDrainS*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(context.Background())
	for {
		var n int
		if err := conn.QueryRow(ctx, "SELECT count(*) FROM pg_stat_activity WHERE application_name = $1", schema).Scan(&n); err != nil {
			t.Fatalf("waiting for the killed child's backends: %v", err)
		}
		if n == 0 {
			return
		}
		time.Sleep(10 * time.Millisecond)
	}
}
