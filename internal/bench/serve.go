package bench

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"time"

	"github.com/drip-ledger/drip/api"
	"github.com/drip-ledger/drip/domain"
	"github.com/drip-ledger/drip/events"
	"github.com/drip-ledger/drip/events/embedded"
)

// tokenTTL is the lifetime of the benchmark's tokens: longer than any run.
const tokenTTL = 24 * time.Hour

// ServeOptions is what Serve measures and the wiring it needs from
// cmd/drip, which alone knows the generator, the server and the read models.
type ServeOptions struct {
	// DataDir is the county's data directory: opened if it holds events,
	// else generated into (and kept). "" is a scratch directory in the
	// system's temporary directory, generated into and removed at the end.
	DataDir string
	// Households is what Generate is asked for when the county is made.
	Households int
	// Clients are the concurrent client counts each read is measured at;
	// commands are measured at the largest, beside as many raw appenders.
	Clients []int
	// Duration is the length of each measurement.
	Duration time.Duration
	// ReadyTimeout bounds each start of the server.
	ReadyTimeout time.Duration
	// County is the division code of the generated county, the tokens'
	// jurisdiction.
	County string

	// Registry is the deployment's, for opening the county's store.
	Registry *events.Registry
	// Generate writes a county of households into the empty dataDir.
	Generate func(ctx context.Context, dataDir string, households int) error
	// Rebuild replays the whole log of store into a fresh instance of every
	// read model the server runs, and returns once they have reached head.
	Rebuild func(ctx context.Context, store events.Store, head uint64) error
	// Token signs a bearer token for claims with dataDir's key, as the
	// server will verify it.
	Token func(dataDir string, claims api.Claims) (string, error)
	// Server runs `drip serve`.
	Server ServerCommand
	// Progress, if not nil, hears what the run is doing.
	Progress io.Writer
}

func (o ServeOptions) validate() error {
	var errs []error
	if len(o.Clients) == 0 || slices.ContainsFunc(o.Clients, func(c int) bool { return c < 1 || c > WritersMax }) {
		errs = append(errs, fmt.Errorf("bench serve: client counts must be in 1..%d", WritersMax))
	}
	if o.Duration <= 0 || o.ReadyTimeout <= 0 {
		errs = append(errs, errors.New("bench serve: the duration and ready timeout must be positive"))
	}
	if o.County == "" || o.Registry == nil || o.Generate == nil || o.Rebuild == nil || o.Token == nil || o.Server == nil {
		errs = append(errs, errors.New("bench serve: the county, registry, generator, rebuild, token and server wiring are required"))
	}
	return errors.Join(errs...)
}

// ServeReport is one run of Serve: every figure issue 11's table names,
// each beside its yardstick measured in the same run.
type ServeReport struct {
	Events uint64 `json:"events"`
	// Households are the county's (registered, whatever their status).
	Households int `json:"households"`
	// GeneratedS is how long making the county took, 0 if it was opened.
	GeneratedS float64 `json:"generated_s,omitempty"`

	// FirstReadyS is the first start's time to /readyz 200 (after a
	// generation, the models may have to be built); RestartReadyS the
	// second's, after a clean stop: the restart the goal is about. The
	// CaughtUpS are the times until a read at ?position=<head> is answered:
	// /readyz may say ready while the models still trail a little.
	FirstReadyS      float64 `json:"first_ready_s"`
	FirstCaughtUpS   float64 `json:"first_caught_up_s"`
	RestartReadyS    float64 `json:"restart_ready_s"`
	RestartCaughtUpS float64 `json:"restart_caught_up_s"`
	// Peak resident memory (VmHWM) of the server: the first start's at
	// ready, the restarted one's at ready and at the end of the run.
	FirstReadyPeakBytes   uint64 `json:"first_ready_peak_bytes"`
	RestartReadyPeakBytes uint64 `json:"restart_ready_peak_bytes"`
	PeakBytes             uint64 `json:"peak_bytes"`

	// ReadAllEventsPerS reads the whole log; RebuildEventsPerS replays it
	// into every read model, in the same run.
	ReadAllEventsPerS  float64 `json:"read_all_events_per_s"`
	RebuildEventsPerS  float64 `json:"rebuild_events_per_s"`
	RebuildOverReadAll float64 `json:"rebuild_over_read_all"`

	Reads    []ReadRow  `json:"reads"`
	Commands CommandRow `json:"commands"`

	// IDs says what the requests were made of.
	IDs IDs `json:"ids"`
}

// ReadRow is one read at one client count, beside /healthz at that count.
type ReadRow struct {
	Read    string `json:"read"`
	Clients int    `json:"clients"`
	Latency
	HealthzPerS float64 `json:"healthz_per_s"`
	OverHealthz float64 `json:"over_healthz"`
}

// CommandRow is filing complaints over HTTP beside the store's raw appends
// at as many writers (one event per append, a fresh store), in one run.
type CommandRow struct {
	Clients int `json:"clients"`
	Latency
	RawAppendsPerS float64 `json:"raw_appends_per_s"`
	OverRawAppends float64 `json:"over_raw_appends"`
}

// IDs are how many of the county's IDs the requests were spread over.
type IDs struct {
	Files         int `json:"files"`
	AsOfFiles     int `json:"as_of_files"`
	PaidFiles     int `json:"paid_files"`
	SearchQueries int `json:"search_queries"`
}

// Serve measures a county: it generates or opens it, reads its log and
// rebuilds every read model from it, starts `drip serve` on it twice (the
// second start is the restart), then loads the restarted server with each
// read at each client count beside /healthz, and with commands beside the
// store's raw appends.
func Serve(ctx context.Context, opts ServeOptions) (_ ServeReport, err error) {
	if err := opts.validate(); err != nil {
		return ServeReport{}, err
	}
	tmp, remove, err := scratch("")
	if err != nil {
		return ServeReport{}, err
	}
	defer remove(&err)
	dir := opts.DataDir
	if dir == "" {
		dir = filepath.Join(tmp, "county")
	}
	var rep ServeReport
	if err := rep.county(ctx, opts, dir); err != nil {
		return rep, err
	}
	now := time.Now()
	tok := func(user string, role domain.Role) (string, error) {
		return opts.Token(dir, api.Claims{User: user, Role: role, Jurisdiction: opts.County,
			IssuedAt: now.Unix(), ExpiresAt: now.Add(tokenTTL).Unix()})
	}
	audit, err := tok("bench.auditor", domain.RoleAuditor)
	if err != nil {
		return rep, err
	}
	desk, err := tok("bench.desk", domain.RoleComplaintDesk)
	if err != nil {
		return rep, err
	}
	conns := slices.Max(opts.Clients)
	opts.progress("starting drip serve on %s", dir)
	first, ready, caught, err := start(ctx, opts, dir, filepath.Join(tmp, "serve-1.log"), conns, audit, desk)
	if err != nil {
		return rep, err
	}
	rep.FirstReadyS, rep.FirstCaughtUpS = ready.Seconds(), caught.Seconds()
	rep.FirstReadyPeakBytes, err = first.peakMemory()
	if err = errors.Join(err, first.stop()); err != nil {
		return rep, err
	}
	opts.progress("first start ready in %.2f s, caught up in %.2f s; restarting", rep.FirstReadyS, rep.FirstCaughtUpS)
	srv, ready, caught, err := start(ctx, opts, dir, filepath.Join(tmp, "serve-2.log"), conns, audit, desk)
	if err != nil {
		return rep, err
	}
	defer func() { err = errors.Join(err, srv.stop()) }()
	rep.RestartReadyS, rep.RestartCaughtUpS = ready.Seconds(), caught.Seconds()
	if rep.RestartReadyPeakBytes, err = srv.peakMemory(); err != nil {
		return rep, err
	}
	if err := rep.load(ctx, opts, newClient(srv.base, conns, audit, desk), tmp, now); err != nil {
		return rep, err
	}
	rep.PeakBytes, err = srv.peakMemory()
	return rep, err
}

// start starts `drip serve` on dir and returns it with the times from its
// start to /readyz 200 and to its read models' reaching the head the log
// had before it started (a previous server's reads appended to it).
func start(ctx context.Context, opts ServeOptions, dir, logPath string, conns int, audit, desk string) (*server, time.Duration, time.Duration, error) {
	head, err := logHead(ctx, dir, opts.Registry)
	if err != nil {
		return nil, 0, 0, err
	}
	srv, ready, err := startServer(ctx, opts.Server, dir, logPath, opts.ReadyTimeout)
	if err != nil {
		return nil, 0, 0, err
	}
	caught, err := srv.caughtUp(ctx, newClient(srv.base, conns, audit, desk), head, opts.ReadyTimeout)
	if err != nil {
		return nil, 0, 0, errors.Join(err, srv.stop())
	}
	return srv, ready, caught, nil
}

// county generates the county into dir if it holds no events, then reads
// its whole log and rebuilds every read model from it.
func (rep *ServeReport) county(ctx context.Context, opts ServeOptions, dir string) error {
	head, err := logHead(ctx, dir, opts.Registry)
	if err != nil {
		return err
	}
	if head == 0 {
		opts.progress("generating a county of %d households in %s", opts.Households, dir)
		began := time.Now()
		if err := opts.Generate(ctx, dir, opts.Households); err != nil {
			return fmt.Errorf("generating the county: %w", err)
		}
		rep.GeneratedS = time.Since(began).Seconds()
	}
	store, err := embedded.Open(dir, opts.Registry, embedded.Options{Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		return err
	}
	defer store.Close()
	if rep.Events, err = store.Head(ctx); err != nil {
		return err
	}
	if rep.Events == 0 {
		return fmt.Errorf("the county in %s holds no events", dir)
	}
	opts.progress("reading the log of %d events", rep.Events)
	if rep.ReadAllEventsPerS, err = readAllRate(ctx, store); err != nil {
		return err
	}
	opts.progress("rebuilding every read model")
	began := time.Now()
	if err := opts.Rebuild(ctx, store, rep.Events); err != nil {
		return fmt.Errorf("rebuilding the read models: %w", err)
	}
	rep.RebuildEventsPerS = float64(rep.Events) / time.Since(began).Seconds()
	rep.RebuildOverReadAll = rep.RebuildEventsPerS / rep.ReadAllEventsPerS
	return nil
}

// logHead is the head of the embedded store in dir, 0 for a directory that
// does not exist yet.
func logHead(ctx context.Context, dir string, reg *events.Registry) (uint64, error) {
	if _, err := os.Stat(dir); errors.Is(err, os.ErrNotExist) {
		return 0, nil
	}
	store, err := embedded.Open(dir, reg, embedded.Options{Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		return 0, err
	}
	head, err := store.Head(ctx)
	return head, errors.Join(err, store.Close())
}

// readAllRate reads the whole log in pages of events.ReadEventsMax, as a
// rebuild does, and returns events per second.
func readAllRate(ctx context.Context, store events.Store) (float64, error) {
	start := time.Now()
	read := 0
	for from := uint64(1); ; {
		page, err := store.ReadAll(ctx, from, events.ReadEventsMax)
		if err != nil {
			return 0, err
		}
		if len(page) == 0 {
			break
		}
		read += len(page)
		from = page[len(page)-1].Position + 1
	}
	return float64(read) / time.Since(start).Seconds(), nil
}

// load measures the running server: every read at every client count
// beside /healthz, then commands beside raw appends.
func (rep *ServeReport) load(ctx context.Context, opts ServeOptions, c *client, tmp string, now time.Time) error {
	clients := slices.Max(opts.Clients)
	opts.progress("choosing IDs from the county")
	k, err := discover(ctx, c)
	if err != nil {
		return err
	}
	var counts []struct {
		Total int `json:"total"`
	}
	if err := c.get(ctx, "/stats/households?level=county", c.audit, &counts); err != nil {
		return err
	}
	for _, n := range counts {
		rep.Households += n.Total
	}
	rep.IDs = IDs{Files: len(k.files), AsOfFiles: len(k.asOf), PaidFiles: k.paid, SearchQueries: len(k.searches)}
	if err := waitForCheckpoint(ctx, c); err != nil {
		return err
	}
	for _, n := range opts.Clients {
		h, err := measure(ctx, n, opts.Duration, func(ctx context.Context, i int) error {
			return c.get(ctx, healthz.path(i), "", nil)
		})
		if err != nil {
			return fmt.Errorf("healthz at %d clients: %w", n, err)
		}
		for _, r := range k.reads() {
			opts.progress("%s at %d clients", r.name, n)
			l, err := measure(ctx, n, opts.Duration, func(ctx context.Context, i int) error {
				return c.get(ctx, r.path(i), c.audit, nil)
			})
			if err != nil {
				return fmt.Errorf("%s at %d clients: %w", r.name, n, err)
			}
			rep.Reads = append(rep.Reads, ReadRow{Read: r.name, Clients: n, Latency: l, HealthzPerS: h.PerS, OverHealthz: l.PerS / h.PerS})
		}
	}
	opts.progress("filing complaints at %d clients", clients)
	deskNo := fmt.Sprintf("99%010d", now.Unix()%1e10)
	cmds, err := measure(ctx, clients, opts.Duration, func(ctx context.Context, i int) error {
		return c.do(ctx, http.MethodPost, "/complaints", c.desk, k.complaint(deskNo, now.Year(), i), nil)
	})
	if err != nil {
		return fmt.Errorf("filing complaints at %d clients: %w", clients, err)
	}
	opts.progress("raw appends at %d writers", clients)
	raw, err := rawAppends(ctx, filepath.Join(tmp, "raw"), clients, opts.Duration)
	if err != nil {
		return fmt.Errorf("raw appends: %w", err)
	}
	rep.Commands = CommandRow{Clients: clients, Latency: cmds, RawAppendsPerS: raw.PerS, OverRawAppends: cmds.PerS / raw.PerS}
	return nil
}

// rawAppends measures the embedded store's own append rate in a fresh
// store in dir: writers appending one small event each to a new stream, as
// a command does, for d.
func rawAppends(ctx context.Context, dir string, writers int, d time.Duration) (Latency, error) {
	reg := Registry()
	evs, _, err := Events(reg, 1)
	if err != nil {
		return Latency{}, err
	}
	store, err := embedded.Open(dir, reg, embedded.Options{Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		return Latency{}, err
	}
	l, err := measure(ctx, writers, d, func(ctx context.Context, i int) error {
		ev := evs[0]
		binary.BigEndian.PutUint64(ev.ID[8:], uint64(i)+1)
		_, err := store.Append(ctx, fmt.Sprintf("bench-raw-%d", i), events.NoStream, ev)
		return err
	})
	return l, errors.Join(err, store.Close())
}

func (o ServeOptions) progress(format string, args ...any) {
	if o.Progress != nil {
		fmt.Fprintf(o.Progress, "bench serve: "+format+"\n", args...)
	}
}
