package redflags

import (
	"context"

	"github.com/drip-ledger/drip/events"
)

// Oracle is the old full recomputation, for the external tests.
type Oracle struct{ o *oracle }

// NewOracle returns an empty oracle with cfg.
func NewOracle(reg *events.Registry, cfg Config) *Oracle {
	o, err := newOracle(reg, cfg)
	if err != nil {
		panic(err)
	}
	return &Oracle{o}
}

// Apply folds one event.
func (o *Oracle) Apply(ev events.Event) error { return o.o.Apply(context.Background(), ev) }

// Flags is the old Flags.
func (o *Oracle) Flags(q Query) (Page, error) { return o.o.Flags(q) }

// Unreconciled lists every pending instruction the old way (all pages).
func (o *Oracle) Unreconciled(q UnreconciledQuery) ([]Pending, error) {
	var out []Pending
	var after uint64
	for {
		p, err := o.o.Unreconciled(oUnreconciledQuery{Within: q.Within, Now: q.Now, OlderThanDays: q.OlderThanDays, After: after, Limit: PageLenMax})
		if err != nil {
			return nil, err
		}
		out = append(out, p.Payments...)
		if p.Next == 0 {
			return out, nil
		}
		after = p.Next
	}
}
