package embedded

import (
	"os"

	"github.com/drip-ledger/drip/events"
)

// The sequencer's view of the log: a stream's version and an event ID's
// place come first from what the sequencer itself wrote recently
// (authoritative, because it is the only writer), then from the index. Both
// maps are bounded: recent holds the IDs of groups the index may not have
// yet (at most groupsMax groups) plus recentIDsMax more, and versions holds
// about StreamCacheLen streams, evicting only entries the index already has.

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
	purged   uint64 // IDs of groups up to this one may have left recent
	versions map[string]verEntry
	recent   map[events.ID]recentEntry
	aging    []agingID // IDs of retired groups, oldest first
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

// recentEntry is where an event ID went; g and off find its record in the
// group's buffer while the group is not retired.
type recentEntry struct {
	seq uint64
	loc loc
	g   *group
	off int
}

type agingID struct {
	id  events.ID
	seq uint64
}

func (w *writer) remember(id events.ID, e recentEntry) { w.recent[id] = e }

// retire takes back a group the indexer is done with.
func (w *writer) retire(g *group) {
	for _, e := range g.ents {
		w.aging = append(w.aging, agingID{id: e.id, seq: g.seq})
	}
	w.indexed = g.seq
	drop := 0
	for len(w.aging)-drop > recentIDsMax {
		a := w.aging[drop]
		if e, ok := w.recent[a.id]; ok && e.seq == a.seq {
			delete(w.recent, a.id)
		}
		w.purged = a.seq
		drop++
	}
	if drop > 0 {
		w.aging = append(w.aging[:0], w.aging[drop:]...)
	}
	clear(g.reqs)
	g.reqs, g.buf, g.ents = g.reqs[:0], g.buf[:0], g.ents[:0]
	w.free = append(w.free, g)
}

// fresh reports whether none of r's IDs can be in the log, without asking
// the index: stage 1 found none of them in the index as of group seenSeq,
// and every group after that is still in recent.
func (w *writer) fresh(r *request) bool {
	if r.maybeRetry || r.seenSeq < w.purged {
		return false
	}
	for i := range r.evs {
		if _, ok := w.recent[r.evs[i].ID]; ok {
			return false
		}
	}
	return true
}

// version returns the stream's current version, counting groups not yet
// indexed.
func (w *writer) version(stream string) (uint64, error) {
	if e, ok := w.versions[stream]; ok {
		return e.version, nil
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

// lookup is the events.Lookup the sequencer hands to events.CheckRetry.
func (w *writer) lookup(id events.ID) (events.Event, bool, error) {
	if e, ok := w.recent[id]; ok {
		if e.seq > w.indexed {
			return w.fromGroup(e)
		}
		ev, err := w.s.readAt(e.loc)
		return ev, err == nil, err
	}
	l, ok, err := getLoc(w.s.db, idKey(w.scratch[:0], id))
	if err != nil || !ok {
		return events.Event{}, false, err
	}
	ev, err := w.s.readAt(l)
	return ev, err == nil, err
}

// fromGroup decodes an event from the buffer of a group that may not be
// written yet.
func (w *writer) fromGroup(e recentEntry) (events.Event, bool, error) {
	rec := e.g.buf[e.off:]
	n := int(uint32(rec[0]) | uint32(rec[1])<<8 | uint32(rec[2])<<16 | uint32(rec[3])<<24)
	ev, _, err := decodeBody(rec[headerBytes : headerBytes+n])
	if err != nil {
		return events.Event{}, false, w.s.corrupt(e.loc, "in memory: "+err.Error())
	}
	return ev, true, nil
}
