package embedded

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"github.com/cockroachdb/pebble/v2"

	"github.com/drip-ledger/drip/events"
)

// reindexBatchEvents is how many events recovery indexes per Pebble batch.
const reindexBatchEvents = 8192

// Recovery on Open. The index says how far it got (its marker); recovery
// reads the log from there to the end, indexes what it finds, and decides
// what the end of the last segment is:
//   - the file ends inside a record, or only zero bytes are left: a torn
//     tail (a crash during the last, unacknowledged write). It is cut off,
//     together with the beginning of an append whose last event is missing,
//     so an append stays all or nothing; the cut is logged.
//   - anything else that fails its CRC or does not decode, or a gap in the
//     positions, anywhere: damage. Open returns an *events.CorruptError and
//     changes nothing; an operator must look.
//
// Records before the marker are not re-read here (that would make Open as
// slow as the log is long); reads check them. The exception is the active
// (last) segment, which Open reads whole to rebuild its in-memory index, and
// a sealed segment whose keys are not in Pebble yet (recoverIndexes,
// segindex.go).
type recovery struct {
	s         *Store
	batch     *pebble.Batch
	pending   []loc // events of the append being read
	batched   int
	pos       uint64 // last position of the last complete append
	seg       uint64 // the segment it is in
	end       int64  // where its record ends
	sparseSeg uint64
	sparseOff int64
	lastSize  int64 // of the last segment once recovered
	key, val  []byte
}

func (s *Store) recover(logDir string) (*writer, error) {
	firsts, err := listSegments(logDir)
	if err != nil {
		return nil, err
	}
	s.segs = &segments{dir: logDir, files: map[uint64]*os.File{}}
	// Spares left by a crash may be half zero-filled; the zeroer makes
	// another when one is wanted.
	spares, _ := filepath.Glob(filepath.Join(logDir, spareGlob))
	for _, p := range spares {
		if err := os.Remove(p); err != nil && !errors.Is(err, os.ErrNotExist) {
			return nil, fmt.Errorf("embedded: remove old spare: %w", err)
		}
	}
	if len(firsts) == 0 {
		// A new store: its first segment is zero-filled whole now (0.2 s
		// for 64 MiB here), once in the store's life, so its appends never
		// share the disk with the zeroer.
		f, err := createSegment(logDir, 1, s.opts.SegmentBytes)
		if err != nil {
			return nil, err
		}
		s.segs.add(1, f)
		return newWriter(newZeroSeg(f, s.opts.SegmentBytes, s.opts.SegmentBytes, 0), 1, 0, 1, newSegIndex(1, s.ids, 0)), nil
	}
	if firsts[0] != 1 {
		return nil, &events.CorruptError{File: s.segs.path(firsts[0]), Offset: -1, Position: 1,
			Reason: "the log's first segment does not start at position 1"}
	}
	if firsts, err = s.dropEmptyTail(firsts); err != nil {
		return nil, err
	}
	for i, first := range firsts {
		flag := os.O_RDONLY
		if i == len(firsts)-1 {
			flag = os.O_RDWR
		}
		f, err := os.OpenFile(s.segs.path(first), flag, 0)
		if err != nil {
			return nil, fmt.Errorf("embedded: open segment: %w", err)
		}
		s.segs.add(first, f)
	}
	m, err := readMarker(s.db)
	if err != nil {
		return nil, err
	}
	rc := &recovery{s: s, batch: s.db.NewBatch(), pos: m.pos, seg: m.seg, end: m.end}
	defer rc.batch.Close()
	i, off := 0, int64(0)
	if m.pos > 0 {
		if i = indexOf(firsts, m.seg); i < 0 {
			return nil, &events.CorruptError{File: filepath.Join(logDir, segName(m.seg)), Offset: m.end, Position: m.pos,
				Reason: "the index has events from a segment that is not in the log"}
		}
		off = m.end
	}
	for ; i < len(firsts); i++ {
		if err := rc.segment(firsts[i], off, i == len(firsts)-1); err != nil {
			return nil, err
		}
		off = 0
	}
	if err := rc.flush(); err != nil {
		return nil, err
	}
	s.head.Store(rc.pos)
	idx, err := s.recoverIndexes(firsts)
	if err != nil {
		return nil, err
	}
	last := firsts[len(firsts)-1]
	f, _ := s.segs.file(last)
	fi, err := f.Stat()
	if err != nil {
		return nil, fmt.Errorf("embedded: stat %s: %w", f.Name(), err)
	}
	return newWriter(newZeroSeg(f, s.opts.SegmentBytes, fi.Size(), rc.lastSize), last, rc.lastSize, rc.pos+1, idx), nil
}

// dropEmptyTail removes empty segments (no bytes, or only zeros: zero.go)
// at the end of the log. The writer
// creates the next segment while the group before it may still be on its way
// to the previous one (the syncer writes groups in order, after the
// sequencer has rolled); a crash in between leaves an empty last segment
// behind a previous one whose tail never arrived or is torn. Nothing in an
// empty segment was acknowledged, and its name would promise a position the
// log does not reach, so it goes, and the previous segment is recovered as
// the last one (its torn tail cut as usual).
func (s *Store) dropEmptyTail(firsts []uint64) ([]uint64, error) {
	for len(firsts) > 1 {
		path := s.segs.path(firsts[len(firsts)-1])
		fi, err := os.Stat(path)
		if err != nil {
			return nil, fmt.Errorf("embedded: stat segment: %w", err)
		}
		if fi.Size() != 0 {
			f, err := os.Open(path)
			if err != nil {
				return nil, fmt.Errorf("embedded: open segment: %w", err)
			}
			zero, err := zeroRange(f, 0, fi.Size())
			f.Close()
			if err != nil {
				return nil, err
			}
			if !zero {
				break
			}
		}
		if err := os.Remove(path); err != nil {
			return nil, fmt.Errorf("embedded: remove empty segment: %w", err)
		}
		if err := syncDir(s.segs.dir); err != nil {
			return nil, err
		}
		s.opts.Logger.Warn("embedded: removed an empty last segment left by a crash during a roll", "file", path)
		firsts = firsts[:len(firsts)-1]
	}
	return firsts, nil
}

// recoverIndexes puts the keys of the sealed segments that are not in Pebble
// (the sealer's sstable was lost in a crash, or the index was rebuilt) into
// it, one sstable per segment, and returns the index of the active segment,
// read from its start (segindex.go). Its IDs and streams go into the filters
// as well: Pebble's are added by buildFilters, these here.
func (s *Store) recoverIndexes(firsts []uint64) (*segIndex, error) {
	from, err := readSealedMarker(s.db)
	if err != nil {
		return nil, err
	}
	hint := 0
	for i, first := range firsts[:len(firsts)-1] {
		if first < from {
			continue
		}
		m, err := s.segmentIndex(first, hint, false)
		if err != nil {
			return nil, err
		}
		m.next, hint = firsts[i+1], m.len()
		if err := s.seal(m); err != nil {
			return nil, err
		}
	}
	m, err := s.segmentIndex(firsts[len(firsts)-1], hint, true)
	if err != nil {
		return nil, err
	}
	for i := range m.len() {
		id := m.evIDs.at(i)
		s.ids.add(s.ids.hashBytes(id[:]))
	}
	for r := range m.runs.len() {
		s.streams.add(m.runs.ptr(r).hash)
	}
	return m, nil
}

func indexOf(firsts []uint64, v uint64) int {
	for i, f := range firsts {
		if f == v {
			return i
		}
	}
	return -1
}

func newWriter(zs *zeroSeg, first uint64, size int64, nextPos uint64, idx *segIndex) *writer {
	return &writer{zs: zs, segFirst: first, size: size, nextPos: nextPos,
		scratch: make([]byte, 0, 256), idx: idx}
}

// segment reads one segment from off to its end.
func (rc *recovery) segment(first uint64, off int64, last bool) error {
	f, _ := rc.s.segs.file(first)
	path := rc.s.segs.path(first)
	fi, err := f.Stat()
	if err != nil {
		return fmt.Errorf("embedded: stat %s: %w", path, err)
	}
	size := fi.Size()
	if off > size {
		return &events.CorruptError{File: path, Offset: off, Position: rc.pos,
			Reason: fmt.Sprintf("the index has events up to offset %d but the file has %d bytes", off, size)}
	}
	bad := func(off int64, why string) error {
		return &events.CorruptError{File: path, Offset: off, Position: rc.next(), Reason: why}
	}
	r := newSegReader(f, path, off, nil)
	appendStart := off
	for {
		body, res, why, err := r.record(off)
		switch {
		case err != nil:
			return err
		case res == readEnd || res == readZeros:
			// Zeros to the end of the file: the zero tail ahead of the
			// writer (zero.go), so the end of the data.
			return rc.segmentEnd(f, path, first, off, appendStart, last, size)
		case res == readTorn && !last:
			return bad(off, "the segment ends inside a record, and it is not the last segment")
		case res == readBad && last:
			torn, err := looksTorn(f, off, size, r.claimed(off), tornMax(rc.s.opts))
			if err != nil {
				return err
			}
			if !torn {
				return bad(off, why)
			}
			fallthrough
		case res == readTorn:
			cut := off
			if len(rc.pending) > 0 {
				cut = appendStart
			}
			return rc.cut(f, path, first, cut, size, "the file ends inside a record, or the last write never reached the disk whole")
		case res == readBad:
			return bad(off, why)
		}
		ev, info, err := decodeBody(body)
		switch {
		case err != nil:
			return bad(off, err.Error())
		case info.position != rc.next():
			return bad(off, fmt.Sprintf("record holds position %d where %d belongs", info.position, rc.next()))
		case off == 0 && info.position != first:
			return bad(off, fmt.Sprintf("segment named %d starts with position %d", first, info.position))
		case int(info.index) != len(rc.pending):
			return bad(off, fmt.Sprintf("event %d of an append follows %d of its events", info.index, len(rc.pending)))
		}
		if len(rc.pending) == 0 {
			appendStart = off
		}
		rc.pending = append(rc.pending, loc{pos: ev.Position, seg: first, off: off})
		off += int64(headerBytes + len(body))
		if info.last {
			if err := rc.complete(first, off); err != nil {
				return err
			}
		}
	}
}

// next is the position the next record must hold.
func (rc *recovery) next() uint64 { return rc.pos + uint64(len(rc.pending)) + 1 }

func (rc *recovery) segmentEnd(f *os.File, path string, first uint64, off, appendStart int64, last bool, size int64) error {
	switch {
	case len(rc.pending) > 0 && !last:
		return &events.CorruptError{File: path, Offset: appendStart, Position: rc.pos + 1,
			Reason: "the segment ends inside an append, and it is not the last segment"}
	case len(rc.pending) > 0:
		return rc.cut(f, path, first, appendStart, size, "the log ends inside an append: its last events never landed")
	case off == 0 && !last:
		return &events.CorruptError{File: path, Offset: 0, Position: rc.pos + 1, Reason: "empty segment in the middle of the log"}
	case off == 0 && first != rc.pos+1:
		return &events.CorruptError{File: path, Offset: 0, Position: rc.pos + 1,
			Reason: fmt.Sprintf("the last segment is empty and named %d, but the log ends at %d", first, rc.pos)}
	}
	if last {
		rc.lastSize = off
	}
	return nil
}

// cut truncates the torn tail of the last segment at off and logs it.
func (rc *recovery) cut(f *os.File, path string, first uint64, off, size int64, why string) error {
	rc.pending = rc.pending[:0]
	rc.s.log.Warn("embedded: cutting a torn tail off the log", "file", path, "offset", off,
		"bytes", size-off, "after_position", rc.pos, "reason", why)
	if err := f.Truncate(off); err != nil {
		return fmt.Errorf("embedded: cut torn tail of %s: %w", path, err)
	}
	if err := f.Sync(); err != nil {
		return fmt.Errorf("embedded: sync %s after cutting: %w", path, err)
	}
	return rc.segmentEnd(f, path, first, off, off, true, off)
}

// complete indexes the append just read, which ends at end.
func (rc *recovery) complete(seg uint64, end int64) error {
	for _, l := range rc.pending {
		if seg != rc.sparseSeg || l.off >= rc.sparseOff+sparseBytes {
			rc.sparseSeg, rc.sparseOff = seg, l.off
			rc.val = l.append(rc.val[:0])
			rc.key = posKey(rc.key[:0], l.pos)
			if err := rc.batch.Set(rc.key, rc.val[8:], nil); err != nil {
				return err
			}
		}
	}
	rc.pos, rc.seg, rc.end = rc.pending[len(rc.pending)-1].pos, seg, end
	rc.batched += len(rc.pending)
	rc.pending = rc.pending[:0]
	if rc.batched >= reindexBatchEvents {
		return rc.flush()
	}
	return nil
}

func (rc *recovery) flush() error {
	if rc.batched == 0 {
		return nil
	}
	if err := setMarker(rc.batch, marker{pos: rc.pos, seg: rc.seg, end: rc.end}, rc.val); err != nil {
		return err
	}
	if err := rc.s.db.Apply(rc.batch, pebble.NoSync); err != nil {
		return fmt.Errorf("embedded: re-index: %w", err)
	}
	rc.batch.Reset()
	rc.batched = 0
	return nil
}
