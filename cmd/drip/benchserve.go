package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"time"

	"github.com/drip-ledger/drip/api"
	"github.com/drip-ledger/drip/events"
	"github.com/drip-ledger/drip/internal/bench"
)

// benchCounty is the county the generator writes, the jurisdiction of the
// benchmark's tokens.
const benchCounty = demoCountyCode

// benchEventsPerHousehold is about how many events the demo generator
// writes per household (5,800 for 300): --events is turned into households
// with it. It belongs to the generator, and changes with it.
const benchEventsPerHousehold = 19

func benchServeCmd(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlags("bench serve", `
Generates a county (or opens the one in --data), then reports in one run:
the time from starting drip serve on it to /readyz 200, first and after a
restart; the server's peak memory (VmHWM); a full rebuild of every read
model beside ReadAll of the same log; p50/p99 latency and throughput at each
--clients count of timeline, as-of, drip trail, household search,
/stats/households, /redflags and bundle, each beside /healthz at that count;
and filing complaints over HTTP at the largest count beside the store's raw
appends at as many writers. The server is a child process of this one.
Every read of a household is recorded (an access event) and every complaint
filed, so a run grows the county it measures: a county kept with --data is
larger at each run.`, stderr)
	dataDir := fs.String("data", "", "the county's data directory: opened if it holds events, else generated into and kept (default: generated in the system's temporary directory and removed)")
	n := fs.Int("events", 1_000_000, fmt.Sprintf("events of the county to generate (about %d per household)", benchEventsPerHousehold))
	households := fs.Int("households", 0, "households of the county to generate (instead of --events)")
	clientsFlag := fs.String("clients", "1,16,64", "comma-separated client counts")
	d := fs.Duration("duration", 5*time.Second, "length of each measurement")
	readyTimeout := fs.Duration("ready-timeout", 30*time.Minute, "the longest a start of drip serve may take")
	asJSON := fs.Bool("json", false, "print the report as one JSON object")
	if err := parse(fs, args); err != nil {
		return err
	}
	clients, err := bench.ParseCounts(*clientsFlag)
	if err != nil || *n < 1 || *households < 0 || *d <= 0 || *readyTimeout <= 0 {
		fmt.Fprintln(stderr, "drip bench serve: --clients must be positive counts, --events and --duration positive")
		return errUsage
	}
	if *households == 0 {
		*households = (*n + benchEventsPerHousehold - 1) / benchEventsPerHousehold
	}
	rep, err := bench.Serve(ctx, bench.ServeOptions{DataDir: *dataDir, Households: *households, Clients: clients,
		Duration: *d, ReadyTimeout: *readyTimeout, County: benchCounty, Registry: registry(),
		Generate: benchGenerate(stderr), Rebuild: benchRebuild, Token: benchToken, Server: benchServer, Progress: stderr})
	if err != nil {
		return err
	}
	if *asJSON {
		b, err := json.Marshal(rep)
		if err != nil {
			return err
		}
		fmt.Fprintln(stdout, string(b))
		return nil
	}
	rep.Print(stdout)
	return nil
}

// benchGenerate is the county generator `drip bench serve` calls: the demo's,
// through its current entry point.
func benchGenerate(progress io.Writer) func(ctx context.Context, dataDir string, households int) error {
	return func(ctx context.Context, dataDir string, households int) error {
		log := slog.New(slog.NewTextHandler(progress, &slog.HandlerOptions{Level: slog.LevelWarn}))
		_, err := loadDemo(ctx, demoConfig{DataDir: dataDir, Households: households, Seed: 1, Log: log, Progress: progress})
		return err
	}
}

// benchRebuild replays store into a fresh instance of the read models serve
// runs, until they reach head.
func benchRebuild(ctx context.Context, store events.Store, head uint64) error {
	v, err := newViews(store, registry(), slog.New(slog.DiscardHandler))
	if err != nil {
		return err
	}
	rctx, cancel := context.WithCancel(ctx)
	defer cancel()
	done := make(chan error, 1)
	go func() { done <- v.run(rctx) }()
	err = v.waitFor(ctx, head)
	cancel()
	<-done
	return err
}

// benchToken signs claims with the deployment's token key in dataDir, the
// key serve verifies with (the demo's tokens are signed with it too).
func benchToken(dataDir string, c api.Claims) (string, error) {
	key, err := loadOrCreateKey(filepath.Join(dataDir, tokenKeyFile))
	if err != nil {
		return "", err
	}
	return api.IssueToken(key, c)
}

// benchServer runs `drip serve` as a child: this executable, or what a test
// puts here.
var benchServer bench.ServerCommand = func(args []string) *exec.Cmd {
	self, err := os.Executable()
	if err != nil {
		self = os.Args[0]
	}
	return exec.Command(self, append([]string{"serve"}, args...)...)
}
