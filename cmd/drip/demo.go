package main

import (
	"context"
	"crypto/ed25519"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"path/filepath"
	"runtime/debug"
	"time"

	"github.com/drip-ledger/drip/api"
	"github.com/drip-ledger/drip/domain"
	"github.com/drip-ledger/drip/domain/fund"
	"github.com/drip-ledger/drip/events"
	"github.com/drip-ledger/drip/events/embedded"
	"github.com/drip-ledger/drip/internal/demo"
	"github.com/drip-ledger/drip/projections/funds"
)

// `drip demo` and `drip serve --demo`: the flags and the wiring. The county
// and its story are internal/demo's; here the store is opened on the demo's
// clock and the server is wired over it as serve wires it.

// errStoreNotEmpty is what loadDemo's error Is for a store that already
// holds events: the demo never mixes its synthetic county into real data.
var errStoreNotEmpty = errors.New("the store is not empty")

// storeNotEmptyError says how many events the store holds.
type storeNotEmptyError struct {
	dir    string
	events uint64
}

func (e *storeNotEmptyError) Error() string {
	return fmt.Sprintf("%s already holds %d events; drip demo loads only into an empty data directory (give it a new --data)", e.dir, e.events)
}

func (e *storeNotEmptyError) Is(target error) bool { return target == errStoreNotEmpty }

func runDemo(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlags("demo", `
Loads a synthetic Weining county (520526) into an EMPTY data directory: 4
townships, 12 villages, households in every status from 2014 up to today,
cadres, measures, visits, objections, corrections, complaints, and the
money: appropriation documents, projects from proposal to acceptance,
payments to households settled, failed, acknowledged and reversed. After the
programme's years come the consolidation years (2021-2025: households at
risk of returning to poverty monitored, returns, support continuing) and
the last months, so a payment, an objection to a publicity open today, a
complaint or an enrollment made today works. Every fact is sent as an HTTP
request to the real server (in-process, no network) with the tokens of
village, township and county officials, so nothing is recorded that the
rules refuse; the simulated clock ends just before the real now. The same
--seed gives the same county on the same day. Then prints ready-to-use
tokens and example requests for drip serve.

With --county (implied above the story's maximum of households), writes a
county of real size instead, up to 200,000 households of about 100 events
each (households only: no money or complaints), through the household
domain's decider rather than HTTP, and prints the rate.`, stderr)
	dataDir := fs.String("data", "./drip-data", "data directory of the embedded store; it must hold no events yet")
	n := fs.Int("households", demo.HouseholdsDefault, fmt.Sprintf("households to load, %d..%d (with --county 1..%d)", demo.HouseholdsMin, demo.HouseholdsMax, demo.CountyHouseholdsMax))
	seed := fs.Uint64("seed", 1, "seed of the synthetic county (same seed, same county)")
	big := fs.Bool("county", false, fmt.Sprintf("write a county of real size instead (implied above %d households): households only, through the domain's deciders", demo.HouseholdsMax))
	if err := parse(fs, args); err != nil {
		return err
	}
	if *big || *n > demo.HouseholdsMax {
		return runCounty(ctx, *dataDir, *n, *seed, stdout, stderr)
	}
	log := slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	sum, err := loadDemo(ctx, demoConfig{DataDir: *dataDir, Households: *n, Seed: *seed, Log: log, Progress: stderr})
	if err != nil {
		return err
	}
	sum.Print(stdout)
	return printDemoTokens(stdout, *dataDir, api.DefaultConfig().Addr, &sum)
}

// runCounty writes a county of n households into the empty embedded store
// in dataDir, on the demo's clock, and says how fast.
func runCounty(ctx context.Context, dataDir string, n int, seed uint64, stdout, stderr io.Writer) error {
	if n < 1 || n > demo.CountyHouseholdsMax {
		fmt.Fprintf(stderr, "drip demo: --households must be 1..%d for a county\n", demo.CountyHouseholdsMax)
		return errUsage
	}
	log := slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	clock := &demo.Clock{}
	reg := registry()
	store, err := embedded.Open(dataDir, reg, embedded.Options{Now: clock.Now, Logger: log})
	if err != nil {
		return fmt.Errorf("open store: %w", err)
	}
	res, err := loadCounty(ctx, dataDir, store, reg, clock, n, seed, stderr)
	if cerr := store.Close(); cerr != nil && err == nil {
		err = fmt.Errorf("closing the store: %w", cerr)
	}
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "Wrote a county of %d households into %s: %d events in %.1fs, %.0f events/s, simulated %s to %s.\n",
		res.Households, dataDir, res.Events, res.Took.Seconds(), res.EventsPerS(), demo.Start.Format(time.DateOnly), clock.Now().Format(time.DateOnly))
	return printDemoTokens(stdout, dataDir, api.DefaultConfig().Addr, nil)
}

func loadCounty(ctx context.Context, dataDir string, store *embedded.Store, reg *events.Registry, clock *demo.Clock, n int, seed uint64, progress io.Writer) (demo.CountyResult, error) {
	head, err := store.Head(ctx)
	if err != nil {
		return demo.CountyResult{}, err
	}
	if head > 0 {
		return demo.CountyResult{}, &storeNotEmptyError{dir: dataDir, events: head}
	}
	return demo.County(ctx, demo.CountyOptions{Households: n, Seed: seed, Log: store, Registry: reg, Clock: clock, Progress: progress})
}

// demoBeforeServe is `drip serve --demo`: it loads n demo households into
// dataDir if its store is empty, or says it serves what is there; either way
// it prints tokens and example requests for addr. The store is closed again
// before it returns, for serve to open.
func demoBeforeServe(ctx context.Context, dataDir, addr string, n int, stdout, stderr io.Writer) error {
	log := slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	sum, err := loadDemo(ctx, demoConfig{DataDir: dataDir, Households: n, Seed: 1, Log: log, Progress: stderr})
	var full *storeNotEmptyError
	switch {
	case errors.As(err, &full):
		fmt.Fprintf(stdout, "--demo: %s already holds %d events; serving them as they are, without loading the demo.\n", dataDir, full.events)
		return printDemoTokens(stdout, dataDir, addr, nil)
	case err != nil:
		return fmt.Errorf("--demo: %w", err)
	}
	sum.Print(stdout)
	return printDemoTokens(stdout, dataDir, addr, &sum)
}

// demoGCPercent is the GOGC of the demo's load (restored after it).
const demoGCPercent = 800

// demoConfig is what loadDemo is told.
type demoConfig struct {
	DataDir    string
	Households int
	Seed       uint64
	Log        *slog.Logger
	// Progress, if not nil, hears of each simulated year as it is loaded.
	Progress io.Writer
}

func (c demoConfig) validate() error {
	var errs []error
	if c.DataDir == "" {
		errs = append(errs, errors.New("demo: the data directory is required"))
	}
	if c.Households < demo.HouseholdsMin || c.Households > demo.HouseholdsMax {
		errs = append(errs, fmt.Errorf("demo: %d households is outside %d..%d", c.Households, demo.HouseholdsMin, demo.HouseholdsMax))
	}
	if c.Log == nil {
		errs = append(errs, errors.New("demo: a logger is required"))
	}
	return errors.Join(errs...)
}

// loadDemo opens the embedded store in cfg.DataDir on the demo's clock,
// wires the server over it and has internal/demo load the county through
// it. A store that already holds events is refused with errStoreNotEmpty
// before anything is written.
func loadDemo(ctx context.Context, cfg demoConfig) (demo.Summary, error) {
	if err := cfg.validate(); err != nil {
		return demo.Summary{}, err
	}
	began := time.Now()
	// The load allocates a few hundred MB in all but holds little live (the
	// county of 300 households is tens of MB): collecting at every doubling
	// of the live heap costs a tenth of the load's CPU for nothing.
	defer debug.SetGCPercent(debug.SetGCPercent(demoGCPercent))
	clock := &demo.Clock{}
	reg := registry()
	// DeferSync: the load's ~7,000 requests are sent mostly one after the
	// other, so each would wait for an fdatasync of its own; the synthetic
	// county can be loaded again, and nothing reads it as a record before
	// Close has synced it (serve opens the store after the load).
	store, err := embedded.Open(cfg.DataDir, reg, embedded.Options{Now: clock.Now, Logger: cfg.Log, DeferSync: true})
	if err != nil {
		return demo.Summary{}, fmt.Errorf("open store: %w", err)
	}
	sum, err := loadInto(ctx, cfg, store, reg, clock)
	if cerr := store.Close(); cerr != nil && err == nil {
		err = fmt.Errorf("closing the store: %w", cerr)
	}
	sum.Took = time.Since(began)
	return sum, err
}

func loadInto(ctx context.Context, cfg demoConfig, store *embedded.Store, reg *events.Registry, clock *demo.Clock) (demo.Summary, error) {
	head, err := store.Head(ctx)
	if err != nil {
		return demo.Summary{}, err
	}
	if head > 0 {
		return demo.Summary{}, &storeNotEmptyError{dir: cfg.DataDir, events: head}
	}
	key, err := loadOrCreateKey(filepath.Join(cfg.DataDir, tokenKeyFile))
	if err != nil {
		return demo.Summary{}, fmt.Errorf("token key: %w", err)
	}
	srv, v, stop, err := demoServer(ctx, store, reg, key, clock, cfg.Log)
	if err != nil {
		return demo.Summary{}, err
	}
	sum, runErr := demo.Load(ctx, srv.Handler(), demo.Options{Households: cfg.Households, Seed: cfg.Seed, Key: key,
		Clock: clock, Log: store, Registry: reg, Ledger: demoLedger{v}, Progress: cfg.Progress})
	if err := stop(); err != nil && runErr == nil {
		runErr = err
	}
	if runErr != nil {
		return demo.Summary{}, runErr
	}
	sum.DataDir = cfg.DataDir
	return sum, nil
}

// demoLedger is the fund read model with the runner's WaitFor, for the
// demo's summary of the money.
type demoLedger struct{ v *views }

func (l demoLedger) WaitFor(ctx context.Context, position uint64) error {
	return l.v.waitFor(ctx, position)
}

func (l demoLedger) Pool(j domain.Jurisdiction, county fund.County, now time.Time) (funds.PoolSummary, error) {
	return l.v.funds.Pool(j, county, now)
}

func (l demoLedger) Project(j domain.Jurisdiction, id fund.ProjectID) (funds.ProjectSummary, error) {
	return l.v.funds.Project(j, id)
}

func (l demoLedger) DripTrail(j domain.Jurisdiction, file domain.FileNumber, after uint64, limit int) (funds.DripTrail, error) {
	return l.v.funds.DripTrail(j, file, after, limit)
}

// demoServer wires the server as serve does (the real services, the real
// read models) over store, with the simulated clock, and returns the read
// models too. stop stops them.
func demoServer(ctx context.Context, store events.Store, reg *events.Registry, key ed25519.PrivateKey,
	clock *demo.Clock, log *slog.Logger) (*api.Server, *views, func() error, error) {
	views, err := newViews(store, reg, log)
	if err != nil {
		return nil, nil, nil, err
	}
	set, err := loadSettings("") // the defaults: the plan draws its incomes against the default lines
	if err != nil {
		return nil, nil, nil, err
	}
	deps, err := services(store, reg, set)
	if err != nil {
		return nil, nil, nil, err
	}
	deps.Projections, deps.WaitFor, deps.Logger, deps.Registry = views.status, views.waitFor, log, reg
	deps.HouseholdView, deps.ComplaintView = views.households, views.complaints
	deps.FundView = views.funds
	deps.CadreLoads = caughtUpLoads{store: store, v: views}
	deps.TokenKey, deps.Now = key.Public().(ed25519.PublicKey), clock.Now
	srv, err := api.New(api.DefaultConfig(), deps)
	if err != nil {
		return nil, nil, nil, err
	}
	vctx, cancel := context.WithCancel(ctx)
	done := make(chan error, 1)
	go func() { done <- views.run(vctx) }()
	stop := func() error {
		cancel()
		if err := <-done; err != nil && !errors.Is(err, context.Canceled) {
			return fmt.Errorf("read models: %w", err)
		}
		return nil
	}
	return srv, views, stop, nil
}

// printDemoTokens prints tokens signed with the deployment's key in
// dataDir, and example requests to addr.
func printDemoTokens(w io.Writer, dataDir, addr string, sum *demo.Summary) error {
	path := filepath.Join(dataDir, tokenKeyFile)
	key, err := loadOrCreateKey(path)
	if err != nil {
		return fmt.Errorf("token key: %w", err)
	}
	return demo.PrintTokens(w, key, path, dataDir, addr, sum)
}
