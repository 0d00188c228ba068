package embedded_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/drip-ledger/drip/events"
	"github.com/drip-ledger/drip/events/embedded"
	"github.com/drip-ledger/drip/events/storetest"
)

var importNS = events.MustParseID("0b7e3f0e-3c55-4f0e-9a57-3d0c1c7e1a01")

// importSource fills a memory store whose clock ticks once per append with n
// events over streams streams, in appends of 1..3 events, and returns its log.
func importSource(t *testing.T, n, streams int) []events.Event {
	t.Helper()
	tick := time.Date(2024, 5, 6, 7, 8, 9, 123456000, time.UTC)
	src := events.NewMemoryStore(storetest.Registry(), func() time.Time {
		tick = tick.Add(1500 * time.Microsecond)
		return tick
	})
	ctx := context.Background()
	for i := 0; i < n; {
		k := min(1+i%3, n-i)
		batch := make([]events.Event, k)
		for j := range batch {
			data, _ := json.Marshal(storetest.Noted{Text: fmt.Sprintf("imported %d", i+j), N: i + j})
			batch[j] = events.Event{ID: events.DeriveID(importNS, fmt.Sprint(t.Name(), i+j)), Type: storetest.TypeNoted, Data: data,
				Meta: events.Metadata{ActorID: "clerk-7", Role: "clerk", Jurisdiction: "520526", CorrelationID: fmt.Sprint("c", i),
					OccurredAt: time.Date(2023, 1, 2, 3, 4, 5, 678901000, time.UTC)}}
		}
		if _, err := src.Append(ctx, fmt.Sprintf("household-%d", (i*7)%streams), events.Any, batch...); err != nil {
			t.Fatal(err)
		}
		i += k
	}
	evs, err := src.ReadAll(ctx, 1, events.ReadEventsMax)
	if err != nil || len(evs) != n {
		t.Fatalf("source: %d events, %v", len(evs), err)
	}
	return evs
}

func TestImportKeepsPlacesAndTimesAcrossReopen(t *testing.T) {
	ctx := context.Background()
	want := importSource(t, 600, 37)
	dir := t.TempDir()
	s := open(t, dir, embedded.Options{SegmentBytes: embedded.SegmentBytesMin})
	// Two imports: the second continues where the first ended.
	if err := s.Import(ctx, want[:250]); err != nil {
		t.Fatalf("Import: %v", err)
	}
	if err := s.Import(ctx, want[250:]); err != nil {
		t.Fatalf("Import: %v", err)
	}
	checkLog(t, s, want)
	// An append after an import is stamped by the store's own clock again.
	res, err := s.Append(ctx, "household-0", events.Any, note(9999, 10))
	if err != nil || res.Position != uint64(len(want))+1 {
		t.Fatalf("Append after Import: %+v, %v", res, err)
	}
	after, err := s.ReadAll(ctx, res.Position, 1)
	if err != nil || time.Since(after[0].RecordedAt) > time.Minute {
		t.Fatalf("append after import recorded at %v (%v), want now", after[0].RecordedAt, err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	s = open(t, dir, embedded.Options{})
	defer s.Close()
	checkLog(t, s, append(want, after[0]))
}

func checkLog(t *testing.T, s events.Store, want []events.Event) {
	t.Helper()
	got, err := s.ReadAll(context.Background(), 1, events.ReadEventsMax)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Fatalf("log differs (-want +got):\n%s", diff)
	}
	for _, ev := range want[:min(len(want), 50)] {
		st, err := s.ReadStream(context.Background(), ev.Stream, ev.Version, events.Forwards, 1)
		if err != nil || len(st) != 1 || st[0].ID != ev.ID {
			t.Fatalf("ReadStream(%s, %d): %v, %v", ev.Stream, ev.Version, st, err)
		}
	}
}

func TestImportRefusesWhatDoesNotContinueTheLog(t *testing.T) {
	ctx := context.Background()
	src := importSource(t, 20, 3)
	s := open(t, t.TempDir(), embedded.Options{})
	defer s.Close()
	tests := []struct {
		name string
		evs  []events.Event
		want error
	}{
		{"a gap before the first", src[1:], events.ErrInvalid},
		{"a gap inside", append(append([]events.Event(nil), src[:3]...), src[4:]...), events.ErrInvalid},
		{"nothing", nil, events.ErrInvalid},
	}
	for _, tt := range tests {
		if err := s.Import(ctx, tt.evs); !errors.Is(err, tt.want) {
			t.Errorf("%s: Import = %v, want %v", tt.name, err, tt.want)
		}
	}
	if err := s.Import(ctx, src[:5]); err != nil {
		t.Fatal(err)
	}
	// The same events again no longer continue the log.
	if err := s.Import(ctx, src[:5]); !errors.Is(err, events.ErrInvalid) {
		t.Errorf("re-import = %v, want ErrInvalid", err)
	}
	// A version that does not follow the stream's is refused by the sequencer.
	bad := append([]events.Event(nil), src[5:6]...)
	bad[0].Version += 3
	if err := s.Import(ctx, bad); !errors.Is(err, events.ErrConcurrency) {
		t.Errorf("wrong version: Import = %v, want ErrConcurrency", err)
	}
	if head, _ := s.Head(ctx); head != 5 {
		t.Errorf("head = %d after refused imports, want 5", head)
	}
}

// TestImportWaitsForAppendsInFlight: appends racing an import are either
// written before it (and the import, which must then continue after them,
// is refused) or after it, never inside it; the race detector watches the
// clock.
func TestImportWaitsForAppendsInFlight(t *testing.T) {
	ctx := context.Background()
	src := importSource(t, 200, 11)
	s := open(t, t.TempDir(), embedded.Options{})
	defer s.Close()
	var wg sync.WaitGroup
	for w := range 4 {
		wg.Go(func() {
			for i := range 20 {
				if _, err := s.Append(ctx, fmt.Sprintf("other-%d", w), events.Any, note(10000+w*100+i, 10)); err != nil {
					t.Error(err)
					return
				}
			}
		})
	}
	err := s.Import(ctx, src)
	wg.Wait()
	head, _ := s.Head(ctx)
	got, _ := s.ReadAll(ctx, 1, events.ReadEventsMax)
	switch {
	case err == nil:
		// The import went first: its events are 1..200.
		if diff := cmp.Diff(src, got[:len(src)]); diff != "" {
			t.Fatalf("imported events differ:\n%s", diff)
		}
	case errors.Is(err, events.ErrInvalid):
		if head == 0 {
			t.Fatalf("import refused with an empty log: %v", err)
		}
	default:
		t.Fatalf("Import: %v", err)
	}
	if want := uint64(80); err != nil && head != want || err == nil && head != want+200 {
		t.Fatalf("head = %d (import err %v)", head, err)
	}
}
