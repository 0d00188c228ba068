// Package redflags is the auditors' read model of warning signs (DOMAIN.md
// §1: "did money reach only enrolled households …? What sits idle?"): per
// county, each red flag with the global positions of the events that prove
// it, so an auditor can open exactly those events (and their Merkle proofs)
// rather than take the flag's word.
//
// The view folds the facts the rules need — households (with the domain's
// own household.Evolve, corrections included), appropriations, projects,
// payments and the bank's mismatches — and computes the flags from them
// when asked (Flags), so a flag appears as soon as the events that prove it
// are in the log, and one that a later event disproves (a correction, a
// settlement) disappears. The flags that depend on elapsed time (idle
// funds, unreconciled payments) are relative to the clock the query
// passes. Like the households view it is held in memory and rebuilt from
// the log at start-up.
package redflags

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/drip-ledger/drip/domain"
	"github.com/drip-ledger/drip/domain/fund"
	"github.com/drip-ledger/drip/domain/household"
	"github.com/drip-ledger/drip/domain/reconcile"
	"github.com/drip-ledger/drip/events"
)

// Name is the projection's name.
const Name = "redflags"

// Config holds the thresholds of the rules. Start from DefaultConfig.
type Config struct {
	// ExitSupportYears: an exited household may be paid this long after its
	// exit (the fund ledger's own rule, fund.Config.ExitSupportYears).
	ExitSupportYears int
	// UnreconciledDays: an instruction older than this with no settlement
	// or failure is flagged.
	UnreconciledDays int
	// IdenticalHouseholdsMin: identical amounts are flagged from this many
	// households of one village.
	IdenticalHouseholdsMin int
}

// DefaultConfig: the fund ledger's exit support, 30 days, 3 households.
func DefaultConfig() Config {
	return Config{ExitSupportYears: fund.DefaultConfig().ExitSupportYears, UnreconciledDays: 30, IdenticalHouseholdsMin: 3}
}

// Validate reports every problem at once.
func (c Config) Validate() error {
	var errs []error
	if c.ExitSupportYears < 0 || c.ExitSupportYears > fund.ExitSupportYearsMax {
		errs = append(errs, fmt.Errorf("redflags: ExitSupportYears %d is outside 0..%d", c.ExitSupportYears, fund.ExitSupportYearsMax))
	}
	if c.UnreconciledDays < 1 || c.UnreconciledDays > 366 {
		errs = append(errs, fmt.Errorf("redflags: UnreconciledDays %d is outside 1..366", c.UnreconciledDays))
	}
	if c.IdenticalHouseholdsMin < 2 || c.IdenticalHouseholdsMin > 1000 {
		errs = append(errs, fmt.Errorf("redflags: IdenticalHouseholdsMin %d is outside 2..1000", c.IdenticalHouseholdsMin))
	}
	return errors.Join(errs...)
}

// View is the red flags read model. Its queries are safe for concurrent
// use with Apply.
type View struct {
	reg *events.Registry
	cfg Config

	mu             sync.RWMutex
	position       uint64
	households     map[string]*home
	appropriations map[string]*appropriation // county|document
	projects       map[string]*project
	payments       map[string]*payment
	order          []*payment // in instruction order
	mismatches     map[string]Mismatch
	backfills      []backfill // in log order
}

// backfill is one event recorded as an explicit backfill of older paper
// records (events.Metadata.Backfill).
type backfill struct {
	county     fund.County
	place      string // the household's village, or "" for the county
	id, typ    string
	actor      string
	occurredAt time.Time
	recordedAt time.Time
	position   uint64
}

type home struct {
	state     household.State
	positions []uint64          // by version - 1
	deaths    map[string]uint64 // resident ID → position of its MemberDied
}

type appropriation struct {
	county, document string
	amountFen        domain.Fen
	committedFen     domain.Fen // drawn by live payments
	correctedFen     domain.Fen // taken back to the source by corrections
	at               time.Time
	position         uint64
	allocations      []uint64
}

type project struct {
	publicity    *fund.PublicityStarted
	publicityPos uint64
}

type payment struct {
	fund.PaymentInstructed
	at          time.Time
	position    uint64
	status      fund.PaymentStatus
	ack         *fund.PaymentAcknowledged
	ackPosition uint64
}

// Mismatch is the latest bank line that named a payment but disagreed
// with it.
type Mismatch struct {
	File     string `json:"file"` // the file's SHA-256
	Line     int    `json:"line"`
	Position uint64 `json:"position"`
}

// New returns an empty view decoding with reg (which must hold the
// household, fund and reconcile types).
func New(reg *events.Registry, cfg Config) (*View, error) {
	if reg == nil || !reg.Known(household.TypeHouseholdRegistered) || !reg.Known(fund.TypePaymentInstructed) || !reg.Known(reconcile.TypeLineMismatched) {
		return nil, errors.New("redflags: New needs a registry with the household, fund and reconcile types")
	}
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	v := &View{reg: reg, cfg: cfg}
	v.reset()
	return v, nil
}

// Name implements projections.Projection.
func (v *View) Name() string { return Name }

// Reset implements projections.Projection.
func (v *View) Reset(context.Context) error {
	v.mu.Lock()
	defer v.mu.Unlock()
	v.reset()
	return nil
}

func (v *View) reset() {
	v.position, v.households, v.appropriations = 0, map[string]*home{}, map[string]*appropriation{}
	v.projects, v.payments, v.order, v.mismatches = map[string]*project{}, map[string]*payment{}, nil, map[string]Mismatch{}
	v.backfills = nil
}

// Position is the last event applied.
func (v *View) Position() uint64 {
	v.mu.RLock()
	defer v.mu.RUnlock()
	return v.position
}

// Apply implements projections.Projection. An event the rules could not
// have written stops the view at its position.
func (v *View) Apply(_ context.Context, ev events.Event) error {
	relevant := strings.HasPrefix(ev.Stream, household.StreamPrefix) || strings.HasPrefix(ev.Stream, fund.PoolStreamPrefix) ||
		strings.HasPrefix(ev.Stream, fund.ProjectStreamPrefix) || ev.Type == reconcile.TypeLineMismatched
	var p events.Payload
	if relevant {
		var err error
		if p, err = v.reg.Decode(ev); err != nil {
			return fmt.Errorf("redflags: %w", err)
		}
	}
	v.mu.Lock()
	defer v.mu.Unlock()
	if relevant {
		var err error
		if strings.HasPrefix(ev.Stream, household.StreamPrefix) {
			err = v.applyHousehold(ev, p)
		} else {
			err = v.applyFund(ev, p)
		}
		if err != nil {
			return fmt.Errorf("redflags: position %d: %w", ev.Position, err)
		}
		if ev.Meta.Backfill {
			v.noteBackfill(ev)
		}
	}
	v.position = ev.Position
	return nil
}

// noteBackfill keeps a backfilled household or fund event for its flag;
// an event whose county cannot be told (a stream named otherwise) is kept
// under no county and so listed to the nation only.
func (v *View) noteBackfill(ev events.Event) {
	b := backfill{id: ev.ID.String(), typ: ev.Type, actor: ev.Meta.ActorID, occurredAt: ev.Meta.OccurredAt,
		recordedAt: ev.RecordedAt, position: ev.Position}
	name := ev.Stream
	for _, prefix := range []string{household.StreamPrefix, fund.PoolStreamPrefix, fund.ProjectStreamPrefix} {
		name = strings.TrimPrefix(name, prefix)
	}
	if f, err := domain.ParseFileNumber(name); err == nil && strings.HasPrefix(ev.Stream, household.StreamPrefix) {
		b.place = f.Village().String()
		name = b.place
	}
	if len(name) >= 6 {
		b.county, _ = fund.ParseCounty(name[:6])
	}
	v.backfills = append(v.backfills, b)
}

func (v *View) applyHousehold(ev events.Event, p events.Payload) error {
	file := strings.TrimPrefix(ev.Stream, household.StreamPrefix)
	h := v.households[file]
	if h == nil {
		h = &home{deaths: map[string]uint64{}}
	}
	next, err := household.Evolve(h.state, ev, p)
	if err != nil {
		return err
	}
	h.state = next
	h.positions = append(h.positions, ev.Position)
	if d, ok := p.(*household.MemberDied); ok {
		h.deaths[d.ResidentID.String()] = ev.Position
	}
	v.households[file] = h
	return nil
}

func (v *View) applyFund(ev events.Event, p events.Payload) error {
	switch e := p.(type) {
	case *fund.AppropriationReceived:
		v.appropriations[e.County.String()+"|"+e.Document] = &appropriation{county: e.County.String(), document: e.Document,
			amountFen: e.AmountFen, at: ev.Meta.OccurredAt, position: ev.Position}
	case *fund.AppropriationCorrected:
		if a := v.appropriations[e.County.String()+"|"+e.Document]; a != nil {
			s, ok := domain.AddFen(a.correctedFen, e.AmountFen)
			if !ok || s > a.amountFen {
				return fmt.Errorf("appropriation %q: corrections of %d+%d fen exceed its %d", e.Document, a.correctedFen, e.AmountFen, a.amountFen)
			}
			a.correctedFen = s
		}
	case *fund.Allocated:
		for _, d := range e.Draws {
			if a := v.appropriations[e.County.String()+"|"+d.Document]; a != nil {
				a.allocations = append(a.allocations, ev.Position)
			}
		}
	case *fund.PublicityStarted:
		id := strings.TrimPrefix(ev.Stream, fund.ProjectStreamPrefix)
		pub := *e
		v.projects[id] = &project{publicity: &pub, publicityPos: ev.Position}
	case *fund.PaymentInstructed:
		pay := &payment{PaymentInstructed: *e, at: ev.Meta.OccurredAt, position: ev.Position, status: fund.StatusInstructed}
		v.payments[e.Ref], v.order = pay, append(v.order, pay)
		return v.commit(e.Project, e.Lots, 1)
	case *fund.PaymentSettled:
		return v.close(e.Ref, fund.StatusSettled, nil)
	case *fund.PaymentFailed:
		return v.close(e.Ref, e.Outcome, e.Lots)
	case *fund.PaymentReversed:
		return v.close(e.Ref, fund.StatusReversed, e.Lots)
	case *fund.PaymentAcknowledged:
		pay, ok := v.payments[e.Ref]
		if !ok {
			return fmt.Errorf("acknowledgement of payment %s, never instructed", e.Ref)
		}
		a := *e
		pay.ack, pay.ackPosition = &a, ev.Position
	case *reconcile.LineMismatched:
		v.mismatches[e.PaymentRef] = Mismatch{File: strings.TrimPrefix(ev.Stream, reconcile.StreamPrefix), Line: e.Line, Position: ev.Position}
	}
	return nil
}

func (v *View) close(ref string, st fund.PaymentStatus, lots []fund.Lot) error {
	pay, ok := v.payments[ref]
	if !ok {
		return fmt.Errorf("payment %s was never instructed", ref)
	}
	pay.status = st
	return v.commit(pay.Project, lots, -1)
}

// commit counts the lots of a live payment against their appropriations
// (sign 1) or gives them back (-1). The sum is checked: what live payments
// drew from an appropriation is from zero to its amount, and anything else
// (or an overflow) is an impossible event, never a wrapped figure.
func (v *View) commit(p fund.ProjectID, lots []fund.Lot, sign int) error {
	for _, l := range lots {
		a := v.appropriations[p.County().String()+"|"+l.Document]
		if a == nil {
			continue
		}
		next, ok := domain.AddFen(a.committedFen, l.AmountFen)
		if sign < 0 {
			next, ok = domain.SubFen(a.committedFen, l.AmountFen)
		}
		if !ok || next < 0 || next > a.amountFen-a.correctedFen {
			return fmt.Errorf("appropriation %q: live payments would draw %d%+d×%d fen of its %d", l.Document, a.committedFen, sign, l.AmountFen, a.amountFen)
		}
		a.committedFen = next
	}
	return nil
}
