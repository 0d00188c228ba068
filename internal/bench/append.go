package bench

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/drip-ledger/drip/events"
	"github.com/drip-ledger/drip/internal/bench/baseline"
)

// WritersMax bounds the goroutines one bench run starts.
const WritersMax = 4096

// AppendOptions is what one Append measures.
type AppendOptions struct {
	// Dir holds the run's scratch directory; "" is the system's temporary
	// directory (see scratch).
	Dir string
	// Stores are the stores measured side by side against one baseline:
	// "embedded", or a postgres:// URL (a throw-away schema).
	Stores []string
	// Writers is the number of concurrent writers, Events the appends
	// spread over them, Rounds the turns baseline and stores take.
	Writers, Events, Rounds int
	// CPUProfile, if set, is the prefix of the stores' CPU profiles.
	CPUProfile string
}

// AppendRow is one store's append rate at one writer count, beside the
// baseline's in the same run.
type AppendRow struct {
	// Store is set only when --store was given, so the default output has
	// exactly the four fields scripts read.
	Store              string  `json:"store,omitempty"`
	Writers            int     `json:"writers"`
	EventsPerS         float64 `json:"events_per_s"`
	BaselineEventsPerS float64 `json:"baseline_events_per_s"`
	Ratio              float64 `json:"ratio"`
}

// ParseCounts parses a comma-separated list of writer counts.
func ParseCounts(s string) ([]int, error) {
	var out []int
	for _, f := range strings.Split(s, ",") {
		v, err := strconv.Atoi(strings.TrimSpace(f))
		if err != nil || v < 1 || v > WritersMax {
			return nil, fmt.Errorf("bad writer count %q", f)
		}
		out = append(out, v)
	}
	return out, nil
}

// Append measures one writer count against fresh files or a fresh schema,
// removed afterwards: a row per store of opts.Stores. The events are split into rounds: in each, the
// baseline appends the round's records, then each store the round's events,
// so a disk that changes speed from second to second (a shared machine's
// does) weighs on all of them alike; each one's rate is its events over the
// sum of its rounds' times.
func Append(ctx context.Context, opts AppendOptions) (_ []AppendRow, err error) {
	stores, writers, n, rounds := opts.Stores, opts.Writers, opts.Events, opts.Rounds
	var prof *profiler
	if opts.CPUProfile != "" {
		prof = &profiler{prefix: opts.CPUProfile}
	}
	tmp, remove, err := scratch(opts.Dir)
	if err != nil {
		return nil, err
	}
	defer remove(&err)
	// One registry encodes the events and checks them in the store, as in
	// `drip serve`, where the command services and the store share it.
	reg := Registry()
	evs, records, err := Events(reg, n)
	if err != nil {
		return nil, err
	}
	base, err := baseline.Open(tmp+"/baseline.log", baseline.Options{})
	if err != nil {
		return nil, err
	}
	defer base.Close()
	opened := make([]events.Store, len(stores))
	for k, spec := range stores {
		store, done, err := openStore(ctx, spec, fmt.Sprintf("%s/store-%d", tmp, k), reg)
		if err != nil {
			return nil, err
		}
		defer done()
		opened[k] = store
	}
	// Each writer has a context of its own, as each request does in drip
	// serve: thousands of waits on one shared Done channel would measure
	// that channel's lock, for the baseline and the store alike.
	ctxs := make([]context.Context, writers)
	for w := range ctxs {
		c, cancel := context.WithCancel(ctx)
		defer cancel()
		ctxs[w] = c
	}
	rounds = max(1, min(rounds, n))
	var baseS float64
	storeS := make([]float64, len(stores))
	for r := range rounds {
		lo, hi := r*n/rounds, (r+1)*n/rounds
		t, err := timeWriters(writers, lo, hi, func(w, i int) error { return base.Append(ctxs[w], records[i]) })
		if err != nil {
			return nil, fmt.Errorf("baseline: %w", err)
		}
		baseS += t
		for k, store := range opened {
			if err := prof.start(writers, k, r); err != nil {
				return nil, err
			}
			t, err := timeWriters(writers, lo, hi, func(w, i int) error {
				// A one-event slice of evs, not a new one: the caller's
				// allocation is not the store's cost.
				_, err := store.Append(ctxs[w], evs[i].Stream, events.NoStream, evs[i:i+1]...)
				return err
			})
			if perr := prof.stop(); err == nil {
				err = perr
			}
			if err != nil {
				return nil, fmt.Errorf("store %s: %w", StoreLabel(stores[k]), err)
			}
			storeS[k] += t
		}
	}
	var rows []AppendRow
	for k, spec := range stores {
		row := AppendRow{Store: StoreLabel(spec), Writers: writers, EventsPerS: float64(n) / storeS[k], BaselineEventsPerS: float64(n) / baseS}
		row.Ratio = row.EventsPerS / row.BaselineEventsPerS
		rows = append(rows, row)
	}
	return rows, nil
}

// timeWriters runs the calls lo..hi-1 of do spread over writers goroutines
// (call i goes to goroutine i%writers) and returns the elapsed seconds.
func timeWriters(writers, lo, hi int, do func(w, i int) error) (float64, error) {
	var wg sync.WaitGroup
	errs := make(chan error, writers)
	start := time.Now()
	for w := range writers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			first := lo + (w-lo%writers+writers)%writers
			for i := first; i < hi; i += writers {
				if err := do(w, i); err != nil {
					errs <- err
					return
				}
			}
		}()
	}
	wg.Wait()
	elapsed := time.Since(start).Seconds()
	close(errs)
	return elapsed, <-errs
}
