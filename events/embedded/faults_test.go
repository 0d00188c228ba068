package embedded_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/drip-ledger/drip/events"
	"github.com/drip-ledger/drip/events/embedded"
)

// errDisk is what the fault hooks return: a disk that failed.
var errDisk = errors.New("injected disk failure")

// outcome is what one Append was told.
type outcome struct {
	id  events.ID
	err error
}

// checkNoLies closes s, reopens dir without faults and checks that every
// append that was told nil is in the log: an append gets an error or is
// durable, never "ok" and lost. It returns how many were told nil.
func checkNoLies(t *testing.T, s *embedded.Store, dir string, outs []outcome) int {
	t.Helper()
	s.Close() // it may report the failure; what matters is what the log holds
	r := open(t, dir, embedded.Options{})
	defer r.Close()
	have := map[events.ID]bool{}
	for _, ev := range mustReadAll(t, r) {
		have[ev.ID] = true
	}
	ok := 0
	for _, o := range outs {
		if o.err == nil {
			ok++
			if !have[o.id] {
				t.Errorf("append of %v was acknowledged but is not in the log", o.id)
			}
		}
	}
	return ok
}

// waitFor polls cond (the pipeline gives no event to wait on from outside).
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(10 * time.Second); !cond(); time.Sleep(time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
	}
}

// TestRetryOfAFailedWriteIsNotAcknowledged queues an append and its retry,
// the retry matched against the original while the original's write is in
// flight, and fails that write: both must get the error.
func TestRetryOfAFailedWriteIsNotAcknowledged(t *testing.T) {
	for _, step := range []string{"write", "fdatasync"} {
		t.Run(step, func(t *testing.T) {
			inStep, release := make(chan struct{}), make(chan struct{})
			var calls atomic.Int32
			hook := func(uint64, int64, int) error {
				if calls.Add(1) == 1 {
					close(inStep)
					<-release
					return errDisk
				}
				return nil
			}
			fs := &embedded.Faults{}
			if step == "write" {
				fs.Write = hook
			} else {
				fs.Sync = hook
			}
			dir := t.TempDir()
			s := open(t, dir, embedded.WithFaults(embedded.Options{}, fs))
			ev := note(1, 50)
			got := make(chan outcome, 2)
			appendOne := func() {
				_, err := s.Append(context.Background(), "s-1", events.NoStream, ev)
				got <- outcome{ev.ID, err}
			}
			go appendOne()
			<-inStep
			go appendOne() // the retry
			waitFor(t, "the retry to be placed", func() bool { return embedded.OpenGroupLen(fs) == 1 })
			close(release)
			outs := []outcome{<-got, <-got}
			for i, o := range outs {
				if !errors.Is(o.err, errDisk) {
					t.Errorf("append %d: err %v; want the %s failure", i, o.err, step)
				}
			}
			checkNoLies(t, s, dir, outs)
		})
	}
}

// TestRacingRetriesAroundAFailedGroup has goroutines append events, each
// one twice (the original and a retry, racing), while a group's write fails
// part-way: every append gets an error or is durable.
func TestRacingRetriesAroundAFailedGroup(t *testing.T) {
	const writers, perWriter, failAt = 16, 40, 6
	var calls atomic.Int32
	fs := &embedded.Faults{Write: func(uint64, int64, int) error {
		if calls.Add(1) == failAt {
			return errDisk
		}
		return nil
	}}
	dir := t.TempDir()
	s := open(t, dir, embedded.WithFaults(embedded.Options{}, fs))
	var mu sync.Mutex
	var outs []outcome
	var wg sync.WaitGroup
	for w := range writers {
		wg.Go(func() {
			for i := range perWriter {
				// Writers w and w^1 append the same events: each is the
				// other's retry.
				ev := note((w/2)*perWriter+i, 40)
				_, err := s.Append(context.Background(), fmt.Sprintf("s-%d", w/2), events.Any, ev)
				mu.Lock()
				outs = append(outs, outcome{ev.ID, err})
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	if calls.Load() < failAt {
		t.Fatalf("only %d groups written; the failure never happened", calls.Load())
	}
	ok := checkNoLies(t, s, dir, outs)
	t.Logf("%d of %d appends acknowledged", ok, len(outs))
}

// TestSubscriptionEndsWithTheStoresFailure: a subscriber of a store whose
// write failed gets what was durable, then its channel closes and Err says
// why, instead of waiting forever as if caught up.
func TestSubscriptionEndsWithTheStoresFailure(t *testing.T) {
	var fail atomic.Bool
	fs := &embedded.Faults{Write: func(uint64, int64, int) error {
		if fail.Load() {
			return errDisk
		}
		return nil
	}}
	s := open(t, t.TempDir(), embedded.WithFaults(embedded.Options{}, fs))
	defer s.Close()
	ctx := context.Background()
	if _, err := s.Append(ctx, "s-1", events.NoStream, note(1, 10)); err != nil {
		t.Fatal(err)
	}
	sub, err := s.Subscribe(ctx, 1)
	if err != nil {
		t.Fatal(err)
	}
	defer sub.Close()
	if ev := <-sub.C; ev.Position != 1 {
		t.Fatalf("first event at %d", ev.Position)
	}
	fail.Store(true)
	if _, err := s.Append(ctx, "s-1", events.Exact(1), note(2, 10)); !errors.Is(err, errDisk) {
		t.Fatalf("Append: %v; want the write failure", err)
	}
	select {
	case ev, ok := <-sub.C:
		if ok {
			t.Fatalf("got event %d after the failure", ev.Position)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("the subscription is still open 10 s after the store failed")
	}
	if err := sub.Err(); !errors.Is(err, errDisk) {
		t.Fatalf("Err: %v; want the write failure", err)
	}
	if !errors.Is(s.Err(), errDisk) {
		t.Fatalf("store Err: %v; want the write failure", s.Err())
	}
	// A subscription opened after the failure ends the same way.
	late, err := s.Subscribe(ctx, 1)
	if err != nil {
		t.Fatal(err)
	}
	for range late.C {
	}
	if err := late.Err(); !errors.Is(err, errDisk) {
		t.Fatalf("late subscription Err: %v; want the write failure", err)
	}
}

// doneCtx is a context that is already done, but whose Err says nil the
// first time: Append's first check lets it in, it is queued, and its wait
// ends at once, before the sequencer has read its events.
type doneCtx struct {
	context.Context
	checked atomic.Bool
}

func (c *doneCtx) Done() <-chan struct{} { return closedCh }
func (c *doneCtx) Err() error {
	if c.checked.Swap(true) {
		return context.Canceled
	}
	return nil
}

var closedCh = func() chan struct{} { c := make(chan struct{}); close(c); return c }()

// TestCancelledAppendLeavesTheCallersEvents: once Append has returned on
// a cancelled context, the caller may reuse its slice; the writer must not
// read it any more. The race detector is what sees the read, so this test
// fails only under -race.
func TestCancelledAppendLeavesTheCallersEvents(t *testing.T) {
	inWrite, release := make(chan struct{}), make(chan struct{})
	var calls atomic.Int32
	fs := &embedded.Faults{Write: func(uint64, int64, int) error {
		if calls.Add(1) == 1 {
			close(inWrite)
			<-release
		}
		return nil
	}}
	// One append per group, and the syncer held in the first group's
	// write: the second group stays open and full, so the third append
	// waits in the sequencer, unread.
	s := open(t, t.TempDir(), embedded.WithFaults(embedded.Options{GroupAppendsMax: 1}, fs))
	defer s.Close()
	ctx := context.Background()
	errs := make(chan error, 2)
	go func() { _, err := s.Append(ctx, "s-1", events.NoStream, note(1, 10)); errs <- err }()
	<-inWrite
	go func() { _, err := s.Append(ctx, "s-2", events.NoStream, note(2, 10)); errs <- err }()
	waitFor(t, "the second append to be placed", func() bool { return embedded.OpenGroupLen(fs) == 1 })
	evs := []events.Event{note(3, 10)}
	if _, err := s.Append(&doneCtx{Context: ctx}, "s-3", events.NoStream, evs...); !errors.Is(err, context.Canceled) {
		t.Fatalf("cancelled Append: %v", err)
	}
	// Release the syncer first, so nothing orders the sequencer's next
	// step before the caller's reuse: -race reports a read of the slice.
	close(release)
	reused := note(4, 10)
	evs[0] = reused // the caller reuses its slice
	for range 2 {
		if err := <-errs; err != nil {
			t.Fatal(err)
		}
	}
	if _, err := s.Append(ctx, "s-4", events.NoStream, reused); err != nil {
		t.Fatalf("append of the reused slice's event: %v", err)
	}
}

// TestEachFaultStopsTheStoreWithoutLying injects each failure the disk can
// cause, at its step of the pipeline, under appends from racing writers:
// the store stops (Err says why, later appends get the error, its
// subscriptions end) and every append it acknowledged is in the log.
func TestEachFaultStopsTheStoreWithoutLying(t *testing.T) {
	// nth fails the n-th call of a hook.
	nth := func(n int32) func() error {
		var calls atomic.Int32
		return func() error {
			if calls.Add(1) == n {
				return errDisk
			}
			return nil
		}
	}
	cases := []struct {
		name   string
		faults func() *embedded.Faults
	}{
		{"write", func() *embedded.Faults {
			f := nth(20)
			return &embedded.Faults{Write: func(uint64, int64, int) error { return f() }}
		}},
		{"fdatasync", func() *embedded.Faults {
			f := nth(20)
			return &embedded.Faults{Sync: func(uint64, int64, int) error { return f() }}
		}},
		{"index batch", func() *embedded.Faults {
			f := nth(20)
			return &embedded.Faults{Index: func(uint64) error { return f() }}
		}},
		{"seal", func() *embedded.Faults {
			f := nth(2)
			return &embedded.Faults{Seal: func(uint64) error { return f() }}
		}},
		{"segment roll", func() *embedded.Faults {
			f := nth(2)
			return &embedded.Faults{Roll: func(uint64) error { return f() }}
		}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			dir := t.TempDir()
			s := open(t, dir, embedded.WithFaults(embedded.Options{SegmentBytes: embedded.SegmentBytesMin}, c.faults()))
			ctx := context.Background()
			sub, err := s.Subscribe(ctx, 1)
			if err != nil {
				t.Fatal(err)
			}
			go func() {
				for range sub.C {
				}
			}()
			const writers, perWriter = 8, 400 // about 10 segments of 64 KiB
			var mu sync.Mutex
			var outs []outcome
			var wg sync.WaitGroup
			for w := range writers {
				wg.Go(func() {
					for i := range perWriter {
						ev := note(w*perWriter+i, 200)
						_, err := s.Append(ctx, fmt.Sprintf("s-%d", w), events.Any, ev)
						mu.Lock()
						outs = append(outs, outcome{ev.ID, err})
						mu.Unlock()
						if err != nil && !errors.Is(err, errDisk) {
							t.Errorf("append: %v; want the injected failure", err)
							return
						}
					}
				})
			}
			wg.Wait()
			if !errors.Is(s.Err(), errDisk) {
				t.Fatalf("store Err: %v; want the injected failure", s.Err())
			}
			if _, err := s.Append(ctx, "s-after", events.Any, note(1<<20, 10)); !errors.Is(err, errDisk) {
				t.Errorf("append after the failure: %v; want the injected failure", err)
			}
			select {
			case <-waitErr(sub):
			case <-time.After(10 * time.Second):
				t.Fatal("the subscription did not end after the failure")
			}
			if err := sub.Err(); !errors.Is(err, errDisk) {
				t.Errorf("subscription Err: %v; want the injected failure", err)
			}
			ok := checkNoLies(t, s, dir, outs)
			t.Logf("%d of %d appends acknowledged", ok, len(outs))
		})
	}
}

// waitErr is closed once sub has ended.
func waitErr(sub *events.Subscription) <-chan struct{} {
	c := make(chan struct{})
	go func() { sub.Err(); close(c) }()
	return c
}
