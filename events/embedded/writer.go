package embedded

import (
	"fmt"
	"os"

	"golang.org/x/sys/unix"

	"github.com/drip-ledger/drip/events"
)

// The write path is a pipeline of three stages, so that the CPU work of one
// stage overlaps the waiting of another:
//
//  1. the caller's goroutine validates the append (Registry.CheckAppend) and
//     encodes its records, everything but position, version and time;
//  2. the writer goroutine takes as many queued appends as are waiting (up
//     to GroupAppendsMax and GroupBytesMax), checks each in order (idempotent
//     retry, then expected version, counting the appends before it in the
//     group), patches positions and versions, and writes the group with ONE
//     write and ONE fdatasync;
//  3. the indexer goroutine applies the group's index entries in one Pebble
//     batch (no sync: the log is the truth), advances the head and wakes
//     subscribers, then acknowledges every append of the group.
//
// So an append is acknowledged only after its bytes are synced and after it is
// readable through the index (read your writes), and the index never points
// past synced log data. While the indexer works on group n the writer is
// already syncing group n+1.

// groupsMax bounds the groups in flight between the writer and the indexer:
// one being built, the rest written and waiting for the index.
const groupsMax = 4

// request is one Append on its way through the pipeline.
type request struct {
	stream   string
	expected events.Expected
	evs      []events.Event
	enc      []byte // the records, from encodeRecords
	accepted bool   // written by this group (not refused, not a retry)
	res      events.AppendResult
	err      error
	done     chan struct{} // receives once, when res and err are final
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
	seg  uint64 // the segment the group was written to
	end  int64  // the segment's size after the group
}

// verEntry is a stream's version as the writer last set it, and in which
// group, so the cache can tell entries the index already has.
type verEntry struct {
	version uint64
	seq     uint64
}

// recentEntry is an event ID written (or being written) but maybe not yet
// indexed: the writer must find it without the index.
type recentEntry struct {
	seq     uint64
	loc     loc
	version uint64
	req     *request // valid while seq is the group being built
	i       int
}

// writer is the state the writer goroutine owns: nothing else touches it.
type writer struct {
	s        *Store
	f        *os.File // the last segment
	fd       int
	segFirst uint64
	size     int64 // of the last segment
	nextPos  uint64
	nextSeq  uint64
	indexed  uint64 // the last group seq the indexer has finished
	versions map[string]verEntry
	recent   map[events.ID]recentEntry
	free     []*group
	groups   int // allocated so far, up to groupsMax
	carry    *request
	building *group
	err      error // sticky: after a failed write or sync nothing more is written
	lookupFn events.Lookup
	scratch  []byte
}

func (w *writer) run() {
	defer close(w.s.indexCh)
	for {
		r := w.carry
		w.carry = nil
		if r == nil {
			var ok bool
			if r, ok = <-w.s.queue; !ok {
				return
			}
		}
		g := w.group()
		w.build(g, r)
		w.commit(g)
	}
}

// group returns an empty group, waiting for the indexer to retire one when
// groupsMax are in flight. Retired groups' IDs leave the recent map: the
// index has them now.
func (w *writer) group() *group {
	for {
		select {
		case g := <-w.s.retired:
			w.retire(g)
			continue
		default:
		}
		break
	}
	if len(w.free) == 0 {
		if w.groups < groupsMax {
			w.groups++
			return &group{}
		}
		w.retire(<-w.s.retired)
	}
	g := w.free[len(w.free)-1]
	w.free = w.free[:len(w.free)-1]
	return g
}

func (w *writer) retire(g *group) {
	for _, e := range g.ents {
		if r, ok := w.recent[e.id]; ok && r.seq == g.seq {
			delete(w.recent, e.id)
		}
	}
	w.indexed = g.seq
	clear(g.reqs)
	g.reqs, g.buf, g.ents = g.reqs[:0], g.buf[:0], g.ents[:0]
	w.free = append(w.free, g)
}

// build fills g with first and whatever else is queued, up to the limits;
// an append that would not fit waits in w.carry for the next group.
func (w *writer) build(g *group, first *request) {
	w.nextSeq++
	g.seq = w.nextSeq
	w.building = g
	at := events.RecordedTime(w.s.opts.Now()).UnixMicro()
	w.place(g, first, at)
	for len(g.reqs) < w.s.opts.GroupAppendsMax && len(g.buf) < w.s.opts.GroupBytesMax {
		select {
		case r, ok := <-w.s.queue:
			if !ok {
				return
			}
			if !w.fits(g, r) {
				w.carry = r
				return
			}
			w.place(g, r, at)
			continue
		default:
		}
		return
	}
}

// fits reports whether r can join g: a group is one write to one segment.
func (w *writer) fits(g *group, r *request) bool {
	n := int64(len(g.buf) + len(r.enc))
	return n <= int64(w.s.opts.GroupBytesMax) && w.size+n <= w.s.opts.SegmentBytes
}

// place checks r against the log and the appends before it in g, and if it
// is accepted, adds its records to g.
func (w *writer) place(g *group, r *request, atUS int64) {
	g.reqs = append(g.reqs, r)
	if f := w.s.failed.Load(); w.err == nil && f != nil {
		w.err = *f
	}
	if w.err != nil {
		r.err = w.err
		return
	}
	res, retry, err := events.CheckRetry(r.stream, r.expected, r.evs, w.lookupFn)
	if err != nil || retry {
		r.res, r.err = res, err
		return
	}
	cur, err := w.version(r.stream)
	if err == nil {
		err = r.expected.Check(r.stream, cur)
	}
	if err != nil {
		r.err = err
		return
	}
	if len(g.buf) == 0 && w.size > 0 && w.size+int64(len(r.enc)) > w.s.opts.SegmentBytes {
		if err := w.roll(); err != nil {
			w.err, r.err = err, err
			return
		}
	}
	base := len(g.buf)
	g.buf = append(g.buf, r.enc...)
	off := base
	for i := range r.evs {
		ver := cur + uint64(i) + 1
		l := loc{pos: w.nextPos, seg: w.segFirst, off: w.size + int64(off)}
		off += patchRecord(g.buf[off:], l.pos, ver, atUS)
		g.ents = append(g.ents, entry{id: r.evs[i].ID, stream: r.stream, version: ver, loc: l})
		w.recent[r.evs[i].ID] = recentEntry{seq: g.seq, loc: l, version: ver, req: r, i: i}
		w.nextPos++
	}
	ver := cur + uint64(len(r.evs))
	w.setVersion(r.stream, ver, g.seq)
	r.accepted = true
	r.res = events.AppendResult{Version: ver, Position: w.nextPos - 1}
}

// commit writes and syncs g, then hands it to the indexer.
func (w *writer) commit(g *group) {
	if len(g.buf) > 0 && w.err == nil {
		err := w.write(g.buf)
		if err != nil {
			w.err = err
			w.s.fail(err)
			for _, r := range g.reqs {
				if r.accepted {
					r.accepted, r.err = false, err
				}
			}
			g.ents = g.ents[:0]
		} else {
			w.size += int64(len(g.buf))
		}
	}
	g.seg, g.end = w.segFirst, w.size
	w.building = nil
	w.s.indexCh <- g
}

// write is the one write and the one fdatasync of a group. A failed sync is
// not retried: the kernel may have dropped the dirty pages (fsyncgate), so
// the store stops writing and reports the error.
func (w *writer) write(buf []byte) error {
	if _, err := w.f.WriteAt(buf, w.size); err != nil {
		return fmt.Errorf("embedded: write %s: %w", w.f.Name(), err)
	}
	if err := unix.Fdatasync(w.fd); err != nil {
		return fmt.Errorf("embedded: fdatasync %s: %w", w.f.Name(), err)
	}
	return nil
}

// roll starts a new segment named by the next position.
func (w *writer) roll() error {
	f, err := createSegment(w.s.segs.dir, w.nextPos)
	if err != nil {
		return err
	}
	w.s.segs.add(w.nextPos, f)
	w.f, w.fd, w.segFirst, w.size = f, int(f.Fd()), w.nextPos, 0
	return nil
}
