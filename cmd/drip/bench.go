package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
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
disk. Prints writers, events_per_s, baseline_events_per_s and ratio (store /
baseline) for each writer count; with --store, for each store named (and
then a "store" field), so the embedded store and PostgreSQL are measured
side by side against one baseline.`, stderr)
	writersFlag := fs.String("writers", "1,16,64,256", "comma-separated writer counts")
	n := fs.Int("events", 20000, "events to append per writer count (each run)")
	asJSON := fs.Bool("json", false, "one JSON object per line: writers, events_per_s, baseline_events_per_s, ratio")
	dir := fs.String("dir", ".", "directory for temporary stores and files (must be on the disk to measure)")
	storesFlag := fs.String("store", "embedded", "comma-separated stores: embedded, or a postgres:// URL (a throw-away schema is made and dropped)")
	cpuProfile := fs.String("cpuprofile", "", "write CPU profiles of the stores' runs (not the baseline's), one per writer count and store, to PREFIX-<writers>[-<store index>].pprof, for go tool pprof")
	if err := parse(fs, args); err != nil {
		return err
	}
	writers, err := parseCounts(*writersFlag)
	if err != nil || *n < 1 || *n > 10_000_000 {
		fmt.Fprintf(stderr, "drip bench append: --writers must be positive counts up to %d and --events in 1..10000000\n", benchWritersMax)
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
		rows, err := benchAppend(ctx, *dir, stores, w, *n, prof)
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

// benchAppend measures one writer count: the baseline first, then each
// store, each on fresh files or a fresh schema, removed afterwards.
func benchAppend(ctx context.Context, dir string, stores []string, writers, n int, prof *profiler) ([]benchRow, error) {
	tmp, err := os.MkdirTemp(dir, "drip-bench-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(tmp)
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
	baseS, err := timeWriters(writers, n, func(w, i int) error { return base.Append(ctx, records[i]) })
	if cerr := base.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return nil, fmt.Errorf("baseline: %w", err)
	}
	var rows []benchRow
	for k, spec := range stores {
		store, done, err := openBenchStore(ctx, spec, fmt.Sprintf("%s/store-%d", tmp, k), reg)
		if err != nil {
			return nil, err
		}
		if err := prof.start(writers, k); err != nil {
			done()
			return nil, err
		}
		storeS, err := timeWriters(writers, n, func(w, i int) error {
			// A one-event slice of evs, not a new one: the caller's
			// allocation is not the store's cost.
			_, err := store.Append(ctx, evs[i].Stream, events.NoStream, evs[i:i+1]...)
			return err
		})
		if perr := prof.stop(); err == nil {
			err = perr
		}
		if derr := done(); err == nil {
			err = derr
		}
		if err != nil {
			return nil, fmt.Errorf("store %s: %w", storeLabel(spec), err)
		}
		row := benchRow{Store: storeLabel(spec), Writers: writers, EventsPerS: float64(n) / storeS, BaselineEventsPerS: float64(n) / baseS}
		row.Ratio = row.EventsPerS / row.BaselineEventsPerS
		rows = append(rows, row)
	}
	return rows, nil
}

// timeWriters runs n calls of do spread over writers goroutines (call i goes
// to goroutine i%writers) and returns the elapsed seconds.
func timeWriters(writers, n int, do func(w, i int) error) (float64, error) {
	var wg sync.WaitGroup
	errs := make(chan error, writers)
	start := time.Now()
	for w := range writers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := w; i < n; i += writers {
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
