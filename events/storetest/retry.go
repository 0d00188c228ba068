package storetest

import (
	"errors"
	"testing"

	"github.com/drip-ledger/drip/events"
)

func testRetry(t *testing.T, su *suite) {
	t.Run("SameAppendAgainReturnsTheSameResultAndWritesNothing", func(t *testing.T) {
		f := su.fresh(t)
		f.append("retry-0", events.Any, f.event("before"))
		evs := f.batch(3, "retried")
		first := f.append("retry-1", events.NoStream, evs...)
		before := f.readAll()
		for i := range 3 {
			res, err := f.s.Append(f.ctx, "retry-1", events.NoStream, evs...)
			if err != nil {
				t.Fatalf("retry %d: %v; want the earlier result", i, err)
			}
			if res != first {
				t.Errorf("retry %d returned %+v; want %+v", i, res, first)
			}
		}
		f.unchanged(before)
	})

	t.Run("RetryAfterAnotherWriterReturnsTheEarlierResult", func(t *testing.T) {
		for _, exp := range []events.Expected{events.NoStream, events.Any, events.StreamExists} {
			t.Run(exp.String(), func(t *testing.T) {
				f := su.fresh(t)
				if exp == events.StreamExists {
					f.append("retry-1", events.NoStream, f.event("exists"))
				}
				evs := f.batch(2, "retried")
				first := f.append("retry-1", exp, evs...)
				f.append("retry-1", events.Any, f.event("another writer"))
				before := f.readAll()
				res, err := f.s.Append(f.ctx, "retry-1", exp, evs...)
				if err != nil {
					t.Fatalf("retry with %v after another writer: %v; want the earlier result", exp, err)
				}
				if res != first {
					t.Errorf("retry returned %+v; want %+v", res, first)
				}
				f.unchanged(before)
			})
		}
	})

	t.Run("RetryWithSubMicrosecondOccurredAtIsTheSame", func(t *testing.T) {
		f := su.fresh(t)
		ev := f.event("time")
		first := f.append("retry-1", events.NoStream, ev)
		before := f.readAll()
		ev.Meta.OccurredAt = ev.Meta.OccurredAt.Add(1).UTC() // same microsecond, other zone
		res, err := f.s.Append(f.ctx, "retry-1", events.NoStream, ev)
		if err != nil || res != first {
			t.Fatalf("retry = %+v, %v; want %+v, nil", res, err, first)
		}
		f.unchanged(before)
	})

	conflicts := []struct {
		name string
		// change turns the stored batch into the conflicting append.
		change func(f *fixture, stored []events.Event) (string, events.Expected, []events.Event)
	}{
		{"SameIDOtherDataConflicts", func(f *fixture, s []events.Event) (string, events.Expected, []events.Event) {
			s[1].Data = noted("other text", 1)
			return "retry-1", events.NoStream, s
		}},
		{"SameIDOtherMetadataConflicts", func(f *fixture, s []events.Event) (string, events.Expected, []events.Event) {
			s[1].Meta.ActorID = "someone-else"
			return "retry-1", events.NoStream, s
		}},
		{"SameIDOtherOccurredAtConflicts", func(f *fixture, s []events.Event) (string, events.Expected, []events.Event) {
			s[0].Meta.OccurredAt = s[0].Meta.OccurredAt.Add(1000)
			return "retry-1", events.NoStream, s
		}},
		{"SameIDOtherStreamConflicts", func(f *fixture, s []events.Event) (string, events.Expected, []events.Event) {
			return "retry-2", events.NoStream, s
		}},
		{"SameIDOtherStreamWithAnyConflicts", func(f *fixture, s []events.Event) (string, events.Expected, []events.Event) {
			return "retry-2", events.Any, s[:1]
		}},
		{"SameIDsAfterAnotherExpectedVersionConflict", func(f *fixture, s []events.Event) (string, events.Expected, []events.Event) {
			return "retry-1", events.Exact(1), s
		}},
		{"StoredThenNewConflicts", func(f *fixture, s []events.Event) (string, events.Expected, []events.Event) {
			return "retry-1", events.NoStream, append(s, f.event("new"))
		}},
		{"NewThenStoredConflicts", func(f *fixture, s []events.Event) (string, events.Expected, []events.Event) {
			return "retry-1", events.Any, []events.Event{f.event("new"), s[0]}
		}},
		{"StoredEventsInAnotherOrderConflict", func(f *fixture, s []events.Event) (string, events.Expected, []events.Event) {
			return "retry-1", events.NoStream, []events.Event{s[1], s[0]}
		}},
		{"LaterStoredEventAloneConflicts", func(f *fixture, s []events.Event) (string, events.Expected, []events.Event) {
			return "retry-1", events.NoStream, s[1:]
		}},
	}
	for _, tt := range conflicts {
		t.Run(tt.name, func(t *testing.T) {
			f := su.fresh(t)
			evs := f.batch(2, "stored")
			f.append("retry-1", events.NoStream, evs...)
			f.append("retry-2", events.Any, f.event("retry-2 exists")) // so only the ID can conflict
			before := f.readAll()
			stream, exp, again := tt.change(f, append([]events.Event(nil), evs...))
			_, err := f.s.Append(f.ctx, stream, exp, again...)
			if !errors.Is(err, events.ErrIDConflict) {
				t.Fatalf("Append: %v; want ErrIDConflict", err)
			}
			f.unchanged(before)
		})
	}
}
