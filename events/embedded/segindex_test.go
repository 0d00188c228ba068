package embedded

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/cockroachdb/pebble/v2"

	"github.com/drip-ledger/drip/events"
	"github.com/drip-ledger/drip/events/storetest"
)

var quietLog = slog.New(slog.NewTextHandler(io.Discard, nil))

func idsOpen(t testing.TB, dir string, segBytes int64) *Store {
	t.Helper()
	s, err := Open(dir, storetest.Registry(), Options{Logger: quietLog, SegmentBytes: segBytes})
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	return s
}

func idsEvent(t testing.TB, i int) events.Event {
	t.Helper()
	ev, err := storetest.Registry().Encode(events.DeriveID(events.NilID, fmt.Sprint("ids-", i)),
		events.Metadata{ActorID: "a", Role: "clerk", Jurisdiction: "52", OccurredAt: time.Date(2025, 1, 2, 3, 4, 5, 0, time.UTC)},
		storetest.Noted{Text: strings.Repeat("x", 250), N: i})
	if err != nil {
		t.Fatal(err)
	}
	return ev
}

// idsFill appends events 0..n-1, one per append, each to its own stream, and
// returns their results.
func idsFill(t *testing.T, s *Store, n int) []events.AppendResult {
	t.Helper()
	res := make([]events.AppendResult, n)
	for i := range n {
		r, err := s.Append(context.Background(), fmt.Sprint("ids-", i), events.NoStream, idsEvent(t, i))
		if err != nil {
			t.Fatalf("Append %d: %v", i, err)
		}
		res[i] = r
	}
	return res
}

// withIndex opens the closed store's index alone and runs fn on it.
func withIndex(t *testing.T, dir string, fn func(db *pebble.DB)) {
	t.Helper()
	db, err := openIndex(filepath.Join(dir, "index"), 1<<20, quietLog)
	if err != nil {
		t.Fatal(err)
	}
	fn(db)
	if err := db.Flush(); err != nil {
		t.Fatal(err)
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
}

func countIDKeys(t *testing.T, db *pebble.DB) int {
	t.Helper()
	it, err := db.NewIter(&pebble.IterOptions{LowerBound: []byte{keyID}, UpperBound: []byte{keyID + 1}})
	if err != nil {
		t.Fatal(err)
	}
	defer it.Close()
	n := 0
	for ok := it.First(); ok; ok = it.Next() {
		n++
	}
	return n
}

func segFirsts(t *testing.T, dir string) []uint64 {
	t.Helper()
	firsts, err := listSegments(filepath.Join(dir, "log"))
	if err != nil {
		t.Fatal(err)
	}
	return firsts
}

// checkRetries retries the appends of events is and expects their first
// results, and a conflict for each ID appended to another stream.
func checkRetries(t *testing.T, s *Store, res []events.AppendResult, is ...int) {
	t.Helper()
	ctx := context.Background()
	for _, i := range is {
		got, err := s.Append(ctx, fmt.Sprint("ids-", i), events.NoStream, idsEvent(t, i))
		if err != nil || got != res[i] {
			t.Errorf("retry of event %d = %+v, %v; want %+v", i, got, err, res[i])
		}
		if _, err := s.Append(ctx, "elsewhere", events.Any, idsEvent(t, i)); !errors.Is(err, events.ErrIDConflict) {
			t.Errorf("event %d in another stream: %v; want ErrIDConflict", i, err)
		}
	}
}

// TestSealedIDsAreInTheIndex checks that the IDs of every sealed segment,
// and only those, reach the index with the IDs marker, and are found after
// a reopen.
func TestSealedIDsAreInTheIndex(t *testing.T) {
	dir := t.TempDir()
	s := idsOpen(t, dir, SegmentBytesMin)
	const n = 1200
	res := idsFill(t, s, n)
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	firsts := segFirsts(t, dir)
	if len(firsts) < 4 {
		t.Fatalf("%d segments; want several", len(firsts))
	}
	last := firsts[len(firsts)-1]
	withIndex(t, dir, func(db *pebble.DB) {
		if got := countIDKeys(t, db); got != int(last-1) {
			t.Errorf("%d ID keys in the index; want the %d of the sealed segments", got, last-1)
		}
		if m, err := readIDsMarker(db); err != nil || m != last {
			t.Errorf("IDs marker = %d, %v; want %d", m, err, last)
		}
	})
	s = idsOpen(t, dir, SegmentBytesMin)
	defer s.Close()
	checkRetries(t, s, res, 0, 1, int(firsts[1]), n/2, n-1)
}

// TestUnindexedSealedIDsAreIndexedAtOpen is a crash between sealing a
// segment and its IDs batch reaching the index: the batch and the IDs
// marker are gone, and Open puts them back from the segment files.
func TestUnindexedSealedIDsAreIndexedAtOpen(t *testing.T) {
	for _, keep := range []bool{false, true} {
		t.Run(fmt.Sprintf("older-marker=%v", keep), func(t *testing.T) {
			dir := t.TempDir()
			s := idsOpen(t, dir, SegmentBytesMin)
			const n = 1200
			res := idsFill(t, s, n)
			if err := s.Close(); err != nil {
				t.Fatal(err)
			}
			firsts := segFirsts(t, dir)
			last := firsts[len(firsts)-1]
			withIndex(t, dir, func(db *pebble.DB) {
				// Without keep, no segment's IDs are in the index; with it,
				// the first two segments' are and the marker says so.
				lower := []byte{keyID}
				if keep {
					if err := db.Set(idsMarkerKey, binary.BigEndian.AppendUint64(nil, firsts[2]), pebble.NoSync); err != nil {
						t.Fatal(err)
					}
					// Delete the keys of the segments from firsts[2]: the IDs
					// are hashes, so go by their locations.
					it, _ := db.NewIter(&pebble.IterOptions{LowerBound: []byte{keyID}, UpperBound: []byte{keyID + 1}})
					for ok := it.First(); ok; ok = it.Next() {
						if l, _ := parseLoc(it.Value()); l.seg >= firsts[2] {
							if err := db.Delete(it.Key(), pebble.NoSync); err != nil {
								t.Fatal(err)
							}
						}
					}
					it.Close()
					return
				}
				if err := db.DeleteRange(lower, []byte{keyID + 1}, pebble.NoSync); err != nil {
					t.Fatal(err)
				}
				if err := db.Delete(idsMarkerKey, pebble.NoSync); err != nil {
					t.Fatal(err)
				}
			})
			withIndex(t, dir, func(db *pebble.DB) {
				want := 0
				if keep {
					want = int(firsts[2] - 1)
				}
				if got := countIDKeys(t, db); got != want {
					t.Fatalf("%d ID keys left; want %d", got, want)
				}
			})
			s = idsOpen(t, dir, SegmentBytesMin)
			checkRetries(t, s, res, 0, int(firsts[2]), int(last)-2, n-1)
			if err := s.Close(); err != nil {
				t.Fatal(err)
			}
			withIndex(t, dir, func(db *pebble.DB) {
				if got := countIDKeys(t, db); got != int(last-1) {
					t.Errorf("%d ID keys after Open; want %d", got, last-1)
				}
				if m, err := readIDsMarker(db); err != nil || m != last {
					t.Errorf("IDs marker = %d, %v; want %d", m, err, last)
				}
			})
		})
	}
}

// TestRetryOfActiveSegmentIDAfterReopen checks that an ID that lives only in
// the active segment's map (never in the index) is known after a reopen:
// while the filters build and after.
func TestRetryOfActiveSegmentIDAfterReopen(t *testing.T) {
	dir := t.TempDir()
	s := idsOpen(t, dir, 0)
	res := idsFill(t, s, 300)
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	withIndex(t, dir, func(db *pebble.DB) {
		if got := countIDKeys(t, db); got != 0 {
			t.Fatalf("%d ID keys in the index; want none: one segment, not sealed", got)
		}
	})
	s = idsOpen(t, dir, 0)
	defer s.Close()
	checkRetries(t, s, res, 0, 150)
	for deadline := time.Now().Add(10 * time.Second); !FiltersReady(s); time.Sleep(time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("filters not built within 10s")
		}
	}
	checkRetries(t, s, res, 1, 299)
	// A fresh ID still goes through.
	if _, err := s.Append(context.Background(), "fresh", events.NoStream, idsEvent(t, 5000)); err != nil {
		t.Fatal(err)
	}
}

// TestOldFormatIndexIsRebuilt checks that an index without the current
// format version is rebuilt from the log, not read.
func TestOldFormatIndexIsRebuilt(t *testing.T) {
	dir := t.TempDir()
	s := idsOpen(t, dir, SegmentBytesMin)
	res := idsFill(t, s, 400)
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	bogus := idKey(nil, events.ID{0xff})
	withIndex(t, dir, func(db *pebble.DB) {
		if err := db.Delete([]byte{keyFormat}, pebble.NoSync); err != nil {
			t.Fatal(err)
		}
		if err := db.Set(bogus, make([]byte, locBytes), pebble.NoSync); err != nil {
			t.Fatal(err)
		}
	})
	s = idsOpen(t, dir, SegmentBytesMin)
	checkRetries(t, s, res, 0, 399)
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	withIndex(t, dir, func(db *pebble.DB) {
		if _, closer, err := db.Get(bogus); err == nil {
			closer.Close()
			t.Error("the old index's keys survived the rebuild")
		}
		v, closer, err := db.Get([]byte{keyFormat})
		if err != nil || binary.BigEndian.Uint64(v) != indexFormat {
			t.Errorf("format key = %x, %v", v, err)
		}
		if err == nil {
			closer.Close()
		}
	})
}

// TestIDMapMemory checks a segment's ID map and measures its bytes per
// event (ids.go documents it).
func TestIDMapMemory(t *testing.T) {
	for _, n := range []int{100_000, 850_000, 2_500_000} { // 2.5M: rebucketed once
		var m0, m1 runtime.MemStats
		runtime.GC()
		runtime.GC()
		runtime.ReadMemStats(&m0)
		f := newFilter()
		m := newIDMap(1, f, 0)
		for i := range n {
			var id events.ID
			binary.BigEndian.PutUint64(id[:], uint64(i)*0x9e3779b97f4a7c15)
			m.add(id, f.hashBytes(id[:]), int64(i))
		}
		for i := range n {
			var id events.ID
			binary.BigEndian.PutUint64(id[:], uint64(i)*0x9e3779b97f4a7c15)
			if l, ok := m.get(id, f.hashBytes(id[:])); !ok || l.pos != uint64(i+1) || l.off != int64(i) {
				t.Fatalf("get(%d) = %+v, %v", i, l, ok)
			}
			id[15] ^= 1
			if _, ok := m.get(id, f.hashBytes(id[:])); ok {
				t.Fatalf("get of an absent ID found it")
			}
		}
		runtime.GC()
		runtime.GC()
		runtime.ReadMemStats(&m1)
		t.Logf("%d IDs: %.1f bytes per event", n, (float64(m1.HeapAlloc)-float64(m0.HeapAlloc))/float64(n))
		runtime.KeepAlive(m)
	}
}

// TestOpenFullSegment (DRIP_OPEN_FULL=1) fills one default 256 MiB segment
// with ~300-byte events and times the Open that rebuilds its ID map.
func TestOpenFullSegment(t *testing.T) {
	if os.Getenv("DRIP_OPEN_FULL") == "" {
		t.Skip("DRIP_OPEN_FULL not set")
	}
	dir := t.TempDir()
	s := idsOpen(t, dir, 0)
	ev := idsEvent(t, 0)
	var next atomic.Int64
	var wg sync.WaitGroup
	full := int64(SegmentBytesDefault - (1 << 20))
	for w := range 256 {
		wg.Go(func() {
			for {
				e := ev
				binary.BigEndian.PutUint64(e.ID[8:], uint64(next.Add(1)))
				if _, err := s.Append(context.Background(), fmt.Sprint("w-", w), events.Any, e); err != nil {
					t.Error(err)
					return
				}
				if fi, _ := os.Stat(filepath.Join(dir, "log", segName(1))); fi.Size() >= full {
					return
				}
			}
		})
	}
	wg.Wait()
	head, _ := s.Head(context.Background())
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	for range 2 {
		start := time.Now()
		s = idsOpen(t, dir, 0)
		el := time.Since(start)
		t.Logf("Open of a %d-event, %d MiB active segment: %v", head, full>>20, el)
		if err := s.Close(); err != nil {
			t.Fatal(err)
		}
	}
}

// BenchmarkIDMapAdd is the sequencer's cost per event of a segment's ID map.
func BenchmarkIDMapAdd(b *testing.B) {
	f := newFilter()
	const seg = 800_000
	ids := make([]events.ID, seg)
	hs := make([]uint64, seg)
	for i := range ids {
		binary.BigEndian.PutUint64(ids[i][:], uint64(i)*0x9e3779b97f4a7c15)
		hs[i] = f.hashBytes(ids[i][:])
	}
	b.ResetTimer()
	for i := 0; i < b.N; i += seg {
		m := newIDMap(1, f, seg)
		for j := range min(seg, b.N-i) {
			m.add(ids[j], hs[j], int64(j))
		}
	}
}
