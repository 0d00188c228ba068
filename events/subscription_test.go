package events_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/drip-ledger/drip/events"
)

// waitResult runs n.Wait in a goroutine and returns where its result lands.
func waitResult(ctx context.Context, n *events.Notifier, pos uint64) <-chan error {
	c := make(chan error, 1)
	go func() { c <- n.Wait(ctx, pos) }()
	return c
}

// returned reports whether c has a result, once the bubble is idle.
func returned(c <-chan error) (error, bool) {
	synctest.Wait()
	select {
	case err := <-c:
		return err, true
	default:
		return nil, false
	}
}

func TestNotifier(t *testing.T) {
	t.Run("WaitReturnsAtOnceWhenTheHeadIsThere", func(t *testing.T) {
		n := events.NewNotifier(5)
		for _, pos := range []uint64{0, 1, 5} {
			if err := n.Wait(t.Context(), pos); err != nil {
				t.Errorf("Wait(%d) with head 5: %v", pos, err)
			}
		}
	})

	t.Run("WaitBlocksUntilTheHeadReachesPos", func(t *testing.T) {
		synctest.Test(t, func(t *testing.T) {
			n := events.NewNotifier(5)
			c := waitResult(t.Context(), n, 7)
			if _, ok := returned(c); ok {
				t.Fatal("Wait(7) returned with head 5")
			}
			n.Advance(6)
			if _, ok := returned(c); ok {
				t.Fatal("Wait(7) returned with head 6")
			}
			n.Advance(8)
			if err, ok := returned(c); !ok || err != nil {
				t.Fatalf("Wait(7) after Advance(8) = %v, returned %v; want nil, true", err, ok)
			}
			if h := n.Head(); h != 8 {
				t.Errorf("Head = %d; want 8", h)
			}
		})
	})

	t.Run("AdvanceNeverMovesTheHeadBack", func(t *testing.T) {
		n := events.NewNotifier(5)
		n.Advance(3)
		n.Advance(5)
		if h := n.Head(); h != 5 {
			t.Errorf("Head = %d; want 5", h)
		}
	})

	t.Run("CloseWakesEveryWaiterWithErrClosed", func(t *testing.T) {
		synctest.Test(t, func(t *testing.T) {
			n := events.NewNotifier(0)
			a, b := waitResult(t.Context(), n, 1), waitResult(t.Context(), n, 100)
			n.Close()
			for _, c := range []<-chan error{a, b} {
				if err, ok := returned(c); !ok || !errors.Is(err, events.ErrClosed) {
					t.Errorf("Wait after Close = %v, returned %v; want ErrClosed", err, ok)
				}
			}
			n.Close() // a second Close is harmless
			n.Advance(10)
			if err := n.Wait(t.Context(), 1); !errors.Is(err, events.ErrClosed) {
				t.Errorf("Wait on a closed Notifier = %v; want ErrClosed", err)
			}
			if h := n.Head(); h != 0 {
				t.Errorf("Advance after Close moved the head to %d", h)
			}
		})
	})

	t.Run("WaitEndsWithItsContext", func(t *testing.T) {
		synctest.Test(t, func(t *testing.T) {
			n := events.NewNotifier(0)
			ctx, cancel := context.WithTimeout(t.Context(), time.Minute)
			defer cancel()
			start := time.Now()
			if err := n.Wait(ctx, 1); !errors.Is(err, context.DeadlineExceeded) {
				t.Errorf("Wait = %v; want DeadlineExceeded", err)
			}
			if waited := time.Since(start); waited != time.Minute {
				t.Errorf("Wait returned after %v; want 1m", waited)
			}
			ctx, cancel = context.WithCancel(t.Context())
			c := waitResult(ctx, n, 1)
			cancel()
			if err, ok := returned(c); !ok || !errors.Is(err, context.Canceled) {
				t.Errorf("Wait after cancel = %v, returned %v; want context.Canceled", err, ok)
			}
		})
	})
}

// fakeLog is a FollowSource's backend: a slice of events, a Notifier, and a
// record of the limits it was asked for.
type fakeLog struct {
	mu     sync.Mutex
	evs    []events.Event
	limits []int
	err    error // returned by ReadAll once set
	stale  bool  // ReadAll ignores from, as a broken backend might
	notify *events.Notifier
}

func newFakeLog(positions ...uint64) *fakeLog {
	l := &fakeLog{notify: events.NewNotifier(0)}
	l.add(positions...)
	return l
}

func (l *fakeLog) add(positions ...uint64) {
	l.mu.Lock()
	for _, p := range positions {
		l.evs = append(l.evs, events.Event{Position: p, Stream: fmt.Sprint("s-", p%3)})
	}
	l.mu.Unlock()
	if len(positions) > 0 {
		l.notify.Advance(positions[len(positions)-1])
	}
}

func (l *fakeLog) ReadAll(ctx context.Context, from uint64, limit int) ([]events.Event, error) {
	if err := events.CheckRead(ctx, limit); err != nil {
		return nil, err
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	l.limits = append(l.limits, limit)
	if l.err != nil {
		return nil, l.err
	}
	var out []events.Event
	for _, ev := range l.evs {
		if (ev.Position >= from || l.stale) && len(out) < limit {
			out = append(out, ev)
		}
	}
	return out, nil
}

func (l *fakeLog) source(bufferLen, pageLen int) events.FollowSource {
	return events.FollowSource{ReadAll: l.ReadAll, Wait: l.notify.Wait, BufferLen: bufferLen, PageLen: pageLen}
}

func positions(evs []events.Event) []uint64 {
	out := make([]uint64, len(evs))
	for i, ev := range evs {
		out[i] = ev.Position
	}
	return out
}

func span(from, to uint64) []uint64 {
	var out []uint64
	for p := from; p <= to; p++ {
		out = append(out, p)
	}
	return out
}

// take receives n events; it fails if the subscription ends or stalls.
func take(t *testing.T, sub *events.Subscription, n int) []events.Event {
	t.Helper()
	var out []events.Event
	for range n {
		synctest.Wait()
		select {
		case ev, ok := <-sub.C:
			if !ok {
				t.Fatalf("subscription ended after %d of %d events: %v", len(out), n, sub.Err())
			}
			out = append(out, ev)
		default:
			t.Fatalf("subscription stalled after %d of %d events", len(out), n)
		}
	}
	return out
}

// idle fails if the subscription has an event or has ended.
func idle(t *testing.T, sub *events.Subscription) {
	t.Helper()
	synctest.Wait()
	select {
	case ev, ok := <-sub.C:
		t.Fatalf("an idle subscription delivered %d (open %v)", ev.Position, ok)
	default:
	}
}

func TestFollow(t *testing.T) {
	t.Run("CatchesUpInPagesThenFollowsLive", func(t *testing.T) {
		synctest.Test(t, func(t *testing.T) {
			log := newFakeLog(span(1, 10)...)
			sub := events.Follow(t.Context(), 4, log.source(2, 3))
			defer sub.Close()
			if got := positions(take(t, sub, 7)); !cmp.Equal(got, span(4, 10)) {
				t.Errorf("catch-up delivered %v; want 4..10", got)
			}
			idle(t, sub)
			log.add(11, 12)
			log.add(13)
			if got := positions(take(t, sub, 3)); !cmp.Equal(got, span(11, 13)) {
				t.Errorf("live delivered %v; want 11..13", got)
			}
			idle(t, sub)
		})
	})

	t.Run("FromZeroStartsAtOne", func(t *testing.T) {
		synctest.Test(t, func(t *testing.T) {
			log := newFakeLog(1, 2)
			sub := events.Follow(t.Context(), 0, log.source(0, 0))
			defer sub.Close()
			if got := positions(take(t, sub, 2)); !cmp.Equal(got, []uint64{1, 2}) {
				t.Errorf("delivered %v; want 1, 2", got)
			}
		})
	})

	t.Run("PositionsWithGapsAreFollowed", func(t *testing.T) {
		synctest.Test(t, func(t *testing.T) {
			log := newFakeLog(10, 20, 30)
			sub := events.Follow(t.Context(), 15, log.source(0, 0))
			defer sub.Close()
			if got := positions(take(t, sub, 2)); !cmp.Equal(got, []uint64{20, 30}) {
				t.Errorf("delivered %v; want 20, 30", got)
			}
			log.add(45)
			if got := positions(take(t, sub, 1)); !cmp.Equal(got, []uint64{45}) {
				t.Errorf("delivered %v; want 45", got)
			}
		})
	})

	t.Run("SlowConsumerGetsEverything", func(t *testing.T) {
		synctest.Test(t, func(t *testing.T) {
			log := newFakeLog(span(1, 50)...)
			sub := events.Follow(t.Context(), 1, log.source(1, 7))
			defer sub.Close()
			var got []uint64
			for len(got) < 80 {
				if len(got) == 25 {
					log.add(span(51, 80)...)
				}
				time.Sleep(time.Second) // fake time: the bubble's clock
				got = append(got, (<-sub.C).Position)
			}
			if !cmp.Equal(got, span(1, 80)) {
				t.Errorf("delivered %v; want 1..80", got)
			}
			idle(t, sub)
		})
	})

	t.Run("DefaultsBoundTheBufferAndPages", func(t *testing.T) {
		synctest.Test(t, func(t *testing.T) {
			log := newFakeLog()
			sub := events.Follow(t.Context(), 1, log.source(0, events.ReadEventsMax+1))
			synctest.Wait()
			if got := cap(sub.C); got != events.SubscriptionBufferLen {
				t.Errorf("buffer of %d; want SubscriptionBufferLen", got)
			}
			sub.Close()
			log.mu.Lock()
			defer log.mu.Unlock()
			if len(log.limits) == 0 || log.limits[0] != 512 {
				t.Errorf("read with limits %v; want 512", log.limits)
			}
		})
	})

	ends := []struct {
		name string
		end  func(log *fakeLog, sub *events.Subscription, cancel context.CancelFunc)
		want error
	}{
		{"CancelEndsIt", func(_ *fakeLog, _ *events.Subscription, cancel context.CancelFunc) { cancel() }, context.Canceled},
		{"CloseEndsIt", func(_ *fakeLog, sub *events.Subscription, _ context.CancelFunc) { sub.Close() }, context.Canceled},
		{"NotifierCloseEndsIt", func(log *fakeLog, _ *events.Subscription, _ context.CancelFunc) { log.notify.Close() }, events.ErrClosed},
		{"ReadErrorEndsIt", func(log *fakeLog, _ *events.Subscription, _ context.CancelFunc) {
			log.mu.Lock()
			log.err = errBoom
			log.mu.Unlock()
			log.add(4)
		}, errBoom},
		{"PositionGoingBackIsCorrupt", func(log *fakeLog, _ *events.Subscription, _ context.CancelFunc) {
			log.mu.Lock()
			log.stale = true
			log.mu.Unlock()
			log.add(4)
		}, events.ErrCorrupt},
	}
	for _, tt := range ends {
		t.Run(tt.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				log := newFakeLog(1, 2, 3)
				ctx, cancel := context.WithCancel(t.Context())
				defer cancel()
				sub := events.Follow(ctx, 1, log.source(0, 2))
				take(t, sub, 3)
				idle(t, sub)
				tt.end(log, sub, cancel)
				synctest.Wait()
				if ev, ok := <-sub.C; ok {
					t.Errorf("delivered %d after the end", ev.Position)
				}
				if err := sub.Err(); !errors.Is(err, tt.want) {
					t.Errorf("Err() = %v; want %v", err, tt.want)
				}
			})
		})
	}

	t.Run("CancelUnblocksASubscriptionWaitingForItsConsumer", func(t *testing.T) {
		synctest.Test(t, func(t *testing.T) {
			log := newFakeLog(span(1, 10)...)
			ctx, cancel := context.WithCancel(t.Context())
			sub := events.Follow(ctx, 1, log.source(2, 10))
			synctest.Wait() // blocked: the buffer holds 2, the page 10
			cancel()
			n := 0
			for range sub.C {
				n++
			}
			if n > 10 {
				t.Errorf("drained %d events after cancel; the log has 10", n)
			}
			if err := sub.Err(); !errors.Is(err, context.Canceled) {
				t.Errorf("Err() = %v; want context.Canceled", err)
			}
		})
	})
}

var errBoom = errors.New("disk on fire")
