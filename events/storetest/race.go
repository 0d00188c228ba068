package storetest

import (
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/drip-ledger/drip/events"
)

// run runs fn(0..n-1) in n goroutines and reports their errors.
func run(t *testing.T, n int, fn func(i int) error) {
	t.Helper()
	var wg sync.WaitGroup
	errs := make([]error, n)
	for i := range n {
		wg.Go(func() { errs[i] = fn(i) })
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Errorf("goroutine %d: %v", i, err)
		}
	}
	if t.Failed() {
		t.FailNow()
	}
}

// version reads a stream's current version the way a command service does.
func (f *fixture) version(stream string) (uint64, error) {
	evs, err := f.s.ReadStream(f.ctx, stream, events.End, events.Backwards, 1)
	switch {
	case errors.Is(err, events.ErrStreamNotFound):
		return 0, nil
	case err != nil:
		return 0, err
	case len(evs) != 1:
		return 0, fmt.Errorf("ReadStream(End, Backwards, 1) of an existing stream returned %d events", len(evs))
	}
	return evs[0].Version, nil
}

func testRace(t *testing.T, su *suite) {
	t.Run("OneWriterWinsEachExpectedVersion", func(t *testing.T) {
		const writers, attempts = 16, 50
		f := su.fresh(t)
		var (
			mu       sync.Mutex
			winner   = map[uint64]events.ID{} // version → the event that won it
			losses   atomic.Int64
			position = map[uint64]uint64{} // version → position the writer was told
		)
		run(t, writers, func(w int) error {
			for range attempts {
				v, err := f.version("race-1")
				if err != nil {
					return err
				}
				ev := f.event("race")
				res, err := f.s.Append(f.ctx, "race-1", events.Exact(v), ev)
				var ce *events.ConcurrencyError
				switch {
				case errors.As(err, &ce):
					if !errors.Is(err, events.ErrConcurrency) || ce.Actual <= v {
						return fmt.Errorf("expected %d: refused with %v (actual %d); the stream cannot go back", v, err, ce.Actual)
					}
					losses.Add(1)
					continue
				case err != nil:
					return fmt.Errorf("expected %d: %w", v, err)
				case res.Version != v+1:
					return fmt.Errorf("expected %d: won version %d; want %d", v, res.Version, v+1)
				}
				mu.Lock()
				prev, dup := winner[res.Version]
				winner[res.Version], position[res.Version] = ev.ID, res.Position
				mu.Unlock()
				if dup {
					return fmt.Errorf("version %d won by both %s and %s", res.Version, prev, ev.ID)
				}
			}
			return nil
		})
		got := f.readStream("race-1")
		if len(got) != len(winner) {
			t.Fatalf("stream has %d events; %d appends succeeded", len(got), len(winner))
		}
		if int(losses.Load())+len(winner) != writers*attempts {
			t.Errorf("%d wins + %d losses; want %d attempts", len(winner), losses.Load(), writers*attempts)
		}
		for i, ev := range got {
			v := uint64(i) + 1
			if ev.Version != v || ev.ID != winner[v] || ev.Position != position[v] {
				t.Fatalf("stream event %d: version %d id %s position %d; the winner of version %d was %s at %d",
					i, ev.Version, ev.ID, ev.Position, v, winner[v], position[v])
			}
		}
		f.checkLog(f.readAll())
		t.Logf("%d wins, %d conflicts", len(winner), losses.Load())
	})

	t.Run("ManyStreamsAppendConcurrently", func(t *testing.T) {
		const writers, appends, streams = 24, 20, 6
		f := su.fresh(t)
		type sent struct {
			stream string
			evs    []events.Event
			res    events.AppendResult
		}
		out := make([][]sent, writers)
		run(t, writers, func(w int) error {
			stream := fmt.Sprint("many-", w%streams)
			for i := range appends {
				evs := f.batch(1+i%3, "many")
				res, err := f.s.Append(f.ctx, stream, events.Any, evs...)
				if err != nil {
					return err
				}
				out[w] = append(out[w], sent{stream, evs, res})
			}
			return nil
		})
		log := f.readAll()
		byStream := f.checkLog(log)
		want := 0
		for _, sents := range out {
			for _, s := range sents {
				want += len(s.evs)
			}
		}
		if len(log) != want {
			t.Errorf("log has %d events; %d were appended", len(log), want)
		}
		if len(byStream) != streams {
			t.Errorf("log has %d streams; want %d", len(byStream), streams)
		}
		for w, sents := range out {
			var last uint64
			for _, s := range sents {
				if s.res.Version <= last {
					t.Fatalf("writer %d: version %d after its earlier append reached %d", w, s.res.Version, last)
				}
				last = s.res.Version
				first := int(s.res.Version) - len(s.evs)
				if first < 0 || int(s.res.Version) > len(byStream[s.stream]) {
					t.Fatalf("writer %d: result %+v is outside stream %s", w, s.res, s.stream)
				}
				got := byStream[s.stream][first:s.res.Version]
				if diff := cmp.Diff(s.evs, got, eventsEqual, ignorePlace); diff != "" {
					t.Fatalf("writer %d: stream %s at versions %d..%d (-appended +read):\n%s", w, s.stream, first+1, s.res.Version, diff)
				}
				if got[len(got)-1].Position != s.res.Position {
					t.Fatalf("writer %d: told position %d; the batch ends at %d", w, s.res.Position, got[len(got)-1].Position)
				}
			}
		}
	})
}

func testCommitOrder(t *testing.T, su *suite) {
	// Writers append to several streams while a tailer follows the log with
	// ReadAll from the last position it saw. If a store ever made an event
	// visible at a position below one already read (a late commit taking an
	// earlier place), the tailer would miss it and differ from the final log.
	const writers, appends = 8, 40
	f := su.fresh(t)
	var done atomic.Bool
	var tail []events.Event
	tailErr := make(chan error, 1)
	go func() {
		tailErr <- func() error {
			next := uint64(1)
			for reads := 0; reads < 1_000_000; reads++ {
				page, err := f.s.ReadAll(f.ctx, next, 64)
				if err != nil {
					return err
				}
				for _, ev := range page {
					if ev.Position < next {
						return fmt.Errorf("ReadAll(%d) returned position %d", next, ev.Position)
					}
					tail = append(tail, ev)
					next = ev.Position + 1
				}
				if len(page) == 0 {
					if done.Load() {
						return nil
					}
					time.Sleep(50 * time.Microsecond)
				}
			}
			return errors.New("tailer: too many reads")
		}()
	}()
	run(t, writers, func(w int) error {
		var last uint64
		for i := range appends {
			res, err := f.s.Append(f.ctx, fmt.Sprint("order-", (w+i)%5), events.Any, f.batch(1+i%2, "order")...)
			if err != nil {
				return err
			}
			// An append that began after another returned comes later in
			// the log.
			if res.Position <= last {
				return fmt.Errorf("append %d landed at position %d, not after this writer's previous %d", i, res.Position, last)
			}
			last = res.Position
		}
		return nil
	})
	done.Store(true) // every append has returned: the tailer's next empty read is the end
	if err := <-tailErr; err != nil {
		t.Fatalf("tailer: %v", err)
	}
	log := f.readAll()
	f.checkLog(log)
	if want := writers * (appends/2*1 + appends/2*2); len(log) != want {
		t.Errorf("log has %d events; want %d", len(log), want)
	}
	if diff := cmp.Diff(keys(log), keys(tail)); diff != "" {
		t.Errorf("a tailer following the log saw (-final log +tailer):\n%s", diff)
	}
}
