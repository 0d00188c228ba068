package pebblemodels_test

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/drip-ledger/drip/projections/modelstore"
)

// The crash test: a child process (this test binary, run with
// -test.run=^TestCrashCommitter$) commits batches to several models at once
// until it is SIGKILLed; after each kill the parent reopens the store and
// checks every model: each batch at checkpoint c rewrites crashKeys keys to
// the tag c and moves one key ("move/c-1" deleted, "move/c" put), so a model
// whose keys do not all carry its checkpoint's tag, or that has other than
// exactly one moving key, holds a part of a batch. And the checkpoint is at
// least the last one the child saw acknowledged: a synced commit is never
// lost.

const (
	crashEnvDir = "DRIP_MODELS_CRASH_DIR"
	crashKills  = 12
	crashModels = 4
	crashKeys   = 64
	// crashChildS bounds a child that is never killed.
	crashChildS = 20
)

// TestCrashCommitter is the child: it commits until it is killed.
func TestCrashCommitter(t *testing.T) {
	dir := os.Getenv(crashEnvDir)
	if dir == "" {
		t.Skip("the child of TestCrash; runs only when TestCrash starts it")
	}
	ctx, cancel := context.WithTimeout(context.Background(), crashChildS*time.Second)
	defer cancel()
	s := open(t, dir)
	var out sync.Mutex
	var wg sync.WaitGroup
	for m := range crashModels {
		wg.Go(func() {
			model := fmt.Sprintf("m%d", m)
			c, err := s.Checkpoint(ctx, model)
			if err != nil {
				fmt.Printf("ERR checkpoint: %v\n", err)
				return
			}
			var b modelstore.Batch
			for c++; ctx.Err() == nil; c++ {
				b.Reset()
				fillCrashBatch(&b, c)
				if err := s.Commit(ctx, model, &b, c); err != nil {
					if ctx.Err() == nil {
						fmt.Printf("ERR commit %s %d: %v\n", model, c, err)
					}
					return
				}
				out.Lock()
				fmt.Printf("ACK %s %d\n", model, c)
				out.Unlock()
			}
		})
	}
	wg.Wait()
}

func fillCrashBatch(b *modelstore.Batch, c uint64) {
	tag := []byte(strconv.FormatUint(c, 10))
	for i := range crashKeys {
		b.Put(fmt.Appendf(nil, "k%03d", i), tag)
	}
	b.Delete(fmt.Appendf(nil, "move/%09d", c-1))
	b.Put(fmt.Appendf(nil, "move/%09d", c), tag)
}

func TestCrash(t *testing.T) {
	if testing.Short() {
		t.Skip("kills a child process a dozen times")
	}
	dir := t.TempDir()
	acked := map[string]uint64{}
	total := 0
	for kill := range crashKills {
		lines := runCrashChild(t, dir, time.Duration(5+rand.IntN(300))*time.Millisecond)
		for _, l := range lines {
			f := strings.Fields(l)
			if len(f) == 3 && f[0] == "ACK" {
				c, _ := strconv.ParseUint(f[2], 10, 64)
				acked[f[1]] = max(acked[f[1]], c)
				total++
			} else if strings.HasPrefix(l, "ERR") {
				t.Fatalf("kill %d: the child: %s", kill, l)
			}
		}
		checkCrashed(t, dir, kill, acked)
	}
	if total == 0 {
		t.Fatal("the child never committed: the test checked nothing")
	}
	t.Logf("%d kills, %d acknowledged commits, last checkpoints %v", crashKills, total, acked)
}

// runCrashChild starts the child, kills it after d and returns its output.
func runCrashChild(t *testing.T, dir string, d time.Duration) []string {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^TestCrashCommitter$", "-test.count=1")
	cmd.Env = append(os.Environ(), crashEnvDir+"="+dir)
	out := new(syncBuffer)
	cmd.Stdout = out
	cmd.Stderr = out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	// Kill only once the child commits, so that each kill lands mid-work.
	deadline := time.Now().Add(crashChildS * time.Second)
	for !strings.Contains(out.String(), "ACK") && time.Now().Before(deadline) {
		time.Sleep(2 * time.Millisecond)
	}
	time.Sleep(d)
	cmd.Process.Signal(syscall.SIGKILL)
	cmd.Wait()
	var lines []string
	sc := bufio.NewScanner(bytes.NewReader(out.Bytes()))
	for sc.Scan() {
		lines = append(lines, sc.Text())
	}
	return lines
}

func checkCrashed(t *testing.T, dir string, kill int, acked map[string]uint64) {
	t.Helper()
	s := open(t, dir)
	defer s.Close()
	ctx := t.Context()
	for m := range crashModels {
		model := fmt.Sprintf("m%d", m)
		c, err := s.Checkpoint(ctx, model)
		if err != nil {
			t.Fatal(err)
		}
		if c < acked[model] {
			t.Errorf("kill %d: %s: checkpoint %d, but the child was told %d committed", kill, model, c, acked[model])
		}
		if c == 0 {
			continue
		}
		tag := strconv.FormatUint(c, 10)
		keys, moving := 0, 0
		err = s.Scan(ctx, model, nil, nil, 1000, func(k, v []byte) error {
			if bytes.HasPrefix(k, []byte("move/")) {
				moving++
			} else {
				keys++
			}
			if string(v) != tag {
				return fmt.Errorf("key %q holds batch %s, the checkpoint is %s", k, v, tag)
			}
			return nil
		})
		if err != nil || keys != crashKeys || moving != 1 {
			t.Errorf("kill %d: %s at checkpoint %d: a partial batch: %d keys, %d moving keys, %v", kill, model, c, keys, moving, err)
		}
	}
}

// syncBuffer is the child's output, read while the child writes it.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

func (b *syncBuffer) Bytes() []byte { return []byte(b.String()) }
