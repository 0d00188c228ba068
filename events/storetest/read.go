package storetest

import (
	"context"
	"errors"
	"fmt"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/drip-ledger/drip/events"
)

// badLimits are read limits every store refuses.
var badLimits = []int{0, -1, events.ReadEventsMax + 1}

func testReadStream(t *testing.T, su *suite) {
	f := su.fresh(t)
	// Interleave two streams so stream versions and positions differ.
	for i := range 10 {
		f.append("read-a", events.Any, f.event(fmt.Sprint("a", i)))
		f.append("read-b", events.Any, f.event(fmt.Sprint("b", i)))
	}
	all := f.readStream("read-a")
	if len(all) != 10 {
		t.Fatalf("stream has %d events; want 10", len(all))
	}
	for i, ev := range all {
		if ev.Version != uint64(i)+1 || ev.Stream != "read-a" {
			t.Fatalf("event %d: stream %q version %d; want read-a version %d", i, ev.Stream, ev.Version, i+1)
		}
	}
	tests := []struct {
		name  string
		from  uint64
		dir   events.Direction
		limit int
		want  []events.Event
	}{
		{"ForwardsFromZeroReadsAll", 0, events.Forwards, 100, all},
		{"ForwardsFromOneReadsAll", 1, events.Forwards, 100, all},
		{"ForwardsFromTheMiddle", 4, events.Forwards, 100, all[3:]},
		{"ForwardsStopsAtTheLimit", 4, events.Forwards, 3, all[3:6]},
		{"ForwardsFromTheLastEvent", 10, events.Forwards, 100, all[9:]},
		{"ForwardsPastTheEndReadsNothing", 11, events.Forwards, 100, nil},
		{"ForwardsFarPastTheEndReadsNothing", events.End, events.Forwards, 100, nil},
		{"BackwardsFromEndReadsAllReversed", events.End, events.Backwards, 100, reversed(all)},
		{"BackwardsFromTheLastVersion", 10, events.Backwards, 100, reversed(all)},
		{"BackwardsFromPastTheEndStartsAtTheLast", 11, events.Backwards, 2, reversed(all[8:])},
		{"BackwardsFromTheMiddle", 5, events.Backwards, 100, reversed(all[:5])},
		{"BackwardsStopsAtTheLimit", 5, events.Backwards, 2, reversed(all[3:5])},
		{"BackwardsFromEndWithLimitOneIsTheLast", events.End, events.Backwards, 1, all[9:]},
		{"BackwardsFromOneIsTheFirst", 1, events.Backwards, 100, all[:1]},
		{"BackwardsFromZeroReadsNothing", 0, events.Backwards, 100, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := f.s.ReadStream(f.ctx, "read-a", tt.from, tt.dir, tt.limit)
			if err != nil {
				t.Fatalf("ReadStream: %v", err)
			}
			if diff := cmp.Diff(tt.want, got, eventsEqual, cmpEmpty); diff != "" {
				t.Errorf("ReadStream(from %d, dir %d, limit %d) (-want +got):\n%s", tt.from, tt.dir, tt.limit, diff)
			}
		})
	}
	t.Run("MissingStreamIsNotFound", func(t *testing.T) {
		reads := []struct {
			from uint64
			dir  events.Direction
		}{{0, events.Forwards}, {1, events.Forwards}, {events.End, events.Backwards}, {1, events.Backwards}}
		for _, r := range reads {
			_, err := f.s.ReadStream(f.ctx, "read-missing", r.from, r.dir, 10)
			if !errors.Is(err, events.ErrStreamNotFound) {
				t.Errorf("ReadStream(missing, from %d, dir %d): %v; want ErrStreamNotFound", r.from, r.dir, err)
			}
		}
	})
	t.Run("BadLimitIsInvalid", func(t *testing.T) {
		for _, limit := range badLimits {
			_, err := f.s.ReadStream(f.ctx, "read-a", 1, events.Forwards, limit)
			if !errors.Is(err, events.ErrInvalid) || !errors.Is(err, events.ErrLimit) {
				t.Errorf("ReadStream(limit %d): %v; want ErrInvalid and ErrLimit", limit, err)
			}
		}
		if _, err := f.s.ReadStream(f.ctx, "read-a", 1, events.Forwards, events.ReadEventsMax); err != nil {
			t.Errorf("ReadStream(limit ReadEventsMax): %v; want success", err)
		}
	})
	t.Run("CanceledContextFails", func(t *testing.T) {
		_, err := f.s.ReadStream(canceled(f.ctx), "read-a", 1, events.Forwards, 10)
		if !errors.Is(err, context.Canceled) {
			t.Errorf("ReadStream with a canceled context: %v; want context.Canceled", err)
		}
	})
}

func testReadAll(t *testing.T, su *suite) {
	f := su.fresh(t)
	t.Run("EmptyLogReadsNothing", func(t *testing.T) {
		for _, from := range []uint64{0, 1, 100} {
			got, err := f.s.ReadAll(f.ctx, from, 10)
			if err != nil || len(got) != 0 {
				t.Errorf("ReadAll(%d) of an empty log = %d events, %v; want none, nil", from, len(got), err)
			}
		}
	})
	for i := range 10 {
		f.append(fmt.Sprint("all-", i%3), events.Any, f.batch(1+i%2, "all")...)
	}
	all := f.readAll()
	f.checkLog(all)
	if len(all) != 15 {
		t.Fatalf("log has %d events; want 15", len(all))
	}
	last := all[len(all)-1].Position
	tests := []struct {
		name  string
		from  uint64
		limit int
		want  []events.Event
	}{
		{"FromZeroReadsFromTheStart", 0, 100, all},
		{"FromOneReadsFromTheStart", 1, 100, all},
		{"FromTheMiddle", all[6].Position, 100, all[6:]},
		{"FromTheMiddleWithALimit", all[6].Position, 4, all[6:10]},
		{"LimitOne", all[6].Position, 1, all[6:7]},
		{"FromTheLast", last, 100, all[14:]},
		{"PastTheEndReadsNothing", last + 1, 100, nil},
		{"FarPastTheEndReadsNothing", events.End, 100, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := f.s.ReadAll(f.ctx, tt.from, tt.limit)
			if err != nil {
				t.Fatalf("ReadAll: %v", err)
			}
			if diff := cmp.Diff(tt.want, got, eventsEqual, cmpEmpty); diff != "" {
				t.Errorf("ReadAll(from %d, limit %d) (-want +got):\n%s", tt.from, tt.limit, diff)
			}
		})
	}
	if f.cfg.gaps {
		t.Run("BetweenPositionsReadsFromTheNext", func(t *testing.T) {
			for i := 1; i < len(all); i++ {
				if all[i].Position > all[i-1].Position+1 {
					got, err := f.s.ReadAll(f.ctx, all[i-1].Position+1, 1)
					if err != nil || len(got) != 1 || got[0].Position != all[i].Position {
						t.Errorf("ReadAll(%d) = %v, %v; want position %d", all[i-1].Position+1, keys(got), err, all[i].Position)
					}
					return
				}
			}
		})
	}
	t.Run("BadLimitIsInvalid", func(t *testing.T) {
		for _, limit := range badLimits {
			_, err := f.s.ReadAll(f.ctx, 1, limit)
			if !errors.Is(err, events.ErrInvalid) || !errors.Is(err, events.ErrLimit) {
				t.Errorf("ReadAll(limit %d): %v; want ErrInvalid and ErrLimit", limit, err)
			}
		}
		if _, err := f.s.ReadAll(f.ctx, 1, events.ReadEventsMax); err != nil {
			t.Errorf("ReadAll(limit ReadEventsMax): %v; want success", err)
		}
	})
	t.Run("CanceledContextFails", func(t *testing.T) {
		_, err := f.s.ReadAll(canceled(f.ctx), 1, 10)
		if !errors.Is(err, context.Canceled) {
			t.Errorf("ReadAll with a canceled context: %v; want context.Canceled", err)
		}
	})
}

// cmpEmpty treats a nil and an empty result alike.
var cmpEmpty = cmp.FilterValues(func(a, b []events.Event) bool { return len(a) == 0 && len(b) == 0 },
	cmp.Comparer(func(a, b []events.Event) bool { return true }))

func canceled(ctx context.Context) context.Context {
	ctx, cancel := context.WithCancel(ctx)
	cancel()
	return ctx
}
