package storetest

import (
	"errors"
	"fmt"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/drip-ledger/drip/events"
)

func testExpected(t *testing.T, su *suite) {
	tests := []struct {
		name     string
		existing int // events already in the stream
		expected events.Expected
		ok       bool
	}{
		{"AnyOnNoStreamSucceeds", 0, events.Any, true},
		{"AnyOnExistingStreamSucceeds", 2, events.Any, true},
		{"NoStreamOnNoStreamSucceeds", 0, events.NoStream, true},
		{"NoStreamOnExistingStreamFails", 2, events.NoStream, false},
		{"StreamExistsOnExistingStreamSucceeds", 2, events.StreamExists, true},
		{"StreamExistsOnNoStreamFails", 0, events.StreamExists, false},
		{"ExactZeroOnNoStreamSucceeds", 0, events.Exact(0), true},
		{"ExactCurrentVersionSucceeds", 2, events.Exact(2), true},
		{"ExactOlderVersionFails", 2, events.Exact(1), false},
		{"ExactNewerVersionFails", 2, events.Exact(3), false},
		{"ExactOneOnNoStreamFails", 0, events.Exact(1), false},
	}
	parent := su.fresh(t)
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := parent.in(t)
			stream := fmt.Sprintf("expected-%d", i)
			f.append("other", events.Any, f.event("another stream moves the log"))
			if tt.existing > 0 {
				f.append(stream, events.NoStream, f.batch(tt.existing, "existing")...)
			}
			before := f.readAll()
			evs := f.batch(2, "attempt")
			res, err := f.s.Append(f.ctx, stream, tt.expected, evs...)
			if tt.ok {
				if err != nil {
					t.Fatalf("Append(%v) on a stream at version %d: %v; want success", tt.expected, tt.existing, err)
				}
				head := before[len(before)-1].Position
				want := events.AppendResult{Version: uint64(tt.existing) + 2, Position: head + 2, First: head + 1}
				if f.cfg.gaps {
					want.Position, want.First = res.Position, res.First
					if res.First <= head || res.Position <= res.First {
						t.Errorf("Append returned %+v after head %d; want head < First < Position", res, head)
					}
				}
				if res != want {
					t.Errorf("Append returned %+v; want %+v", res, want)
				}
				got := f.readStream(stream)
				if diff := cmp.Diff(evs, got[tt.existing:], eventsEqual, ignorePlace); diff != "" {
					t.Errorf("stream after the append (-appended +read):\n%s", diff)
				}
				return
			}
			if !errors.Is(err, events.ErrConcurrency) {
				t.Fatalf("Append(%v) on a stream at version %d: %v; want ErrConcurrency", tt.expected, tt.existing, err)
			}
			var ce *events.ConcurrencyError
			if !errors.As(err, &ce) {
				t.Fatalf("error %v is not a *events.ConcurrencyError", err)
			}
			want := events.ConcurrencyError{Stream: stream, Expected: tt.expected, Actual: uint64(tt.existing)}
			if *ce != want {
				t.Errorf("ConcurrencyError = %+v; want %+v", *ce, want)
			}
			if res != (events.AppendResult{}) {
				t.Errorf("a failed Append returned %+v; want the zero result", res)
			}
			f.unchanged(before)
		})
	}
}

// ignorePlace compares what a writer supplies, not where the store put it.
var ignorePlace = cmp.Options{
	cmpopts.IgnoreFields(events.Event{}, "Stream", "Version", "Position", "RecordedAt"),
	cmp.Transformer("µs", func(m events.Metadata) events.Metadata {
		m.OccurredAt = events.RecordedTime(m.OccurredAt)
		return m
	}),
}

func testBatch(t *testing.T, su *suite) {
	t.Run("OneInvalidEventWritesNothing", func(t *testing.T) {
		f := su.fresh(t)
		f.append("batch-1", events.NoStream, f.event("first"))
		before := f.readAll()
		evs := f.batch(5, "batch")
		evs[3].Data = noted("", 1) // fails Noted.Validate
		_, err := f.s.Append(f.ctx, "batch-1", events.Exact(1), evs...)
		if !errors.Is(err, events.ErrInvalid) {
			t.Fatalf("Append of a batch with one invalid event: %v; want ErrInvalid", err)
		}
		f.unchanged(before)
		// The valid events of the refused batch were not remembered either:
		// appending them now is a fresh append, not an ID conflict.
		res := f.append("batch-1", events.Exact(1), evs[:3]...)
		if res.Version != 4 {
			t.Errorf("after the refused batch, a fresh append reached version %d; want 4", res.Version)
		}
	})

	t.Run("ConcurrentBatchesAreContiguous", func(t *testing.T) {
		f := su.fresh(t)
		const writers, appends, size = 8, 12, 5
		results := make([][]events.AppendResult, writers)
		run(t, writers, func(w int) error {
			for range appends {
				res, err := f.s.Append(f.ctx, fmt.Sprintf("batch-%d", w%3), events.Any, f.batch(size, "contiguous")...)
				if err != nil {
					return err
				}
				results[w] = append(results[w], res)
			}
			return nil
		})
		log := f.readAll()
		if len(log) != writers*appends*size {
			t.Fatalf("log has %d events; want %d", len(log), writers*appends*size)
		}
		f.checkLog(log)
		at := map[uint64]int{} // position → index in log
		for i, ev := range log {
			at[ev.Position] = i
		}
		for w, rs := range results {
			for _, res := range rs {
				i, ok := at[res.Position]
				if !ok || i < size-1 {
					t.Fatalf("writer %d: result %+v is not the end of a batch in the log", w, res)
				}
				batch := log[i-size+1 : i+1]
				for j, ev := range batch {
					if ev.Stream != batch[0].Stream || ev.Version != res.Version-uint64(size-1-j) {
						t.Fatalf("writer %d: the batch ending at %+v is interleaved with another: %v", w, res, keys(batch))
					}
				}
				if want := "batch-" + fmt.Sprint(w%3); batch[0].Stream != want {
					t.Errorf("writer %d: batch in stream %q; want %q", w, batch[0].Stream, want)
				}
			}
		}
	})
}
