package embedded_test

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/drip-ledger/drip/events"
	"github.com/drip-ledger/drip/events/embedded"
	"github.com/drip-ledger/drip/events/storetest"
)

// Damage tests edit the files of a closed store the way a crash or a bad
// disk would, using the record format documented in record.go: a uint32
// length, a uint32 CRC, then the body.

// written makes a closed store of n events in one segment and returns its
// directory, the segment's path and the offsets of its records.
func written(t *testing.T, n int) (dir, seg string, offs []int64, all []events.Event) {
	t.Helper()
	dir = t.TempDir()
	s := open(t, dir, embedded.Options{})
	fill(t, s, n, 3, 300)
	all = mustReadAll(t, s)
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	seg = filepath.Join(dir, "log", "00000000000000000001.seg")
	data, err := os.ReadFile(seg)
	if err != nil {
		t.Fatal(err)
	}
	offs = recordOffsets(data)
	if len(offs) != n {
		t.Fatalf("walked %d records, wrote %d", len(offs), n)
	}
	return dir, seg, offs, all
}

// recordOffsets walks a segment's records to the end of its data: the end
// of the file, or the zero tail the zeroer keeps ahead of the writer.
func recordOffsets(data []byte) []int64 {
	var offs []int64
	for off := int64(0); off+8 <= int64(len(data)); {
		n := int64(binary.LittleEndian.Uint32(data[off:]))
		if n == 0 {
			break
		}
		offs = append(offs, off)
		off += 8 + n
	}
	return offs
}

// dataEnd is where the records of the segment at path end.
func dataEnd(t *testing.T, path string) int64 {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	offs := recordOffsets(data)
	if len(offs) == 0 {
		return 0
	}
	last := offs[len(offs)-1]
	return last + 8 + int64(binary.LittleEndian.Uint32(data[last:]))
}

func flip(t *testing.T, path string, off int64) {
	t.Helper()
	f, err := os.OpenFile(path, os.O_RDWR, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	b := make([]byte, 1)
	if _, err := f.ReadAt(b, off); err != nil {
		t.Fatal(err)
	}
	b[0] ^= 0x40
	if _, err := f.WriteAt(b, off); err != nil {
		t.Fatal(err)
	}
}

func dropIndex(t *testing.T, dir string) {
	t.Helper()
	if err := os.RemoveAll(filepath.Join(dir, "index")); err != nil {
		t.Fatal(err)
	}
}

// openOrRead returns the error of opening dir and reading the whole log.
func openOrRead(t *testing.T, dir string) error {
	t.Helper()
	s, err := embedded.Open(dir, storetest.Registry(), embedded.Options{Logger: quiet})
	if err != nil {
		return err
	}
	defer s.Close()
	_, err = readAll(t, s)
	return err
}

func wantCorrupt(t *testing.T, err error, seg string) {
	t.Helper()
	var ce *events.CorruptError
	switch {
	case !errors.Is(err, events.ErrCorrupt) || !errors.As(err, &ce):
		t.Fatalf("err = %v; want an *events.CorruptError", err)
	case !strings.Contains(err.Error(), seg):
		t.Fatalf("err = %v; does not name %s", err, seg)
	case ce.Offset < 0:
		t.Fatalf("err = %v; no offset", err)
	}
}

func TestDamageIsReported(t *testing.T) {
	tests := []struct {
		name      string
		record    func(n int) int // which record to damage
		byteAt    int64           // offset of the flipped byte within the record
		dropIndex bool            // make Open re-scan the log
	}{
		{"middle record body, read finds it", func(n int) int { return n / 2 }, 40, false},
		{"middle record body, open finds it", func(n int) int { return n / 2 }, 40, true},
		{"middle record length, open finds it", func(n int) int { return n / 2 }, 1, true},
		{"middle record CRC, read finds it", func(n int) int { return n / 2 }, 5, false},
		{"last record body, read finds it", func(n int) int { return n - 1 }, 100, false},
		{"last record body, open finds it", func(n int) int { return n - 1 }, 100, true},
		{"first record position, open finds it", func(int) int { return 0 }, 8 + 5, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir, seg, offs, _ := written(t, 200)
			before, _ := os.ReadFile(seg)
			flip(t, seg, offs[tt.record(len(offs))]+tt.byteAt)
			if tt.dropIndex {
				dropIndex(t, dir)
			}
			wantCorrupt(t, openOrRead(t, dir), seg)
			after, _ := os.ReadFile(seg)
			if len(after) != len(before) {
				t.Fatalf("the damaged segment went from %d to %d bytes: damage must not be cut", len(before), len(after))
			}
		})
	}
}

func TestLostAcknowledgedTailIsReported(t *testing.T) {
	dir, seg, offs, _ := written(t, 50)
	// The index knows the last record; cutting it is losing acknowledged
	// data, not a torn write.
	if err := os.Truncate(seg, offs[49]+20); err != nil {
		t.Fatal(err)
	}
	wantCorrupt(t, openOrRead(t, dir), seg)
}

// The zeroer keeps a zero tail ahead of the data (zero.go), so a crash
// during the last group's write leaves that group's sectors either written or
// zero; the cases below make those shapes on a closed 50-event store. keep
// says how many events may survive: the events before the first sector that
// never landed, less the rest of the append it cuts (appends are all or
// nothing, and fill appends one to three events at a time).
func TestTornTailIsCut(t *testing.T) {
	const sector = 512
	tests := []struct {
		name string
		// tear edits the segment; it returns the index of the first record
		// it damaged (len(offs) if none).
		tear      func(t *testing.T, seg string, offs []int64, end int64) int
		dropIndex bool
		logged    bool // the cut is logged (a zero tail alone is no cut)
	}{
		{"the sectors after the last group's first never landed", func(t *testing.T, seg string, offs []int64, end int64) int {
			b := (offs[47]/sector + 1) * sector // a sector boundary inside record 47
			zeroFile(t, seg, b, end)
			return 47
		}, true, true},
		{"the last group's first sector never landed, later ones did", func(t *testing.T, seg string, offs []int64, end int64) int {
			zeroFile(t, seg, offs[48], (offs[48]/sector+1)*sector)
			return 48
		}, true, true},
		{"the file ends inside the last record, index gone", func(t *testing.T, seg string, offs []int64, end int64) int {
			truncate(t, seg, offs[49]+100)
			return 49
		}, true, true},
		{"zeros after the last record are the zero tail", func(t *testing.T, seg string, offs []int64, end int64) int {
			appendBytes(t, seg, make([]byte, 8192))
			return len(offs)
		}, false, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir, seg, offs, all := written(t, 50)
			first := tt.tear(t, seg, offs, dataEnd(t, seg))
			if tt.dropIndex {
				dropIndex(t, dir)
			}
			var logs bytes.Buffer
			s, err := embedded.Open(dir, storetest.Registry(), embedded.Options{Logger: slog.New(slog.NewTextHandler(&logs, nil))})
			if err != nil {
				t.Fatalf("Open: %v", err)
			}
			defer s.Close()
			got := mustReadAll(t, s)
			if len(got) > first || len(got) < first-2 {
				t.Fatalf("%d events survive; want %d, less at most the 2 others of its append", len(got), first)
			}
			if diff := cmp.Diff(all[:len(got)], got); diff != "" {
				t.Fatalf("after the cut (-want +got):\n%s", diff)
			}
			if logged := strings.Contains(logs.String(), "torn tail") && strings.Contains(logs.String(), seg); logged != tt.logged {
				t.Fatalf("cut logged with the file = %v, want %v: %q", logged, tt.logged, logs.String())
			}
			if _, err := s.Append(context.Background(), "after", events.NoStream, note(999, 10)); err != nil {
				t.Fatalf("append after the cut: %v", err)
			}
		})
	}
}

// TestNoTornTailWithoutZeroSectors checks what the zero tail must not
// excuse: a byte flipped in the last record (written whole: no zero
// sector), and a stray byte past where the last group could have reached,
// are damage, reported and not cut, even in the last segment. (A length
// field of the last record damaged to claim more than is there looks
// exactly like a torn write, with zero tail or without: it is cut, and
// the cut logged.)
func TestNoTornTailWithoutZeroSectors(t *testing.T) {
	for _, tc := range []struct {
		name string
		at   func(offs []int64, end int64) int64
	}{
		{"last record body", func(offs []int64, end int64) int64 { return offs[49] + 100 }},
		{"a stray byte past the last group's reach", func(offs []int64, end int64) int64 { return end + 4<<20 + 200<<10 }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir, seg, offs, _ := written(t, 50)
			at := tc.at(offs, dataEnd(t, seg))
			if fi, err := os.Stat(seg); err != nil || fi.Size() <= at {
				t.Fatalf("segment of %d bytes, %v; the test wants a zero tail past %d", fi.Size(), err, at)
			}
			flip(t, seg, at)
			dropIndex(t, dir) // so Open itself reads the damaged place
			before, _ := os.ReadFile(seg)
			wantCorrupt(t, openOrRead(t, dir), seg)
			after, _ := os.ReadFile(seg)
			if len(after) != len(before) {
				t.Fatalf("the segment went from %d to %d bytes: damage must not be cut", len(before), len(after))
			}
		})
	}
}

// zeroFile writes zeros over [from, to) of the file at path.
func zeroFile(t *testing.T, path string, from, to int64) {
	t.Helper()
	f, err := os.OpenFile(path, os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if _, err := f.WriteAt(make([]byte, to-from), from); err != nil {
		t.Fatal(err)
	}
}

// TestTornAppendIsCutWhole checks that an append whose last event never
// landed is cut with all its events: appends are all or nothing.
func TestTornAppendIsCutWhole(t *testing.T) {
	dir := t.TempDir()
	s := open(t, dir, embedded.Options{})
	ctx := context.Background()
	if _, err := s.Append(ctx, "one", events.NoStream, note(1, 50)); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Append(ctx, "three", events.NoStream, note(2, 50), note(3, 50), note(4, 50)); err != nil {
		t.Fatal(err)
	}
	s.Close()
	seg := filepath.Join(dir, "log", "00000000000000000001.seg")
	data, _ := os.ReadFile(seg)
	second := 8 + int64(binary.LittleEndian.Uint32(data))
	third := second + 8 + int64(binary.LittleEndian.Uint32(data[second:]))
	truncate(t, seg, third+8+int64(binary.LittleEndian.Uint32(data[third:]))) // events 1..3 whole
	dropIndex(t, dir)
	s = open(t, dir, embedded.Options{})
	defer s.Close()
	if got := mustReadAll(t, s); len(got) != 1 {
		t.Fatalf("after cutting a torn append: %d events; want only the first append", len(got))
	}
	if _, err := s.ReadStream(ctx, "three", 1, events.Forwards, 10); !errors.Is(err, events.ErrStreamNotFound) {
		t.Fatalf("ReadStream(three) = %v; want ErrStreamNotFound", err)
	}
}

func TestIndexIsRebuiltFromTheLog(t *testing.T) {
	dir := t.TempDir()
	s := open(t, dir, embedded.Options{SegmentBytes: embedded.SegmentBytesMin})
	fill(t, s, 1500, 5, 300)
	all := mustReadAll(t, s)
	ctx := context.Background()
	stream, _ := s.ReadStream(ctx, "s-3", 1, events.Forwards, events.ReadEventsMax)
	s.Close()
	dropIndex(t, dir)
	s = open(t, dir, embedded.Options{})
	defer s.Close()
	if diff := cmp.Diff(all, mustReadAll(t, s)); diff != "" {
		t.Fatalf("ReadAll after rebuild (-before +after):\n%s", diff)
	}
	got, err := s.ReadStream(ctx, "s-3", 1, events.Forwards, events.ReadEventsMax)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(stream, got); diff != "" {
		t.Fatalf("ReadStream after rebuild (-before +after):\n%s", diff)
	}
	last := stream[len(stream)-1]
	if _, err := s.Append(ctx, "s-3", events.Exact(last.Version-1), note(9000, 10)); !errors.Is(err, events.ErrConcurrency) {
		t.Fatalf("stale expected version after rebuild: %v; want ErrConcurrency", err)
	}
	// A retry of an old append is recognised through the rebuilt ID index.
	old := all[0]
	res, err := s.Append(ctx, old.Stream, events.NoStream, note(0, 300))
	if err != nil || res.Position != old.Position {
		t.Fatalf("retry after rebuild = %+v, %v; want the earlier result at %d", res, err, old.Position)
	}
}

func appendBytes(t *testing.T, path string, b []byte) {
	t.Helper()
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if _, err := f.Write(b); err != nil {
		t.Fatal(err)
	}
}

func truncate(t *testing.T, path string, size int64) {
	t.Helper()
	if err := os.Truncate(path, size); err != nil {
		t.Fatal(err)
	}
}
