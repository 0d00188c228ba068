package postgres_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/drip-ledger/drip/events"
	"github.com/drip-ledger/drip/events/postgres"
	"github.com/drip-ledger/drip/events/storetest"
)

// A subscriber whose listening connection is cut loses the notifications
// sent meanwhile; it must still receive every event, by polling and by
// reading the head when it reconnects, and the listener must come back.
func TestSubscriberSurvivesLostNotifications(t *testing.T) {
	d := dsn(t)
	schema := newSchema(t, d)
	w := open(t, d, schema, postgres.Options{})
	ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
	defer cancel()
	// The reader's connections carry the schema as application_name, so
	// its listener can be found and cut.
	r, err := postgres.Open(ctx, withAppName(d, schema), storetest.Registry(),
		postgres.Options{Schema: schema, Logger: quiet, ConnsMax: 2, PollInterval: 50 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	sub, err := r.Subscribe(ctx, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer sub.Close()
	conn, err := pgx.Connect(ctx, d)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(context.Background())
	listener := schema + " drip-listener"
	const rounds, perRound = 5, 20
	var last events.ID
	for round := range rounds {
		waitForBackend(ctx, t, conn, listener)
		var cut int
		if err := conn.QueryRow(ctx, `SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE application_name = $1`, listener).Scan(&cut); err != nil {
			t.Fatal(err)
		}
		if cut != 1 {
			t.Fatalf("round %d: cut %d listeners; want 1", round, cut)
		}
		for i := range perRound {
			ev := note(fmt.Sprintf("lost-%d-%d", round, i), 20)
			if _, err := w.Append(ctx, fmt.Sprint("lost-", i%3), events.Any, ev); err != nil {
				t.Fatal(err)
			}
			last = ev.ID
		}
	}
	got := collect(t, sub, last, 10*time.Second)
	if len(got) != rounds*perRound {
		t.Errorf("subscriber got %d events; want %d", len(got), rounds*perRound)
	}
	waitForBackend(ctx, t, conn, listener)
}

// waitForBackend waits until a backend with application_name name is
// connected.
func waitForBackend(ctx context.Context, t *testing.T, conn *pgx.Conn, name string) {
	t.Helper()
	for {
		var n int
		err := conn.QueryRow(ctx, `SELECT count(*) FROM pg_stat_activity WHERE application_name = $1`, name).Scan(&n)
		if err != nil {
			t.Fatalf("waiting for %s to connect: %v", name, err)
		}
		if n > 0 {
			return
		}
		time.Sleep(10 * time.Millisecond)
	}
}
