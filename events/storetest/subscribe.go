package storetest

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/drip-ledger/drip/events"
)

// subscribedMax bounds what one subscription test reads, so a store that
// repeats events forever fails instead of hanging.
const subscribedMax = 100_000

// receiveTimeoutS bounds the wait for one event that is already in the log
// or about to be.
const receiveTimeoutS = 10

func testSubscribe(t *testing.T, su *suite) {
	t.Run("StartedBeforeWritersSeesEveryEventOnce", func(t *testing.T) {
		f := su.fresh(t)
		sub := f.subscribe(f.ctx, 0)
		wait := f.writers(4, 30, nil)
		marker := f.event("marker")
		f.spawn(func() {
			wait()
			f.s.Append(f.ctx, "sub-marker", events.Any, marker) // an error shows as a missing marker
		})
		got := f.collectUntil(sub, marker.ID)
		f.checkSubscribed(got, f.readAll())
		f.nothingMore(sub)
	})

	t.Run("StartedInTheMiddleWhileWritersAppendSeesEveryEventOnce", func(t *testing.T) {
		f := su.fresh(t)
		for i := range 40 {
			f.append(fmt.Sprint("sub-", i%3), events.Any, f.batch(10, "before")...)
		}
		from := f.readAll()[150].Position
		started := make(chan struct{})
		wait := f.writers(4, 30, started)
		<-started
		sub := f.subscribe(f.ctx, from)
		marker := f.event("marker")
		f.spawn(func() {
			wait()
			f.s.Append(f.ctx, "sub-marker", events.Any, marker)
		})
		got := f.collectUntil(sub, marker.ID)
		all := f.readAll()
		f.checkSubscribed(got, all[150:])
		f.nothingMore(sub)
	})

	t.Run("SlowConsumerGetsEverything", func(t *testing.T) {
		f := su.fresh(t)
		sub := f.subscribe(f.ctx, 0)
		// Pause: more events than the buffer holds arrive while nobody reads.
		for range (3*events.SubscriptionBufferLen)/7 + 1 {
			f.append("slow-1", events.Any, f.batch(7, "unread")...)
		}
		// Then read slowly while writers keep appending.
		wait := f.writers(2, 30, nil)
		marker := f.event("marker")
		f.spawn(func() {
			wait()
			f.s.Append(f.ctx, "sub-marker", events.Any, marker)
		})
		var got []events.Event
		for len(got) < subscribedMax {
			ev := f.receive(sub)
			got = append(got, ev)
			if ev.ID == marker.ID {
				break
			}
			if len(got)%4 == 0 {
				time.Sleep(20 * time.Microsecond) // a timer sleeps ~1ms on some systems
			}
		}
		f.checkSubscribed(got, f.readAll())
		f.nothingMore(sub)
	})

	t.Run("FromPastTheHeadSeesOnlyNewEvents", func(t *testing.T) {
		f := su.fresh(t)
		f.append("sub-1", events.Any, f.batch(5, "old")...)
		sub := f.subscribe(f.ctx, f.head()+1)
		evs := f.batch(3, "new")
		f.append("sub-2", events.Any, evs...)
		got := []events.Event{f.receive(sub), f.receive(sub), f.receive(sub)}
		if diff := cmp.Diff(evs, got, eventsEqual, ignorePlace); diff != "" {
			t.Errorf("subscription (-appended +received):\n%s", diff)
		}
		f.nothingMore(sub)
	})

	t.Run("FromZeroOrOneStartsAtTheFirstEvent", func(t *testing.T) {
		f := su.fresh(t)
		f.append("sub-1", events.Any, f.batch(3, "old")...)
		all := f.readAll()
		for _, from := range []uint64{0, 1} {
			sub := f.subscribe(f.ctx, from)
			got := []events.Event{f.receive(sub), f.receive(sub), f.receive(sub)}
			if diff := cmp.Diff(all, got, eventsEqual); diff != "" {
				t.Errorf("Subscribe(%d) (-log +received):\n%s", from, diff)
			}
		}
	})

	ends := []struct {
		name string
		// backlog is how many events wait unread when the subscription is
		// ended: 0 ends it while it waits for new events, more than the
		// buffer while it waits for the consumer.
		backlog int
		end     func(f *fixture, sub *events.Subscription, cancel context.CancelFunc)
		want    error
	}{
		{"CanceledContextEndsAWaitingSubscription", 0, func(_ *fixture, _ *events.Subscription, cancel context.CancelFunc) { cancel() }, context.Canceled},
		{"CanceledContextEndsABlockedSubscription", 600, func(_ *fixture, _ *events.Subscription, cancel context.CancelFunc) { cancel() }, context.Canceled},
		{"CloseEndsAWaitingSubscription", 0, closeSub, context.Canceled},
		{"CloseEndsABlockedSubscription", 600, closeSub, context.Canceled},
		{"StoreCloseEndsAWaitingSubscription", 0, closeStore, events.ErrClosed},
		{"StoreCloseEndsABlockedSubscription", 600, closeStore, events.ErrClosed},
	}
	for _, tt := range ends {
		t.Run(tt.name, func(t *testing.T) {
			f := su.fresh(t)
			for i := 0; i < tt.backlog; i += 100 {
				f.append("sub-1", events.Any, f.batch(100, "backlog")...)
			}
			ctx, cancel := context.WithCancel(f.ctx)
			defer cancel()
			sub := f.subscribe(ctx, 0)
			if tt.backlog == 0 {
				f.append("sub-1", events.Any, f.event("live"))
				f.receive(sub) // it is live now, waiting for the next event
			}
			tt.end(f, sub, cancel)
			n := 0
			for range sub.C { // drain what was buffered; the channel must close
				if n++; n > tt.backlog+1 {
					t.Fatalf("the ended subscription delivered %d events; at most %d were in the log", n, tt.backlog+1)
				}
			}
			if err := sub.Err(); !errors.Is(err, tt.want) {
				t.Errorf("Err() = %v; want %v", err, tt.want)
			}
		})
	}

	t.Run("CanceledContextFails", func(t *testing.T) {
		f := su.fresh(t)
		sub, err := f.s.Subscribe(canceled(f.ctx), 0)
		if !errors.Is(err, context.Canceled) {
			if sub != nil {
				sub.Close()
			}
			t.Errorf("Subscribe with a canceled context: %v; want context.Canceled", err)
		}
	})
}

func closeSub(f *fixture, sub *events.Subscription, _ context.CancelFunc) {
	if err := sub.Close(); err != nil {
		f.t.Errorf("Subscription.Close: %v", err)
	}
}

func closeStore(f *fixture, _ *events.Subscription, _ context.CancelFunc) {
	if err := f.s.Close(); err != nil {
		f.t.Errorf("Close: %v", err)
	}
}

// subscribe subscribes and closes the subscription when the test ends.
func (f *fixture) subscribe(ctx context.Context, from uint64) *events.Subscription {
	f.t.Helper()
	sub, err := f.s.Subscribe(ctx, from)
	if err != nil {
		f.t.Fatalf("Subscribe(%d): %v", from, err)
	}
	f.t.Cleanup(func() { sub.Close() })
	return sub
}

// writers starts n goroutines that each append count batches of 1 to 3
// events to one of two streams, and returns a function that waits for them
// and reports their errors. started, if not nil, is closed after the first
// append.
func (f *fixture) writers(n, count int, started chan struct{}) (wait func()) {
	errs := make(chan error, n)
	for w := range n {
		f.spawn(func() {
			errs <- func() error {
				for i := range count {
					if _, err := f.s.Append(f.ctx, fmt.Sprint("sub-", w%2), events.Any, f.batch(1+i%3, "live")...); err != nil {
						return err
					}
					if w == 0 && i == 0 && started != nil {
						close(started)
					}
				}
				return nil
			}()
		})
	}
	return func() {
		for range n {
			if err := <-errs; err != nil {
				f.t.Errorf("writer: %v", err)
			}
		}
	}
}

// spawn runs fn in a goroutine that the test waits for before it ends, so
// nothing reports to a finished test. The test's context is canceled first.
func (f *fixture) spawn(fn func()) {
	done := make(chan struct{})
	go func() {
		defer close(done)
		fn()
	}()
	f.t.Cleanup(func() { <-done })
}

// receive returns the subscription's next event or fails.
func (f *fixture) receive(sub *events.Subscription) events.Event {
	f.t.Helper()
	timer := time.NewTimer(receiveTimeoutS * time.Second)
	defer timer.Stop()
	select {
	case ev, ok := <-sub.C:
		if !ok {
			f.t.Fatalf("subscription ended: %v", sub.Err())
		}
		return ev
	case <-timer.C:
		f.t.Fatalf("no event in %ds", receiveTimeoutS)
	case <-f.ctx.Done():
		f.t.Fatalf("no event: %v", f.ctx.Err())
	}
	panic("unreachable")
}

// collectUntil receives events up to and including the one with id.
func (f *fixture) collectUntil(sub *events.Subscription, id events.ID) []events.Event {
	f.t.Helper()
	var got []events.Event
	for len(got) < subscribedMax {
		ev := f.receive(sub)
		got = append(got, ev)
		if ev.ID == id {
			return got
		}
	}
	f.t.Fatalf("no event %s in %d received", id, len(got))
	return nil
}

// checkSubscribed checks that a subscription delivered exactly want.
func (f *fixture) checkSubscribed(got, want []events.Event) {
	f.t.Helper()
	if diff := cmp.Diff(keys(want), keys(got)); diff != "" {
		f.t.Fatalf("subscription (-log +received):\n%s", diff)
	}
	if diff := cmp.Diff(want, got, eventsEqual); diff != "" {
		f.t.Errorf("subscription delivered other content than the log (-log +received):\n%s", diff)
	}
}

// nothingMore checks that the next event a subscription delivers is a new
// one, not a repeat or a stray.
func (f *fixture) nothingMore(sub *events.Subscription) {
	f.t.Helper()
	ev := f.event("the very last")
	f.append("sub-last", events.Any, ev)
	if got := f.receive(sub); got.ID != ev.ID {
		f.t.Errorf("after everything was received, the subscription delivered %v; want the next append %s", keys([]events.Event{got}), ev.ID)
	}
}
