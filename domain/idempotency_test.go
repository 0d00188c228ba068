package domain_test

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/drip-ledger/drip/domain"
	"github.com/drip-ledger/drip/events"
	"github.com/drip-ledger/drip/events/storetest"
)

// keyedExecutor is an executor of a deployment that keeps keys on their own
// streams; now is the store's clock.
func keyedExecutor(t *testing.T, now *time.Time) (*domain.Executor, events.Store) {
	t.Helper()
	reg := storetest.Registry()
	domain.RegisterIdempotency(reg)
	store := events.NewMemoryStore(reg, func() time.Time { return *now })
	t.Cleanup(func() { store.Close() })
	x, err := domain.NewExecutor(store, reg, func() (events.ID, error) { return events.NewID(nil) })
	if err != nil {
		t.Fatal(err)
	}
	x.RetriesMax = 200
	return x, store
}

func reqAt(key, fp string, at time.Time) domain.Request {
	r := req(key, fp)
	r.At = at
	return r
}

// Given a key used on stream c-1, when the same actor sends it for another
// stream (another complaint ID or file number), then it is refused as
// reused and nothing is written; the same request on c-1 is replayed; after
// the retention, the key may name a new request.
func TestIdempotencyKeyIsHeldAcrossTheDeployment(t *testing.T) {
	now := time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)
	x, store := keyedExecutor(t, &now)
	ctx := context.Background()
	if _, err := domain.Execute(ctx, x, reqAt("k-1", "body-a", now), "c-1", counter, noteIfBelow(5)); err != nil {
		t.Fatal(err)
	}
	head, _ := store.Head(ctx)
	_, err := domain.Execute(ctx, x, reqAt("k-1", "body-b", now), "c-2", counter, noteIfBelow(5))
	if got := domain.Codes(err); len(got) != 1 || got[0] != "idempotency_key_reused" {
		t.Fatalf("key on another stream = %v; want idempotency_key_reused", err)
	}
	if h, _ := store.Head(ctx); h != head {
		t.Errorf("head moved from %d to %d", head, h)
	}
	again, err := domain.Execute(ctx, x, reqAt("k-1", "body-a", now), "c-1", counter, noteIfBelow(5))
	if err != nil || !again.Replayed {
		t.Fatalf("same request again = %+v, %v; want a replay", again, err)
	}
	// Another actor's key of the same text is another key.
	other := reqAt("k-1", "body-b", now)
	other.Actor.ID = "clerk-2"
	if _, err := domain.Execute(ctx, x, other, "c-2", counter, noteIfBelow(5)); err != nil {
		t.Fatalf("another actor's key: %v", err)
	}
	later := now.Add(domain.IdempotencyRetention + time.Minute)
	now = later
	if _, err := domain.Execute(ctx, x, reqAt("k-1", "body-c", later), "c-3", counter, noteIfBelow(5)); err != nil {
		t.Fatalf("the key after its retention: %v", err)
	}
}

// 100 requests racing with one key for 100 streams: exactly one writes.
func TestRacingRequestsWithOneKeyWriteOnce(t *testing.T) {
	now := time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)
	x, store := keyedExecutor(t, &now)
	const requests = 100
	var wg sync.WaitGroup
	errs := make([]error, requests)
	for i := range requests {
		wg.Go(func() {
			_, errs[i] = domain.Execute(context.Background(), x, reqAt("k-race", fmt.Sprint("body-", i), now), fmt.Sprintf("c-%d", i), counter, noteIfBelow(5))
		})
	}
	wg.Wait()
	wins := 0
	for i, err := range errs {
		switch got := domain.Codes(err); {
		case err == nil:
			wins++
		case len(got) == 1 && got[0] == "idempotency_key_reused":
		default:
			t.Errorf("request %d: %v", i, err)
		}
	}
	all, _ := store.ReadAll(context.Background(), 1, 1000)
	notes := 0
	for _, ev := range all {
		if ev.Type == storetest.TypeNoted {
			notes++
		}
	}
	if wins != 1 || notes != 1 {
		t.Fatalf("%d requests succeeded, %d notes written; want 1 and 1", wins, notes)
	}
}
