package main

import (
	"context"
	"crypto/ed25519"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"path/filepath"
	"strings"
	"time"

	"github.com/drip-ledger/drip/api"
	"github.com/drip-ledger/drip/events"
	"github.com/drip-ledger/drip/internal/demo"
	"github.com/drip-ledger/drip/projections/forward"
	"github.com/drip-ledger/drip/projections/modelstore"
	"github.com/drip-ledger/drip/projections/modelstore/pebblemodels"
	"github.com/drip-ledger/drip/projections/notary"
	"github.com/oklog/run"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
)

// shutdownTimeoutS bounds how long a graceful shutdown waits for requests in
// flight; past it, connections are cut and the store is closed anyway (an
// append cut short was not acknowledged, so nothing acknowledged is lost).
const shutdownTimeoutS = 20

func runServe(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlags("serve", `
Starts Drip's HTTP server on its log — the embedded store in --data, or the
store --store names (PostgreSQL, KurrentDB) — with the read models, the
notary's signed checkpoints, optional forwarding to NATS, /healthz, /readyz
(ready once the read models have caught up) and Prometheus /metrics.
SIGINT or SIGTERM stops it gracefully: requests in flight, and their appends,
finish first.`, stderr)
	cfg := api.DefaultConfig()
	fs.StringVar(&cfg.Addr, "addr", cfg.Addr, "listen address, host:port")
	dataDir := fs.String("data", "./drip-data", "data directory: the embedded store, keys, the notary's tree and checkpoints (created if missing)")
	storeURL := fs.String("store", "", "the log's store: "+storeSchemes+" (default embedded:DATA)")
	logJSON := fs.Bool("log-json", false, "write logs as JSON lines instead of text")
	origin := fs.String("origin", "drip.local/deployment", "the deployment's name in its signed checkpoints (used when the notary's keys are first generated in DATA/keys)")
	configFile := fs.String("config", "", "JSON file of poverty lines, complaint deadlines, holidays and a scorecards directory (see cmd/drip/config.go)")
	forwardTo := fs.String("forward", "", "also publish every event, in order, to NATS JetStream at this URL (nats://127.0.0.1:4222), stream DRIP, subjects drip.TYPE")
	every := fs.Duration("checkpoint-interval", 10*time.Second, "the longest a signed checkpoint trails the log")
	withDemo := fs.Bool("demo", false, "load the demo county first if --data holds no events (see drip demo -h), and print ready-to-use tokens")
	if err := parse(fs, args); err != nil {
		return err
	}
	log := newLogger(stderr, *logJSON)
	set, err := loadSettings(*configFile)
	if err != nil {
		return fmt.Errorf("config: %w", err)
	}
	if *withDemo && *storeURL != "" && storeDir(*storeURL) != *dataDir {
		fmt.Fprintln(stderr, "--demo loads the embedded store in --data; load another store with drip migrate")
		return errUsage
	}
	sc := serveConfig{API: cfg, DataDir: *dataDir, Store: *storeURL, Origin: *origin, CheckpointInterval: *every, Settings: set, Forward: *forwardTo, Demo: *withDemo}
	if *withDemo {
		// Listen before loading, so liveness answers during the load.
		ln, err := net.Listen("tcp", cfg.Addr)
		if err != nil {
			return err
		}
		sc.Listener, err = whileLoading(ctx, ln, func() error {
			return demoBeforeServe(ctx, *dataDir, ln.Addr().String(), demo.HouseholdsDefault, stdout, stderr)
		})
		if err != nil {
			return err
		}
		defer sc.Listener.Close() // serve may fail before it takes it over
	}
	return serve(ctx, sc, log, nil)
}

func newLogger(w io.Writer, asJSON bool) *slog.Logger {
	if asJSON {
		return slog.New(slog.NewJSONHandler(w, nil))
	}
	return slog.New(slog.NewTextHandler(w, nil))
}

// serveConfig is what `drip serve` is told.
type serveConfig struct {
	API     api.Config
	DataDir string
	// Store is the log's store URL (see openStore); "" is the embedded
	// store in DataDir.
	Store              string
	Origin             string
	CheckpointInterval time.Duration
	// Forward, if set, is the NATS URL every event is forwarded to.
	Forward string
	// Settings are the rules' configuration; the zero value means defaults.
	Settings settings
	// Listener, if set, is already listening (serve --demo binds before it
	// loads); otherwise serve listens on API.Addr.
	Listener net.Listener
	// Demo is set by --demo. Only then may Clock be set.
	Demo bool
	// Clock, if set, is a simulated clock: the store's (it stamps every
	// event's recorded time) and the server's (the recorded time commands
	// are decided at, token expiry) at once. nil is the real clock. Every
	// window and deadline runs on it, so outside a demo a simulated clock
	// would let whoever sets it close a publicity at will: serve refuses it
	// (errSimulatedClock).
	Clock func() time.Time
}

// errSimulatedClock is serve's refusal of a simulated clock outside --demo,
// or with a store whose recorded time is not this process's to set.
var errSimulatedClock = errors.New("serve: a simulated clock is only for --demo on the embedded or in-memory store")

// checkClock refuses a simulated clock outside a demo, and with a store
// that stamps recorded time itself (PostgreSQL, KurrentDB): its events
// would say one time and the rules would run on another.
func (sc serveConfig) checkClock(storeURL string) error {
	if sc.Clock == nil {
		return nil
	}
	scheme, _, _ := strings.Cut(storeURL, ":")
	if !sc.Demo || (scheme != "embedded" && scheme != "pebble" && scheme != "memory") {
		return errSimulatedClock
	}
	return nil
}

// serve wires the server by hand, in dependency order, and runs its actors
// (HTTP server, projections, signal handler) until one of them stops; then
// all stop together. ready, if not nil, receives the bound address once the
// server is listening (tests use it).
func serve(ctx context.Context, sc serveConfig, log *slog.Logger, ready chan<- string) (err error) {
	cfg, dataDir := sc.API, sc.DataDir
	storeURL := sc.Store
	if storeURL == "" {
		storeURL = "embedded:" + dataDir
	}
	if err := sc.checkClock(storeURL); err != nil {
		return err
	}
	metrics := prometheus.NewRegistry()
	metrics.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))

	key, retiredKeys, err := tokenKeys(dataDir)
	if err != nil {
		return fmt.Errorf("token key: %w", err)
	}
	reg := registry()
	raw, err := openStoreClocked(ctx, storeURL, reg, log, sc.Clock)
	if err != nil {
		return fmt.Errorf("open store: %w", err)
	}
	defer func() {
		// A store that failed says so here too (and within a bound: see
		// embedded.CloseTimeout), and the process exits non-zero.
		if cerr := raw.Close(); cerr != nil {
			log.Error("closing store", "err", cerr)
			if err == nil {
				err = fmt.Errorf("close store: %w", cerr)
			}
		}
	}()
	store := api.InstrumentStore(raw, metrics)

	nt, verifierKey, err := openNotary(ctx, sc, storeURL, raw, log)
	if err != nil {
		return err
	}
	if nt != nil {
		defer func() {
			if err := nt.Close(); err != nil {
				log.Error("closing notary", "err", err)
			}
		}()
	}
	views, closeModels, err := openViews(ctx, storeURL, dataDir, store, reg, log)
	if err != nil {
		return err
	}
	defer func() {
		if cerr := closeModels(); cerr != nil {
			log.Error("closing the read models' store", "err", cerr)
		}
	}()
	api.RegisterProjectionLag(metrics, store, views.status)
	if sc.Settings.scorecards == nil {
		if sc.Settings, err = loadSettings(""); err != nil {
			return err
		}
	}
	deps, err := services(store, reg, sc.Settings)
	if err != nil {
		return err
	}
	deps.Projections, deps.WaitFor, deps.Metrics, deps.Logger = views.status, views.waitFor, metrics, log
	deps.Position = views.position
	deps.HouseholdView, deps.ComplaintView, deps.Registry = views.households, views.complaints, reg
	deps.FundView = views.funds
	if deps.Reconciliation, err = newReconciliation(store, reg, deps, views.reconcileViews); err != nil {
		return err
	}
	deps.CadreLoads = caughtUpLoads{store: store, v: views}
	if nt != nil {
		deps.Notary, deps.VerifierKey = nt, verifierKey
	}
	deps.TokenKey, deps.TokenKeysRetired = key.Public().(ed25519.PublicKey), retiredKeys
	deps.Now = sc.Clock // nil: the real clock, the store's too
	srv, err := api.New(cfg, deps)
	if err != nil {
		return err
	}
	ln := sc.Listener
	if ln == nil {
		if ln, err = net.Listen("tcp", cfg.Addr); err != nil {
			return err
		}
	}
	log.Info("drip serving", "addr", ln.Addr().String(), "data", dataDir, "store", redact(storeURL))
	if ready != nil {
		ready <- ln.Addr().String()
	}

	return runActors(ctx, actors{srv: srv, ln: ln, views: views, notary: nt, store: raw, sc: sc}, log)
}

// actors are what serve runs together until one stops.
type actors struct {
	srv    *api.Server
	ln     net.Listener
	views  *views
	notary *notary.Notary // nil: none
	store  events.Store
	sc     serveConfig
}

// runActors runs the HTTP server, the read models, the notary, the
// forwarder and the signal handler as one oklog/run group: when one stops,
// all are interrupted, the server first draining requests in flight.
func runActors(ctx context.Context, a actors, log *slog.Logger) error {
	var g run.Group
	g.Add(func() error { return a.srv.Serve(a.ln) }, func(error) {
		sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), shutdownTimeoutS*time.Second)
		defer cancel()
		if err := a.srv.Shutdown(sctx); err != nil {
			log.Warn("graceful shutdown cut short", "err", err)
		}
	})
	vctx, vcancel := context.WithCancel(ctx)
	g.Add(func() error { return a.views.run(vctx) }, func(error) { vcancel() })
	if a.notary != nil {
		nctx, ncancel := context.WithCancel(ctx)
		g.Add(func() error { return a.notary.Run(nctx) }, func(error) { ncancel() })
	}
	if a.sc.Forward != "" {
		fctx, fcancel := context.WithCancel(ctx)
		fcfg := forward.Config{URL: a.sc.Forward, Logger: log}
		g.Add(func() error { return forwardUntilDone(fctx, a.store, a.sc.DataDir, fcfg, log) }, func(error) { fcancel() })
	}
	if fs, ok := a.store.(failingStore); ok {
		// A failed store writes nothing more and may hold files a failing
		// disk took away: the process ends, non-zero, saying why, rather
		// than serve reads that look current (api's /readyz says 503 until
		// then).
		fctx, fcancel := context.WithCancel(ctx)
		g.Add(func() error {
			select {
			case <-fs.Failed():
				return fmt.Errorf("the event store failed, drip stops: %w", fs.Err())
			case <-fctx.Done():
				return nil
			}
		}, func(error) { fcancel() })
	}
	sigctx, sigcancel := context.WithCancel(ctx)
	g.Add(func() error {
		<-sigctx.Done()
		log.Info("drip stopping")
		return nil
	}, func(error) { sigcancel() })
	err := g.Run()
	if errors.Is(err, context.Canceled) {
		err = nil
	}
	return err
}

// failingStore is a store that can fail for good (the embedded one):
// Failed is closed when it does, and Err says why.
type failingStore interface {
	Failed() <-chan struct{}
	Err() error
}

// openNotary opens the notary over the store, generating its keys on first
// start. A store whose positions have gaps (KurrentDB) gets no notary: its
// tree's leaves are positions, so serve says so and runs without one rather
// than sign a tree it cannot keep.
func openNotary(ctx context.Context, sc serveConfig, storeURL string, store events.Store, log *slog.Logger) (*notary.Notary, string, error) {
	if !denseStore(storeURL) {
		log.Warn("no notary: this store's positions have gaps, and the Merkle tree needs dense positions; checkpoints and proofs are not served",
			"store", redact(storeURL))
		return nil, "", nil
	}
	signerKey, verifierKey, err := notaryKeys(filepath.Join(sc.DataDir, "keys"), sc.Origin, log)
	if err != nil {
		return nil, "", err
	}
	signer, err := notary.NewSigner(signerKey)
	if err != nil {
		return nil, "", err
	}
	nt, err := notary.Open(ctx, filepath.Join(sc.DataDir, "notary"), store, signer,
		notary.Config{Logger: log, CheckpointInterval: sc.CheckpointInterval})
	if err != nil {
		return nil, "", fmt.Errorf("open notary: %w", err)
	}
	return nt, verifierKey, nil
}

// modelsDir is where, beside the embedded store, the durable read models
// keep their state and checkpoints (a Pebble database).
const modelsDir = "models"

// openModelStore opens where the durable read models live: with the
// embedded store, a Pebble database in DATA/models, so a restart resumes
// each model at its checkpoint; with memory: and KurrentDB, memory for now
// (a start replays the log into them). PostgreSQL's are in its own tables:
// see openViews.
func openModelStore(storeURL, dataDir string) (modelstore.Store, error) {
	scheme, rest, _ := strings.Cut(storeURL, ":")
	if scheme != "embedded" && scheme != "pebble" {
		return &modelstore.Memory{}, nil
	}
	if rest == "" {
		rest = dataDir
	}
	ms, err := pebblemodels.Open(filepath.Join(rest, modelsDir), pebblemodels.Options{})
	if err != nil {
		return nil, fmt.Errorf("open the read models' store: %w", err)
	}
	return ms, nil
}
