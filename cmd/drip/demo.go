package main

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync/atomic"
	"time"

	"github.com/drip-ledger/drip/api"
	"github.com/drip-ledger/drip/domain"
	"github.com/drip-ledger/drip/domain/complaint"
	"github.com/drip-ledger/drip/domain/household"
	"github.com/drip-ledger/drip/events"
	"github.com/drip-ledger/drip/events/embedded"
)

// `drip demo` loads a synthetic Weining county into an empty data
// directory. Every fact goes in as an HTTP request to the real server, built
// in-process over the real store, with bearer tokens of realistic officials:
// so the demo can only record what the rules accept, and what it records is
// what a county would have recorded. A simulated clock, which is both the
// server's clock and the store's, runs from the 2014 survey season to mid
// 2020, so that reads "as of" a date show history.

// Limits and defaults of the demo.
const (
	demoHouseholdsDefault = 300
	demoHouseholdsMin     = 30 // fewer cannot hold every status and every story
	demoHouseholdsMax     = 5000
	demoTokenTTL          = 24 * time.Hour
	demoCensusPageLen     = 1000
)

// The simulated clock's span: the first survey season to the end of June
// 2020, before the programme's end and long before the real now.
var (
	demoStart = time.Date(2014, 4, 1, 8, 0, 0, 0, complaint.ChinaTime)
	demoEnd   = time.Date(2020, 6, 30, 18, 0, 0, 0, complaint.ChinaTime)
)

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
townships, 12 villages, households in every status from 2014 to mid 2020,
cadres, measures, visits, objections, corrections, complaints, and the
money: appropriation documents, projects from proposal to acceptance,
payments to households settled, failed, acknowledged and reversed. Every fact
is sent as an HTTP request to the real server (in-process, no network) with
the tokens of village, township and county officials, so nothing is
recorded that the rules refuse. The same --seed gives the same county.
Then prints ready-to-use tokens and example requests for drip serve.`, stderr)
	dataDir := fs.String("data", "./drip-data", "data directory of the embedded store; it must hold no events yet")
	n := fs.Int("households", demoHouseholdsDefault, fmt.Sprintf("households to load, %d..%d", demoHouseholdsMin, demoHouseholdsMax))
	seed := fs.Uint64("seed", 1, "seed of the synthetic county (same seed, same county)")
	if err := parse(fs, args); err != nil {
		return err
	}
	log := slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	sum, err := loadDemo(ctx, demoConfig{DataDir: *dataDir, Households: *n, Seed: *seed, Log: log, Progress: stderr})
	if err != nil {
		return err
	}
	sum.print(stdout)
	return printDemoTokens(stdout, *dataDir, api.DefaultConfig().Addr, &sum)
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
	sum.print(stdout)
	return printDemoTokens(stdout, dataDir, addr, &sum)
}

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
	if c.Households < demoHouseholdsMin || c.Households > demoHouseholdsMax {
		errs = append(errs, fmt.Errorf("demo: %d households is outside %d..%d", c.Households, demoHouseholdsMin, demoHouseholdsMax))
	}
	if c.Log == nil {
		errs = append(errs, errors.New("demo: a logger is required"))
	}
	return errors.Join(errs...)
}

// demoSummary is what a load wrote.
type demoSummary struct {
	DataDir    string
	Files      map[string]household.Status // file number → status
	Complaints map[string]complaint.Status // complaint ID → status
	Events     uint64
	Requests   int
	Cadres     int
	Took       time.Duration
	// Returned is a household that exited and fell back, for the as-of example.
	Returned         string
	ExitedAt, BackAt time.Time
	// Money is the fund ledger as the load left it.
	Money demoMoney
}

// loadDemo plans the county from cfg.Seed and sends the plan, in time order,
// to the server. Any refused request stops it with the problem. A store that
// already holds events is refused with errStoreNotEmpty before anything is
// written.
func loadDemo(ctx context.Context, cfg demoConfig) (demoSummary, error) {
	if err := cfg.validate(); err != nil {
		return demoSummary{}, err
	}
	began := time.Now()
	clock := &demoClock{}
	clock.set(demoStart)
	reg := registry()
	store, err := embedded.Open(cfg.DataDir, reg, embedded.Options{Now: clock.now, Logger: cfg.Log})
	if err != nil {
		return demoSummary{}, fmt.Errorf("open store: %w", err)
	}
	sum, err := loadInto(ctx, cfg, store, reg, clock)
	if cerr := store.Close(); cerr != nil && err == nil {
		err = fmt.Errorf("closing the store: %w", cerr)
	}
	sum.Took = time.Since(began)
	return sum, err
}

func loadInto(ctx context.Context, cfg demoConfig, store *embedded.Store, reg *events.Registry, clock *demoClock) (demoSummary, error) {
	head, err := store.Head(ctx)
	if err != nil {
		return demoSummary{}, err
	}
	if head > 0 {
		return demoSummary{}, &storeNotEmptyError{dir: cfg.DataDir, events: head}
	}
	key, err := loadOrCreateKey(filepath.Join(cfg.DataDir, tokenKeyFile))
	if err != nil {
		return demoSummary{}, fmt.Errorf("token key: %w", err)
	}
	w := planDemo(cfg.Households, cfg.Seed)
	srv, v, stop, err := demoServer(ctx, store, reg, key, clock, cfg.Log)
	if err != nil {
		return demoSummary{}, err
	}
	c := &demoClient{h: srv.Handler(), key: key, clock: clock}
	runErr := w.run(ctx, c, clock, cfg.Progress)
	var money demoMoney
	if runErr == nil {
		money, runErr = w.money(ctx, store, v, clock.now())
	}
	if err := stop(); err != nil && runErr == nil {
		runErr = err
	}
	if runErr != nil {
		return demoSummary{}, runErr
	}
	sum, err := demoCensus(ctx, store, reg)
	if err != nil {
		return demoSummary{}, err
	}
	sum.Money = money
	sum.DataDir, sum.Requests, sum.Cadres = cfg.DataDir, c.requests, w.cadres
	if h := w.story.returned; h != nil {
		sum.Returned, sum.ExitedAt, sum.BackAt = h.file, h.exitedAt, h.returnedAt
	}
	return sum, nil
}

// demoServer wires the server as serve does (the real services, the real
// read models) over store, with the simulated clock, and returns the read
// models too. stop stops them.
func demoServer(ctx context.Context, store events.Store, reg *events.Registry, key ed25519.PrivateKey,
	clock *demoClock, log *slog.Logger) (*api.Server, *views, func() error, error) {
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
	deps.TokenKey, deps.Now = key.Public().(ed25519.PublicKey), clock.now
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

// demoClock is the simulated time: the server's clock and the store's
// (RecordedAt). Only the plan moves it, and only forward.
type demoClock struct{ ns atomic.Int64 }

func (c *demoClock) now() time.Time { return time.Unix(0, c.ns.Load()).In(complaint.ChinaTime) }

func (c *demoClock) set(t time.Time) { c.ns.Store(t.UnixNano()) }

// demoActor is an official the demo acts as.
type demoActor struct {
	user string
	role domain.Role
	jur  string
}

// demoClient sends requests to the server's handler, each with a token
// minted at the simulated now.
type demoClient struct {
	h        http.Handler
	key      ed25519.PrivateKey
	clock    *demoClock
	requests int
}

// post sends body to path as a and returns the command's answer; any answer
// but a 2xx is an error carrying the problem the server gave.
func (c *demoClient) post(ctx context.Context, a demoActor, path string, body any) (api.CommandResponse, error) {
	now := c.clock.now()
	tok, err := api.IssueToken(c.key, api.Claims{User: a.user, Role: a.role, Jurisdiction: a.jur,
		IssuedAt: now.Unix(), ExpiresAt: now.Add(time.Hour).Unix()})
	if err != nil {
		return api.CommandResponse{}, fmt.Errorf("token for %s: %w", a.user, err)
	}
	raw, err := json.Marshal(body)
	if err != nil {
		return api.CommandResponse{}, err
	}
	req := httptest.NewRequestWithContext(ctx, http.MethodPost, path, bytes.NewReader(raw))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+tok)
	rec := httptest.NewRecorder()
	c.h.ServeHTTP(rec, req)
	c.requests++
	if rec.Code/100 != 2 {
		return api.CommandResponse{}, fmt.Errorf("demo refused at %s: POST %s as %s (%s, %s) = %d\n%s\nrequest: %s",
			now.Format("2006-01-02 15:04"), path, a.user, a.role, a.jur, rec.Code, strings.TrimSpace(rec.Body.String()), raw)
	}
	var out api.CommandResponse
	if err := json.Unmarshal(rec.Body.Bytes(), &out); err != nil {
		return out, fmt.Errorf("POST %s: answer: %w", path, err)
	}
	return out, nil
}

// demoCensus folds every household and complaint stream of store.
func demoCensus(ctx context.Context, store events.Store, reg *events.Registry) (demoSummary, error) {
	streams := map[string][]events.Event{}
	var order []string
	sum := demoSummary{Files: map[string]household.Status{}, Complaints: map[string]complaint.Status{}}
	for from := uint64(1); ; {
		page, err := store.ReadAll(ctx, from, demoCensusPageLen)
		if err != nil {
			return sum, err
		}
		for _, ev := range page {
			if _, seen := streams[ev.Stream]; !seen {
				order = append(order, ev.Stream)
			}
			streams[ev.Stream] = append(streams[ev.Stream], ev)
			sum.Events, from = ev.Position, ev.Position+1
		}
		if len(page) < demoCensusPageLen {
			break
		}
	}
	for _, name := range order {
		evs := streams[name]
		switch {
		case strings.HasPrefix(name, household.StreamPrefix):
			s, err := household.StateAt(reg, evs, evs[len(evs)-1].RecordedAt)
			if err != nil {
				return sum, err
			}
			sum.Files[s.File().String()] = s.Status()
		case strings.HasPrefix(name, "complaint-"):
			var s complaint.State
			for _, ev := range evs {
				p, err := reg.Decode(ev)
				if err != nil {
					return sum, err
				}
				if s, err = complaint.Evolve(s, ev, p); err != nil {
					return sum, err
				}
			}
			sum.Complaints[strings.TrimPrefix(name, "complaint-")] = s.Status()
		}
	}
	return sum, nil
}

// demoHouseholdStatuses are the household statuses in the order the file
// moves through them.
var demoHouseholdStatuses = []household.Status{household.StatusRegistered, household.StatusSurveyed,
	household.StatusProposed, household.StatusPublicized, household.StatusEnrolled, household.StatusRejected,
	household.StatusExitProposed, household.StatusExitPublicized, household.StatusExited,
	household.StatusMonitored, household.StatusReturned, household.StatusRemoved}

var demoComplaintStatuses = []complaint.Status{complaint.StatusReceived, complaint.StatusAcknowledged,
	complaint.StatusAssigned, complaint.StatusResolved, complaint.StatusClosed, complaint.StatusAppealed}

func countBy[K comparable, V comparable](m map[K]V) map[V]int {
	out := map[V]int{}
	for _, v := range m {
		out[v]++
	}
	return out
}

func (s *demoSummary) print(w io.Writer) {
	fmt.Fprintf(w, "Loaded a synthetic %s into %s in %.1fs: %d events from %d requests, simulated %s to %s.\n",
		demoCountyName, s.DataDir, s.Took.Seconds(), s.Events, s.Requests,
		demoStart.Format(time.DateOnly), demoEnd.Format(time.DateOnly))
	villages := 0
	for _, t := range demoTowns {
		villages += len(t.villages)
	}
	fmt.Fprintf(w, "%d townships, %d villages, %d households, %d helping cadres, %d complaints.\n\nHouseholds by status:\n",
		len(demoTowns), villages, len(s.Files), s.Cadres, len(s.Complaints))
	hs := countBy(s.Files)
	for _, st := range demoHouseholdStatuses {
		fmt.Fprintf(w, "  %-16s %5d\n", st, hs[st])
	}
	fmt.Fprintln(w, "Complaints by status:")
	cs := countBy(s.Complaints)
	for _, st := range demoComplaintStatuses {
		fmt.Fprintf(w, "  %-16s %5d\n", st, cs[st])
	}
	s.Money.print(w)
}

// demoTokenUsers are the officials whose tokens the demo prints.
var demoTokenUsers = []struct {
	env  string
	user string
	role domain.Role
}{
	{"PAO_TOKEN", "pao.chen.guoming", domain.RoleCountyPAO},
	{"DESK_TOKEN", "desk.li.xiuying", domain.RoleComplaintDesk},
	{"AUDIT_TOKEN", "audit.zhou.min", domain.RoleAuditor},
}

// printDemoTokens prints tokens valid for demoTokenTTL from the real now,
// signed with the deployment's key in dataDir, and example requests to addr.
// sum, if not nil, names a household for the as-of example.
func printDemoTokens(w io.Writer, dataDir, addr string, sum *demoSummary) error {
	key, err := loadOrCreateKey(filepath.Join(dataDir, tokenKeyFile))
	if err != nil {
		return fmt.Errorf("token key: %w", err)
	}
	now := time.Now()
	fmt.Fprintf(w, "\nTokens for county %s, valid %v (signed with %s):\n", demoCountyCode, demoTokenTTL, filepath.Join(dataDir, tokenKeyFile))
	for _, u := range demoTokenUsers {
		tok, err := api.IssueToken(key, api.Claims{User: u.user, Role: u.role, Jurisdiction: demoCountyCode,
			IssuedAt: now.Unix(), ExpiresAt: now.Add(demoTokenTTL).Unix()})
		if err != nil {
			return err
		}
		fmt.Fprintf(w, "  export %s=%s   # %s, %s\n", u.env, tok, u.user, u.role)
	}
	base := "http://" + addr
	fmt.Fprintf(w, "\nTry (with drip serve --data %s running):\n", dataDir)
	fmt.Fprintf(w, "  curl -s -H \"Authorization: Bearer $DESK_TOKEN\" '%s/complaints?overdue=true'\n", base)
	fmt.Fprintf(w, "  curl -s -H \"Authorization: Bearer $AUDIT_TOKEN\" '%s/stats/households?level=township'\n", base)
	fmt.Fprintf(w, "  curl -s -H \"Authorization: Bearer $PAO_TOKEN\" '%s/households?status=returned&limit=5'\n", base)
	if sum != nil && sum.Returned != "" {
		between := sum.ExitedAt.AddDate(0, 0, 14)
		fmt.Fprintf(w, "  # %s exited on %s and returned to poverty on %s; the desk's file as of a date in between:\n",
			sum.Returned, sum.ExitedAt.Format(time.DateOnly), sum.BackAt.Format(time.DateOnly))
		fmt.Fprintf(w, "  curl -s -H \"Authorization: Bearer $DESK_TOKEN\" '%s/households/%s/as-of?at=%s'\n", base, sum.Returned, between.Format(time.DateOnly))
		fmt.Fprintf(w, "  curl -s -H \"Authorization: Bearer $DESK_TOKEN\" '%s/households/%s/timeline'\n", base, sum.Returned)
	}
	if sum != nil && sum.Money.Example != "" {
		fmt.Fprintf(w, "  # %s was paid from %s; every fen back to its documents:\n", sum.Money.Example, strings.Join(sum.Money.ExampleDocs, " and "))
		fmt.Fprintf(w, "  curl -s -H \"Authorization: Bearer $AUDIT_TOKEN\" '%s/households/%s/drip-trail'\n", base, sum.Money.Example)
	}
	return nil
}
