package main

import (
	"context"
	"crypto/rand"

	"github.com/drip-ledger/drip/domain"
	"github.com/drip-ledger/drip/domain/fund"
	"github.com/drip-ledger/drip/events"
	"github.com/drip-ledger/drip/projections"
	"github.com/drip-ledger/drip/projections/funds"
)

// The fund ledger's wiring: its command service (services) and its read
// model (newViews), kept here so that each of those files names it in a
// line.

// fundRetriesMax is how often a fund command is decided again after losing
// a race for its stream. A busy project's stream is contended by every
// payment from it, and each loser re-decides against the new balance, so
// it is at least the payments expected to race on one project.
const fundRetriesMax = 128

// newFundService builds the fund ledger's service over store, on its own
// executor (for its retries), opening shortfall complaints through
// complaints.
func newFundService(store events.Store, reg *events.Registry, complaints fund.Complaints) (*fund.Service, error) {
	x, err := domain.NewExecutor(store, reg, func() (events.ID, error) { return events.NewID(rand.Reader) })
	if err != nil {
		return nil, err
	}
	x.RetriesMax = fundRetriesMax
	return fund.NewService(x, complaints, fund.DefaultConfig())
}

// fundViews is the fund ledger's read side, embedded in views.
type fundViews struct {
	funds *funds.View
}

// newFundViews builds the fund read model, held in memory and rebuilt from
// the log at each start like the others; store refolds a household whose
// state left the view's bounded cache.
func newFundViews(reg *events.Registry, store events.Store) (fundViews, error) {
	v, err := funds.New(reg, store)
	return fundViews{funds: v}, err
}

// modelProjection feeds a durable projections.Model from the per-event
// runner until the batch runner replaces it: each event is a batch of its
// own, and an event the model's checkpoint already covers is passed over
// (committed before a restart or a retry), so none is applied twice.
type modelProjection struct{ m projections.Model }

func (p modelProjection) Name() string { return p.m.Name() }

func (p modelProjection) Apply(ctx context.Context, ev events.Event) error {
	cp, err := p.m.Checkpoint(ctx)
	if err != nil {
		return err
	}
	if ev.Position <= cp {
		return nil
	}
	return p.m.ApplyBatch(ctx, []projections.Decoded{{Event: ev}})
}

func (p modelProjection) Reset(ctx context.Context) error { return p.m.Reset(ctx) }
