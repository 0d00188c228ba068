package embedded

import (
	"fmt"
	"os"
	"sync"
	"time"

	"golang.org/x/sys/unix"

	"github.com/drip-ledger/drip/events"
)

// The write path is a pipeline of four stages, so that the CPU work of one
// overlaps the waiting of another:
//
//  1. the caller's goroutine validates the append (Registry.CheckAppend),
//     encodes its records (everything but position, version and time) and
//     hashes its stream and event IDs for the filters (filter.go);
//  2. the sequencer goroutine (writer.run) checks each append in arrival
//     order: idempotent retry (events.CheckRetry; only when the ID filter
//     says one of the IDs may be stored, see cache.go), then the expected
//     version, counting the appends before it; it patches positions and
//     versions into the records and adds them to the open group. The group
//     grows for as long as the syncer is busy (up to GroupAppendsMax and
//     GroupBytesMax);
//  3. the syncer goroutine takes the open group as soon as it is free
//     (handoff), writes it with ONE write, into the zeros kept ahead of the
//     data (zero.go), and ONE fdatasync, advances the head and acknowledges
//     every append of the group;
//  4. the indexer goroutine applies the group's sparse positions and the
//     index marker in one Pebble batch (no sync: the log is the truth), then
//     wakes the reads waiting for it and the subscribers. The sequencer has
//     already put each event's ID and (stream, version) in the active
//     segment's in-memory index; they go to Pebble a segment at a time
//     (segindex.go).
//
// So an append is acknowledged only after its bytes are synced, and the
// index never points past synced log data. The index work is off the
// acknowledgement's path (at 256 writers it was most of what an append
// waited for after its fsync), so for a moment an acknowledged append may
// not be in the index yet; what must see it does anyway:
//   - a read (ReadStream, ReadAll, hence Subscribe) first waits until the
//     index holds the head as of its start (Store.caughtUp): read your writes;
//   - Head is the synced head, so it never runs ahead of what reads return;
//   - the sequencer decides versions and idempotent retries from the
//     in-memory segment indexes, which it fills as it places each event,
//     then Pebble (cache.go); reads take only the events at or below the
//     indexed head from the in-memory indexes.
//
// A failed write or sync stops the store: appends after it fail, because
// the kernel may have dropped the dirty pages (fsyncgate). A failed index
// batch stops it too; the appends already acknowledged are in the log, and
// the next Open indexes them.

// groupsMax bounds the groups in flight: one open in the sequencer, the rest
// waiting for or in the syncer and the indexer.
const groupsMax = 8

// request is one Append on its way through the pipeline.
type request struct {
	stream   string
	expected events.Expected
	evs      []events.Event
	enc      []byte // the records, from encodeRecords
	// streamHash and idHashes are the filter hashes of stream and of each
	// event's ID (filter.go), computed in stage 1.
	streamHash uint64
	idHashes   []uint64
	// parts is set for an AppendMulti (multi.go): evs, enc and idHashes
	// then hold every part's events in order, as one append.
	parts    []part
	accepted bool // written by its group (not refused, not a retry)
	// claim is held by the sequencer while it places the request, the only
	// time the pipeline reads the caller's events; taken says it did, and
	// abandoned that the caller's context ended first, so the request is
	// dropped unread (Store.Append).
	claim     sync.Mutex
	taken     bool
	abandoned bool
	res       events.AppendResult
	err       error
	done      chan struct{} // receives once, when res and err are final
}

// group is one group commit.
type group struct {
	seq  uint64
	reqs []*request
	buf  []byte
	ents []loc    // where each event of the group is
	zs   *zeroSeg // the segment the group goes to
	at   int64    // offset of buf in f
	seg  uint64
	end  int64 // the segment's size after the group
	err  error // the write or sync failed
	// sealed is the index of the segment before this group's, when the
	// group is the first of a new segment (segindex.go).
	sealed *segIndex
}

// run is the sequencer's loop. The open group is shared with the syncer
// through the hand-off (handoff): the syncer takes it whenever it is free,
// without waiting for the sequencer to be scheduled — with hundreds of
// writers runnable on two processors, waiting for the sequencer to offer
// the group cost the syncer about 120 µs of a 700 µs cycle.
func (w *writer) run() {
	defer w.h.close()
	for {
		r := w.carry
		w.carry = nil
		if r == nil {
			var ok bool
			if r, ok = <-w.s.queue; !ok {
				return
			}
		}
		w.h.mu.Lock()
		g := w.h.open
		if g != nil && (len(g.reqs) >= w.s.opts.GroupAppendsMax || len(g.buf) >= w.s.opts.GroupBytesMax || !w.fits(g, r)) {
			// The group is full for r (a group is one write to one
			// segment): r waits for the syncer to take it.
			w.h.mu.Unlock()
			w.carry = r
			<-w.h.taken
			continue
		}
		if g == nil {
			w.h.mu.Unlock()
			g = w.open() // may wait for the indexer to retire a group
			w.h.mu.Lock()
			w.h.open = g
		}
		r.claim.Lock()
		if r.abandoned {
			r.claim.Unlock()
			w.h.mu.Unlock()
			continue
		}
		r.taken = true
		w.place(g, r)
		r.claim.Unlock()
		w.size = g.at + int64(len(g.buf))
		w.h.mu.Unlock()
		w.h.signal(w.h.ready)
	}
}

// handoff passes the open group from the sequencer to the syncer.
type handoff struct {
	mu      sync.Mutex
	open    *group // the group the sequencer fills; nil once taken
	closing bool   // the queue is closed: no group follows the open one
	ready   chan struct{}
	taken   chan struct{}
}

func newHandoff() *handoff {
	return &handoff{ready: make(chan struct{}, 1), taken: make(chan struct{}, 1)}
}

// signal wakes whoever waits on ch; a pending signal is enough, so it never
// blocks. Waiters re-check the state, so a stale signal is harmless.
func (h *handoff) signal(ch chan struct{}) {
	select {
	case ch <- struct{}{}:
	default:
	}
}

func (h *handoff) close() {
	h.mu.Lock()
	h.closing = true
	h.mu.Unlock()
	h.signal(h.ready)
}

// take returns the open group, waiting for one; nil means the sequencer has
// stopped and every group is taken.
func (h *handoff) take() *group {
	for {
		h.mu.Lock()
		g, closing := h.open, h.closing
		h.open = nil
		h.mu.Unlock()
		if g != nil {
			h.signal(h.taken)
			g.end = g.at + int64(len(g.buf))
			return g
		}
		if closing {
			return nil
		}
		<-h.ready
	}
}

// open starts a group: an empty one, once the indexer has retired one if
// groupsMax are in flight.
func (w *writer) open() *group {
	for drained := false; !drained; {
		select {
		case g := <-w.s.retired:
			w.retire(g)
		default:
			drained = true
		}
	}
	var g *group
	switch {
	case len(w.free) > 0:
		g = w.free[len(w.free)-1]
		w.free = w.free[:len(w.free)-1]
	case w.groups < groupsMax:
		w.groups++
		g = &group{}
	default:
		w.retire(<-w.s.retired)
		return w.open()
	}
	w.nextSeq++
	g.seq = w.nextSeq
	w.atUS = events.RecordedTime(w.s.opts.Now()).UnixMicro()
	w.live = append(w.live, g)
	g.zs, g.seg, g.at, g.err = w.zs, w.segFirst, w.size, nil
	return g
}

// fits reports whether r can join g: a group is one write to one segment.
func (w *writer) fits(g *group, r *request) bool {
	n := int64(len(g.buf) + len(r.enc))
	return n <= int64(w.s.opts.GroupBytesMax) && g.at+n <= w.s.opts.SegmentBytes &&
		w.idx.len()+len(r.evs) <= segEventsMax
}

// place checks r against the log and the appends before it, and if it is
// accepted, adds its records to g.
func (w *writer) place(g *group, r *request) {
	if r.parts != nil {
		w.placeMulti(g, r)
		return
	}
	g.reqs = append(g.reqs, r)
	if f := w.s.failed.Load(); w.err == nil && f != nil {
		w.err = *f
	}
	if w.err != nil {
		r.err = w.err
		return
	}
	if w.maybeStored(r) {
		res, retry, err := events.CheckRetry(r.stream, r.expected, r.evs, w.lookupFn)
		if err != nil || retry {
			r.res, r.err = res, err
			return
		}
	}
	cur, err := w.version(r.stream, r.streamHash)
	if err == nil {
		err = r.expected.Check(r.stream, cur)
	}
	if err != nil {
		r.err = err
		return
	}
	if len(g.buf) == 0 && g.at > 0 && (g.at+int64(len(r.enc)) > w.s.opts.SegmentBytes || w.idx.len()+len(r.evs) > segEventsMax) {
		if err := w.roll(g); err != nil {
			w.err, r.err = err, err
			w.s.fail(err)
			return
		}
	}
	off := len(g.buf)
	g.buf = append(g.buf, r.enc...)
	if cur == 0 && len(r.evs) > 0 {
		w.s.streams.add(r.streamHash)
	}
	w.offs = w.offs[:0]
	for i := range r.evs {
		l := loc{pos: w.nextPos, seg: g.seg, off: g.at + int64(off)}
		w.s.ids.add(r.idHashes[i])
		w.offs = append(w.offs, l.off)
		off += patchRecord(g.buf[off:], l.pos, cur+uint64(i)+1, w.atUS)
		g.ents = append(g.ents, l)
		w.nextPos++
	}
	w.idx.addAppend(r.stream, r.streamHash, cur+1, r.evs, r.idHashes, w.offs)
	ver := cur + uint64(len(r.evs))
	r.accepted = true
	r.res = events.AppendResult{Version: ver, Position: w.nextPos - 1, First: w.nextPos - uint64(len(r.evs))}
}

// roll starts a new segment, named by the next position, for g.
func (w *writer) roll(g *group) error {
	if f := w.s.opts.faults; f != nil && f.roll != nil {
		if err := f.roll(w.nextPos); err != nil {
			return err
		}
	}
	f, zeroed, err := w.s.nextSegment(w.nextPos)
	if err != nil {
		return err
	}
	w.s.segs.add(w.nextPos, f)
	w.zs, w.segFirst, w.size = newZeroSeg(f, w.s.opts.SegmentBytes, zeroed, 0), w.nextPos, 0
	g.zs, g.seg, g.at = w.zs, w.segFirst, 0
	w.s.zero.setActive(w.zs)
	// The sealed segment's keys go to Pebble once g is synced (indexer.go);
	// until then its index stays in Store.mem for look-ups and reads.
	old := w.idx
	old.next = w.nextPos
	g.sealed = old
	w.idx = newSegIndex(w.nextPos, w.s.ids, old.len())
	w.s.addMem(w.idx)
	return nil
}

// nextSegment makes the segment that starts at first: the zeroer's spare,
// renamed, if one is ready, else an empty file. It returns how many of its
// bytes are synced zeros.
func (s *Store) nextSegment(first uint64) (*os.File, int64, error) {
	spare := s.zero.takeSpare()
	if spare == nil {
		f, err := createSegment(s.segs.dir, first, 0)
		return f, 0, err
	}
	path := s.segs.path(first)
	if err := os.Rename(spare.Name(), path); err != nil {
		spare.Close()
		return nil, 0, fmt.Errorf("embedded: rename spare segment to %s: %w", path, err)
	}
	if err := syncDir(s.segs.dir); err != nil {
		spare.Close()
		return nil, 0, err
	}
	fi, err := spare.Stat()
	if err != nil {
		spare.Close()
		return nil, 0, fmt.Errorf("embedded: stat %s: %w", path, err)
	}
	return spare, fi.Size(), nil
}

// runSyncer is stage 3: one write and one fdatasync per group, then the
// group's appends are acknowledged and the group goes to the indexer.
func (s *Store) runSyncer(h *handoff) {
	defer close(s.indexCh)
	var failed error
	var unsynced *zeroSeg // with DeferSync: the segment written since its last fdatasync
	defer func() {
		// With DeferSync the log is made durable here, at Close, before the
		// index is flushed (shutdown waits for the syncer first).
		if unsynced != nil && failed == nil {
			if err := unix.Fdatasync(unsynced.fd); err != nil {
				s.fail(fmt.Errorf("embedded: fdatasync %s at close: %w", unsynced.f.Name(), err))
			}
		}
	}()
	for g := h.take(); g != nil; g = h.take() {
		if f := s.failed.Load(); failed == nil && f != nil {
			failed = *f // the writer or the indexer stopped the store
		}
		if s.opts.DeferSync && len(g.buf) > 0 && failed == nil {
			// A roll: the sealed segment is synced before its keys go to
			// Pebble (the indexer takes them with g).
			if unsynced != nil && unsynced != g.zs {
				if err := unix.Fdatasync(unsynced.fd); err != nil {
					failed = fmt.Errorf("embedded: fdatasync %s: %w", unsynced.f.Name(), err)
					s.fail(failed)
				}
			}
			unsynced = g.zs
		}
		if len(g.buf) > 0 && failed == nil {
			failed = syncGroup(g, s.opts.faults, s.opts.DeferSync)
			if failed != nil {
				s.fail(failed)
			} else if s.zero.wants(g.zs) {
				s.zero.poke()
			}
		}
		if failed != nil {
			g.err = failed
			ackFailed(g, failed)
		} else if len(g.ents) > 0 {
			s.head.Store(g.ents[len(g.ents)-1].pos)
		}
		for _, r := range g.reqs {
			r.done <- struct{}{}
		}
		s.indexCh <- g
	}
}

// syncTrace, if set (by TestTraceGroups), receives the timings of each
// group's write and fdatasync; the test hands the same function to the
// baseline (internal/bench/baseline's Options.Trace), to compare the two.
var syncTrace func(start, wrote, synced time.Time, bytes, n int)

func syncGroup(g *group, fs *faults, deferSync bool) error {
	var t0, t1 time.Time
	if syncTrace != nil {
		t0 = time.Now()
	}
	if fs != nil && fs.write != nil {
		if err := fs.write(g.seg, g.at, len(g.buf)); err != nil {
			return err
		}
	}
	if err := g.zs.write(g.buf, g.at); err != nil {
		return err
	}
	if syncTrace != nil {
		t1 = time.Now()
	}
	if fs != nil && fs.sync != nil {
		if err := fs.sync(g.seg, g.at, len(g.buf)); err != nil {
			return err
		}
	}
	if deferSync {
		return nil // synced at the next roll or at Close (runSyncer)
	}
	if err := unix.Fdatasync(g.zs.fd); err != nil {
		return fmt.Errorf("embedded: fdatasync %s: %w", g.zs.f.Name(), err)
	}
	if syncTrace != nil {
		syncTrace(t0, t1, time.Now(), len(g.buf), len(g.ents))
	}
	return nil
}
