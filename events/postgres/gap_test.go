package postgres_test

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/drip-ledger/drip/events"
	"github.com/drip-ledger/drip/events/postgres"
)

// errAbandoned is what the hold hook returns to roll a held append back.
var errAbandoned = errors.New("test: append abandoned after holding its positions")

// TestLateCommitsAreNeverSkipped is the gap problem: many writers append
// while some of their transactions are held open after taking their
// positions (and some of those are then rolled back). Live subscribers, one
// on the writers' store and one on another Store over the same schema (as
// another process would be, woken by NOTIFY alone), must each receive every
// committed event exactly once, in order, at positions 1, 2, 3, ..., the late
// commits included; and while an append is held, no reader may see its
// positions.
func TestLateCommitsAreNeverSkipped(t *testing.T) {
	d := dsn(t)
	schema := newSchema(t, d)
	s := open(t, d, schema, postgres.Options{ConnsMax: 20})
	// The other reader polls only once a minute: it must be woken by
	// notifications from the writers' store.
	other := open(t, d, schema, postgres.Options{ConnsMax: 2, PollInterval: postgres.PollIntervalMax})
	ctx, cancel := context.WithTimeout(t.Context(), 60*time.Second)
	defer cancel()

	var held, abandoned, seenEarly atomic.Int64
	var holdErr sync.Once
	var firstHoldErr error
	postgres.SetHoldBeforeCommit(s, func(hctx context.Context, stream string, last uint64) error {
		if !strings.HasPrefix(stream, "held-") && !strings.HasPrefix(stream, "abandon-") {
			return nil
		}
		held.Add(1)
		time.Sleep(time.Duration(5+rand.IntN(40)) * time.Millisecond)
		// Held, positions taken: no reader sees them yet.
		if evs, err := other.ReadAll(hctx, last, 1); err != nil || len(evs) != 0 {
			seenEarly.Add(1)
			holdErr.Do(func() {
				firstHoldErr = fmt.Errorf("held position %d readable before commit: %d events, %v", last, len(evs), err)
			})
		}
		if h, err := other.Head(hctx); err != nil || h >= last {
			seenEarly.Add(1)
			holdErr.Do(func() { firstHoldErr = fmt.Errorf("Head %d (%v) while position %d is held", h, err, last) })
		}
		if strings.HasPrefix(stream, "abandon-") {
			abandoned.Add(1)
			return errAbandoned
		}
		return nil
	})

	subs := map[string]*events.Subscription{}
	for name, st := range map[string]*postgres.Store{"writers' store": s, "other store": other} {
		sub, err := st.Subscribe(ctx, 0)
		if err != nil {
			t.Fatal(err)
		}
		defer sub.Close()
		subs[name] = sub
	}

	const writers, appends = 16, 25
	var mu sync.Mutex
	acked := map[events.ID]bool{}
	dropped := map[events.ID]bool{}
	var wg sync.WaitGroup
	errs := make([]error, writers)
	for w := range writers {
		wg.Go(func() {
			for i := range appends {
				stream := fmt.Sprintf("plain-%d", w%4)
				switch i % 5 {
				case 1:
					stream = fmt.Sprintf("held-%d", w%3)
				case 3:
					if w%2 == 0 {
						stream = fmt.Sprintf("abandon-%d", w)
					}
				}
				evs := make([]events.Event, 1+i%3)
				for j := range evs {
					evs[j] = note(fmt.Sprintf("gap-w%d-i%d-e%d", w, i, j), 40)
				}
				_, err := s.Append(ctx, stream, events.Any, evs...)
				mu.Lock()
				for _, ev := range evs {
					if err == nil {
						acked[ev.ID] = true
					} else {
						dropped[ev.ID] = true
					}
				}
				mu.Unlock()
				if err != nil && !errors.Is(err, errAbandoned) {
					errs[w] = err
					return
				}
			}
		})
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		t.Fatal(err)
	}
	marker := note("gap-marker", 10)
	if _, err := s.Append(ctx, "marker", events.NoStream, marker); err != nil {
		t.Fatal(err)
	}
	acked[marker.ID] = true
	if seenEarly.Load() > 0 {
		t.Fatalf("%d reads saw a held append: first %v", seenEarly.Load(), firstHoldErr)
	}

	log := readAll(t, s)
	for i, ev := range log {
		if ev.Position != uint64(i)+1 {
			t.Fatalf("log[%d] at position %d: a gap", i, ev.Position)
		}
		if !acked[ev.ID] {
			t.Fatalf("position %d holds %s, which was not acknowledged (dropped: %v)", ev.Position, ev.Meta.CorrelationID, dropped[ev.ID])
		}
	}
	if len(log) != len(acked) {
		t.Fatalf("log has %d events; %d were acknowledged", len(log), len(acked))
	}
	for name, sub := range subs {
		got := collect(t, sub, marker.ID, 30*time.Second)
		if len(got) != len(log) {
			t.Fatalf("%s: subscriber got %d events; the log has %d", name, len(got), len(log))
		}
		for i, ev := range got {
			if ev.Position != log[i].Position || ev.ID != log[i].ID {
				t.Fatalf("%s: subscriber's event %d is %s at %d; the log has %s at %d", name, i,
					ev.Meta.CorrelationID, ev.Position, log[i].Meta.CorrelationID, log[i].Position)
			}
		}
	}
	t.Logf("%d events, %d appends held open (%d of them rolled back), %d events dropped", len(log), held.Load(), abandoned.Load(), len(dropped))
	if abandoned.Load() == 0 || held.Load() == abandoned.Load() {
		t.Fatalf("the test held %d and abandoned %d appends; it must do both", held.Load(), abandoned.Load())
	}
}

// collect reads sub until the event with ID last, checking positions as it
// goes: each exactly one after the one before.
func collect(t *testing.T, sub *events.Subscription, last events.ID, timeout time.Duration) []events.Event {
	t.Helper()
	var got []events.Event
	deadline := time.After(timeout)
	for {
		select {
		case ev, ok := <-sub.C:
			if !ok {
				t.Fatalf("subscription ended after %d events: %v", len(got), sub.Err())
			}
			if want := uint64(len(got)) + 1; ev.Position != want {
				t.Fatalf("subscriber got position %d after %d events; want %d", ev.Position, len(got), want)
			}
			got = append(got, ev)
			if ev.ID == last {
				return got
			}
		case <-deadline:
			t.Fatalf("subscriber got %d events in %v, not the last", len(got), timeout)
		}
	}
}

// readAll returns the whole log of s.
func readAll(t testing.TB, s events.Store) []events.Event {
	t.Helper()
	var out []events.Event
	for from := uint64(1); ; {
		page, err := s.ReadAll(context.Background(), from, events.ReadEventsMax)
		if err != nil {
			t.Fatalf("ReadAll(%d): %v", from, err)
		}
		if len(page) == 0 {
			return out
		}
		out = append(out, page...)
		from = page[len(page)-1].Position + 1
	}
}
