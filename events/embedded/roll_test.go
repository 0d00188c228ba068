package embedded_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"testing"

	"github.com/drip-ledger/drip/events"
	"github.com/drip-ledger/drip/events/embedded"
)

// TestOpenAfterACrashDuringARoll: the writer creates the next segment while
// the group before it may still be on its way to the previous one, so a
// crash can leave an empty last segment behind a previous segment whose
// tail is torn (or never arrived). Nothing there was acknowledged; the store
// must open, keep every complete record, drop the empty segment and go on
// with dense positions — not refuse to open.
func TestOpenAfterACrashDuringARoll(t *testing.T) {
	for _, torn := range []bool{true, false} {
		t.Run(fmt.Sprintf("previous tail torn=%v", torn), func(t *testing.T) {
			dir := t.TempDir()
			s := open(t, dir, embedded.Options{SegmentBytes: embedded.SegmentBytesMin})
			fill(t, s, 600, 7, 300)
			if err := s.Close(); err != nil {
				t.Fatal(err)
			}
			segs, _ := filepath.Glob(filepath.Join(dir, "log", "*.seg"))
			sort.Strings(segs)
			if len(segs) < 2 {
				t.Fatalf("want several segments, got %v", segs)
			}
			last := segs[len(segs)-1]
			if torn {
				// The group's write was cut short: its last record is torn.
				// A torn group was never acknowledged, so never indexed:
				// drop the index, which Open rebuilds from the log, so the
				// torn record lies beyond it as it would after the crash.
				if err := os.Truncate(last, dataEnd(t, last)-7); err != nil {
					t.Fatal(err)
				}
				if err := os.RemoveAll(filepath.Join(dir, "index")); err != nil {
					t.Fatal(err)
				}
			}
			// The next segment was created (and synced) before the crash,
			// named by a position the log never reached.
			empty := filepath.Join(dir, "log", fmt.Sprintf("%020d.seg", 100000))
			if err := os.WriteFile(empty, nil, 0o644); err != nil {
				t.Fatal(err)
			}

			s = open(t, dir, embedded.Options{SegmentBytes: embedded.SegmentBytesMin})
			defer s.Close()
			if _, err := os.Stat(empty); !os.IsNotExist(err) {
				t.Errorf("the empty segment is still there: %v", err)
			}
			head, err := s.Head(context.Background())
			if err != nil {
				t.Fatal(err)
			}
			want := uint64(600)
			if torn {
				// The torn record's append (fill's last: events 599 and
				// 600) is cut whole, as appends are atomic; every earlier
				// one stays.
				want = 598
			}
			if head != want {
				t.Fatalf("head = %d, want %d", head, want)
			}
			if _, err := s.Append(context.Background(), "after", events.NoStream, note(9999, 100)); err != nil {
				t.Fatalf("append after recovery: %v", err)
			}
			all, err := readAll(t, s)
			if err != nil {
				t.Fatal(err)
			}
			for i, ev := range all {
				if ev.Position != uint64(i)+1 {
					t.Fatalf("position %d at index %d: the log has a gap", ev.Position, i)
				}
			}
			if len(all) != int(want)+1 {
				t.Fatalf("read %d events, want %d", len(all), want+1)
			}
		})
	}
}
