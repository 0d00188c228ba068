package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// The benchmarks' scratch stores go to the system's temporary directory
// unless --dir says otherwise, and are gone when the run ends, whether it
// succeeded or failed: a 71 MB drip-bench-* directory was once found in the
// checkout.
func TestBenchScratchIsInTheTempDirAndRemovedAfterTheRun(t *testing.T) {
	benches := map[string][]string{
		"append": {"bench", "append", "--writers", "1", "--events", "50", "--rounds", "1", "--json"},
		"replay": {"bench", "replay", "--events", "50", "--json"},
	}
	for name, args := range benches {
		t.Run(name+" defaults to TMPDIR", func(t *testing.T) {
			// A TMPDIR that does not exist: the run fails naming it,
			// which shows the scratch directory was to be made there.
			missing := filepath.Join(t.TempDir(), "no-such-tmpdir")
			t.Setenv("TMPDIR", missing)
			err := dispatch(t.Context(), args, &bytes.Buffer{}, &bytes.Buffer{})
			if err == nil || !strings.Contains(err.Error(), missing) {
				t.Fatalf("err = %v, want one naming TMPDIR %s", err, missing)
			}
		})
		t.Run(name+" removes its scratch when done", func(t *testing.T) {
			tmp := t.TempDir()
			t.Setenv("TMPDIR", tmp)
			var stdout bytes.Buffer
			if err := dispatch(t.Context(), args, &stdout, &bytes.Buffer{}); err != nil {
				t.Fatal(err)
			}
			if !strings.HasPrefix(stdout.String(), "{") {
				t.Errorf("stdout = %q, want JSON rows", stdout.String())
			}
			assertEmpty(t, tmp)
		})
		t.Run(name+" removes its scratch when it fails", func(t *testing.T) {
			dir := t.TempDir()
			ctx, cancel := context.WithCancel(t.Context())
			cancel()
			err := dispatch(ctx, append(args, "--dir", dir), &bytes.Buffer{}, &bytes.Buffer{})
			if err == nil {
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
