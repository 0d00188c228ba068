package events_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/drip-ledger/drip/events"
	"github.com/drip-ledger/drip/events/storetest"
)

func TestMemoryImportKeepsPlacesAndTimes(t *testing.T) {
	ctx := context.Background()
	tick := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
	src := events.NewMemoryStore(storetest.Registry(), func() time.Time { tick = tick.Add(time.Second); return tick })
	for i := range 30 {
		stream := []string{"a-1", "b-2", "c-3"}[i%3]
		if _, err := src.Append(ctx, stream, events.Any, noted(t, 2*i, "x"), noted(t, 2*i+1, "y")); err != nil {
			t.Fatal(err)
		}
	}
	want, err := src.ReadAll(ctx, 1, events.ReadEventsMax)
	if err != nil {
		t.Fatal(err)
	}
	dst := events.NewMemoryStore(storetest.Registry(), nil)
	if err := dst.Import(ctx, want[:7]); err != nil {
		t.Fatal(err)
	}
	if err := dst.Import(ctx, want[7:]); err != nil {
		t.Fatal(err)
	}
	got, err := dst.ReadAll(ctx, 1, events.ReadEventsMax)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Fatalf("imported log differs (-want +got):\n%s", diff)
	}
}

func TestMemoryImportRefusesAndWritesNothing(t *testing.T) {
	ctx := context.Background()
	src := events.NewMemoryStore(storetest.Registry(), nil)
	for i := range 4 {
		if _, err := src.Append(ctx, "a-1", events.Any, noted(t, i, "x")); err != nil {
			t.Fatal(err)
		}
	}
	evs, _ := src.ReadAll(ctx, 1, 10)
	wrongVersion := append([]events.Event(nil), evs...)
	wrongVersion[3].Version = 9
	badPayload := append([]events.Event(nil), evs...)
	badPayload[2].Data = []byte(`{"text":""}`)
	tests := []struct {
		name string
		evs  []events.Event
		want error
	}{
		{"gap", evs[1:], events.ErrInvalid},
		{"version skips", wrongVersion, events.ErrInvalid},
		{"invalid payload", badPayload, events.ErrInvalid},
		{"id twice", []events.Event{evs[0], withPlace(evs[0], "b-2", 2, 1)}, events.ErrIDConflict},
	}
	for _, tt := range tests {
		dst := events.NewMemoryStore(storetest.Registry(), nil)
		if err := dst.Import(ctx, tt.evs); !errors.Is(err, tt.want) {
			t.Errorf("%s: Import = %v, want %v", tt.name, err, tt.want)
		}
		if head, _ := dst.Head(ctx); head != 0 {
			t.Errorf("%s: head %d after a refused import", tt.name, head)
		}
	}
}

func withPlace(ev events.Event, stream string, pos, ver uint64) events.Event {
	ev.Stream, ev.Position, ev.Version = stream, pos, ver
	return ev
}

func TestImportRunsSplitByStreamTimeAndLimits(t *testing.T) {
	t0 := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
	ev := func(stream string, at time.Time) events.Event { return events.Event{Stream: stream, RecordedAt: at} }
	evs := []events.Event{ev("a", t0), ev("a", t0), ev("b", t0), ev("a", t0), ev("a", t0.Add(time.Microsecond)),
		ev("a", t0.Add(time.Microsecond+time.Nanosecond))}
	var lens []int
	for _, r := range events.ImportRuns(evs) {
		lens = append(lens, len(r))
	}
	if diff := cmp.Diff([]int{2, 1, 1, 2}, lens); diff != "" {
		t.Errorf("runs (-want +got):\n%s", diff)
	}
	long := make([]events.Event, events.BatchEventsMax+1)
	for i := range long {
		long[i] = ev("a", t0)
	}
	if n := len(events.ImportRuns(long)); n != 2 {
		t.Errorf("%d events of one stream and time: %d runs, want 2", len(long), n)
	}
}
