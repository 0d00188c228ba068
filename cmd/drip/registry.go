package main

import (
	"github.com/drip-ledger/drip/domain"
	"github.com/drip-ledger/drip/domain/access"
	"github.com/drip-ledger/drip/domain/complaint"
	"github.com/drip-ledger/drip/domain/fund"
	"github.com/drip-ledger/drip/domain/household"
	"github.com/drip-ledger/drip/domain/reconcile"
	"github.com/drip-ledger/drip/events"
)

// registry is the deployment's explicit list of event types: every payload
// the domain writes, and every upcaster for the versions it no longer writes.
func registry() *events.Registry {
	r := events.NewRegistry()
	household.Register(r)
	complaint.Register(r)
	access.Register(r)
	fund.Register(r)
	domain.RegisterIdempotency(r) // keys held deployment-wide (domain/idempotency.go)
	reconcile.Register(r)
	return r
}
