package embedded

import (
	"github.com/drip-ledger/drip/events"
)

// The sequencer's view of the log. It is the only writer, so what it wrote
// itself is authoritative; Pebble has the rest:
//   - an event ID is in the log only if the ID filter (filter.go) may hold
//     it, because the sequencer adds every ID it places. The filter says
//     "certainly not" for nearly every fresh ID, so nearly every append
//     skips the idempotent-retry check without reading anything. On "maybe"
//     the sequencer looks the ID up in the in-memory segment indexes
//     (segindex.go), newest first, then in Pebble. An event found in a group
//     not yet written (live, at most groupsMax of them) is decoded from the
//     group's buffer.
//   - a stream's version comes from the active segment's index, which holds
//     every stream appended to since the segment began; for any other
//     stream, the stream filter says whether it may have events at all, and
//     if so the sealed segments still in memory, then Pebble, have its
//     version.

// writer is the state the sequencer goroutine owns: nothing else touches it.
type writer struct {
	s        *Store
	zs       *zeroSeg // the last segment
	segFirst uint64
	size     int64 // of the last segment, counting groups not yet written
	nextPos  uint64
	nextSeq  uint64
	atUS     int64    // RecordedAt of the open group, Unix µs
	live     []*group // opened and not yet retired, oldest first
	free     []*group
	groups   int // allocated so far, up to groupsMax
	carry    *request
	h        *handoff // the open group, shared with the syncer
	err      error    // sticky: nothing more is written after a failure
	lookupFn events.Lookup
	scratch  []byte
	// idx is the active segment's index (also the last of Store.mem); offs
	// is place's buffer of an append's offsets for it.
	idx  *segIndex
	offs []int64
}

// retire takes back a group the indexer is done with. Groups retire in the
// order they were opened.
func (w *writer) retire(g *group) {
	if len(w.live) > 0 && w.live[0] == g {
		n := copy(w.live, w.live[1:])
		w.live[n] = nil
		w.live = w.live[:n]
	}
	clear(g.reqs)
	g.reqs, g.buf, g.ents, g.sealed = g.reqs[:0], g.buf[:0], g.ents[:0], nil
	w.free = append(w.free, g)
}

// maybeStored reports whether any of r's IDs may be in the log already
// (stage 1 hashed them); false is certain.
func (w *writer) maybeStored(r *request) bool {
	for _, h := range r.idHashes {
		if w.s.ids.mayContain(h) {
			return true
		}
	}
	return false
}

// version returns the stream's current version, counting the events placed
// in groups not yet written. A stream the filter has never seen (h is its
// hash) has none.
func (w *writer) version(stream string, h uint64) (uint64, error) {
	if v, ok := w.idx.version(stream, h); ok {
		return v, nil
	}
	if !w.s.streams.mayContain(h) {
		return 0, nil
	}
	mem := w.s.memIndexes()
	for i := len(mem) - 1; i >= 0; i-- {
		if mem[i] == w.idx {
			continue
		}
		if v, ok := mem[i].version(stream, h); ok {
			return v, nil
		}
	}
	return streamVersion(w.s.db, stream, w.scratch[:0])
}

// lookup is the events.Lookup the sequencer hands to events.CheckRetry. It
// runs only when the ID filter says "maybe": for a retry, or for about one
// fresh append in a hundred (a false positive).
func (w *writer) lookup(id events.ID) (events.Event, bool, error) {
	h := w.s.ids.hashBytes(id[:])
	l, ok := w.idx.get(id, h)
	if !ok {
		mem := w.s.memIndexes()
		for i := len(mem) - 1; i >= 0 && !ok; i-- {
			if mem[i] != w.idx {
				l, ok = mem[i].get(id, h)
			}
		}
	}
	if !ok {
		var err error
		if l, ok, err = getLoc(w.s.db, idKey(w.scratch[:0], id)); err != nil || !ok {
			return events.Event{}, false, err
		}
	}
	for _, g := range w.live {
		if g.seg == l.seg && l.off >= g.at && l.off < g.at+int64(len(g.buf)) {
			return w.fromGroup(g, l)
		}
	}
	ev, err := w.s.readAt(l)
	return ev, err == nil, err
}

// fromGroup decodes the event at l from the buffer of a live group, which
// may not be written yet.
func (w *writer) fromGroup(g *group, l loc) (events.Event, bool, error) {
	rec := g.buf[l.off-g.at:]
	n := int(uint32(rec[0]) | uint32(rec[1])<<8 | uint32(rec[2])<<16 | uint32(rec[3])<<24)
	ev, _, err := decodeBody(rec[headerBytes : headerBytes+n])
	if err != nil {
		return events.Event{}, false, w.s.corrupt(l, "in memory: "+err.Error())
	}
	return ev, true, nil
}
