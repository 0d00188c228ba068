package embedded

import (
	"context"
	"encoding/binary"
	"fmt"
	"sync"

	"github.com/cockroachdb/pebble/v2"

	"github.com/drip-ledger/drip/events"
)

// Every read checks each record's CRC and that the record is the one the
// index or the scan expected; a mismatch is an *events.CorruptError naming
// the segment file, the offset and the position.

var bufPool = sync.Pool{New: func() any { b := make([]byte, readChunkBytes); return &b }}

// ReadStream implements events.Store. A stream's events are in Pebble for
// the sealed segments and in the in-memory segment indexes for the rest
// (segindex.go), its versions ascending from one to the other; Pebble counts
// only for positions below the first segment in memory.
func (s *Store) ReadStream(ctx context.Context, stream string, from uint64, dir events.Direction, limit int) ([]events.Event, error) {
	if err := events.CheckRead(ctx, limit); err != nil {
		return nil, err
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	if s.closed {
		return nil, events.ErrClosed
	}
	if err := s.caughtUp(ctx); err != nil {
		return nil, err
	}
	head := s.indexedPos.Load()
	// Store.mem first, then Pebble: a segment the sealer moves in between
	// is then in both, never in neither.
	mem := s.memIndexes()
	memFirst := mem[0].seg
	h := s.streams.hashString(stream)
	lower := streamPrefix(nil, stream)
	it, err := s.db.NewIter(&pebble.IterOptions{LowerBound: lower, UpperBound: streamEnd(nil, stream)})
	if err != nil {
		return nil, fmt.Errorf("embedded: index iterator: %w", err)
	}
	defer it.Close()
	var want []verLoc
	inMem := false
	pebbleLoc := func() (verLoc, error) {
		l, good := parseLoc(it.Value())
		if !good {
			return verLoc{}, &events.CorruptError{File: "index", Offset: -1, Reason: fmt.Sprintf("key %q holds no location", it.Key())}
		}
		return verLoc{binary.BigEndian.Uint64(it.Key()[len(lower):]), l}, nil
	}
	if dir == events.Forwards {
		from = max(from, 1)
		for ok := it.SeekGE(streamKey(nil, stream, from)); ok && len(want) < limit; ok = it.Next() {
			vl, err := pebbleLoc()
			if err != nil {
				return nil, err
			}
			if vl.loc.pos >= memFirst {
				break
			}
			want = append(want, vl)
		}
		for _, m := range mem {
			var found bool
			want, found = m.streamRange(stream, h, head, from, dir, limit, want)
			inMem = inMem || found
		}
	} else {
		for i := len(mem) - 1; i >= 0; i-- {
			var found bool
			want, found = mem[i].streamRange(stream, h, head, from, dir, limit, want)
			inMem = inMem || found
		}
		ok := false
		if from == events.End {
			ok = it.Last()
		} else {
			ok = it.SeekLT(streamKey(nil, stream, from+1))
		}
		for ; ok && len(want) < limit; ok = it.Prev() {
			vl, err := pebbleLoc()
			if err != nil {
				return nil, err
			}
			if vl.loc.pos < memFirst {
				want = append(want, vl)
			}
		}
	}
	if err := it.Error(); err != nil {
		return nil, fmt.Errorf("embedded: index: %w", err)
	}
	if len(want) == 0 && !inMem && !it.First() {
		if err := it.Error(); err != nil {
			return nil, fmt.Errorf("embedded: index: %w", err)
		}
		return nil, fmt.Errorf("stream %q: %w", stream, events.ErrStreamNotFound)
	}
	out := make([]events.Event, 0, len(want))
	for _, vl := range want {
		ev, err := s.readAt(vl.loc)
		if err != nil {
			return nil, err
		}
		if ev.Stream != stream || ev.Version != vl.version {
			return nil, s.corrupt(vl.loc, fmt.Sprintf("index says %s@%d, record is %s@%d", stream, vl.version, ev.Stream, ev.Version))
		}
		out = append(out, ev)
	}
	return out, nil
}

type verLoc struct {
	version uint64
	loc     loc
}

// ReadAll implements events.Store. It finds the nearest sparse position
// entry at or before from and scans the log forwards from there, across
// segments, up to the head.
func (s *Store) ReadAll(ctx context.Context, from uint64, limit int) ([]events.Event, error) {
	if err := events.CheckRead(ctx, limit); err != nil {
		return nil, err
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	if s.closed {
		return nil, events.ErrClosed
	}
	if err := s.caughtUp(ctx); err != nil {
		return nil, err
	}
	from = max(from, 1)
	head := s.indexedPos.Load()
	if from > head {
		return nil, nil
	}
	start, err := s.sparse(from)
	if err != nil {
		return nil, err
	}
	out := make([]events.Event, 0, min(uint64(limit), head-from+1))
	err = s.scan(start, head, func(body []byte, l loc) (bool, error) {
		if l.pos < from {
			return true, nil
		}
		ev, _, err := decodeBody(body)
		if err != nil {
			return false, s.corrupt(l, err.Error())
		}
		out = append(out, ev)
		return len(out) < limit, nil
	})
	return out, err
}

// sparse returns where to start scanning for position from.
func (s *Store) sparse(from uint64) (loc, error) {
	it, err := s.db.NewIter(&pebble.IterOptions{LowerBound: []byte{keyPos}, UpperBound: []byte{keyPos + 1}})
	if err != nil {
		return loc{}, fmt.Errorf("embedded: index iterator: %w", err)
	}
	defer it.Close()
	if !it.SeekLT(posKey(nil, from+1)) {
		if err := it.Error(); err != nil {
			return loc{}, fmt.Errorf("embedded: index: %w", err)
		}
		return loc{}, &events.CorruptError{File: "index", Offset: -1, Position: from, Reason: "no position entry at or before it"}
	}
	k, v := it.Key(), it.Value()
	if len(k) != 9 || len(v) != 16 {
		return loc{}, &events.CorruptError{File: "index", Offset: -1, Reason: fmt.Sprintf("malformed position entry %q", k)}
	}
	return loc{pos: binary.BigEndian.Uint64(k[1:]), seg: binary.BigEndian.Uint64(v),
		off: int64(binary.BigEndian.Uint64(v[8:]))}, nil
}

// scan visits the records from start (whose position it expects) up to
// position head, moving on to the next segment at the end of one; fn
// returns false to stop. The body passed to fn is only valid during the call.
func (s *Store) scan(start loc, head uint64, fn func(body []byte, l loc) (bool, error)) error {
	f, ok := s.segs.file(start.seg)
	if !ok {
		return s.corrupt(start, "index names a segment that is not in the log")
	}
	bp := bufPool.Get().(*[]byte)
	defer bufPool.Put(bp)
	r := newSegReader(f, s.segs.path(start.seg), start.off, *bp)
	l := start
	for l.pos <= head {
		body, res, why, err := r.record(l.off)
		switch {
		case err != nil:
			return err
		case res == readEnd || res == readZeros: // a segment's zero tail ends its data (zero.go)
			next, nf, ok := s.segs.after(l.seg)
			if !ok || next != l.pos {
				return s.corrupt(l, "segment ends before the head of the log")
			}
			l.seg, l.off = next, 0
			r = newSegReader(nf, s.segs.path(next), 0, r.buf)
			continue
		case res != readRecord:
			if why == "" {
				why = "record cut short"
			}
			return s.corrupt(l, why)
		}
		if got := bodyInfo(body).position; got != l.pos {
			return s.corrupt(l, fmt.Sprintf("record holds position %d", got))
		}
		more, err := fn(body, l)
		if err != nil || !more {
			return err
		}
		l.pos++
		l.off += int64(headerBytes + len(body))
	}
	return nil
}

// readAt reads the one record at l.
func (s *Store) readAt(l loc) (events.Event, error) {
	f, ok := s.segs.file(l.seg)
	if !ok {
		return events.Event{}, s.corrupt(l, "index names a segment that is not in the log")
	}
	var small [1024]byte
	r := newSegReader(f, s.segs.path(l.seg), l.off, small[:])
	body, res, why, err := r.record(l.off)
	switch {
	case err != nil:
		return events.Event{}, err
	case res != readRecord:
		if why == "" {
			why = "record cut short"
		}
		return events.Event{}, s.corrupt(l, why)
	}
	ev, _, err := decodeBody(body)
	if err != nil {
		return events.Event{}, s.corrupt(l, err.Error())
	}
	if ev.Position != l.pos {
		return events.Event{}, s.corrupt(l, fmt.Sprintf("record holds position %d", ev.Position))
	}
	return ev, nil
}

func (s *Store) corrupt(l loc, why string) error {
	return &events.CorruptError{File: s.segs.path(l.seg), Offset: l.off, Position: l.pos, Reason: why}
}
