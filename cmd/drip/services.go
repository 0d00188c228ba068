package main

import (
	"crypto/rand"

	"github.com/drip-ledger/drip/api"
	"github.com/drip-ledger/drip/domain"
	"github.com/drip-ledger/drip/domain/complaint"
	"github.com/drip-ledger/drip/domain/household"
	"github.com/drip-ledger/drip/events"
)

// services builds the domain's command services over the store; the caller
// adds the read side and the server's own collaborators.
func services(store events.Store, reg *events.Registry, set settings) (api.Deps, error) {
	x, err := domain.NewExecutor(store, reg, func() (events.ID, error) { return events.NewID(rand.Reader) })
	if err != nil {
		return api.Deps{}, err
	}
	x.Cache = domain.NewCache(set.cacheMax, set.cacheEventsMax)
	complaints, err := complaint.NewService(x, set.rules)
	if err != nil {
		return api.Deps{}, err
	}
	complaints.Subjects = subjects{log: store, reg: reg, x: x}
	households, err := household.NewService(x)
	if err != nil {
		return api.Deps{}, err
	}
	households.Bounds = set.bounds
	funds, err := newFundService(store, reg, complaints, x.Cache)
	if err != nil {
		return api.Deps{}, err
	}
	return api.Deps{Store: store, Complaints: complaints, Households: households, Funds: funds,
		PovertyLines: set.lines, Scorecards: set.scorecards, Divisions: set.divisions}, nil
}
