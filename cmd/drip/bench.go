package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"strings"

	"github.com/drip-ledger/drip/internal/bench"
)

// `drip bench` parses flags and prints; the benchmarks themselves are in
// internal/bench.

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
	case "serve":
		return benchServeCmd(ctx, args, stdout, stderr)
	}
	fmt.Fprintln(stderr, `Usage: drip bench append [flags]   appends against the disk's group-fsync baseline
       drip bench replay [flags]   reads the log, and replays it through the projection runner
       drip bench serve [flags]    a county's start, memory, rebuild, reads and commands, each beside its yardstick`)
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
	writers, err := bench.ParseCounts(*writersFlag)
	if err != nil || *n < 0 || *n > 10_000_000 || *rounds < 1 || *rounds > 1000 {
		fmt.Fprintf(stderr, "drip bench append: --writers must be positive counts up to %d, --events in 1..10000000 and --rounds in 1..1000\n", bench.WritersMax)
		return errUsage
	}
	stores := strings.Split(*storesFlag, ",")
	named := flagSet(fs, "store")
	if !*asJSON {
		fmt.Fprintf(stdout, "%-10s %8s %14s %22s %7s\n", "store", "writers", "events_per_s", "baseline_events_per_s", "ratio")
	}
	for _, w := range writers {
		count := *n
		if count == 0 {
			count = max(20000, 400*w)
		}
		rows, err := bench.Append(ctx, bench.AppendOptions{Dir: *dir, Stores: stores, Writers: w, Events: count, Rounds: *rounds, CPUProfile: *cpuProfile})
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
				fmt.Fprintf(stdout, "%-10s %8d %14.0f %22.0f %7.2f\n", bench.StoreLabel(row.Store), row.Writers, row.EventsPerS, row.BaselineEventsPerS, row.Ratio)
			}
		}
	}
	return nil
}

func benchReplayCmd(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlags("bench replay", `
Fills a fresh store with --events events, then measures reading the whole
log with ReadAll (what the store delivers) and replaying it through the
projection runner into a read model that only counts (what a rebuild at
start costs beyond the store), and prints both and their ratio, per store.`, stderr)
	n := fs.Int("events", 100000, "events in the log")
	asJSON := fs.Bool("json", false, "one JSON object per line")
	dir := fs.String("dir", "", "directory for the scratch stores, removed at the end of the run (default: the system's temporary directory, $TMPDIR or /tmp)")
	storesFlag := fs.String("store", "embedded", "comma-separated stores: embedded, or a postgres:// URL (a throw-away schema is made and dropped)")
	if err := parse(fs, args); err != nil {
		return err
	}
	if *n < 1 || *n > 10_000_000 {
		fmt.Fprintln(stderr, "drip bench replay: --events must be in 1..10000000")
		return errUsage
	}
	if !*asJSON {
		fmt.Fprintf(stdout, "%-10s %9s %22s %24s %7s\n", "store", "events", "read_all_events_per_s", "projection_events_per_s", "ratio")
	}
	for _, spec := range strings.Split(*storesFlag, ",") {
		row, err := bench.Replay(ctx, *dir, spec, *n)
		if err != nil {
			return err
		}
		if *asJSON {
			b, _ := json.Marshal(row)
			fmt.Fprintln(stdout, string(b))
		} else {
			fmt.Fprintf(stdout, "%-10s %9d %22.0f %24.0f %7.2f\n", row.Store, row.Events, row.ReadAllEventsPerS, row.ProjectionEventsPerS, row.ProjectionOverReadAll)
		}
	}
	return nil
}

func flagSet(fs *flag.FlagSet, name string) bool {
	set := false
	fs.Visit(func(f *flag.Flag) { set = set || f.Name == name })
	return set
}
