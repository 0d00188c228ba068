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
	runner     *projections.Runner
	households *households.View
	complaints *complaints.View
	log        *slog.Logger
	fundViews
	reconcileViews
}

// newViews builds the read models. They are held in memory, so their
// checkpoints are too: each start replays the log into them (readyz says
// when they have caught up). The households and complaints models are
// durable Models kept, until the batch runner lands, in a memory modelstore
// and fed one event at a time through projections.ModelAsProjection.
func newViews(store events.Store, reg *events.Registry, log *slog.Logger) (*views, error) {
	ms := &modelstore.Memory{}
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
	r, err := projections.NewRunner(projections.RunnerConfig{Store: store, Checkpoints: &projections.MemoryCheckpoints{},
		Logger: watermill.NewSlogLoggerWithLevelMapping(log, map[slog.Level]slog.Level{slog.LevelInfo: slog.LevelDebug})},
		projections.ModelAsProjection(hv, reg), projections.ModelAsProjection(cv, reg), fv.funds, projections.ModelAsProjection(rv.redflags, reg))
	if err != nil {
		return nil, err
	}
	return &views{runner: r, households: hv, complaints: cv, fundViews: fv, reconcileViews: rv, log: log}, nil
}

// status adapts the runner's status for the API's readiness and metrics.
func (v *views) status(ctx context.Context) []api.ProjectionStatus {
	st, err := v.runner.Status(ctx)
	if err != nil {
		v.log.Warn("projection status", "err", err)
		return nil
	}
	out := make([]api.ProjectionStatus, len(st))
	for i, s := range st {
		out[i] = api.ProjectionStatus{Name: s.Name, Position: s.Position}
		if s.Stopped != nil {
			out[i].StoppedAt, out[i].Err = s.Stopped.Position, s.Stopped.Reason
		}
	}
	return out
}

func (v *views) run(ctx context.Context) error { return v.runner.Run(ctx) }

func (v *views) waitFor(ctx context.Context, position uint64) error {
	return v.runner.WaitFor(ctx, position)
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
