package embedded

import (
	"github.com/drip-ledger/drip/events"
)

// The writer's view of the log: a stream's version and an event ID's place
// come first from what the writer itself wrote recently (authoritative,
// because it is the only writer), then from the index. Both maps are
// bounded: recent holds only IDs of groups the index does not have yet
// (at most groupsMax groups), and versions holds at most StreamCacheLen
// streams, evicting only entries the index already has.

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

// lookup is the events.Lookup the writer hands to events.CheckRetry.
func (w *writer) lookup(id events.ID) (events.Event, bool, error) {
	if e, ok := w.recent[id]; ok {
		if g := w.building; g != nil && e.seq == g.seq {
			ev := e.req.evs[e.i]
			ev.Stream, ev.Version, ev.Position = e.req.stream, e.version, e.loc.pos
			return ev, true, nil
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
