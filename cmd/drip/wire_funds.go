package main

import (
	"crypto/rand"

	"github.com/drip-ledger/drip/domain"
	"github.com/drip-ledger/drip/domain/fund"
	"github.com/drip-ledger/drip/events"
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
// executor (for its retries) sharing the other services' aggregate cache
// (one bound on the process's cached aggregates), opening shortfall
// complaints through complaints.
func newFundService(store events.Store, reg *events.Registry, complaints fund.Complaints, cache *domain.Cache) (*fund.Service, error) {
	x, err := domain.NewExecutor(store, reg, func() (events.ID, error) { return events.NewID(rand.Reader) })
	if err != nil {
		return nil, err
	}
	x.RetriesMax, x.Cache = fundRetriesMax, cache
	return fund.NewService(x, complaints, fund.DefaultConfig())
}

// fundViews is the fund ledger's read side, embedded in views.
type fundViews struct {
	funds *funds.View
}

// newFundViews builds the fund read model, held in memory and rebuilt from
// the log at each start like the others.
func newFundViews(reg *events.Registry) (fundViews, error) {
	v, err := funds.New(reg)
	return fundViews{funds: v}, err
}
