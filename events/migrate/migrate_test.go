package migrate_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/drip-ledger/drip/events"
	"github.com/drip-ledger/drip/events/migrate"
	"github.com/drip-ledger/drip/events/storetest"
)

func source(t *testing.T, n int) *events.MemoryStore {
	t.Helper()
	tick := time.Date(2024, 2, 3, 4, 5, 6, 0, time.UTC)
	s := events.NewMemoryStore(storetest.Registry(), func() time.Time { tick = tick.Add(time.Millisecond); return tick })
	for i := range n {
		data, _ := json.Marshal(storetest.Noted{Text: "t", N: i})
		ev := events.Event{ID: events.DeriveID(events.NilID, fmt.Sprint(t.Name(), i)), Type: storetest.TypeNoted, Data: data,
			Meta: events.Metadata{ActorID: "a", OccurredAt: tick}}
		if _, err := s.Append(context.Background(), fmt.Sprint("s-", i%7), events.Any, ev); err != nil {
			t.Fatal(err)
		}
	}
	return s
}

func TestCopyKeepsTheLog(t *testing.T) {
	ctx := context.Background()
	src := source(t, 250)
	dst := events.NewMemoryStore(storetest.Registry(), nil)
	var calls int
	rep, err := migrate.Copy(ctx, src, dst, migrate.Options{BatchEvents: 60, Progress: func(done, total uint64) { calls++ }})
	if err != nil || rep.Events != 250 || calls != 5 {
		t.Fatalf("Copy = %+v, %v after %d progress calls", rep, err, calls)
	}
	want, _ := src.ReadAll(ctx, 1, 1000)
	got, _ := dst.ReadAll(ctx, 1, 1000)
	if diff := cmp.Diff(want, got); diff != "" {
		t.Fatalf("copy differs:\n%s", diff)
	}
	if _, err := migrate.Copy(ctx, src, dst, migrate.Options{}); !errors.Is(err, migrate.ErrNotEmpty) {
		t.Errorf("Copy into a full store = %v, want ErrNotEmpty", err)
	}
}

type appendOnly struct{ events.Store }

func TestCopyNeedsAnImporter(t *testing.T) {
	dst := appendOnly{events.NewMemoryStore(storetest.Registry(), nil)}
	if _, err := migrate.Copy(context.Background(), source(t, 3), dst, migrate.Options{}); !errors.Is(err, migrate.ErrNoImport) {
		t.Errorf("Copy = %v, want ErrNoImport", err)
	}
}
