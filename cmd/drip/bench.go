package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/drip-ledger/drip/events"
	"github.com/drip-ledger/drip/events/embedded"
)

func runBench(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	sub := ""
	if len(args) > 0 {
		sub, args = args[0], args[1:]
	}
	switch sub {
	case "append":
		return benchAppendCmd(ctx, args, stdout, stderr)
	case "replay":
		return benchReplayCmd(ctx, args, stdout, stderr)
	}
	fmt.Fprintln(stderr, `Usage: drip bench append [flags]   appends against the disk's group-fsync baseline
       drip bench replay [flags]   reads the log, and replays it through the projection runner`)
	if sub == "-h" || sub == "--help" || sub == "help" {
		return flag.ErrHelp
	}
	return errUsage
}

func benchAppendCmd(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlags("bench append", `
Appends --events small events (about 300 bytes, one per append) with each
writer count to a fresh store through events.Store, and the same records in
the same run to a plain file with group fsync: the physical baseline of this
disk. Baseline and stores take turns, --rounds times, each on a share of
the events. Prints writers, events_per_s, baseline_events_per_s and ratio (store /
baseline) for each writer count; with --store, for each store named (and
then a "store" field), so the embedded store and PostgreSQL are measured
side by side against one baseline.`, stderr)
	writersFlag := fs.String("writers", "1,16,64,256", "comma-separated writer counts")
	n := fs.Int("events", 0, "events to append per writer count; 0: 20000, or 400 per writer if more, so each writer's start and end weigh little")
	asJSON := fs.Bool("json", false, "one JSON object per line: writers, events_per_s, baseline_events_per_s, ratio")
	dir := fs.String("dir", "", "directory for the scratch stores and files, removed at the end of the run (default: the system's temporary directory, $TMPDIR or /tmp; it must be on the disk to measure)")
	storesFlag := fs.String("store", "embedded", "comma-separated stores: embedded, or a postgres:// URL (a throw-away schema is made and dropped)")
	rounds := fs.Int("rounds", 5, "rounds per writer count, each the baseline then the stores on a share of the events, so a disk's changes of speed weigh on all alike")
	cpuProfile := fs.String("cpuprofile", "", "write CPU profiles of the stores' shares of each round (not the baseline's) to PREFIX-<writers>[-<store index>]-r<round>.pprof, for go tool pprof (which merges them)")
	if err := parse(fs, args); err != nil {
		return err
	}
	writers, err := parseCounts(*writersFlag)
	if err != nil || *n < 0 || *n > 10_000_000 || *rounds < 1 || *rounds > 1000 {
		fmt.Fprintf(stderr, "drip bench append: --writers must be positive counts up to %d, --events in 1..10000000 and --rounds in 1..1000\n", benchWritersMax)
		return errUsage
	}
	stores := strings.Split(*storesFlag, ",")
	named := flagSet(fs, "store")
	if !*asJSON {
		fmt.Fprintf(stdout, "%-10s %8s %14s %22s %7s\n", "store", "writers", "events_per_s", "baseline_events_per_s", "ratio")
	}
	var prof *profiler
	if *cpuProfile != "" {
		prof = &profiler{prefix: *cpuProfile}
	}
	for _, w := range writers {
		count := *n
		if count == 0 {
			count = max(20000, 400*w)
		}
		rows, err := benchAppend(ctx, *dir, stores, w, count, *rounds, prof)
		if err != nil {
			return err
		}
		for _, row := range rows {
			if !named {
				row.Store = ""
			}
			if *asJSON {
				b, _ := json.Marshal(row)
				fmt.Fprintln(stdout, string(b))
			} else {
				fmt.Fprintf(stdout, "%-10s %8d %14.0f %22.0f %7.2f\n", storeLabel(row.Store), row.Writers, row.EventsPerS, row.BaselineEventsPerS, row.Ratio)
			}
		}
	}
	return nil
}

// benchWritersMax bounds the goroutines one bench run starts.
const benchWritersMax = 4096

type benchRow struct {
	// Store is set only when --store was given, so the default output has
	// exactly the four fields scripts read.
	Store              string  `json:"store,omitempty"`
	Writers            int     `json:"writers"`
	EventsPerS         float64 `json:"events_per_s"`
	BaselineEventsPerS float64 `json:"baseline_events_per_s"`
	Ratio              float64 `json:"ratio"`
}

func parseCounts(s string) ([]int, error) {
	var out []int
	for _, f := range strings.Split(s, ",") {
		v, err := strconv.Atoi(strings.TrimSpace(f))
		if err != nil || v < 1 || v > benchWritersMax {
			return nil, fmt.Errorf("bad writer count %q", f)
		}
		out = append(out, v)
	}
	return out, nil
}

// benchAppend measures one writer count against fresh files or a fresh
// schema, removed afterwards. The events are split into rounds: in each, the
// baseline appends the round's records, then each store the round's events,
// so a disk that changes speed from second to second (a shared machine's
// does) weighs on all of them alike; each one's rate is its events over the
// sum of its rounds' times.
func benchAppend(ctx context.Context, dir string, stores []string, writers, n, rounds int, prof *profiler) (_ []benchRow, err error) {
	tmp, remove, err := benchScratch(dir)
	if err != nil {
		return nil, err
	}
	defer remove(&err)
	// One registry encodes the events and checks them in the store, as in
	// `drip serve`, where the command services and the store share it.
	reg := benchRegistry()
	evs, records, err := benchEvents(reg, n)
	if err != nil {
		return nil, err
	}
	base, err := embedded.OpenBaseline(tmp + "/baseline.log")
	if err != nil {
		return nil, err
	}
	defer base.Close()
	opened := make([]events.Store, len(stores))
	for k, spec := range stores {
		store, done, err := openBenchStore(ctx, spec, fmt.Sprintf("%s/store-%d", tmp, k), reg)
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
				return nil, fmt.Errorf("store %s: %w", storeLabel(stores[k]), err)
			}
			storeS[k] += t
		}
	}
	var rows []benchRow
	for k, spec := range stores {
		row := benchRow{Store: storeLabel(spec), Writers: writers, EventsPerS: float64(n) / storeS[k], BaselineEventsPerS: float64(n) / baseS}
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

func flagSet(fs *flag.FlagSet, name string) bool {
	set := false
	fs.Visit(func(f *flag.Flag) { set = set || f.Name == name })
	return set
}
