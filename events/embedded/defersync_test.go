package embedded

import (
	"context"
	"fmt"
	"sync/atomic"
	"testing"
	"time"

	"github.com/drip-ledger/drip/events"
	"github.com/drip-ledger/drip/events/storetest"
)

// With DeferSync the syncer writes each group without an fdatasync, and
// syncs the segment at each roll and at Close: a store loaded across
// several segments and closed reopens with every append, in order.
func TestDeferSyncSyncsAtRollsAndAtClose(t *testing.T) {
	dir := t.TempDir()
	var synced atomic.Int64 // groups fdatasync'd one by one
	syncTrace = func(_, _, _ time.Time, _, _ int) { synced.Add(1) }
	defer func() { syncTrace = nil }()
	s, err := Open(dir, storetest.Registry(), Options{Logger: quietLog, SegmentBytes: SegmentBytesMin, DeferSync: true})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	const n = 800 // about 250 KB of records: three segments of SegmentBytesMin and more
	for i := range n {
		if _, err := s.Append(ctx, fmt.Sprint("defer-", i), events.NoStream, idsEvent(t, i)); err != nil {
			t.Fatal(err)
		}
	}
	if k := synced.Load(); k != 0 {
		t.Fatalf("%d groups were fdatasync'd one by one; DeferSync syncs none of them", k)
	}
	if firsts := segFirsts(t, dir); len(firsts) < 3 {
		t.Fatalf("%d segments; the test needs rolls", len(firsts))
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	s = idsOpen(t, dir, SegmentBytesMin)
	defer s.Close()
	all, err := s.ReadAll(ctx, 1, events.ReadEventsMax)
	if err != nil || len(all) != n {
		t.Fatalf("after reopen: %d events, %v; want %d", len(all), err, n)
	}
	for i, ev := range all {
		if ev.Stream != fmt.Sprint("defer-", i) || ev.Position != uint64(i+1) {
			t.Fatalf("event %d is %s@%d", i, ev.Stream, ev.Position)
		}
	}
}
