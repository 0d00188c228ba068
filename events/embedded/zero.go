package embedded

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"

	"golang.org/x/sys/unix"

	"github.com/drip-ledger/drip/events"
)

// Segments are zero-filled before the writer reaches them. An fdatasync after a write
// that grows a file must also commit the file's new size and blocks to the
// filesystem journal; after a write into blocks already written and synced,
// it flushes only the data. Measured on the development machine's disk: a
// 40 KB write and fdatasync took 550-800 µs growing a file and 300-400 µs
// into a zero-filled one (fallocate, which leaves unwritten extents or the
// old size, saved little). So: a new store's first segment is zero-filled
// whole when it is created; the zeroer goroutine makes the next segment
// ahead, as a spare file the roll renames; and a segment that began without
// one (the spare was not ready) is zero-filled zeroAhead bytes past the end
// of its data, zeroStep at a time, each step synced before the writer may
// count on it. Zeroing the active segment changes its size, which makes the
// syncer's next fdatasync commit the journal: a spare avoids that, and was
// worth about 5% at 256 writers.
//
// The zeroer and the syncer share the file: the syncer writes a group
// without a lock when it ends below the zeroed horizon (the zeroer only
// writes at or above it), and under the segment's lock otherwise, which the
// zeroer holds while it writes, starting no lower than the end of the data.
// The zeros cost disk bandwidth (up to a segment's size in zeros per
// segment, written off the appends' path), and give segments a zero tail,
// which recovery treats as the end of the data (recover.go).
const (
	zeroAhead = 4 << 20
	zeroStep  = 1 << 20
)

// zeroSeg is one segment file as the syncer and the zeroer see it.
type zeroSeg struct {
	f     *os.File
	fd    int
	limit int64 // zero-fill no further than this (the segment's size)
	// mu orders the zeroer's writes and the syncer's writes above zeroed.
	mu      sync.Mutex
	zeroed  atomic.Int64 // [0, zeroed) is data or synced zeros
	dataEnd atomic.Int64 // the end of the data written so far
}

func newZeroSeg(f *os.File, limit, size, dataEnd int64) *zeroSeg {
	z := &zeroSeg{f: f, fd: int(f.Fd()), limit: limit}
	z.zeroed.Store(size)
	z.dataEnd.Store(dataEnd)
	return z
}

// write writes b at off (the syncer's write of one group).
func (z *zeroSeg) write(b []byte, off int64) error {
	end := off + int64(len(b))
	if end > z.zeroed.Load() {
		z.mu.Lock()
		defer z.mu.Unlock()
	}
	if _, err := z.f.WriteAt(b, off); err != nil {
		return fmt.Errorf("embedded: write %s: %w", z.f.Name(), err)
	}
	z.dataEnd.Store(end)
	return nil
}

// wants reports whether the segment's zeros run short of zeroAhead.
func (z *zeroSeg) wants() bool {
	return z.zeroed.Load() < min(z.limit, z.dataEnd.Load()+zeroAhead)
}

// zeroer is the goroutine that zero-fills segments: the next one whole, as
// a spare, once the active one is half full, so that a roll finds it ready
// (a spare is another file: zeroing it never changes the active file's size
// under the syncer's fdatasyncs); and the active one ahead of the writer,
// when it began without a spare.
type zeroer struct {
	log    func(msg string, args ...any)
	dir    string // the log directory, where the spare is made
	active atomic.Pointer[zeroSeg]
	spare  atomic.Pointer[os.File] // zero-filled, synced, SegmentBytes long
	// spareOff is set once making a spare failed: the zeroer stops trying,
	// and rolls create plain segments.
	spareOff atomic.Bool
	spares   int   // spares made, for their names
	limit    int64 // a spare's size
	wake     chan struct{}
	stop     chan struct{}
	done     chan struct{}
}

// A spare is made in a file of its own, spare-<n>.zero (created, never
// truncated: a roll may be renaming the last one while the next is begun),
// which the roll renames to the segment's name. It is not a .seg file, so
// one a crash leaves behind is nothing listSegments sees; Open removes it.
const spareGlob = "spare-*.zero"

func newZeroer(log func(string, ...any), dir string, limit int64, active *zeroSeg) *zeroer {
	z := &zeroer{log: log, dir: dir, limit: limit, wake: make(chan struct{}, 1), stop: make(chan struct{}),
		done: make(chan struct{})}
	z.active.Store(active)
	go z.run()
	z.poke()
	return z
}

// setActive makes seg the segment to fill (the writer rolled to it).
func (z *zeroer) setActive(seg *zeroSeg) {
	z.active.Store(seg)
	z.poke()
}

// wants reports whether the zeroer has work for the active segment seg.
func (z *zeroer) wants(seg *zeroSeg) bool {
	return seg.wants() || z.wantsSpare(seg)
}

func (z *zeroer) wantsSpare(seg *zeroSeg) bool {
	return seg.dataEnd.Load() >= seg.limit/2 && z.spare.Load() == nil && !z.spareOff.Load()
}

// takeSpare returns the spare, if one is ready, for the sequencer's roll.
func (z *zeroer) takeSpare() *os.File {
	return z.spare.Swap(nil)
}

// poke wakes the zeroer if it sleeps; it never blocks.
func (z *zeroer) poke() {
	select {
	case z.wake <- struct{}{}:
	default:
	}
}

// close stops the zeroer; a spare it made is closed and removed.
func (z *zeroer) close() {
	close(z.stop)
	<-z.done
	if f := z.spare.Swap(nil); f != nil {
		f.Close()
		os.Remove(f.Name())
	}
}

func (z *zeroer) run() {
	defer close(z.done)
	failed := map[*zeroSeg]bool{}
	for {
		select {
		case <-z.stop:
			return
		case <-z.wake:
		}
		for seg := z.active.Load(); seg.wants() && !failed[seg]; seg = z.active.Load() {
			select {
			case <-z.stop:
				return
			default:
			}
			if err := z.step(seg); err != nil {
				// Not fatal: the writer's appends then grow the file as
				// they would without zeros. A full disk stops them anyway.
				z.log("embedded: zero-filling a segment failed; its appends grow the file instead", "file", seg.f.Name(), "err", err)
				failed[seg] = true
			}
		}
		if z.wantsSpare(z.active.Load()) {
			if err := z.makeSpare(); err != nil {
				z.spareOff.Store(true)
				z.log("embedded: making a spare segment failed; rolls create plain ones", "dir", z.dir, "err", err)
			}
		}
	}
}

// makeSpare zero-fills a new spare a step at a time, leaving off (and
// removing it) if the store closes meanwhile, and publishes it synced.
func (z *zeroer) makeSpare() (err error) {
	z.spares++
	path := filepath.Join(z.dir, fmt.Sprintf("spare-%d.zero", z.spares))
	f, err := os.OpenFile(path, os.O_CREATE|os.O_EXCL|os.O_RDWR, 0o644)
	if err != nil {
		return err
	}
	done := false
	defer func() {
		if !done { // stopped or failed: no half-made spare stays behind
			f.Close()
			os.Remove(path)
		}
	}()
	for off := int64(0); off < z.limit; off += zeroStep {
		select {
		case <-z.stop:
			return nil
		default:
		}
		if err := writeZeros(f, off, min(off+zeroStep, z.limit)); err != nil {
			return err
		}
	}
	if err := f.Sync(); err != nil {
		return err
	}
	done = true
	z.spare.Store(f)
	return nil
}

// step zero-fills the next zeroStep bytes of seg and syncs them.
func (z *zeroer) step(seg *zeroSeg) error {
	seg.mu.Lock()
	start := max(seg.zeroed.Load(), seg.dataEnd.Load())
	n := min(int64(zeroStep), seg.limit-start)
	if n <= 0 {
		seg.mu.Unlock()
		seg.zeroed.Store(max(seg.zeroed.Load(), start))
		return nil
	}
	_, err := seg.f.WriteAt(zeroBlock[:n], start)
	seg.mu.Unlock()
	if err != nil {
		return err
	}
	if err := unix.Fdatasync(seg.fd); err != nil {
		return err
	}
	seg.zeroed.Store(start + n)
	return nil
}

// zeroBlock is zeroStep zero bytes, never written to: what the zeroer
// writes, and what zeroRange compares with.
var zeroBlock = make([]byte, zeroStep)

// writeZeros writes zeros over [from, to) of f, a block at a time.
func writeZeros(f *os.File, from, to int64) error {
	for from < to {
		n, err := f.WriteAt(zeroBlock[:min(int64(len(zeroBlock)), to-from)], from)
		if err != nil {
			return err
		}
		from += int64(n)
	}
	return nil
}

// tornMax bounds the bytes one group write puts in a segment: the most a
// crash can leave half-written at the end of the log (recover.go).
func tornMax(opts Options) int64 {
	perEvent := headerBytes + fixedBytes + stringFields*10
	return int64(max(opts.GroupBytesMax, events.BatchBytesMax+events.BatchEventsMax*perEvent))
}

// sectorBytes is the unit a disk writes whole, or not at all, when power
// fails; a page that never reached the disk reads back as whole zero sectors.
const sectorBytes = 512

// looksTorn reports whether the invalid record at off in the last segment
// is the work of a write cut short, not damage: every byte from off+max to
// the end of the file is zero (nothing was written past the last group),
// and the record meets a sector that never reached the disk: from off to
// the next sector boundary, or a whole aligned sector inside the extent its
// header claims (n is that length, or 0 if the header is unusable). A byte
// flipped in a record that was written whole meets no zero sector, so it is
// reported as damage.
func looksTorn(f *os.File, off, size, n, max int64) (bool, error) {
	if zero, err := zeroRange(f, min(off+max, size), size); err != nil || !zero {
		return false, err
	}
	end := min(off+headerBytes+n, size)
	if n == 0 {
		end = min(off+1, size)
	}
	first := min((off/sectorBytes+1)*sectorBytes, size)
	if zero, err := zeroRange(f, off, first); err != nil || zero {
		return zero, err
	}
	for s := first; s < end; s += sectorBytes {
		if zero, err := zeroRange(f, s, min(s+sectorBytes, size)); err != nil || zero {
			return zero, err
		}
	}
	return false, nil
}

// zeroRange reports whether f holds only zero bytes in [from, to), reading
// a block at a time and comparing it with zeroBlock (a vectorised compare:
// a full 64 MiB zero tail is checked at page-cache speed at Open).
func zeroRange(f *os.File, from, to int64) (bool, error) {
	buf := make([]byte, min(max(to-from, 0), int64(len(zeroBlock))))
	for from < to {
		n, err := f.ReadAt(buf[:min(int64(len(buf)), to-from)], from)
		if !bytes.Equal(buf[:n], zeroBlock[:n]) {
			return false, nil
		}
		if err != nil {
			return false, fmt.Errorf("embedded: read %s at %d: %w", f.Name(), from, err)
		}
		from += int64(n)
	}
	return true, nil
}
