package embedded

import (
	"cmp"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"math/bits"
	"os"
	"path/filepath"
	"slices"
	"sync"

	"github.com/cockroachdb/pebble/v2"
	"github.com/cockroachdb/pebble/v2/bloom"
	"github.com/cockroachdb/pebble/v2/objstorage/objstorageprovider"
	"github.com/cockroachdb/pebble/v2/sstable"
	"github.com/cockroachdb/pebble/v2/vfs"

	"github.com/drip-ledger/drip/events"
)

// The index of the active segment lives in memory; a segment's index goes to
// Pebble as one sstable, ingested, when the segment is sealed. Per event, Pebble
// cost about 2.5 µs of CPU (memtable insert, then flush and compactions) for
// its (stream, version) key and 1 µs for its ID key, most of the write path's
// CPU at 256 writers, and on the 2-core machine every microsecond of CPU per
// event lengthens the group-commit cycle (an fdatasync's return waits for a
// processor the writers are using): the index written per event held the
// store at about 0.5 of the baseline's throughput at 256 writers.
//   - segIndex is one segment's: for every event its ID and offset, a bucket
//     list for finding an ID (below), and for every stream it holds events
//     of, a run: its name, the version of its first event in the segment,
//     its event count, and a way to each of its events. The sequencer fills
//     the active segment's as it places each event (under the index's lock,
//     against concurrent reads); nothing else writes it.
//   - Store.mem lists the segments whose index is in memory, oldest first:
//     the active one, and sealed ones whose sstable the sealer has not yet
//     ingested. When the log rolls, the writer adds the new segment's index;
//     once every group of the sealed segment is synced and indexed, the
//     indexer hands its index to the sealer, which writes its IDs and its
//     (stream, version) keys into one sstable in key order, together with the
//     sealed marker (the first position of the first segment whose keys are
//     not in Pebble), and then drops it from Store.mem.
//   - a look-up (of an ID, of a stream's version, of a stream's events)
//     takes Store.mem, then Pebble, using Pebble only for positions below
//     the first segment in memory: so a segment being sealed is counted once
//     whatever the moment.
//   - a crash before the sealer's sstable reaches Pebble leaves a sealed
//     segment at or after the sealed marker: Open reads it and seals it
//     then, and reads the active segment whole to rebuild its index
//     (recover.go): 0.12 s for a full 64 MiB segment in the page cache
//     (TestOpenFullSegment, DRIP_OPEN_FULL=1).
//
// Memory, bounded by the segment size: about 40 bytes per event plus 60 per
// stream new in the segment (TestSegIndexMemory), and a stream table sized
// from the previous segment's events (16 bytes each), so a full 64 MiB
// segment of ~360-byte events, each to a new stream, holds about 20 MiB.
//
// To find an ID, its filter hash (filter.go) picks a bucket: a list of the
// events whose hashes share its top bits, each entry the hash's low 32 bits
// (a tag) and the event's index in the segment. Adding an event appends to
// the tails of a few thousand buckets, which stay in the CPU's cache where a
// hash table takes a cache miss per event. A stream's run is found through
// an open-addressing table of tags and run numbers keyed by the stream's
// filter hash, computed in the caller's goroutine. A run reaches its events
// through a link from each event to the one before it in its stream, and
// from its longRun-th event on through a list of them all, so a read of a
// long stream indexes instead of walking.
type segIndex struct {
	seg  uint64 // the segment's first position
	next uint64 // the first position of the segment after it, once sealed
	ids  *filter
	// mu is held by the sequencer while it adds, and shared by readers; the
	// sequencer reads without it (it is the only writer).
	mu sync.RWMutex
	// per event i of the segment (position seg+i):
	evIDs  chunks[events.ID]
	offs   chunks[int64]
	prev   chunks[uint32] // the event before it in its stream, or noPrev
	shift  uint           // bucket of an ID hash h: h >> shift
	bucket [][]uint64
	runs   chunks[streamRun]
	table  []uint64 // hash>>32<<32 | run number + 1; 0 is empty
	long   map[uint32][]uint32
}

// streamRun is a stream's events in one segment: versions first..first+n-1.
type streamRun struct {
	name  string
	hash  uint64
	first uint64
	last  uint32 // index of its last event in the segment
	n     uint32
}

const (
	// idBucketsMin is the fewest ID buckets; a segIndex gets more when they
	// average idBucketLenMax entries.
	idBucketsMin   = 2048
	idBucketLenMax = 1024
	// segEventsMax bounds the events of one segment, so that an index fits
	// 32 bits: the writer rolls to a new segment at it.
	segEventsMax = 1<<32 - 2
	noPrev       = 1<<32 - 1
	// longRun is the event count from which a run keeps a list of its events.
	longRun = 32
	// runTableMin is the smallest stream table.
	runTableMin = 1024
)

// newSegIndex returns an empty index for the segment that starts at seg,
// sized for about hint events.
func newSegIndex(seg uint64, ids *filter, hint int) *segIndex {
	m := &segIndex{seg: seg, ids: ids, long: map[uint32][]uint32{}}
	m.rebucket(max(idBucketsMin, pow2(hint/(idBucketLenMax/4))))
	m.table = make([]uint64, max(runTableMin, pow2(2*hint)))
	return m
}

func pow2(n int) int {
	p := 1
	for p < n {
		p <<= 1
	}
	return p
}

func (m *segIndex) len() int { return m.evIDs.len() }

// rebucket spreads the ID entries over n (a power of two) buckets.
func (m *segIndex) rebucket(n int) {
	m.shift = uint(64 - bits.TrailingZeros(uint(n)))
	m.bucket = make([][]uint64, n)
	for i := range m.evIDs.len() {
		id := m.evIDs.at(i)
		m.put(m.ids.hashBytes(id[:]), i)
	}
}

func (m *segIndex) put(h uint64, i int) {
	b := h >> m.shift
	m.bucket[b] = append(m.bucket[b], h<<32|uint64(i))
}

// run returns the number of stream's run (h is its filter hash), or -1.
func (m *segIndex) run(stream string, h uint64) int {
	mask := uint64(len(m.table) - 1)
	tag := h >> 32 << 32
	for i := h & mask; ; i = (i + 1) & mask {
		e := m.table[i]
		if e == 0 {
			return -1
		}
		if e&^(1<<32-1) == tag {
			if r := int(e&(1<<32-1)) - 1; m.runs.at(r).name == stream {
				return r
			}
		}
	}
}

// version returns the stream's last version in the segment, if it has
// events there.
func (m *segIndex) version(stream string, h uint64) (uint64, bool) {
	r := m.run(stream, h)
	if r < 0 {
		return 0, false
	}
	run := m.runs.ptr(r)
	return run.first + uint64(run.n) - 1, true
}

// addAppend records the events of one append to stream (filter hash sh),
// the first at version first: their IDs (filter hashes idh) and offsets.
func (m *segIndex) addAppend(stream string, sh uint64, first uint64, evs []events.Event, idh []uint64, offs []int64) {
	m.mu.Lock()
	defer m.mu.Unlock()
	r := m.run(stream, sh)
	if r < 0 {
		r = m.runs.len()
		m.runs.add(streamRun{name: stream, hash: sh, first: first, last: noPrev})
		m.insertRun(sh, r)
	}
	run := m.runs.ptr(r)
	for k := range evs {
		i := m.evIDs.len()
		m.evIDs.add(evs[k].ID)
		m.offs.add(offs[k])
		m.prev.add(run.last)
		if m.evIDs.len() > idBucketLenMax*len(m.bucket) {
			m.rebucket(2 * len(m.bucket))
		} else {
			m.put(idh[k], i)
		}
		run.last = uint32(i)
		run.n++
		switch {
		case run.n == longRun:
			m.long[uint32(r)] = m.walk(run, make([]uint32, 0, 2*longRun))
		case run.n > longRun:
			m.long[uint32(r)] = append(m.long[uint32(r)], uint32(i))
		}
	}
}

func (m *segIndex) insertRun(h uint64, r int) {
	if 2*(m.runs.len()) > len(m.table) {
		old := m.table
		m.table = make([]uint64, 2*len(old))
		for _, e := range old {
			if e != 0 {
				m.place(m.runs.ptr(int(e&(1<<32-1))-1).hash, e)
			}
		}
	}
	m.place(h, h>>32<<32|uint64(r+1))
}

func (m *segIndex) place(h, e uint64) {
	mask := uint64(len(m.table) - 1)
	i := h & mask
	for m.table[i] != 0 {
		i = (i + 1) & mask
	}
	m.table[i] = e
}

// walk appends the indexes of run's events, oldest first, to dst.
func (m *segIndex) walk(run *streamRun, dst []uint32) []uint32 {
	start := len(dst)
	for i := run.last; i != noPrev; i = m.prev.at(int(i)) {
		dst = append(dst, i)
	}
	slices.Reverse(dst[start:])
	return dst
}

// events appends to dst the indexes of the run's events, oldest first.
func (m *segIndex) events(r int, dst []uint32) []uint32 {
	if l, ok := m.long[uint32(r)]; ok {
		return append(dst, l...)
	}
	return m.walk(m.runs.ptr(r), dst)
}

// streamRange appends to dst where the stream's events in this segment are,
// those at positions up to maxPos: Forwards from version from, Backwards
// (newest first) down from it, until dst holds limit. found says whether
// the stream has any such event here. Readers call it; it takes the shared
// lock. A long run is indexed; a short one (under longRun) walked.
func (m *segIndex) streamRange(stream string, h, maxPos, from uint64, dir events.Direction, limit int, dst []verLoc) (_ []verLoc, found bool) {
	m.mu.RLock()
	defer m.mu.RUnlock()
	r := m.run(stream, h)
	if r < 0 {
		return dst, false
	}
	run := m.runs.ptr(r)
	idx, ok := m.long[uint32(r)]
	if !ok {
		var short [longRun]uint32
		idx = m.walk(run, short[:0])
	}
	n := len(idx) // the events appended after maxPos are the run's last
	for n > 0 && m.seg+uint64(idx[n-1]) > maxPos {
		n--
	}
	at := func(k int) verLoc {
		i := int(idx[k])
		return verLoc{run.first + uint64(k), loc{pos: m.seg + uint64(i), seg: m.seg, off: m.offs.at(i)}}
	}
	if dir == events.Forwards {
		k := 0
		if from > run.first {
			k = int(min(from-run.first, uint64(n)))
		}
		for ; k < n && len(dst) < limit; k++ {
			dst = append(dst, at(k))
		}
		return dst, n > 0
	}
	if from < run.first {
		return dst, n > 0
	}
	for k := int(min(from-run.first, uint64(n-1))); k >= 0 && len(dst) < limit; k-- {
		dst = append(dst, at(k))
	}
	return dst, n > 0
}

// get returns where the event with ID id (filter hash h) is, if it is in
// the segment. Only the sequencer calls it, and on a sealed index.
func (m *segIndex) get(id events.ID, h uint64) (loc, bool) {
	tag := h << 32
	for _, e := range m.bucket[h>>m.shift] {
		if e&^(1<<32-1) == tag {
			if i := int(e & (1<<32 - 1)); m.evIDs.at(i) == id {
				return loc{pos: m.seg + uint64(i), seg: m.seg, off: m.offs.at(i)}, true
			}
		}
	}
	return loc{}, false
}

// chunks is a slice that grows a fixed-size chunk at a time: appending never
// copies what is there (a segment's index holds up to millions of entries,
// and doubling a slice of them cost the sequencer more than the rest of its
// work on them).
type chunks[T any] struct {
	c [][]T
	n int
}

const chunkBits = 12

func (c *chunks[T]) len() int { return c.n }

func (c *chunks[T]) add(v T) {
	if c.n&(1<<chunkBits-1) == 0 {
		c.c = append(c.c, make([]T, 1<<chunkBits))
	}
	c.c[c.n>>chunkBits][c.n&(1<<chunkBits-1)] = v
	c.n++
}

func (c *chunks[T]) at(i int) T { return c.c[i>>chunkBits][i&(1<<chunkBits-1)] }

func (c *chunks[T]) ptr(i int) *T { return &c.c[i>>chunkBits][i&(1<<chunkBits-1)] }

// sealedMarkerKey holds the sealed marker (BE8): every segment whose first
// position is below it has its IDs and stream keys in Pebble. Absent means 1.
var sealedMarkerKey = []byte{keySealedMarker}

func readSealedMarker(db *pebble.DB) (uint64, error) {
	v, closer, err := db.Get(sealedMarkerKey)
	if errors.Is(err, pebble.ErrNotFound) {
		return 1, nil
	}
	if err != nil {
		return 0, fmt.Errorf("embedded: index get: %w", err)
	}
	defer closer.Close()
	if len(v) != 8 {
		return 0, &events.CorruptError{File: "index", Offset: -1, Reason: fmt.Sprintf("sealed marker holds %d bytes", len(v))}
	}
	return binary.BigEndian.Uint64(v), nil
}

// seal writes the keys of the sealed segment m to Pebble, with the sealed
// marker moved past it, as one sstable it writes in key order and ingests
// whole: measured, a batch of the same keys cost about 3 µs per event in the
// memtable, its flush and compactions, most of what sustained appends paid
// for sealing; the ingested table skips memtable and flush.
func (s *Store) seal(m *segIndex) (err error) {
	if f := s.opts.faults; f != nil && f.seal != nil {
		if err := f.seal(m.seg); err != nil {
			return err
		}
	}
	path := filepath.Join(s.indexDir, fmt.Sprintf("seal-%020d.sst", m.seg))
	f, err := vfs.Default.Create(path, vfs.WriteCategoryUnspecified)
	if err != nil {
		return fmt.Errorf("embedded: create %s: %w", path, err)
	}
	defer os.Remove(path) // ingested (linked or copied) or failed: not needed either way
	w := sstable.NewWriter(objstorageprovider.NewFileWritable(f), sstable.WriterOptions{
		TableFormat:  s.db.TableFormat(),
		FilterPolicy: bloom.FilterPolicy(10),
	})
	closed := false
	defer func() {
		if !closed {
			w.Close()
		}
	}()
	// IDs, sorted by their two halves as numbers: the order of the keys.
	type kv struct {
		hi, lo uint64
		i      int
	}
	all := make([]kv, m.len())
	for i := range all {
		id := m.evIDs.at(i)
		all[i] = kv{binary.BigEndian.Uint64(id[:8]), binary.BigEndian.Uint64(id[8:]), i}
	}
	slices.SortFunc(all, func(a, b kv) int {
		if c := cmp.Compare(a.hi, b.hi); c != 0 {
			return c
		}
		return cmp.Compare(a.lo, b.lo)
	})
	key := make([]byte, 0, 64)
	val := make([]byte, 0, locBytes)
	at := func(i int) loc { return loc{pos: m.seg + uint64(i), seg: m.seg, off: m.offs.at(i)} }
	for _, e := range all {
		key = idKey(key[:0], m.evIDs.at(e.i))
		if err := w.Set(key, at(e.i).append(val[:0])); err != nil {
			return err
		}
	}
	all = nil
	// The sealed marker sorts between the IDs and the streams.
	if err := w.Set(sealedMarkerKey, binary.BigEndian.AppendUint64(val[:0], m.next)); err != nil {
		return err
	}
	// Streams by name (the order of their keys: no name holds 0x00), each
	// one's versions in order.
	// The first 8 bytes of each name, as a number, settle most comparisons
	// without touching the strings (measured: half the sort's time).
	type named struct {
		prefix uint64
		name   string
		r      int
	}
	order := make([]named, m.runs.len())
	for r := range order {
		name := m.runs.ptr(r).name
		var p [8]byte
		copy(p[:], name)
		order[r] = named{binary.BigEndian.Uint64(p[:]), name, r}
	}
	slices.SortFunc(order, func(a, b named) int {
		if c := cmp.Compare(a.prefix, b.prefix); c != 0 {
			return c
		}
		return cmp.Compare(a.name, b.name) // bytewise, as the keys sort
	})
	var idx []uint32
	for _, o := range order {
		r, run := o.r, m.runs.ptr(o.r)
		idx = m.events(r, idx[:0])
		for k, i := range idx {
			key = streamKey(key[:0], run.name, run.first+uint64(k))
			if err := w.Set(key, at(int(i)).append(val[:0])); err != nil {
				return err
			}
		}
	}
	closed = true
	if err := w.Close(); err != nil {
		return fmt.Errorf("embedded: write %s: %w", path, err)
	}
	if err := s.db.Ingest(context.Background(), []string{path}); err != nil {
		return fmt.Errorf("embedded: index segment %d: %w", m.seg, err)
	}
	return nil
}

// runSealer writes the keys of each sealed segment the indexer hands it to
// Pebble, then drops its index from Store.mem.
func (s *Store) runSealer() {
	stopped := false
	for m := range s.sealCh {
		if stopped {
			continue
		}
		if err := s.seal(m); err != nil {
			s.fail(err)
			stopped = true // the indexes stay in memory; the next Open writes them
			continue
		}
		if afterSeal != nil {
			afterSeal()
		}
		s.dropMem(m)
	}
}

// afterSeal, if set (by tests), runs between a segment's sstable reaching
// Pebble and its index leaving Store.mem: it widens the moment a segment is
// in both, which reads must count once.
var afterSeal func()

// memIndexes returns the segments whose index is in memory, oldest first.
// The slice is never changed; a new one replaces it.
func (s *Store) memIndexes() []*segIndex { return *s.mem.Load() }

// addMem appends the new active segment's index to Store.mem.
func (s *Store) addMem(m *segIndex) {
	s.memMu.Lock()
	defer s.memMu.Unlock()
	old := s.memIndexes()
	s.mem.Store(new(append(slices.Clip(old), m)))
}

// dropMem removes m, whose keys are now in Pebble, from Store.mem.
func (s *Store) dropMem(m *segIndex) {
	s.memMu.Lock()
	defer s.memMu.Unlock()
	s.mem.Store(new(slices.DeleteFunc(slices.Clone(s.memIndexes()), func(x *segIndex) bool { return x == m })))
}

// segmentIndex reads the index of the segment named first from its records,
// checking each record's CRC and that positions follow each other. With
// endChecked (the last segment, whose end recovery has just read: up to
// 64 MiB of zero tail), a zero header ends the records without another look
// at the tail.
func (s *Store) segmentIndex(first uint64, hint int, endChecked bool) (*segIndex, error) {
	f, ok := s.segs.file(first)
	if !ok {
		return nil, fmt.Errorf("embedded: segment %d is not open", first)
	}
	path := s.segs.path(first)
	m := newSegIndex(first, s.ids, hint)
	r := newSegReader(f, path, 0, make([]byte, 1<<20))
	r.zeroIsEnd = endChecked
	pos, off := first, int64(0)
	var ev [1]events.Event
	var idh [1]uint64
	var offs [1]int64
	for {
		body, res, why, err := r.record(off)
		switch {
		case err != nil:
			return nil, err
		case res == readEnd || res == readZeros: // the zero tail (zero.go)
			return m, nil
		case res != readRecord:
			if why == "" {
				why = "record cut short"
			}
			return nil, &events.CorruptError{File: path, Offset: off, Position: pos, Reason: why}
		}
		bad := func(why string) error {
			return &events.CorruptError{File: path, Offset: off, Position: pos, Reason: why}
		}
		if len(body) < fixedBytes || body[0] != formatV1 {
			return nil, bad("not a record of format 1")
		}
		if got := bodyInfo(body).position; got != pos {
			return nil, bad(fmt.Sprintf("record holds position %d where %d belongs", got, pos))
		}
		stream, ok := bodyStream(body)
		if !ok {
			return nil, bad("the stream name runs past the record")
		}
		name := string(stream)
		copy(ev[0].ID[:], body[offID:])
		idh[0], offs[0] = s.ids.hashBytes(ev[0].ID[:]), off
		sh := s.streams.hashString(name)
		ver := binary.LittleEndian.Uint64(body[offVersion:])
		if v, ok := m.version(name, sh); ok && ver != v+1 {
			return nil, bad(fmt.Sprintf("stream %q has version %d after %d", name, ver, v))
		}
		m.addAppend(name, sh, ver, ev[:], idh[:], offs[:])
		pos++
		off += int64(headerBytes + len(body))
	}
}
