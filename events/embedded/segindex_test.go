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
	db, err := openIndex(filepath.Join(dir, "index"), 1<<20, quietLog, nil)
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
		if m, err := readSealedMarker(db); err != nil || m != last {
			t.Errorf("sealed marker = %d, %v; want %d", m, err, last)
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
					if err := db.Set(sealedMarkerKey, binary.BigEndian.AppendUint64(nil, firsts[2]), pebble.NoSync); err != nil {
						t.Fatal(err)
					}
					// Delete the keys of the segments from firsts[2]: the IDs
					// are hashes, so go by their locations.
					for _, kind := range []byte{keyID, keyStream} {
						it, _ := db.NewIter(&pebble.IterOptions{LowerBound: []byte{kind}, UpperBound: []byte{kind + 1}})
						for ok := it.First(); ok; ok = it.Next() {
							if l, _ := parseLoc(it.Value()); l.seg >= firsts[2] {
								if err := db.Delete(it.Key(), pebble.NoSync); err != nil {
									t.Fatal(err)
								}
							}
						}
						it.Close()
					}
					return
				}
				if err := db.DeleteRange(lower, []byte{keyID + 1}, pebble.NoSync); err != nil {
					t.Fatal(err)
				}
				if err := db.DeleteRange([]byte{keyStream}, []byte{keyStream + 1}, pebble.NoSync); err != nil {
					t.Fatal(err)
				}
				if err := db.Delete(sealedMarkerKey, pebble.NoSync); err != nil {
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
			for _, i := range []int{0, int(firsts[2]), int(last) - 2, n - 1} {
				got, err := s.ReadStream(context.Background(), fmt.Sprint("ids-", i), 1, events.Forwards, 10)
				if err != nil || len(got) != 1 || got[0].Position != res[i].Position {
					t.Errorf("stream ids-%d after Open: %v, %v; want its one event at %d", i, got, err, res[i].Position)
				}
			}
			if err := s.Close(); err != nil {
				t.Fatal(err)
			}
			withIndex(t, dir, func(db *pebble.DB) {
				if got := countIDKeys(t, db); got != int(last-1) {
					t.Errorf("%d ID keys after Open; want %d", got, last-1)
				}
				if m, err := readSealedMarker(db); err != nil || m != last {
					t.Errorf("sealed marker = %d, %v; want %d", m, err, last)
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

// TestSegIndexMemory checks a segment's index (IDs, streams, runs short and
// long) and measures its bytes per event (segindex.go documents it): every
// event to a new stream, and every event to one of 1000 streams.
func TestSegIndexMemory(t *testing.T) {
	for _, tc := range []struct {
		n, streams int
	}{{100_000, 100_000}, {850_000, 850_000}, {850_000, 1000}, {2_500_000, 2_500_000}} { // 2.5M: rebucketed once
		var m0, m1 runtime.MemStats
		runtime.GC()
		runtime.GC()
		runtime.ReadMemStats(&m0)
		f, sf := newFilter(), newFilter()
		names := make([]string, tc.streams)
		hashes := make([]uint64, tc.streams)
		for i := range names {
			names[i] = fmt.Sprintf("household-%d", i)
			hashes[i] = sf.hashString(names[i])
		}
		runtime.GC()
		runtime.ReadMemStats(&m0)
		m := newSegIndex(1, f, 0)
		var ev [1]events.Event
		for i := range tc.n {
			binary.BigEndian.PutUint64(ev[0].ID[:], uint64(i)*0x9e3779b97f4a7c15)
			st := i % tc.streams
			v, _ := m.version(names[st], hashes[st])
			m.addAppend(names[st], hashes[st], v+1, ev[:], []uint64{f.hashBytes(ev[0].ID[:])}, []int64{int64(i)})
		}
		for i := range tc.n {
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
		per := tc.n / tc.streams
		for _, st := range []int{0, tc.streams / 2, tc.streams - 1} {
			ls, found := m.streamRange(names[st], hashes[st], uint64(tc.n), 1, events.Forwards, tc.n, nil)
			if !found || len(ls) != per || ls[0].version != 1 {
				t.Fatalf("stream %d: found %v, %d events; want versions 1..%d", st, found, len(ls), per)
			}
			for k, vl := range ls {
				if want := uint64(st + k*tc.streams + 1); vl.version != uint64(k+1) || vl.loc.pos != want || vl.loc.off != int64(want-1) {
					t.Fatalf("stream %d event %d at %+v; want version %d at position %d", st, k, vl, k+1, want)
				}
			}
			// The last three, newest first, and a window in the middle.
			back, _ := m.streamRange(names[st], hashes[st], uint64(tc.n), events.End, events.Backwards, 3, nil)
			if len(back) != min(3, per) || back[0] != ls[per-1] || back[len(back)-1] != ls[per-len(back)] {
				t.Fatalf("stream %d backwards: %v; want the last of %d, newest first", st, back, per)
			}
			if per > 10 {
				mid, _ := m.streamRange(names[st], hashes[st], uint64(tc.n), 5, events.Forwards, 4, nil)
				if len(mid) != 4 || mid[0] != ls[4] || mid[3] != ls[7] {
					t.Fatalf("stream %d from version 5, 4 events: %v", st, mid)
				}
			}
			if v, ok := m.version(names[st], hashes[st]); !ok || v != uint64(per) {
				t.Fatalf("stream %d version %d, %v; want %d", st, v, ok, per)
			}
		}
		if ls, found := m.streamRange("absent", sf.hashString("absent"), uint64(tc.n), 1, events.Forwards, 10, nil); found || ls != nil {
			t.Fatalf("an absent stream has events %v", ls)
		}
		runtime.GC()
		runtime.GC()
		runtime.ReadMemStats(&m1)
		t.Logf("%d events in %d streams: %.1f bytes per event", tc.n, tc.streams, (float64(m1.HeapAlloc)-float64(m0.HeapAlloc))/float64(tc.n))
		runtime.KeepAlive(m)
	}
}

// TestOpenFullSegment (DRIP_OPEN_FULL=1) fills one default-size segment
// with ~300-byte events and times the Open that rebuilds its index.
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

// BenchmarkSegIndexAdd is the sequencer's cost per event of the active
// segment's index, each event to a new stream.
func BenchmarkSegIndexAdd(b *testing.B) {
	f, sf := newFilter(), newFilter()
	const seg = 200_000
	evs := make([]events.Event, seg)
	hs := make([]uint64, seg)
	names := make([]string, seg)
	shs := make([]uint64, seg)
	for i := range evs {
		binary.BigEndian.PutUint64(evs[i].ID[:], uint64(i)*0x9e3779b97f4a7c15)
		hs[i] = f.hashBytes(evs[i].ID[:])
		names[i] = fmt.Sprint("bench-", i)
		shs[i] = sf.hashString(names[i])
	}
	offs := []int64{0}
	b.ResetTimer()
	for i := 0; i < b.N; i += seg {
		m := newSegIndex(1, f, seg)
		for j := range min(seg, b.N-i) {
			m.addAppend(names[j], shs[j], 1, evs[j:j+1], hs[j:j+1], offs)
		}
	}
}

// TestStreamsReadWholeWhileSegmentsSeal reads streams whole, forwards in
// pages and backwards, while writers append to them and the log rolls and
// seals segments under the reads (so a stream's events are split between
// Pebble, sealed segments still in memory and the active one, and move
// from one to the next mid-read). Every read must see versions 1..n with no
// gap and no repeat, n at least what was acknowledged before it started.
// Short streams (walked) and long ones (listed, longRun) both take part.
// Afterwards, and after a reopen that rebuilds the active segment's index
// from the file, every stream reads back whole.
func TestStreamsReadWholeWhileSegmentsSeal(t *testing.T) {
	afterSeal = func() { time.Sleep(20 * time.Millisecond) }
	defer func() { afterSeal = nil }()
	dir := t.TempDir()
	s := idsOpen(t, dir, SegmentBytesMin)
	ctx := context.Background()
	const writers, each = 8, 150 // 150 > longRun
	acked := make([]atomic.Uint64, writers)
	var wg sync.WaitGroup
	for w := range writers {
		wg.Go(func() {
			for i := range each {
				k := 1 + i%3 // appends of one to three events
				evs := make([]events.Event, k)
				for j := range evs {
					evs[j] = idsEvent(t, w*100_000+i*10+j)
				}
				res, err := s.Append(ctx, fmt.Sprint("seal-", w), events.Any, evs...)
				if err != nil {
					t.Error(err)
					return
				}
				acked[w].Store(res.Version)
				// A short stream per append too, so runs of every length mix.
				if _, err := s.Append(ctx, fmt.Sprintf("short-%d-%d", w, i), events.NoStream, idsEvent(t, w*100_000+i*10+5)); err != nil {
					t.Error(err)
					return
				}
			}
		})
	}
	check := func(stream string, atLeast uint64, page int) error {
		var fwd []events.Event
		for from := uint64(1); ; {
			got, err := s.ReadStream(ctx, stream, from, events.Forwards, page)
			if errors.Is(err, events.ErrStreamNotFound) && atLeast == 0 {
				return nil // not written yet
			}
			if err != nil {
				return fmt.Errorf("forwards from %d: %w", from, err)
			}
			fwd = append(fwd, got...)
			if len(got) < page {
				break
			}
			from = got[len(got)-1].Version + 1
		}
		bwd, err := s.ReadStream(ctx, stream, events.End, events.Backwards, events.ReadEventsMax)
		if err != nil {
			return fmt.Errorf("backwards: %w", err)
		}
		if uint64(len(fwd)) < atLeast || uint64(len(bwd)) < atLeast {
			return fmt.Errorf("read %d forwards, %d backwards; %d were acknowledged before", len(fwd), len(bwd), atLeast)
		}
		for i, ev := range fwd {
			if ev.Version != uint64(i)+1 || ev.Stream != stream {
				return fmt.Errorf("forwards: %s@%d at index %d", ev.Stream, ev.Version, i)
			}
		}
		for i, ev := range bwd {
			if ev.Version != uint64(len(bwd)-i) {
				return fmt.Errorf("backwards: version %d at index %d of %d", ev.Version, i, len(bwd))
			}
		}
		return nil
	}
	done := make(chan struct{})
	go func() { wg.Wait(); close(done) }()
	reads := 0
	for running := true; running; reads++ {
		select {
		case <-done:
			running = false
		default:
		}
		w := reads % writers
		if err := check(fmt.Sprint("seal-", w), acked[w].Load(), 1+reads%50); err != nil {
			t.Fatalf("stream seal-%d, read %d: %v", w, reads, err)
		}
	}
	firsts := segFirsts(t, dir)
	if len(firsts) < 4 {
		t.Fatalf("%d segments; the test wants several sealed under the reads", len(firsts))
	}
	t.Logf("%d reads over %d segments", reads, len(firsts))
	total := func() uint64 {
		var n uint64
		for w := range writers {
			n += acked[w].Load()
		}
		return n
	}()
	if total != writers*(each*2) { // 1+2+3 per three appends: 150 appends of 2 on average
		t.Fatalf("%d events acknowledged; want %d", total, writers*each*2)
	}
	for _, reopen := range []bool{false, true} {
		if reopen {
			if err := s.Close(); err != nil {
				t.Fatal(err)
			}
			s = idsOpen(t, dir, SegmentBytesMin)
		}
		for w := range writers {
			if err := check(fmt.Sprint("seal-", w), acked[w].Load(), 7); err != nil {
				t.Fatalf("reopen=%v: stream seal-%d: %v", reopen, w, err)
			}
			if err := check(fmt.Sprintf("short-%d-%d", w, each-1), 1, 7); err != nil {
				t.Fatalf("reopen=%v: short stream: %v", reopen, err)
			}
		}
		if _, err := s.ReadStream(ctx, "never-written", 1, events.Forwards, 10); !errors.Is(err, events.ErrStreamNotFound) {
			t.Fatalf("reopen=%v: absent stream: %v; want ErrStreamNotFound", reopen, err)
		}
		// The next version of a long stream follows on, from whichever
		// part of the index holds its last.
		if res, err := s.Append(ctx, "seal-0", events.Exact(acked[0].Load()), idsEvent(t, 999_999+btoi(reopen))); err != nil || res.Version != acked[0].Load()+1 {
			t.Fatalf("reopen=%v: append after: %+v, %v", reopen, res, err)
		}
		acked[0].Add(1)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
}

func btoi(b bool) int {
	if b {
		return 1
	}
	return 0
}

// TestRollsUseZeroFilledSpares checks the spare segment (zero.go): once the
// active segment is half full the zeroer makes the next one, zero-filled and
// synced; the roll renames it into place (full size, zeros after the data),
// Close removes a spare nobody took, and everything reads back after a
// reopen.
func TestRollsUseZeroFilledSpares(t *testing.T) {
	dir := t.TempDir()
	s := idsOpen(t, dir, SegmentBytesMin)
	ctx := context.Background()
	next := 0
	appendUntil := func(cond func() bool) {
		t.Helper()
		for deadline := time.Now().Add(20 * time.Second); !cond(); next++ {
			if time.Now().After(deadline) {
				t.Fatal("condition not reached in 20 s")
			}
			if _, err := s.Append(ctx, fmt.Sprint("spare-", next), events.NoStream, idsEvent(t, next)); err != nil {
				t.Fatal(err)
			}
			time.Sleep(time.Millisecond) // let the zeroer run between appends
		}
	}
	for rolls := 0; rolls < 3; rolls++ {
		before := len(segFirsts(t, dir))
		appendUntil(func() bool { return s.zero.spare.Load() != nil })
		if fi, err := os.Stat(s.zero.spare.Load().Name()); err != nil || fi.Size() != SegmentBytesMin {
			t.Fatalf("spare: %v, %v; want a file of %d bytes", fi, err, SegmentBytesMin)
		}
		appendUntil(func() bool { return len(segFirsts(t, dir)) > before })
		firsts := segFirsts(t, dir)
		last := filepath.Join(dir, "log", segName(firsts[len(firsts)-1]))
		if fi, err := os.Stat(last); err != nil || fi.Size() != SegmentBytesMin {
			t.Fatalf("roll %d: new segment %v, %v; want the spare's %d bytes", rolls, fi, err, SegmentBytesMin)
		}
	}
	appendUntil(func() bool { return s.zero.spare.Load() != nil })
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if left, _ := filepath.Glob(filepath.Join(dir, "log", spareGlob)); len(left) != 0 {
		t.Fatalf("Close left spares: %v", left)
	}
	s = idsOpen(t, dir, SegmentBytesMin)
	defer s.Close()
	all, err := s.ReadAll(ctx, 1, events.ReadEventsMax)
	if err != nil || len(all) != next {
		t.Fatalf("after reopen: %d events, %v; want %d", len(all), err, next)
	}
	for i, ev := range all {
		if ev.Stream != fmt.Sprint("spare-", i) || ev.Position != uint64(i+1) {
			t.Fatalf("event %d is %s@%d", i, ev.Stream, ev.Position)
		}
	}
}
