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
	for off := int64(0); off < int64(len(data)); off += 8 + int64(binary.LittleEndian.Uint32(data[off:])) {
		offs = append(offs, off)
	}
	if len(offs) != n {
		t.Fatalf("walked %d records, wrote %d", len(offs), n)
	}
	return dir, seg, offs, all
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

func TestTornTailIsCut(t *testing.T) {
	tests := []struct {
		name string
		// tear edits the segment of a 50-event store; the index knows 1..kept
		// when dropIndex is false.
		tear      func(t *testing.T, seg string, offs []int64, data []byte)
		dropIndex bool
		kept      int
	}{
		{"half a record appended", func(t *testing.T, seg string, offs []int64, data []byte) {
			appendBytes(t, seg, data[offs[10]:offs[10]+150])
		}, false, 50},
		{"a header only", func(t *testing.T, seg string, offs []int64, data []byte) {
			appendBytes(t, seg, data[offs[10]:offs[10]+5])
		}, false, 50},
		{"zeros after the last record", func(t *testing.T, seg string, offs []int64, data []byte) {
			appendBytes(t, seg, make([]byte, 8192))
		}, false, 50},
		{"last record cut in half, index gone", func(t *testing.T, seg string, offs []int64, data []byte) {
			truncate(t, seg, offs[49]+100)
		}, true, 49},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir, seg, offs, all := written(t, 50)
			data, _ := os.ReadFile(seg)
			tt.tear(t, seg, offs, data)
			if tt.dropIndex {
				dropIndex(t, dir)
			}
			var logs bytes.Buffer
			s, err := embedded.Open(dir, storetest.Registry(), embedded.Options{Logger: slog.New(slog.NewTextHandler(&logs, nil))})
			if err != nil {
				t.Fatalf("Open: %v", err)
			}
			defer s.Close()
			if diff := cmp.Diff(all[:tt.kept], mustReadAll(t, s)); diff != "" {
				t.Fatalf("after the cut (-want +got):\n%s", diff)
			}
			if !strings.Contains(logs.String(), "torn tail") || !strings.Contains(logs.String(), seg) {
				t.Fatalf("the cut was not logged with the file: %q", logs.String())
			}
			if _, err := s.Append(context.Background(), "after", events.NoStream, note(999, 10)); err != nil {
				t.Fatalf("append after the cut: %v", err)
			}
		})
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
