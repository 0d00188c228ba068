package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"

	"github.com/drip-ledger/drip/projections"
)

func runRebuild(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlags("rebuild [MODEL]", `
Rebuilds read models from position 1, offline, on the log of the embedded
store in --data or of the store --store names: every model, or the one
named (households, complaints, funds, redflags, with or without a version).
Prints the rebuild's rate (events/s) beside a plain ReadAll of the same log
measured in the same run, and their ratio. The embedded store locks its
directory: run it on a stopped server's data.`, stderr)
	dataDir := fs.String("data", "./drip-data", "data directory of the embedded store")
	storeURL := fs.String("store", "", "the log's store: "+storeSchemes+" (default embedded:DATA)")
	batch := fs.Int("batch", projections.BatchEventsDefault, fmt.Sprintf("events per batch, 1..%d", projections.BatchEventsMax))
	asJSON := fs.Bool("json", false, "print the report as one JSON object")
	// MODEL may come before the flags or after them.
	var model string
	if len(args) > 0 && !strings.HasPrefix(args[0], "-") {
		model, args = args[0], args[1:]
	}
	switch err := fs.Parse(args); {
	case errors.Is(err, flag.ErrHelp):
		return err
	case err != nil:
		return errUsage
	}
	if fs.NArg() > 0 && model == "" {
		model = fs.Arg(0)
	} else if fs.NArg() > 0 {
		fmt.Fprintln(stderr, "drip rebuild: at most one MODEL")
		return errUsage
	}
	if fs.NArg() > 1 {
		fmt.Fprintln(stderr, "drip rebuild: at most one MODEL")
		return errUsage
	}
	url := *storeURL
	if url == "" {
		url = "embedded:" + *dataDir
	}
	log := newLogger(stderr, false)
	reg := registry()
	store, err := openStore(ctx, url, reg, log)
	if err != nil {
		return fmt.Errorf("open store: %w", err)
	}
	defer store.Close()
	ms, err := openModelStore(url, *dataDir)
	if err != nil {
		return err
	}
	defer ms.Close()
	v, err := newViewsIn(store, reg, ms, log)
	if err != nil {
		return err
	}
	models := v.viewModels()
	if model != "" {
		if models = pickModel(models, model); models == nil {
			fmt.Fprintf(stderr, "drip rebuild: no model %q (see drip rebuild -h)\n", model)
			return errUsage
		}
	}
	rep, err := projections.Rebuild(ctx, projections.ModelRunnerConfig{Store: store, Registry: reg, BatchEvents: *batch}, models...)
	if err != nil {
		return err
	}
	if *asJSON {
		b, _ := json.Marshal(rep)
		fmt.Fprintln(stdout, string(b))
		return nil
	}
	fmt.Fprintf(stdout, "rebuilt %s: %d events in %.2f s, %.0f events/s; ReadAll of the same log %.0f events/s; ratio %.3f\n",
		strings.Join(rep.Models, ", "), rep.Events, rep.Seconds, rep.EventsPerS, rep.ReadAllEventsPerS, rep.Ratio)
	return nil
}

// pickModel returns the model named name, with or without its version
// ("households" finds "households.v2"), or nil.
func pickModel(ms []projections.Model, name string) []projections.Model {
	for _, m := range ms {
		if base, _, _ := strings.Cut(m.Name(), ".v"); m.Name() == name || base == name {
			return []projections.Model{m}
		}
	}
	return nil
}
