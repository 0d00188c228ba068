package modeltest

import (
	"errors"
	"fmt"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/drip-ledger/drip/projections/modelstore"
)

const (
	// raceCommits is how many batches the writer of testRace commits.
	raceCommits = 150
	// raceKeys is how many keys each of its batches rewrites.
	raceKeys = 40
	// raceReaders scan while it writes.
	raceReaders = 4
	// raceContenders commit at the same checkpoints at once.
	raceContenders = 6
	raceRounds     = 40
)

// testRace: readers that race a writer see each batch whole or not at all:
// every scan finds all raceKeys keys tagged with one checkpoint, exactly one
// "moving" key (each batch deletes the last one and puts the next), never a
// tag older than one seen before, nor newer than the checkpoint read after.
// Contenders that commit at the same checkpoints never both win one; models
// written in parallel keep to themselves. Run it with -race.
func testRace(t *testing.T, f *fixture) {
	ctx, s := f.ctx, f.s
	var done atomic.Bool
	var wg sync.WaitGroup
	errs := make(chan error, raceReaders+raceContenders+4)
	wg.Go(func() {
		defer done.Store(true)
		var b modelstore.Batch
		for c := uint64(1); c <= raceCommits; c++ {
			b.Reset()
			tag := []byte(strconv.FormatUint(c, 10))
			for i := range raceKeys {
				b.Put([]byte(key(i)), tag)
			}
			b.Delete(fmt.Appendf(nil, "move/%06d", c-1))
			b.Put(fmt.Appendf(nil, "move/%06d", c), tag)
			if err := s.Commit(ctx, "r", &b, c); err != nil {
				errs <- fmt.Errorf("writer: Commit at %d: %w", c, err)
				return
			}
		}
	})
	for r := range raceReaders {
		wg.Go(func() {
			last := uint64(0)
			for n := 0; !done.Load() || n < 2; n++ {
				tags := map[string]int{}
				moving := 0
				err := s.Scan(ctx, "r", nil, nil, 1000, func(k, v []byte) error {
					if len(k) > 5 && string(k[:5]) == "move/" {
						moving++
					}
					tags[string(v)]++
					return nil
				})
				if err != nil {
					errs <- fmt.Errorf("reader %d: Scan: %w", r, err)
					return
				}
				cp, err := s.Checkpoint(ctx, "r")
				if err != nil {
					errs <- fmt.Errorf("reader %d: Checkpoint: %w", r, err)
					return
				}
				if len(tags) == 0 {
					if last > 0 {
						errs <- fmt.Errorf("reader %d: an empty model after seeing batch %d", r, last)
						return
					}
					continue
				}
				if len(tags) != 1 || moving != 1 {
					errs <- fmt.Errorf("reader %d: a scan saw a part of a batch: tags %v, %d moving keys", r, tags, moving)
					return
				}
				for tag, count := range tags {
					c, _ := strconv.ParseUint(tag, 10, 64)
					switch {
					case count != raceKeys+1:
						errs <- fmt.Errorf("reader %d: batch %d seen with %d keys, want %d", r, c, count, raceKeys+1)
						return
					case c < last:
						errs <- fmt.Errorf("reader %d: batch %d seen after batch %d", r, c, last)
						return
					case c > cp:
						errs <- fmt.Errorf("reader %d: batch %d seen, then checkpoint %d", r, c, cp)
						return
					}
					last = c
				}
			}
		})
	}
	// Contenders: never two winners of one checkpoint.
	var winners [raceRounds + 1]atomic.Int32
	var lastWin atomic.Uint64
	var lastWinner atomic.Int32
	var winMu sync.Mutex
	for g := range raceContenders {
		wg.Go(func() {
			for round := uint64(1); round <= raceRounds; round++ {
				var b modelstore.Batch
				b.Put([]byte("winner"), []byte(strconv.Itoa(g)))
				err := s.Commit(ctx, "c", &b, round)
				switch {
				case err == nil:
					winners[round].Add(1)
					winMu.Lock()
					if round > lastWin.Load() {
						lastWin.Store(round)
						lastWinner.Store(int32(g))
					}
					winMu.Unlock()
				case !errors.Is(err, modelstore.ErrCheckpoint):
					errs <- fmt.Errorf("contender %d: Commit at %d: %w", g, round, err)
					return
				}
			}
		})
	}
	// Models written in parallel.
	for m := range 3 {
		wg.Go(func() {
			model := fmt.Sprintf("p%d", m)
			for c := uint64(1); c <= 30; c++ {
				var b modelstore.Batch
				b.Put([]byte("k"), []byte(model))
				if err := s.Commit(ctx, model, &b, c); err != nil {
					errs <- fmt.Errorf("%s: Commit at %d: %w", model, c, err)
					return
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	for round := range winners {
		if n := winners[round].Load(); n > 1 {
			t.Errorf("checkpoint %d: %d contenders committed it", round, n)
		}
	}
	if v, _ := f.get("c", "winner"); v != strconv.Itoa(int(lastWinner.Load())) {
		t.Errorf("the contenders' model holds winner %q, want %d (who committed %d)", v, lastWinner.Load(), lastWin.Load())
	}
	if c := f.checkpoint("c"); c != lastWin.Load() {
		t.Errorf("the contenders' checkpoint is %d, want %d", c, lastWin.Load())
	}
	for m := range 3 {
		model := fmt.Sprintf("p%d", m)
		f.wantAll(model, kv{"k", model})
		if c := f.checkpoint(model); c != 30 {
			t.Errorf("%s: checkpoint %d, want 30", model, c)
		}
	}
}
