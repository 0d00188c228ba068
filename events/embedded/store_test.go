package embedded_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/drip-ledger/drip/events"
	"github.com/drip-ledger/drip/events/embedded"
	"github.com/drip-ledger/drip/events/storetest"
)

// quiet keeps expected recovery warnings out of the test output.
var quiet = slog.New(slog.NewTextHandler(io.Discard, nil))

func TestConformance(t *testing.T) {
	storetest.Run(t, func(t *testing.T, reg *events.Registry) events.Store {
		s, err := embedded.Open(t.TempDir(), reg, embedded.Options{Logger: quiet})
		if err != nil {
			t.Fatal(err)
		}
		return s
	})
}

// TestConformanceSmallSegments runs the suite with segments small enough to
// roll many times.
func TestConformanceSmallSegments(t *testing.T) {
	storetest.Run(t, func(t *testing.T, reg *events.Registry) events.Store {
		s, err := embedded.Open(t.TempDir(), reg, embedded.Options{Logger: quiet, SegmentBytes: embedded.SegmentBytesMin})
		if err != nil {
			t.Fatal(err)
		}
		return s
	})
}

// TestConformanceDeferSync runs the suite on a store that syncs only at
// rolls and at Close (Options.DeferSync, for bulk loads).
func TestConformanceDeferSync(t *testing.T) {
	storetest.Run(t, func(t *testing.T, reg *events.Registry) events.Store {
		s, err := embedded.Open(t.TempDir(), reg, embedded.Options{Logger: quiet, SegmentBytes: embedded.SegmentBytesMin, DeferSync: true})
		if err != nil {
			t.Fatal(err)
		}
		return s
	})
}

func open(t *testing.T, dir string, opts embedded.Options) *embedded.Store {
	t.Helper()
	if opts.Logger == nil {
		opts.Logger = quiet
	}
	s, err := embedded.Open(dir, storetest.Registry(), opts)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	return s
}

// note makes a valid event with a payload of about size bytes.
func note(i int, size int) events.Event {
	text := fmt.Sprintf("note %d ", i)
	for len(text) < size {
		text += "x"
	}
	data, _ := json.Marshal(storetest.Noted{Text: text, N: i})
	return events.Event{
		ID:   events.DeriveID(events.NilID, fmt.Sprint("note-", i)),
		Type: storetest.TypeNoted,
		Data: data,
		Meta: events.Metadata{ActorID: "actor-1", Role: "clerk", Jurisdiction: "52",
			OccurredAt: time.Date(2025, 1, 2, 3, 4, 5, 6789, time.UTC)},
	}
}

// fill appends n events to streams s-0..s-(streams-1), in appends of 1..3.
func fill(t *testing.T, s events.Store, n, streams, size int) {
	t.Helper()
	ctx := context.Background()
	for i := 0; i < n; {
		k := min(1+i%3, n-i)
		evs := make([]events.Event, k)
		for j := range evs {
			evs[j] = note(i+j, size)
		}
		if _, err := s.Append(ctx, fmt.Sprintf("s-%d", i%streams), events.Any, evs...); err != nil {
			t.Fatalf("Append %d: %v", i, err)
		}
		i += k
	}
}

func readAll(t *testing.T, s events.Store) ([]events.Event, error) {
	t.Helper()
	var out []events.Event
	for from := uint64(1); ; {
		page, err := s.ReadAll(context.Background(), from, events.ReadEventsMax)
		if err != nil || len(page) == 0 {
			return out, err
		}
		out = append(out, page...)
		from = page[len(page)-1].Position + 1
	}
}

func mustReadAll(t *testing.T, s events.Store) []events.Event {
	t.Helper()
	evs, err := readAll(t, s)
	if err != nil {
		t.Fatalf("ReadAll: %v", err)
	}
	return evs
}

func TestReopenKeepsEverything(t *testing.T) {
	dir := t.TempDir()
	s := open(t, dir, embedded.Options{SegmentBytes: embedded.SegmentBytesMin})
	fill(t, s, 2000, 7, 300)
	before := mustReadAll(t, s)
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	s = open(t, dir, embedded.Options{})
	defer s.Close()
	if diff := cmp.Diff(before, mustReadAll(t, s)); diff != "" {
		t.Fatalf("log changed across reopen (-before +after):\n%s", diff)
	}
	res, err := s.Append(context.Background(), "s-0", events.Exact(286), note(5000, 10))
	if err != nil || res.Position != 2001 || res.Version != 287 {
		t.Fatalf("append after reopen = %+v, %v; want version 287 at 2001", res, err)
	}
	segs, _ := filepath.Glob(filepath.Join(dir, "log", "*.seg"))
	if len(segs) < 5 {
		t.Fatalf("%d segments; want the log rolled several times", len(segs))
	}
}

func TestSecondOpenIsRefused(t *testing.T) {
	dir := t.TempDir()
	s := open(t, dir, embedded.Options{})
	defer s.Close()
	_, err := embedded.Open(dir, storetest.Registry(), embedded.Options{Logger: quiet})
	if !errors.Is(err, embedded.ErrLocked) {
		t.Fatalf("second Open: %v; want ErrLocked", err)
	}
}

func TestOptionsValidateReportsEveryProblem(t *testing.T) {
	err := embedded.Options{SegmentBytes: 1, QueueLen: -1, GroupAppendsMax: -5}.Validate()
	if err == nil {
		t.Fatal("Validate accepted bad options")
	}
	for _, field := range []string{"SegmentBytes", "QueueLen", "GroupAppendsMax"} {
		if !contains(err.Error(), field) {
			t.Errorf("Validate: %v; does not name %s", err, field)
		}
	}
	if err := (embedded.Options{}).Validate(); err != nil {
		t.Errorf("zero Options: %v", err)
	}
}

func contains(s, sub string) bool { return strings.Contains(s, sub) }

// TestReopenedStoreKnowsItsIDsAndStreams checks what the ID and stream
// filters decide after a reopen, both while Open still builds them (every
// answer "maybe") and once they are ready: a retry of a stored append
// returns its first result, a stored ID in another place is a conflict, an
// existing stream is not taken for a new one, and fresh IDs and streams go
// through.
func TestReopenedStoreKnowsItsIDsAndStreams(t *testing.T) {
	dir := t.TempDir()
	s := open(t, dir, embedded.Options{})
	fill(t, s, 300, 5, 50)
	ctx := context.Background()
	first, err := s.Append(ctx, "kept", events.NoStream, note(1000, 20), note(1001, 20))
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	check := func(t *testing.T, s *embedded.Store, fresh int) {
		t.Helper()
		if res, err := s.Append(ctx, "kept", events.NoStream, note(1000, 20), note(1001, 20)); err != nil || res != first {
			t.Errorf("retry = %+v, %v; want %+v, nil", res, err, first)
		}
		if _, err := s.Append(ctx, "elsewhere", events.Any, note(1000, 20)); !errors.Is(err, events.ErrIDConflict) {
			t.Errorf("stored ID in another stream: %v; want ErrIDConflict", err)
		}
		if _, err := s.Append(ctx, "s-3", events.NoStream, note(fresh, 20)); !errors.Is(err, events.ErrConcurrency) {
			t.Errorf("NoStream on a stored stream: %v; want ErrConcurrency", err)
		}
		if res, err := s.Append(ctx, fmt.Sprintf("new-%d", fresh), events.NoStream, note(fresh+1, 20)); err != nil || res.Version != 1 {
			t.Errorf("fresh stream = %+v, %v; want version 1", res, err)
		}
	}
	s = open(t, dir, embedded.Options{})
	check(t, s, 2000) // most likely before the filters are built; right either way
	for deadline := time.Now().Add(10 * time.Second); !embedded.FiltersReady(s); time.Sleep(time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("filters not built within 10s")
		}
	}
	check(t, s, 3000)
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
}

// TestReadsSeeEveryAcknowledgedAppend checks read-your-writes while the
// index trails the acknowledgements (writer.go): right after each append
// returns, ReadStream, ReadAll and Head already show it.
func TestReadsSeeEveryAcknowledgedAppend(t *testing.T) {
	s := open(t, t.TempDir(), embedded.Options{})
	defer s.Close()
	ctx := context.Background()
	const writers, each = 16, 40
	errs := make(chan error, writers)
	for w := range writers {
		go func() {
			stream := fmt.Sprintf("ryw-%d", w)
			for i := range each {
				res, err := s.Append(ctx, stream, events.Exact(uint64(i)), note(w*each+i, 100))
				if err != nil {
					errs <- err
					return
				}
				got, err := s.ReadStream(ctx, stream, events.End, events.Backwards, 1)
				if err != nil || len(got) != 1 || got[0].Version != res.Version || got[0].Position != res.Position {
					errs <- fmt.Errorf("ReadStream after append %+v: %v, %v", res, got, err)
					return
				}
				all, err := s.ReadAll(ctx, res.Position, 1)
				if err != nil || len(all) != 1 || all[0].ID != note(w*each+i, 100).ID {
					errs <- fmt.Errorf("ReadAll(%d) after append: %v, %v", res.Position, all, err)
					return
				}
				if h, err := s.Head(ctx); err != nil || h < res.Position {
					errs <- fmt.Errorf("Head = %d, %v after append at %d", h, err, res.Position)
					return
				}
			}
			errs <- nil
		}()
	}
	for range writers {
		if err := <-errs; err != nil {
			t.Error(err)
		}
	}
}

// TestFullGroupsWaitForTheSyncer runs concurrent writers against groups that
// fill at once (two appends, or 1 KiB): the sequencer must hand each full
// group over and carry the next append to a new one, never losing,
// reordering or stalling an append (writer.go's hand-off).
func TestFullGroupsWaitForTheSyncer(t *testing.T) {
	for _, opts := range []embedded.Options{{GroupAppendsMax: 2}, {GroupBytesMax: 1024}} {
		t.Run(fmt.Sprintf("appends=%d,bytes=%d", opts.GroupAppendsMax, opts.GroupBytesMax), func(t *testing.T) {
			s := open(t, t.TempDir(), opts)
			defer s.Close()
			ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
			defer cancel()
			const writers, each = 32, 25
			errs := make(chan error, writers)
			for w := range writers {
				go func() {
					for i := range each {
						if _, err := s.Append(ctx, fmt.Sprintf("full-%d", w), events.Exact(uint64(i)), note(w*each+i, 300)); err != nil {
							errs <- err
							return
						}
					}
					errs <- nil
				}()
			}
			for range writers {
				if err := <-errs; err != nil {
					t.Fatal(err)
				}
			}
			all := mustReadAll(t, s)
			if len(all) != writers*each {
				t.Fatalf("%d events in the log; want %d", len(all), writers*each)
			}
			for i, ev := range all {
				if ev.Position != uint64(i+1) {
					t.Fatalf("event %d at position %d", i, ev.Position)
				}
			}
		})
	}
}
