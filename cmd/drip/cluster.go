package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"sync/atomic"
	"time"

	"github.com/drip-ledger/drip/events"
	"github.com/drip-ledger/drip/projections"
	"github.com/drip-ledger/drip/projections/modelstore"
	"github.com/drip-ledger/drip/projections/modelstore/pgmodels"
	"github.com/oklog/run"
)

// Several drip serve processes on one PostgreSQL (issue 11 §6): every
// process opens the read models' tables (pgmodels) in the log's database
// and schema and answers reads from them; every process campaigns for the
// leadership "models" (a PostgreSQL advisory lock), and the one that holds
// it runs the ModelRunner of the durable models, committing through the
// leadership's fenced Store. The others follow: their positions, waits
// (?position=) and readiness are the stored checkpoints. The models folded
// in memory (the fund ledger) are not shared: each process folds them from
// the log itself.

// leadershipModels names the leadership whose holder advances the models.
const leadershipModels = "models"

// clusterPollInterval is how often a wait for a position (?position=, the
// cadre loads) reads the stored checkpoints: it bounds the latency a
// follower adds to read-your-writes.
const clusterPollInterval = 20 * time.Millisecond

// openViews opens the read models serve runs: shared in PostgreSQL, under
// leadership, when the log is there; otherwise as openModelStore says. The
// returned function closes what it opened.
func openViews(ctx context.Context, storeURL, dataDir string, store events.Store, reg *events.Registry, log *slog.Logger) (*views, func() error, error) {
	scheme, _, _ := strings.Cut(storeURL, ":")
	if scheme != "postgres" && scheme != "postgresql" {
		ms, err := openModelStore(storeURL, dataDir)
		if err != nil {
			return nil, nil, err
		}
		v, err := newViewsIn(store, reg, ms, log)
		if err != nil {
			return nil, nil, errors.Join(err, ms.Close())
		}
		return v, ms.Close, nil
	}
	dsn, schema, err := splitParam(storeURL, "drip_schema")
	if err != nil {
		return nil, nil, fmt.Errorf("store %s: %w", redact(storeURL), err)
	}
	pg, err := pgmodels.Open(ctx, dsn, pgmodels.Options{Schema: schema})
	if err != nil {
		return nil, nil, fmt.Errorf("open the read models' store: %w", err)
	}
	v, err := newClusterViews(ctx, store, reg, pg, log)
	if err != nil {
		return nil, nil, errors.Join(err, pg.Close())
	}
	return v, pg.Close, nil
}

// newClusterViews builds the views of one process of a cluster: the
// durable models over pg (committing only while this process leads), and
// a runner of the in-memory ones alone.
func newClusterViews(ctx context.Context, store events.Store, reg *events.Registry, pg *pgmodels.Store, log *slog.Logger) (*views, error) {
	ls := &leaderStore{Store: pg}
	v, err := newViewsIn(store, reg, ls, log)
	if err != nil {
		return nil, err
	}
	// The fund ledger needs no model store: it is folded in memory.
	if v.runner, err = newModelRunner(store, reg, nil, log, v.funds); err != nil {
		return nil, err
	}
	head, err := store.Head(ctx)
	if err != nil {
		return nil, fmt.Errorf("head: %w", err)
	}
	c := &clusterModels{pg: pg, ms: ls, store: store, reg: reg, log: log, target: head,
		durable:   []projections.Model{v.households, v.complaints, v.redflags},
		followers: []follower{v.households, v.complaints}}
	c.followed = make([]atomic.Uint64, len(c.durable))
	v.cluster = c
	return v, nil
}

// follower is a view that keeps its Position at the stored checkpoint.
type follower interface {
	Follow(ctx context.Context) error
}

// clusterModels are the durable models of a process among several.
type clusterModels struct {
	pg        *pgmodels.Store
	ms        *leaderStore
	store     events.Store
	reg       *events.Registry
	log       *slog.Logger
	opts      pgmodels.LeaderOptions
	durable   []projections.Model
	followers []follower
	// target is the log's head when the process started: readiness waits
	// for the stored checkpoints to reach it.
	target uint64
	// followed is each durable model's checkpoint as last read (it only
	// grows), for Drip-Position.
	followed []atomic.Uint64
	// leading is the runner of the durable models while this process leads.
	leading atomic.Pointer[projections.ModelRunner]
}

// run runs the in-memory models, the followers and the campaign until ctx
// ends or one of them fails.
func (c *clusterModels) run(ctx context.Context, memory *projections.ModelRunner) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var g run.Group
	g.Add(func() error { return memory.Run(ctx) }, func(error) { cancel() })
	for _, f := range c.followers {
		g.Add(func() error { return f.Follow(ctx) }, func(error) { cancel() })
	}
	g.Add(func() error { return c.follow(ctx) }, func(error) { cancel() })
	g.Add(func() error { return c.campaign(ctx) }, func(error) { cancel() })
	return g.Run()
}

// campaign leads whenever it can, for the process's life. A lost
// leadership (the lock's session ended: a network cut, a restarted
// server) is not the process's end: it goes on answering reads as a
// follower and campaigns again, and the fenced Store guarantees that
// nothing it still had in flight overwrites its successor's commits. Only a
// runner that cannot start ends the process, saying why.
func (c *clusterModels) campaign(ctx context.Context) error {
	err := c.pg.Campaign(ctx, leadershipModels, c.opts, c.lead)
	if ctx.Err() != nil {
		return nil
	}
	return fmt.Errorf("advancing the read models: %w", err)
}

// lead runs the durable models while this process holds the leadership
// (until ctx ends), committing through fenced.
func (c *clusterModels) lead(ctx context.Context, fenced modelstore.Store) error {
	r, err := newModelRunner(c.store, c.reg, c.ms, c.log, c.durable...)
	if err != nil {
		return err
	}
	c.ms.lead(fenced)
	c.leading.Store(r)
	defer func() {
		c.leading.Store(nil)
		c.ms.lead(nil)
	}()
	c.log.Info("leading: this process advances the read models", "leadership", leadershipModels)
	err = r.Run(ctx)
	c.log.Warn("no longer leading the read models; following and campaigning again", "err", err)
	return err
}

// follow keeps followed at the stored checkpoints.
func (c *clusterModels) follow(ctx context.Context) error {
	t := time.NewTicker(clusterPollInterval * 5)
	defer t.Stop()
	for {
		if _, err := c.behind(ctx, 0); err != nil && ctx.Err() == nil {
			c.log.Warn("reading the read models' checkpoints", "err", err)
		}
		select {
		case <-ctx.Done():
			return nil
		case <-t.C:
		}
	}
}

// behind reads every durable model's stored checkpoint and says whether
// one is below position.
func (c *clusterModels) behind(ctx context.Context, position uint64) (bool, error) {
	behind := false
	for i, m := range c.durable {
		cp, err := c.ms.Checkpoint(ctx, m.Name())
		if err != nil {
			return false, err
		}
		raise(&c.followed[i], cp)
		behind = behind || cp < position
	}
	return behind, nil
}

func raise(a *atomic.Uint64, v uint64) {
	for old := a.Load(); v > old && !a.CompareAndSwap(old, v); old = a.Load() {
	}
}

// waitFor returns once every durable model's stored checkpoint has reached
// position (whoever advanced it), or ctx ends.
func (c *clusterModels) waitFor(ctx context.Context, position uint64) error {
	t := time.NewTicker(clusterPollInterval)
	defer t.Stop()
	for {
		behind, err := c.behind(ctx, position)
		if err != nil || !behind {
			return err
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-t.C:
		}
	}
}

// position is the lowest checkpoint of the durable models as last read.
func (c *clusterModels) position() uint64 {
	low := c.followed[0].Load()
	for i := range c.followed[1:] {
		low = min(low, c.followed[i+1].Load())
	}
	return low
}

// status is the leader's runner's status while this process leads; a
// follower's says each model's stored checkpoint against the head seen at
// start.
func (c *clusterModels) status(ctx context.Context) ([]projections.ModelStatus, error) {
	if r := c.leading.Load(); r != nil {
		return r.Status(ctx)
	}
	head, err := c.store.Head(ctx)
	if err != nil {
		return nil, err
	}
	if _, err := c.behind(ctx, 0); err != nil {
		return nil, err
	}
	out := make([]projections.ModelStatus, len(c.durable))
	for i, m := range c.durable {
		cp := c.followed[i].Load()
		out[i] = projections.ModelStatus{Name: m.Name(), State: projections.StateRunning, Position: cp, Target: c.target,
			CaughtUp: cp >= c.target, Lag: head - min(head, cp)}
	}
	return out, nil
}

// leaderStore is the durable models' store in a process of a cluster:
// reads go to the tables, commits and drops through the leadership's
// fenced Store while this process leads, and fail with
// pgmodels.ErrNotLeader otherwise (a follower never folds).
type leaderStore struct {
	*pgmodels.Store
	fenced atomic.Pointer[modelstore.Store]
}

func (s *leaderStore) lead(fenced modelstore.Store) {
	if fenced == nil {
		s.fenced.Store(nil)
		return
	}
	s.fenced.Store(&fenced)
}

func (s *leaderStore) current() (modelstore.Store, error) {
	f := s.fenced.Load()
	if f == nil {
		return nil, fmt.Errorf("a follower does not write the read models: %w", pgmodels.ErrNotLeader)
	}
	return *f, nil
}

func (s *leaderStore) Commit(ctx context.Context, model string, b *modelstore.Batch, checkpoint uint64) error {
	f, err := s.current()
	if err != nil {
		return err
	}
	return f.Commit(ctx, model, b, checkpoint)
}

func (s *leaderStore) Drop(ctx context.Context, model string) error {
	f, err := s.current()
	if err != nil {
		return err
	}
	return f.Drop(ctx, model)
}

// Close closes nothing: the tables' store is openViews's.
func (s *leaderStore) Close() error { return nil }

func runProject(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlags("project", `
Advances the durable read models of a PostgreSQL deployment, with no HTTP
server: it campaigns for the leadership "models" beside the drip serve
processes on the same --store, and while it holds it runs the projection
runner (the serve processes then only follow). It logs when it leads; it
stops on SIGINT or SIGTERM.`, stderr)
	storeURL := fs.String("store", "", "the log's PostgreSQL store, postgres://…?drip_schema=… (required)")
	logJSON := fs.Bool("log-json", false, "write logs as JSON lines instead of text")
	if err := parse(fs, args); err != nil {
		return err
	}
	if scheme, _, _ := strings.Cut(*storeURL, ":"); scheme != "postgres" && scheme != "postgresql" {
		fmt.Fprintln(stderr, "drip project: --store must name a PostgreSQL store (postgres://…)")
		return errUsage
	}
	log := newLogger(stderr, *logJSON)
	reg := registry()
	store, err := openStore(ctx, *storeURL, reg, log)
	if err != nil {
		return fmt.Errorf("open store: %w", err)
	}
	defer store.Close()
	v, closeModels, err := openViews(ctx, *storeURL, "", store, reg, log)
	if err != nil {
		return err
	}
	defer closeModels()
	return v.cluster.campaign(ctx)
}
