package domain_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"

	"github.com/drip-ledger/drip/domain"
	"github.com/drip-ledger/drip/events"
	"github.com/drip-ledger/drip/events/storetest"
)

// takeSlot records a fact on its own stream and takes one of capacity slots
// on the shared limit stream, in one decision.
func takeSlot(ctx context.Context, x *domain.Executor, r domain.Request, fact string, capacity int) (domain.Result, error) {
	var taken int
	views := []domain.View{
		{Stream: fact, Reset: func() {}, Evolve: func(events.Event, events.Payload) error { return nil }},
		{Stream: "limit", Reset: func() { taken = 0 }, Evolve: func(events.Event, events.Payload) error { taken++; return nil }},
	}
	return domain.ExecuteMulti(ctx, x, r, views, func() ([]domain.Emit, error) {
		if taken >= capacity {
			return nil, domain.Errorf("limit_reached", "%d of %d slots taken", taken, capacity)
		}
		return []domain.Emit{
			{Stream: fact, Payloads: []events.Payload{&storetest.Noted{Text: "fact"}}},
			{Stream: "limit", Payloads: []events.Payload{&storetest.Noted{Text: fact}}},
		}, nil
	})
}

func TestExecuteMultiRacingRequestsNeverExceedTheLimit(t *testing.T) {
	for _, capacity := range []int{1, 3} {
		t.Run(fmt.Sprint(capacity), func(t *testing.T) {
			x, store := newExecutor(t)
			x.RetriesMax = 200 // every loser re-decides until it sees the limit
			const writers = 100
			var wg sync.WaitGroup
			errs := make([]error, writers)
			for w := range writers {
				wg.Go(func() {
					_, errs[w] = takeSlot(t.Context(), x, req("", ""), fmt.Sprintf("fact-%d", w), capacity)
				})
			}
			wg.Wait()
			wins := 0
			for w, err := range errs {
				var de *domain.Error
				switch {
				case err == nil:
					wins++
				case errors.As(err, &de) && de.Code == "limit_reached":
				default:
					t.Errorf("writer %d: %v; want success or limit_reached", w, err)
				}
			}
			if wins != capacity {
				t.Errorf("%d of %d racing requests succeeded; want exactly %d", wins, writers, capacity)
			}
			limit, _ := store.ReadStream(t.Context(), "limit", 1, events.Forwards, 1000)
			if len(limit) != capacity {
				t.Errorf("limit stream has %d events; want %d", len(limit), capacity)
			}
		})
	}
}

func TestExecuteMultiRetryWithTheSameKeyWritesNothing(t *testing.T) {
	x, store := newExecutor(t)
	ctx := context.Background()
	first, err := takeSlot(ctx, x, req("k-1", "fp"), "fact-1", 5)
	if err != nil {
		t.Fatal(err)
	}
	again, err := takeSlot(ctx, x, req("k-1", "fp"), "fact-1", 5)
	if err != nil || !again.Replayed || again.Version != first.Version {
		t.Fatalf("retry = %+v, %v; want a replay of %+v", again, err, first)
	}
	if h, _ := store.Head(ctx); h != 2 {
		t.Errorf("head %d after a retry; want 2", h)
	}
}

func TestExecuteMultiResultHasEveryEventsPosition(t *testing.T) {
	x, store := newExecutor(t)
	ctx := context.Background()
	res, err := takeSlot(ctx, x, req("", ""), "fact-1", 1)
	if err != nil {
		t.Fatal(err)
	}
	all, _ := store.ReadAll(ctx, 1, 10)
	if len(res.Events) != 2 || len(all) != 2 {
		t.Fatalf("%d events in the result, %d in the log; want 2 and 2", len(res.Events), len(all))
	}
	at := map[events.ID]events.Event{}
	for _, ev := range all {
		at[ev.ID] = ev
	}
	for i, ev := range res.Events {
		if got := at[ev.ID]; ev.Position != got.Position || ev.Stream != got.Stream || ev.Version != got.Version {
			t.Errorf("result event %d at %s/%d; log has %s/%d", i, ev.Stream, ev.Position, got.Stream, got.Position)
		}
	}
	if res.Events[0].Stream != "fact-1" {
		t.Errorf("first result event on %s; want the command's own stream fact-1", res.Events[0].Stream)
	}
	if res.Position != 2 {
		t.Errorf("result position %d; want 2 (the call's last event)", res.Position)
	}
}
