package households

import (
	"context"
	"fmt"
	"strings"
	"sync"

	"github.com/drip-ledger/drip/domain"
	"github.com/drip-ledger/drip/domain/complaint"
	"github.com/drip-ledger/drip/domain/household"
	"github.com/drip-ledger/drip/events"
)

// Name is the projection's name (its handler and checkpoint).
const Name = "households"

// View is the households read model. Its queries are safe for concurrent use
// with Apply.
type View struct {
	reg *events.Registry

	mu         sync.RWMutex
	byFile     map[string]*entry
	byResident map[string]string   // resident ID → file number
	complaints map[string][]string // file number → complaint streams naming it
	cadreLoad  map[string]int      // cadre ID → households it helps now
	position   uint64
}

type entry struct {
	state    household.State
	position uint64 // of the household's last event
}

// New returns an empty view that decodes with reg (which must hold the
// household and complaint types).
func New(reg *events.Registry) (*View, error) {
	if reg == nil || !reg.Known(household.TypeHouseholdRegistered) || !reg.Known(complaint.TypeComplaintReceived) {
		return nil, fmt.Errorf("households: New needs a registry with the household and complaint types")
	}
	v := &View{reg: reg}
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
	v.byFile, v.byResident = map[string]*entry{}, map[string]string{}
	v.complaints, v.cadreLoad = map[string][]string{}, map[string]int{}
	v.position = 0
}

// Apply implements projections.Projection: household events are folded into
// the household's state; a received complaint that names a household is
// remembered for its timeline; every other event is passed over.
func (v *View) Apply(_ context.Context, ev events.Event) error {
	switch {
	case strings.HasPrefix(ev.Stream, household.StreamPrefix):
		return v.applyHousehold(ev)
	case ev.Type == complaint.TypeComplaintReceived:
		return v.applyComplaint(ev)
	}
	v.mu.Lock()
	v.position = ev.Position
	v.mu.Unlock()
	return nil
}

func (v *View) applyHousehold(ev events.Event) error {
	p, err := v.reg.Decode(ev)
	if err != nil {
		return err
	}
	file := strings.TrimPrefix(ev.Stream, household.StreamPrefix)
	v.mu.Lock()
	defer v.mu.Unlock()
	e := v.byFile[file]
	if e == nil {
		e = &entry{}
	}
	before := e.state
	next, err := household.Evolve(e.state, ev, p)
	if err != nil {
		// An event the rules cannot fold is impossible in a log they wrote:
		// stop here, loudly, rather than show a wrong status.
		return fmt.Errorf("households: position %d: %w", ev.Position, err)
	}
	e.state, e.position = next, ev.Position
	v.byFile[file] = e
	v.reindex(file, before, next)
	v.position = ev.Position
	return nil
}

// reindex keeps the secondary indexes in step with one household's change.
func (v *View) reindex(file string, before, after household.State) {
	for _, m := range before.Members() {
		delete(v.byResident, m.ResidentID.String())
	}
	for _, m := range after.Members() {
		v.byResident[m.ResidentID.String()] = file
	}
	if c, ok := before.Cadre(); ok && helped(before) {
		v.cadreLoad[c.ID]--
	}
	if c, ok := after.Cadre(); ok && helped(after) {
		v.cadreLoad[c.ID]++
	}
}

// helped reports whether a household counts toward its cadre's "4321" load:
// while it is in the file, not after it left it.
func helped(s household.State) bool {
	switch s.Status() {
	case household.StatusRemoved, household.StatusExited, household.StatusRejected:
		return false
	}
	return true
}

func (v *View) applyComplaint(ev events.Event) error {
	p, err := v.reg.Decode(ev)
	if err != nil {
		return err
	}
	r, ok := p.(*complaint.Received)
	if !ok {
		return fmt.Errorf("households: position %d: %s decoded as %T", ev.Position, ev.Type, p)
	}
	v.mu.Lock()
	defer v.mu.Unlock()
	if file := householdOf(r); file != "" {
		v.complaints[file] = append(v.complaints[file], ev.Stream)
	}
	v.position = ev.Position
	return nil
}

// householdOf is the file number a complaint concerns: its subject, or for
// one the fund ledger opened, the household that acknowledged less.
func householdOf(r *complaint.Received) string {
	if r.Subject.Kind == complaint.SubjectHousehold {
		return r.Subject.Ref
	}
	if r.Shortfall != nil {
		return r.Shortfall.Household
	}
	return ""
}

// Position is the last event the view has applied.
func (v *View) Position() uint64 {
	v.mu.RLock()
	defer v.mu.RUnlock()
	return v.position
}

// CadreLoad is how many households in the file the cadre helps now.
func (v *View) CadreLoad(cadreID string) int {
	v.mu.RLock()
	defer v.mu.RUnlock()
	return v.cadreLoad[cadreID]
}

// ComplaintStreams lists the streams of the complaints that name file.
func (v *View) ComplaintStreams(file domain.FileNumber) []string {
	v.mu.RLock()
	defer v.mu.RUnlock()
	return append([]string(nil), v.complaints[file.String()]...)
}
