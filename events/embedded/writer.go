package embedded

import (
	"fmt"
	"os"

	"golang.org/x/sys/unix"

	"github.com/drip-ledger/drip/events"
)

// The write path is a pipeline of four stages, so that the CPU work of one
// overlaps the waiting of another:
//
//  1. the caller's goroutine validates the append (Registry.CheckAppend),
//     encodes its records (everything but position, version and time) and
//     looks its event IDs up in the index, noting how far the index was
//     (indexedSeq) when it looked;
//  2. the sequencer goroutine (writer.run) checks each append in arrival
//     order: idempotent retry (events.CheckRetry; only when stage 1 or the
//     writer's own recent IDs suggest one), then the expected version,
//     counting the appends before it; it patches positions and versions into
//     the records and adds them to the open group. The group grows for as
//     long as the syncer is busy (up to GroupAppendsMax and GroupBytesMax);
//  3. the syncer goroutine writes each group with ONE write and ONE
//     fdatasync;
//  4. the indexer goroutine applies the group's index entries in one Pebble
//     batch (no sync: the log is the truth), advances the head, wakes
//     subscribers, then acknowledges every append of the group.
//
// So an append is acknowledged only after its bytes are synced and after it is
// readable through the index (read your writes), and the index never points
// past synced log data. A failed write or sync stops the store: appends after
// it fail, because the kernel may have dropped the dirty pages (fsyncgate).

// groupsMax bounds the groups in flight: one open in the sequencer, the rest
// waiting for or in the syncer and the indexer.
const groupsMax = 4

// recentIDsMax is how many IDs of already-indexed groups the sequencer keeps
// on top of those not yet indexed, so that stage 1's index look-up stays
// valid for the appends queued behind a few groups.
const recentIDsMax = 1 << 16

// request is one Append on its way through the pipeline.
type request struct {
	stream   string
	expected events.Expected
	evs      []events.Event
	enc      []byte // the records, from encodeRecords
	key      []byte // scratch for index keys
	// seenSeq is the last indexed group when stage 1 looked the IDs up;
	// maybeRetry says it found one of them.
	seenSeq    uint64
	maybeRetry bool
	accepted   bool // written by its group (not refused, not a retry)
	res        events.AppendResult
	err        error
	done       chan struct{} // receives once, when res and err are final
}

// entry is one written event, for the index.
type entry struct {
	id      events.ID
	stream  string
	version uint64
	loc     loc
}

// group is one group commit.
type group struct {
	seq  uint64
	reqs []*request
	buf  []byte
	ents []entry
	f    *os.File // the segment the group goes to
	fd   int
	at   int64 // offset of buf in f
	seg  uint64
	end  int64 // the segment's size after the group
	err  error // the write or sync failed
}

func (w *writer) run() {
	defer close(w.s.syncCh)
	var g *group
	for {
		if g == nil {
			r := w.carry
			w.carry = nil
			if r == nil {
				var ok bool
				if r, ok = <-w.s.queue; !ok {
					return
				}
			}
			g = w.open()
			w.place(g, r)
			continue
		}
		if w.carry != nil || len(g.reqs) >= w.s.opts.GroupAppendsMax || len(g.buf) >= w.s.opts.GroupBytesMax {
			w.s.syncCh <- w.close(g)
			w.sent(g)
			g = nil
			continue
		}
		select {
		case r, ok := <-w.s.queue:
			if !ok {
				w.s.syncCh <- w.close(g)
				w.sent(g)
				return
			}
			if w.fits(g, r) {
				w.place(g, r)
			} else {
				w.carry = r
			}
		case w.s.syncCh <- w.close(g):
			w.sent(g)
			g = nil
		}
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
	g.f, g.fd, g.seg, g.at, g.err = w.f, w.fd, w.segFirst, w.size, nil
	return g
}

// close records where g ends; it is evaluated each time the sequencer offers
// g to the syncer, so it must be cheap and idempotent.
func (w *writer) close(g *group) *group {
	g.end = g.at + int64(len(g.buf))
	return g
}

// sent notes that g has gone to the syncer: the next group follows it.
func (w *writer) sent(g *group) { w.size = g.end }

// fits reports whether r can join g: a group is one write to one segment.
func (w *writer) fits(g *group, r *request) bool {
	n := int64(len(g.buf) + len(r.enc))
	return n <= int64(w.s.opts.GroupBytesMax) && g.at+n <= w.s.opts.SegmentBytes
}

// place checks r against the log and the appends before it, and if it is
// accepted, adds its records to g.
func (w *writer) place(g *group, r *request) {
	g.reqs = append(g.reqs, r)
	if f := w.s.failed.Load(); w.err == nil && f != nil {
		w.err = *f
	}
	if w.err != nil {
		r.err = w.err
		return
	}
	if !w.fresh(r) {
		res, retry, err := events.CheckRetry(r.stream, r.expected, r.evs, w.lookupFn)
		if err != nil || retry {
			r.res, r.err = res, err
			return
		}
	}
	cur, err := w.version(r.stream)
	if err == nil {
		err = r.expected.Check(r.stream, cur)
	}
	if err != nil {
		r.err = err
		return
	}
	if len(g.buf) == 0 && g.at > 0 && g.at+int64(len(r.enc)) > w.s.opts.SegmentBytes {
		if err := w.roll(g); err != nil {
			w.err, r.err = err, err
			w.s.fail(err)
			return
		}
	}
	off := len(g.buf)
	g.buf = append(g.buf, r.enc...)
	for i := range r.evs {
		ver := cur + uint64(i) + 1
		l := loc{pos: w.nextPos, seg: g.seg, off: g.at + int64(off)}
		w.remember(r.evs[i].ID, recentEntry{seq: g.seq, loc: l, g: g, off: off})
		off += patchRecord(g.buf[off:], l.pos, ver, w.atUS)
		g.ents = append(g.ents, entry{id: r.evs[i].ID, stream: r.stream, version: ver, loc: l})
		w.nextPos++
	}
	ver := cur + uint64(len(r.evs))
	w.setVersion(r.stream, ver, g.seq)
	r.accepted = true
	r.res = events.AppendResult{Version: ver, Position: w.nextPos - 1}
}

// roll starts a new segment, named by the next position, for g.
func (w *writer) roll(g *group) error {
	f, err := createSegment(w.s.segs.dir, w.nextPos)
	if err != nil {
		return err
	}
	w.s.segs.add(w.nextPos, f)
	w.f, w.fd, w.segFirst, w.size = f, int(f.Fd()), w.nextPos, 0
	g.f, g.fd, g.seg, g.at = w.f, w.fd, w.segFirst, 0
	return nil
}

// runSyncer is stage 3: one write and one fdatasync per group.
func (s *Store) runSyncer() {
	defer close(s.indexCh)
	var failed error
	for g := range s.syncCh {
		if len(g.buf) > 0 && failed == nil {
			failed = syncGroup(g)
			if failed != nil {
				s.fail(failed)
			}
		}
		if failed != nil {
			g.err = failed
		}
		s.indexCh <- g
	}
}

func syncGroup(g *group) error {
	if _, err := g.f.WriteAt(g.buf, g.at); err != nil {
		return fmt.Errorf("embedded: write %s: %w", g.f.Name(), err)
	}
	if err := unix.Fdatasync(g.fd); err != nil {
		return fmt.Errorf("embedded: fdatasync %s: %w", g.f.Name(), err)
	}
	return nil
}
