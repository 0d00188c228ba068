package embedded

import (
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"

	"github.com/drip-ledger/drip/events"
)

// A segment file is named by the global position of its first record, in 20
// digits so that names sort like positions.
const segSuffix = ".seg"

func segName(first uint64) string { return fmt.Sprintf("%020d%s", first, segSuffix) }

// listSegments returns the first positions of the segments in dir, sorted.
// Other files are ignored; a .seg file whose name is not a position is an
// error, because it means someone has been renaming files in the log.
func listSegments(dir string) ([]uint64, error) {
	ents, err := os.ReadDir(dir)
	if err != nil {
		return nil, fmt.Errorf("embedded: list segments: %w", err)
	}
	var firsts []uint64
	for _, e := range ents {
		name := e.Name()
		if !strings.HasSuffix(name, segSuffix) {
			continue
		}
		n, err := strconv.ParseUint(strings.TrimSuffix(name, segSuffix), 10, 64)
		if err != nil || n == 0 || segName(n) != name {
			return nil, &events.CorruptError{File: filepath.Join(dir, name), Offset: -1,
				Reason: "segment name is not a 20-digit position"}
		}
		firsts = append(firsts, n)
	}
	slices.Sort(firsts)
	return firsts, nil
}

// createSegment creates an empty segment and makes its existence durable:
// the file and its directory are synced before any record goes in, so a
// synced record never sits in a file that a crash can make vanish.
//
// zeros bytes of zeros are written first (zero.go): the first segment of a
// new store is zero-filled whole before Open returns.
func createSegment(dir string, first uint64, zeros int64) (*os.File, error) {
	path := filepath.Join(dir, segName(first))
	f, err := os.OpenFile(path, os.O_CREATE|os.O_EXCL|os.O_RDWR, 0o644)
	if err != nil {
		return nil, fmt.Errorf("embedded: create segment: %w", err)
	}
	if err := writeZeros(f, 0, zeros); err != nil {
		f.Close()
		return nil, fmt.Errorf("embedded: zero-fill new segment %s: %w", path, err)
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return nil, fmt.Errorf("embedded: sync new segment %s: %w", path, err)
	}
	if err := syncDir(dir); err != nil {
		f.Close()
		return nil, err
	}
	return f, nil
}

func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return fmt.Errorf("embedded: open dir for sync: %w", err)
	}
	defer d.Close()
	if err := d.Sync(); err != nil {
		return fmt.Errorf("embedded: sync dir %s: %w", dir, err)
	}
	return nil
}

// segments is the set of segment files open for reading, shared by readers
// (ReadAt is safe for concurrent use) and extended by the writer on a roll.
type segments struct {
	dir    string
	mu     sync.RWMutex
	firsts []uint64 // sorted
	files  map[uint64]*os.File
}

func (s *segments) add(first uint64, f *os.File) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.firsts = append(s.firsts, first)
	s.files[first] = f
}

func (s *segments) file(first uint64) (*os.File, bool) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	f, ok := s.files[first]
	return f, ok
}

// after returns the segment that follows the one named first, if any.
func (s *segments) after(first uint64) (uint64, *os.File, bool) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	i, found := slices.BinarySearch(s.firsts, first)
	if found {
		i++
	}
	if i >= len(s.firsts) {
		return 0, nil, false
	}
	return s.firsts[i], s.files[s.firsts[i]], true
}

func (s *segments) path(first uint64) string { return filepath.Join(s.dir, segName(first)) }

func (s *segments) close() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	var errs []error
	for _, f := range s.files {
		errs = append(errs, f.Close())
	}
	s.files = map[uint64]*os.File{}
	s.firsts = nil
	return errors.Join(errs...)
}

// readChunkBytes is how much a sequential reader asks the file for at once.
const readChunkBytes = 64 << 10

// segReader reads records one after another from one segment file, checking
// each CRC. It buffers, so a scan costs one system call per 64 KiB.
type segReader struct {
	f    *os.File
	path string
	buf  []byte
	base int64 // file offset of buf[0]
	n    int   // valid bytes in buf
	eof  bool  // the file ended inside or at the end of buf[:n]
	// zeroIsEnd: a zero header ends the data, unchecked (zerosToEnd).
	zeroIsEnd bool
}

func newSegReader(f *os.File, path string, off int64, buf []byte) *segReader {
	if cap(buf) < headerBytes {
		buf = make([]byte, readChunkBytes)
	}
	return &segReader{f: f, path: path, buf: buf[:cap(buf)], base: off}
}

// fill makes at least want bytes from off available in buf, if the file has
// them. It reports how many it has.
func (r *segReader) fill(off int64, want int) (int, error) {
	if off >= r.base && off+int64(want) <= r.base+int64(r.n) {
		return want, nil
	}
	if r.eof && off >= r.base && off <= r.base+int64(r.n) {
		return int(r.base + int64(r.n) - off), nil
	}
	if want > len(r.buf) {
		r.buf = make([]byte, want)
	}
	n, err := r.f.ReadAt(r.buf, off)
	r.base, r.n, r.eof = off, n, false
	switch {
	case errors.Is(err, io.EOF):
		r.eof = true
	case err != nil:
		return 0, fmt.Errorf("embedded: read %s at %d: %w", r.path, off, err)
	}
	return min(n, want), nil
}

// readResult says what sits at an offset of a segment.
type readResult int

const (
	readRecord readResult = iota // a whole record whose CRC matches
	readEnd                      // the file ends exactly here
	readTorn                     // the file ends inside the record here
	readZeros                    // only zero bytes from here to the end of the file
	readBad                      // a whole record that fails its check
)

// record returns the body of the record at off. The body aliases the
// reader's buffer: it is valid until the next call. Only readRecord returns
// a body; readBad comes with the reason.
func (r *segReader) record(off int64) ([]byte, readResult, string, error) {
	got, err := r.fill(off, headerBytes)
	if err != nil {
		return nil, readBad, "", err
	}
	switch {
	case got == 0:
		return nil, readEnd, "", nil
	case got < headerBytes:
		return nil, r.tornOrZeros(off), "", nil
	}
	h := r.buf[off-r.base:]
	n, sum := binary.LittleEndian.Uint32(h), binary.LittleEndian.Uint32(h[4:])
	if n == 0 && sum == 0 {
		if zeros, err := r.zerosToEnd(off); err != nil || zeros {
			return nil, readZeros, "", err
		}
	}
	if n < fixedBytes || n > bodyBytesMax {
		return nil, readBad, fmt.Sprintf("record length %d is outside %d..%d", n, fixedBytes, bodyBytesMax), nil
	}
	total := headerBytes + int(n)
	if got, err = r.fill(off, total); err != nil {
		return nil, readBad, "", err
	}
	if got < total {
		return nil, r.tornOrZeros(off), "", nil
	}
	body := r.buf[off-r.base+headerBytes : off-r.base+int64(total)]
	if crc32.Checksum(body, castagnoli) != sum {
		return nil, readBad, "CRC-32C mismatch", nil
	}
	return body, readRecord, "", nil
}

// claimed returns the body length the header at off claims, if it is one a
// record can have, else 0.
func (r *segReader) claimed(off int64) int64 {
	if got, err := r.fill(off, headerBytes); err != nil || got < headerBytes {
		return 0
	}
	n := int64(binary.LittleEndian.Uint32(r.buf[off-r.base:]))
	if n < fixedBytes || n > bodyBytesMax {
		return 0
	}
	return n
}

func (r *segReader) tornOrZeros(off int64) readResult {
	if zeros, err := r.zerosToEnd(off); err == nil && zeros {
		return readZeros
	}
	return readTorn
}

// zerosToEnd reports whether every byte from off to the end of the file is
// zero: what a crash leaves when the file grew but its data never landed,
// and the zero tail kept ahead of the writer (zero.go). A reader with
// zeroIsEnd set takes that as read: recovery has checked that tail.
func (r *segReader) zerosToEnd(off int64) (bool, error) {
	if r.zeroIsEnd {
		return true, nil
	}
	fi, err := r.f.Stat()
	if err != nil {
		return false, fmt.Errorf("embedded: stat %s: %w", r.path, err)
	}
	return zeroRange(r.f, off, fi.Size())
}
