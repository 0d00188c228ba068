package storetest

import (
	"errors"
	"fmt"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/drip-ledger/drip/events"
)

func testMulti(t *testing.T, su *suite) {
	if su.cfg.noMulti {
		t.Run("RefusedAsUnsupportedAndWritesNothing", func(t *testing.T) {
			f := su.fresh(t)
			f.append("multi-a", events.NoStream, f.event("before"))
			before := f.readAll()
			_, err := f.s.AppendMulti(f.ctx,
				events.StreamAppend{Stream: "multi-a", Expected: events.Exact(1), Events: f.batch(1, "a")},
				events.StreamAppend{Stream: "multi-b", Expected: events.NoStream, Events: f.batch(1, "b")})
			if !errors.Is(err, errors.ErrUnsupported) {
				t.Fatalf("AppendMulti = %v; want errors.ErrUnsupported", err)
			}
			f.unchanged(before)
		})
		return
	}

	t.Run("EveryPartIsWrittenInOneCommit", func(t *testing.T) {
		f := su.fresh(t)
		f.append("multi-b", events.NoStream, f.event("b exists"))
		a, b, c := f.batch(2, "a"), f.batch(1, "b"), f.batch(3, "c")
		res, err := f.s.AppendMulti(f.ctx,
			events.StreamAppend{Stream: "multi-a", Expected: events.NoStream, Events: a},
			events.StreamAppend{Stream: "multi-b", Expected: events.Exact(1), Events: b},
			events.StreamAppend{Stream: "multi-c", Expected: events.Any, Events: c})
		if err != nil {
			t.Fatalf("AppendMulti: %v", err)
		}
		if len(res) != 3 {
			t.Fatalf("AppendMulti returned %d results; want 3", len(res))
		}
		log := f.readAll()
		byStream := f.checkLog(log)
		for i, want := range []struct {
			stream  string
			evs     []events.Event
			version uint64
		}{{"multi-a", a, 2}, {"multi-b", b, 2}, {"multi-c", c, 3}} {
			got := byStream[want.stream]
			tail := got[len(got)-len(want.evs):]
			for j, ev := range tail {
				if ev.ID != want.evs[j].ID {
					t.Errorf("%s version %d holds %s; want %s", want.stream, ev.Version, ev.ID, want.evs[j].ID)
				}
			}
			last := tail[len(tail)-1]
			if res[i].Version != want.version || res[i].Version != last.Version || res[i].Position != last.Position || res[i].First != tail[0].Position {
				t.Errorf("result %d = %+v; want version %d, first %d, position %d", i, res[i], want.version, tail[0].Position, last.Position)
			}
		}
		// One call's events are one run of the log, in the order of the parts.
		if n := len(log); n != 7 {
			t.Fatalf("log has %d events; want 7", n)
		}
		for i := 1; i < 7; i++ {
			if log[i].Position <= log[i-1].Position {
				t.Errorf("positions not increasing at %d", i)
			}
		}
	})

	t.Run("OneWrongExpectedVersionWritesNothing", func(t *testing.T) {
		f := su.fresh(t)
		f.append("multi-b", events.NoStream, f.event("b exists"))
		before := f.readAll()
		_, err := f.s.AppendMulti(f.ctx,
			events.StreamAppend{Stream: "multi-a", Expected: events.NoStream, Events: f.batch(2, "a")},
			events.StreamAppend{Stream: "multi-b", Expected: events.NoStream, Events: f.batch(1, "b")})
		var ce *events.ConcurrencyError
		if !errors.As(err, &ce) || !errors.Is(err, events.ErrConcurrency) {
			t.Fatalf("AppendMulti = %v; want a *ConcurrencyError", err)
		}
		if ce.Stream != "multi-b" || ce.Actual != 1 {
			t.Errorf("ConcurrencyError = %+v; want stream multi-b, actual 1", ce)
		}
		f.unchanged(before)
		if got := f.readStream("multi-a"); len(got) != 0 {
			t.Errorf("multi-a has %d events after a refused AppendMulti; want none", len(got))
		}
	})

	t.Run("SameCallAgainReturnsTheSameResultsAndWritesNothing", func(t *testing.T) {
		f := su.fresh(t)
		parts := []events.StreamAppend{
			{Stream: "multi-a", Expected: events.NoStream, Events: f.batch(2, "a")},
			{Stream: "multi-b", Expected: events.NoStream, Events: f.batch(1, "b")},
		}
		first, err := f.s.AppendMulti(f.ctx, parts...)
		if err != nil {
			t.Fatalf("AppendMulti: %v", err)
		}
		f.append("multi-b", events.Any, f.event("another writer"))
		before := f.readAll()
		again, err := f.s.AppendMulti(f.ctx, parts...)
		if err != nil {
			t.Fatalf("retry: %v; want the earlier results", err)
		}
		if diff := cmp.Diff(first, again); diff != "" {
			t.Errorf("retry results differ (-first +retry):\n%s", diff)
		}
		f.unchanged(before)
	})

	t.Run("HalfStoredCallIsAnIDConflict", func(t *testing.T) {
		f := su.fresh(t)
		a := f.batch(1, "a")
		f.append("multi-a", events.NoStream, a...)
		before := f.readAll()
		_, err := f.s.AppendMulti(f.ctx,
			events.StreamAppend{Stream: "multi-a", Expected: events.NoStream, Events: a},
			events.StreamAppend{Stream: "multi-b", Expected: events.NoStream, Events: f.batch(1, "b")})
		if !errors.Is(err, events.ErrIDConflict) {
			t.Fatalf("AppendMulti = %v; want ErrIDConflict", err)
		}
		f.unchanged(before)
	})

	t.Run("InvalidCallsAreRefused", func(t *testing.T) {
		f := su.fresh(t)
		many := make([]events.StreamAppend, events.MultiStreamsMax+1)
		for i := range many {
			many[i] = events.StreamAppend{Stream: fmt.Sprintf("multi-%d", i), Expected: events.Any, Events: f.batch(1, "x")}
		}
		for name, parts := range map[string][]events.StreamAppend{
			"none":       nil,
			"tooMany":    many,
			"sameStream": {{Stream: "multi-a", Expected: events.Any, Events: f.batch(1, "a")}, {Stream: "multi-a", Expected: events.Any, Events: f.batch(1, "a")}},
			"emptyPart":  {{Stream: "multi-a", Expected: events.Any, Events: f.batch(1, "a")}, {Stream: "multi-b", Expected: events.Any}},
			"sharedID": func() []events.StreamAppend {
				ev := f.event("x")
				return []events.StreamAppend{{Stream: "multi-a", Events: []events.Event{ev}}, {Stream: "multi-b", Events: []events.Event{ev}}}
			}(),
		} {
			if _, err := f.s.AppendMulti(f.ctx, parts...); !errors.Is(err, events.ErrInvalid) {
				t.Errorf("%s: AppendMulti = %v; want ErrInvalid", name, err)
			}
		}
		if h := f.head(); h != 0 {
			t.Errorf("invalid calls moved Head to %d", h)
		}
	})

	t.Run("RacingWritersOfOneLimitStreamGiveExactlyOneWinner", func(t *testing.T) {
		f := su.fresh(t)
		const writers = 50
		var wg sync.WaitGroup
		errs := make([]error, writers)
		for w := range writers {
			wg.Go(func() {
				_, errs[w] = f.s.AppendMulti(f.ctx,
					events.StreamAppend{Stream: "multi-limit", Expected: events.NoStream, Events: f.batch(1, "limit")},
					events.StreamAppend{Stream: fmt.Sprintf("multi-fact-%d", w), Expected: events.NoStream, Events: f.batch(2, "fact")})
			})
		}
		wg.Wait()
		wins := 0
		for w, err := range errs {
			switch {
			case err == nil:
				wins++
			case !errors.Is(err, events.ErrConcurrency):
				t.Errorf("writer %d: %v; want nil or ErrConcurrency", w, err)
			}
		}
		if wins != 1 {
			t.Fatalf("%d writers won; want exactly 1", wins)
		}
		log := f.readAll()
		f.checkLog(log)
		if len(log) != 3 {
			t.Errorf("log has %d events; want 3 (the limit and one fact)", len(log))
		}
	})
}
