package postgres_test

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/drip-ledger/drip/events"
	"github.com/drip-ledger/drip/events/embedded"
	"github.com/drip-ledger/drip/events/migrate"
	"github.com/drip-ledger/drip/events/postgres"
	"github.com/drip-ledger/drip/events/storetest"
	"github.com/google/go-cmp/cmp"
)

// TestMigrationToPostgresAndBackKeepsTheLog copies a log of many streams
// from the embedded store into PostgreSQL and back into a second embedded
// store: all three logs are the same, event by event, recorded times and
// payload bytes included (and so is any hash over them).
func TestMigrationToPostgresAndBackKeepsTheLog(t *testing.T) {
	d := dsn(t)
	ctx := context.Background()
	clock := time.Date(2016, 3, 1, 8, 0, 0, 0, time.UTC)
	src, err := embedded.Open(t.TempDir(), storetest.Registry(), embedded.Options{Now: func() time.Time { clock = clock.Add(time.Second); return clock }})
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	for i := range 600 {
		stream := fmt.Sprintf("household-5205261042%02d-0001", i%37)
		ev := note(fmt.Sprintf("m-%d", i), 100+i%200)
		if i%5 == 0 {
			_, err = src.Append(ctx, stream, events.Any, ev, note(fmt.Sprintf("m-%d-b", i), 50))
		} else {
			_, err = src.Append(ctx, stream, events.Any, ev)
		}
		if err != nil {
			t.Fatal(err)
		}
	}
	pg := open(t, d, newSchema(t, d), postgres.Options{})
	if _, err := migrate.Copy(ctx, src, pg, migrate.Options{BatchEvents: 250}); err != nil {
		t.Fatalf("embedded → postgres: %v", err)
	}
	back, err := embedded.Open(t.TempDir(), storetest.Registry(), embedded.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer back.Close()
	if _, err := migrate.Copy(ctx, pg, back, migrate.Options{}); err != nil {
		t.Fatalf("postgres → embedded: %v", err)
	}
	want := readAll(t, src)
	for name, s := range map[string]events.Store{"postgres": pg, "embedded again": back} {
		if diff := cmp.Diff(want, readAll(t, s)); diff != "" {
			t.Errorf("%s log differs (-source +copy):\n%s", name, diff)
		}
	}
	// The copy goes on like the original: the next append follows it.
	res, err := pg.Append(ctx, "household-520526104200-0001", events.Any, note("after", 10))
	if err != nil || res.Position != uint64(len(want))+1 {
		t.Fatalf("append after import = %+v, %v", res, err)
	}
}

func TestImportRefusesWhatDoesNotContinueTheLog(t *testing.T) {
	d := dsn(t)
	ctx := context.Background()
	pg := open(t, d, newSchema(t, d), postgres.Options{})
	if _, err := pg.Append(ctx, "s-1", events.Any, note("first", 10)); err != nil {
		t.Fatal(err)
	}
	at := time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC)
	gap := note("gap", 10)
	gap.Stream, gap.Version, gap.Position, gap.RecordedAt = "s-2", 1, 5, at
	if err := pg.Import(ctx, []events.Event{gap}); !errors.Is(err, events.ErrInvalid) {
		t.Errorf("import at a gap = %v", err)
	}
	wrongVersion := note("v", 10)
	wrongVersion.Stream, wrongVersion.Version, wrongVersion.Position, wrongVersion.RecordedAt = "s-1", 1, 2, at
	if err := pg.Import(ctx, []events.Event{wrongVersion}); !errors.Is(err, events.ErrInvalid) {
		t.Errorf("import over version 1 of s-1 = %v", err)
	}
	dup := note("first", 10)
	dup.Stream, dup.Version, dup.Position, dup.RecordedAt = "s-3", 1, 2, at
	if err := pg.Import(ctx, []events.Event{dup}); !errors.Is(err, events.ErrIDConflict) {
		t.Errorf("import of a stored ID = %v", err)
	}
	if h, _ := pg.Head(ctx); h != 1 {
		t.Fatalf("head = %d after refused imports", h)
	}
}
