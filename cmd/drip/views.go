package main

import (
	"context"
	"log/slog"

	"github.com/ThreeDotsLabs/watermill"
	"github.com/drip-ledger/drip/api"
	"github.com/drip-ledger/drip/events"
	"github.com/drip-ledger/drip/projections"
	"github.com/drip-ledger/drip/projections/complaints"
	"github.com/drip-ledger/drip/projections/households"
	"github.com/drip-ledger/drip/projections/modelstore"
)

// views are the read models and the runner that feeds them.
type views struct {
	runner     *projections.ModelRunner
	households *households.View
	complaints *complaints.View
	log        *slog.Logger
	fundViews
	reconcileViews
	// cluster is set when several processes share the read models in
	// PostgreSQL (cluster.go): runner then runs only the models folded in
	// memory, and the durable ones run under leadership.
	cluster *clusterModels
}

// viewModels returns the read models as the ModelRunner runs them:
// households, complaints and red flags are durable Models in the modelstore
// serve gives them (Pebble in DATA/models on the embedded store; memory
// otherwise, for now); the fund ledger is a Model folded in memory, so each
// start replays it (readyz says when it has caught up with the head seen at
// start).
//
// A view whose new version must be rebuilt beside the serving one is held
// in a projections.Current that the API reads through, and given to the
// runner with ModelRunner.Replace(old, new, func() { current.Store(new) }).
func (v *views) viewModels() []projections.Model {
	return []projections.Model{v.households, v.complaints, v.funds, v.redflags}
}

// newViews builds the read models and their runner over a memory
// modelstore (tools, the demo's loader).
func newViews(store events.Store, reg *events.Registry, log *slog.Logger) (*views, error) {
	return newViewsIn(store, reg, &modelstore.Memory{}, log)
}

// newViewsIn builds the read models, keeping the durable ones in ms, and
// their runner.
func newViewsIn(store events.Store, reg *events.Registry, ms modelstore.Store, log *slog.Logger) (*views, error) {
	hv, err := households.New(reg, store, ms, households.Name, households.HouseholdCacheMax)
	if err != nil {
		return nil, err
	}
	cv, err := complaints.New(reg, store, ms, complaints.Name, complaints.ComplaintCacheMax)
	if err != nil {
		return nil, err
	}
	fv, err := newFundViews(reg, store)
	if err != nil {
		return nil, err
	}
	rv, err := newReconcileViews(reg, store, ms)
	if err != nil {
		return nil, err
	}
	v := &views{households: hv, complaints: cv, fundViews: fv, reconcileViews: rv, log: log}
	if v.runner, err = newModelRunner(store, reg, ms, log, v.viewModels()...); err != nil {
		return nil, err
	}
	return v, nil
}

// newModelRunner is the runner of models, with serve's logging.
func newModelRunner(store events.Store, reg *events.Registry, ms modelstore.Store, log *slog.Logger, models ...projections.Model) (*projections.ModelRunner, error) {
	return projections.NewModelRunner(projections.ModelRunnerConfig{Store: store, Registry: reg, ModelStore: ms,
		Logger: watermill.NewSlogLoggerWithLevelMapping(log, map[slog.Level]slog.Level{slog.LevelInfo: slog.LevelDebug})},
		models...)
}

// status adapts the runner's status for the API's readiness and metrics.
func (v *views) status(ctx context.Context) []api.ProjectionStatus {
	st, err := v.runner.Status(ctx)
	if err == nil && v.cluster != nil {
		var durable []projections.ModelStatus
		durable, err = v.cluster.status(ctx)
		st = append(durable, st...)
	}
	if err != nil {
		v.log.Warn("projection status", "err", err)
		return nil
	}
	out := make([]api.ProjectionStatus, len(st))
	for i, s := range st {
		out[i] = api.ProjectionStatus{Name: s.Name, Position: s.Position, Target: s.Target, CatchingUp: !s.CaughtUp,
			EventsPerS: s.EventsPerS, Beside: s.Beside}
		if s.Stopped != nil {
			out[i].StoppedAt, out[i].Err = s.Stopped.Position, s.Stopped.Reason
		}
	}
	return out
}

func (v *views) run(ctx context.Context) error {
	if v.cluster != nil {
		return v.cluster.run(ctx, v.runner)
	}
	return v.runner.Run(ctx)
}

func (v *views) waitFor(ctx context.Context, position uint64) error {
	if err := v.runner.WaitFor(ctx, position); err != nil || v.cluster == nil {
		return err
	}
	return v.cluster.waitFor(ctx, position)
}

// position is what every read answer says it reflects (Drip-Position).
func (v *views) position() uint64 {
	p := v.runner.Position()
	if v.cluster != nil {
		p = min(p, v.cluster.position())
	}
	return p
}

// caughtUpLoads counts a cadre's households for the "4321" rule once the
// households view has applied every event written so far: assignments may
// come request after request, faster than a view that is merely eventually
// consistent, and a stale count would let a cadre exceed its capacity.
type caughtUpLoads struct {
	store events.Store
	v     *views
}

func (c caughtUpLoads) Households(ctx context.Context, cadreID string) (int, error) {
	head, err := c.store.Head(ctx)
	if err != nil {
		return 0, err
	}
	if err := c.v.waitFor(ctx, head); err != nil {
		return 0, err
	}
	return c.v.households.CadreLoad(ctx, cadreID)
}
