package embedded_test

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/drip-ledger/drip/events"
	"github.com/drip-ledger/drip/events/embedded"
)

// lockedBuffer is a log sink safe for Pebble's goroutines.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) Len() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Len()
}

// TestVanishedDirectoryEndsTheStore removes the data directory under a
// running store, as a failing disk or an operator would: Close returns
// within the bound with an error, the store reports its failure, and the
// log stays small (Pebble retried its flush in a tight loop and wrote
// 4.8 GB of "background error" lines).
func TestVanishedDirectoryEndsTheStore(t *testing.T) {
	dir := t.TempDir()
	var logs lockedBuffer
	s := open(t, dir, embedded.Options{Logger: slog.New(slog.NewTextHandler(&logs, nil))})
	fill(t, s, 500, 5, 200) // something in Pebble's memtable to flush
	if err := os.RemoveAll(dir); err != nil {
		t.Fatal(err)
	}
	// An append may still land in the open (unlinked) file; what matters is
	// what Close does.
	s.Append(context.Background(), "s-x", events.Any, note(100000, 10))
	start := time.Now()
	done := make(chan error, 1)
	go func() { done <- s.Close() }()
	select {
	case err := <-done:
		t.Logf("Close after %v: %v", time.Since(start), err)
		if err == nil {
			t.Error("Close of a store whose directory vanished reported no error")
		}
	case <-time.After(embedded.CloseTimeout + 5*time.Second):
		t.Fatalf("Close still running %v after the directory vanished (log: %d bytes)", time.Since(start), logs.Len())
	}
	// Pebble's abandoned flush retries for as long as the process lives;
	// giving it its directory back lets it finish instead of spinning
	// through the package's other tests.
	os.MkdirAll(filepath.Join(dir, "index"), 0o755)
	if !errors.Is(s.Err(), os.ErrNotExist) {
		t.Errorf("store Err: %v; want the vanished files", s.Err())
	}
	if n := logs.Len(); n > 64<<10 {
		t.Errorf("the log holds %d bytes; want it rate-limited", n)
	}
}
