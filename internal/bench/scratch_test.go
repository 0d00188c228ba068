package bench_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/drip-ledger/drip/internal/bench"
)

// The benchmarks' scratch stores go to the system's temporary directory
// unless a directory is given, and are gone when the run ends, whether it
// succeeded or failed: a 71 MB drip-bench-* directory was once found in the
// checkout.
func TestBenchScratchIsInTheTempDirAndRemovedAfterTheRun(t *testing.T) {
	benches := map[string]func(ctx context.Context, dir string) error{
		"append": func(ctx context.Context, dir string) error {
			rows, err := bench.Append(ctx, bench.AppendOptions{Dir: dir, Stores: []string{"embedded"}, Writers: 1, Events: 50, Rounds: 1})
			if err == nil && (len(rows) != 1 || rows[0].EventsPerS <= 0) {
				t.Errorf("rows = %+v, want one with a rate", rows)
			}
			return err
		},
		"replay": func(ctx context.Context, dir string) error {
			row, err := bench.Replay(ctx, dir, "embedded", 50)
			if err == nil && row.ReadAllEventsPerS <= 0 {
				t.Errorf("row = %+v, want a rate", row)
			}
			return err
		},
	}
	for name, run := range benches {
		t.Run(name+" defaults to TMPDIR", func(t *testing.T) {
			// A TMPDIR that does not exist: the run fails naming it,
			// which shows the scratch directory was to be made there.
			missing := filepath.Join(t.TempDir(), "no-such-tmpdir")
			t.Setenv("TMPDIR", missing)
			err := run(t.Context(), "")
			if err == nil || !strings.Contains(err.Error(), missing) {
				t.Fatalf("err = %v, want one naming TMPDIR %s", err, missing)
			}
		})
		t.Run(name+" removes its scratch when done", func(t *testing.T) {
			tmp := t.TempDir()
			t.Setenv("TMPDIR", tmp)
			if err := run(t.Context(), ""); err != nil {
				t.Fatal(err)
			}
			assertEmpty(t, tmp)
		})
		t.Run(name+" removes its scratch when it fails", func(t *testing.T) {
			dir := t.TempDir()
			ctx, cancel := context.WithCancel(t.Context())
			cancel()
			if err := run(ctx, dir); err == nil {
				t.Fatal("a cancelled run succeeded")
			}
			assertEmpty(t, dir)
		})
	}
}

func assertEmpty(t *testing.T, dir string) {
	t.Helper()
	left, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range left {
		t.Errorf("left behind in %s: %s", dir, e.Name())
	}
}
