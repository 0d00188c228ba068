package embedded_test

import (
	"bytes"
	"context"
	"log/slog"
	"strings"
	"testing"

	"github.com/drip-ledger/drip/events"
	"github.com/drip-ledger/drip/events/embedded"
	"github.com/drip-ledger/drip/events/storetest"
)

// The crash test is storetest.RunCrash: a writer in a child process (this
// test binary, with -test.run=TestCrashWriter) killed with SIGKILL at random
// moments, then, after each kill, the store must open cleanly and hold every
// append the child saw acknowledged, exactly once, with a gapless log and
// contiguous stream versions. What is the embedded store's own: the child
// writes the smallest segments, so that it rolls often, and the parent counts
// the torn tails recovery cut (a torn tail is cut, never an error: Open must
// succeed).

// TestCrashWriter is the child: it appends until it is killed.
func TestCrashWriter(t *testing.T) {
	storetest.CrashChild(t, func(_ context.Context, dir string) (events.Store, error) {
		return embedded.Open(dir, storetest.Registry(), embedded.Options{Logger: quiet, SegmentBytes: embedded.SegmentBytesMin})
	})
}

func TestCrash(t *testing.T) {
	dir := t.TempDir()
	var logs bytes.Buffer
	cuts := 0
	storetest.RunCrash(t, storetest.Crash{
		Child:  "TestCrashWriter",
		Target: dir,
		Open: func(t *testing.T) events.Store {
			logs.Reset()
			s, err := embedded.Open(dir, storetest.Registry(), embedded.Options{Logger: slog.New(slog.NewTextHandler(&logs, nil))})
			if err != nil {
				t.Fatalf("Open after kill: %v", err)
			}
			return s
		},
		Checked: func(*testing.T) { cuts += strings.Count(logs.String(), "torn tail") },
	})
	t.Logf("%d torn tails cut", cuts)
}
