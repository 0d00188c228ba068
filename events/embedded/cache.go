package embedded

import (
	"os"

	"github.com/drip-ledger/drip/events"
)

// The sequencer's view of the log. It is the only writer, so what it wrote
// itself is authoritative; the index has the rest:
//   - an event ID is in the log only if the ID filter (filter.go) may hold
//     it, because the sequencer adds every ID it places. The filter says
//     "certainly not" for nearly every fresh ID, so nearly every append
//     skips the idempotent-retry check without reading anything. On "maybe"
//     the sequencer looks the ID up in its own maps (ids.go): the active
//     segment's, which it fills as it places each event, and those of the
//     sealed segments the sealer has not yet put in the index; then in the
//     index. An event found in a group not yet written (live, at most
//     groupsMax of them) is decoded from the group's buffer.
//   - a stream's version comes from versions, a map of about StreamCacheLen
//     streams that evicts only entries the index already has, then from the
//     index; a stream the stream filter has never seen has none.

// writer is the state the sequencer goroutine owns: nothing else touches it.
type writer struct {
	s        *Store
	f        *os.File // the last segment
	fd       int
	segFirst uint64
	size     int64 // of the last segment, counting groups not yet written
	nextPos  uint64
	nextSeq  uint64
	atUS     int64  // RecordedAt of the open group, Unix µs
	indexed  uint64 // the last group retired by the indexer
	versions map[string]verEntry
	live     []*group // opened and not yet retired, oldest first
	free     []*group
	groups   int // allocated so far, up to groupsMax
	carry    *request
	err      error // sticky: nothing more is written after a failure
	lookupFn events.Lookup
	scratch  []byte
	// ids holds the IDs of the active segment; sealing those of sealed
	// segments whose IDs the sealer has not yet indexed, oldest first.
	ids     *idMap
	sealing []*idMap
}

// verEntry is a stream's version as the sequencer last set it, and in
// which group, so eviction can tell entries the index already has.
type verEntry struct {
	version uint64
	seq     uint64
}

// retire takes back a group the indexer is done with: the index has its
// entries now. Groups retire in the order they were opened.
func (w *writer) retire(g *group) {
	w.indexed = g.seq
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

// version returns the stream's current version, counting groups not yet
// indexed. A stream the filter has never seen (h is its hash) has none.
func (w *writer) version(stream string, h uint64) (uint64, error) {
	if e, ok := w.versions[stream]; ok {
		return e.version, nil
	}
	if !w.s.streams.mayContain(h) {
		return 0, nil
	}
	v, err := streamVersion(w.s.db, stream, w.scratch[:0])
	if err != nil {
		return 0, err
	}
	w.setVersion(stream, v, 0)
	return v, nil
}

func (w *writer) setVersion(stream string, version, seq uint64) {
	if _, ok := w.versions[stream]; !ok && len(w.versions) >= w.s.opts.StreamCacheLen {
		w.evictVersions()
	}
	w.versions[stream] = verEntry{version: version, seq: seq}
}

// evictVersions drops a quarter of the cache (in map order, which is
// random enough) among the entries the index already holds.
func (w *writer) evictVersions() {
	drop := max(len(w.versions)/4, 1)
	for k, e := range w.versions {
		if drop == 0 {
			return
		}
		if e.seq <= w.indexed {
			delete(w.versions, k)
			drop--
		}
	}
}

// lookup is the events.Lookup the sequencer hands to events.CheckRetry. It
// runs only when the ID filter says "maybe": for a retry, or for about one
// fresh append in a hundred (a false positive).
func (w *writer) lookup(id events.ID) (events.Event, bool, error) {
	h := w.s.ids.hashBytes(id[:])
	l, ok := w.ids.get(id, h)
	if !ok {
		w.dropSealed()
		for i := len(w.sealing) - 1; i >= 0 && !ok; i-- {
			l, ok = w.sealing[i].get(id, h)
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

// dropSealed forgets the maps of the segments whose IDs the sealer has put
// in the index.
func (w *writer) dropSealed() {
	done := w.s.sealedThrough.Load()
	n := 0
	for n < len(w.sealing) && w.sealing[n].seg <= done {
		n++
	}
	if n > 0 {
		m := copy(w.sealing, w.sealing[n:])
		clear(w.sealing[m:])
		w.sealing = w.sealing[:m]
	}
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
