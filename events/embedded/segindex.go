package embedded

import (
	"cmp"
	"encoding/binary"
	"errors"
	"fmt"
	"math/bits"
	"slices"

	"github.com/cockroachdb/pebble/v2"

	"github.com/drip-ledger/drip/events"
)

// Where an event ID is found. An append's IDs are looked up only when the ID
// filter (filter.go) says "maybe": a retry, or about 1% of fresh IDs. So the
// IDs stay out of the per-group index batch, which with them cost about
// 1 µs of Pebble work (memtable insert, flush, compactions) per event:
//   - the IDs of the active (last, unsealed) segment are in an idMap the
//     sequencer owns (cache.go): ID → position and offset. A segment holds
//     at most SegmentBytes, so the map is bounded: 38 to 55 bytes per event
//     (TestIDMapMemory), about 30 MiB for a full 256 MiB segment of
//     300-byte events (~730k of them). Open rebuilds it by reading the
//     active segment from its start, checking every CRC: 0.2 s for a full
//     256 MiB segment in the page cache on the 2-core development machine
//     (TestOpenFullSegment, DRIP_OPEN_FULL=1), plus the time to read 256 MiB
//     when it is not;
//   - when the log rolls to a new segment, the sealed segment's map goes,
//     once every group of it is synced and indexed, to the sealer goroutine,
//     which writes its IDs to the index in one batch sorted by key, together
//     with the IDs marker: the first position of the first segment whose IDs
//     are not in the index. The sequencer keeps the map for look-ups until
//     then;
//   - a crash before that batch reaches the index leaves a sealed segment at
//     or after the IDs marker: Open reads its IDs from the segment file and
//     writes them then (recover.go).
//
// So a look-up tries the active map, the sealed maps not yet in the index,
// then the index; the filter stays in front of all three.

// idMap holds the IDs of one segment, for the sequencer, which adds each
// event's as it places it. The events of a segment have the positions seg,
// seg+1, ..., so event i of the segment has its ID at ids[i] and its offset
// at offs[i]; both only grow at their end. To find an ID, its filter hash
// (filter.go) picks a bucket: a list of the events whose hashes share its
// top bits, each entry the hash's low 32 bits (a tag) and i. Adding an
// event appends to three slices, and the tails of the buckets (a few
// thousand) stay in the CPU's cache, where a hash table (or a Go map) takes
// a cache miss per event. Profiled in the store at 256 writers: 0.15 µs per
// event, against 0.27 for an open-addressing table and about 0.3 for a Go
// map (BenchmarkIDMapAdd alone: 16 ns). A look-up reads one bucket, at most
// ~1000 entries of 8 bytes, and only the IDs whose tag matches.
type idMap struct {
	seg     uint64 // the segment's first position
	next    uint64 // the first position of the segment after it, once sealed
	f       *filter
	ids     []events.ID
	offs    []int64
	shift   uint // bucket of hash h: h >> shift
	buckets [][]uint64
}

const (
	// idBucketsMin is the fewest buckets of an idMap; it gets more when
	// they average idBucketLenMax entries.
	idBucketsMin   = 2048
	idBucketLenMax = 1024
	// idMapMax bounds the events of one segment, so that an entry's i fits
	// 32 bits: the writer rolls to a new segment at it.
	idMapMax = 1<<32 - 1
)

// newIDMap returns an empty map for the segment that starts at seg, sized
// for about hint events.
func newIDMap(seg uint64, f *filter, hint int) *idMap {
	m := &idMap{seg: seg, f: f, ids: make([]events.ID, 0, hint), offs: make([]int64, 0, hint)}
	m.rebucket(max(idBucketsMin, pow2(hint/(idBucketLenMax/4))))
	return m
}

func pow2(n int) int {
	p := 1
	for p < n {
		p <<= 1
	}
	return p
}

// rebucket spreads the entries over n (a power of two) buckets.
func (m *idMap) rebucket(n int) {
	m.shift = uint(64 - bits.TrailingZeros(uint(n)))
	m.buckets = make([][]uint64, n)
	for i := range m.ids {
		m.put(m.f.hashBytes(m.ids[i][:]), i)
	}
}

func (m *idMap) put(h uint64, i int) {
	b := h >> m.shift
	m.buckets[b] = append(m.buckets[b], h<<32|uint64(i))
}

func (m *idMap) len() int { return len(m.ids) }

// add records that the segment's next event, at off, has the ID id, whose
// filter hash is h.
func (m *idMap) add(id events.ID, h uint64, off int64) {
	m.ids = append(m.ids, id)
	m.offs = append(m.offs, off)
	if len(m.ids) > idBucketLenMax*len(m.buckets) {
		m.rebucket(2 * len(m.buckets))
		return
	}
	m.put(h, len(m.ids)-1)
}

// get returns where the event with ID id (filter hash h) is, if it is in
// the segment.
func (m *idMap) get(id events.ID, h uint64) (loc, bool) {
	tag := h << 32
	for _, e := range m.buckets[h>>m.shift] {
		if e&^(1<<32-1) == tag {
			if i := e & (1<<32 - 1); m.ids[i] == id {
				return loc{pos: m.seg + i, seg: m.seg, off: m.offs[i]}, true
			}
		}
	}
	return loc{}, false
}

// idsMarkerKey holds the IDs marker (BE8): every segment whose first
// position is below it has its IDs in the index. Absent means 1.
var idsMarkerKey = []byte{keyIDsMarker}

func readIDsMarker(db *pebble.DB) (uint64, error) {
	v, closer, err := db.Get(idsMarkerKey)
	if errors.Is(err, pebble.ErrNotFound) {
		return 1, nil
	}
	if err != nil {
		return 0, fmt.Errorf("embedded: index get: %w", err)
	}
	defer closer.Close()
	if len(v) != 8 {
		return 0, &events.CorruptError{File: "index", Offset: -1, Reason: fmt.Sprintf("IDs marker holds %d bytes", len(v))}
	}
	return binary.BigEndian.Uint64(v), nil
}

// sealIDs writes the IDs of the sealed segment m to the index in one batch,
// sorted by key, with the IDs marker moved past it.
func (s *Store) sealIDs(b *pebble.Batch, m *idMap) error {
	// Sorted by the ID's two halves as numbers: the order of the keys.
	type kv struct {
		hi, lo uint64
		i      int
	}
	all := make([]kv, len(m.ids))
	for i, id := range m.ids {
		all[i] = kv{binary.BigEndian.Uint64(id[:8]), binary.BigEndian.Uint64(id[8:]), i}
	}
	slices.SortFunc(all, func(a, b kv) int {
		if c := cmp.Compare(a.hi, b.hi); c != 0 {
			return c
		}
		return cmp.Compare(a.lo, b.lo)
	})
	b.Reset()
	key := make([]byte, 0, 1+len(events.ID{}))
	val := make([]byte, 0, locBytes)
	for _, e := range all {
		key = idKey(key[:0], m.ids[e.i])
		val = loc{pos: m.seg + uint64(e.i), seg: m.seg, off: m.offs[e.i]}.append(val[:0])
		if err := b.Set(key, val, nil); err != nil {
			return err
		}
	}
	if err := b.Set(idsMarkerKey, binary.BigEndian.AppendUint64(val[:0], m.next), nil); err != nil {
		return err
	}
	if err := s.db.Apply(b, pebble.NoSync); err != nil {
		return fmt.Errorf("embedded: index the IDs of segment %d: %w", m.seg, err)
	}
	return nil
}

// runSealer writes the IDs of each sealed segment the indexer hands it to
// the index, then tells the sequencer (sealedThrough) it may drop the map.
func (s *Store) runSealer() {
	b := s.db.NewBatch()
	defer b.Close()
	stopped := false
	for m := range s.sealCh {
		if stopped {
			continue
		}
		if err := s.sealIDs(b, m); err != nil {
			s.fail(err)
			stopped = true // the maps stay with the sequencer; the next Open indexes the IDs
			continue
		}
		s.sealedThrough.Store(m.seg)
	}
}

// segmentIDs reads the IDs of every record of the segment named first,
// checking each record's CRC and that positions follow each other.
func (s *Store) segmentIDs(first uint64, hint int) (*idMap, error) {
	f, ok := s.segs.file(first)
	if !ok {
		return nil, fmt.Errorf("embedded: segment %d is not open", first)
	}
	path := s.segs.path(first)
	m := newIDMap(first, s.ids, hint)
	r := newSegReader(f, path, 0, make([]byte, 1<<20))
	pos, off := first, int64(0)
	for {
		body, res, why, err := r.record(off)
		switch {
		case err != nil:
			return nil, err
		case res == readEnd:
			return m, nil
		case res != readRecord:
			if why == "" {
				why = "record cut short"
			}
			return nil, &events.CorruptError{File: path, Offset: off, Position: pos, Reason: why}
		}
		if len(body) < fixedBytes || body[0] != formatV1 {
			return nil, &events.CorruptError{File: path, Offset: off, Position: pos, Reason: "not a record of format 1"}
		}
		if got := bodyInfo(body).position; got != pos {
			return nil, &events.CorruptError{File: path, Offset: off, Position: pos,
				Reason: fmt.Sprintf("record holds position %d where %d belongs", got, pos)}
		}
		id := events.ID(body[offID : offID+len(events.ID{})])
		m.add(id, s.ids.hashBytes(id[:]), off)
		pos++
		off += int64(headerBytes + len(body))
	}
}
