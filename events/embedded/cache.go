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
//     the sequencer looks the ID up: first in the groups the index may not
//     have yet (live, at most groupsMax of them), then in the index, which
//     has every group the indexer has handed back.
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
	g.reqs, g.buf, g.ents = g.reqs[:0], g.buf[:0], g.ents[:0]
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
// fresh append in a hundred (a false positive), so a scan of the live
// groups costs less than a map kept up to date for every event.
func (w *writer) lookup(id events.ID) (events.Event, bool, error) {
	for i := len(w.live) - 1; i >= 0; i-- {
		g := w.live[i]
		for j := len(g.ents) - 1; j >= 0; j-- {
			if g.ents[j].id == id {
				return w.fromGroup(g, g.ents[j].loc)
			}
		}
	}
	l, ok, err := getLoc(w.s.db, idKey(w.scratch[:0], id))
	if err != nil || !ok {
		return events.Event{}, false, err
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
