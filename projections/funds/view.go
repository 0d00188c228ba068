package funds

import (
	"context"
	"encoding/base64"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/drip-ledger/drip/domain"
	"github.com/drip-ledger/drip/domain/fund"
	"github.com/drip-ledger/drip/domain/household"
	"github.com/drip-ledger/drip/events"
	"github.com/drip-ledger/drip/projections"
	"github.com/drip-ledger/drip/projections/funds/homes"
)

// Name is the projection's name (its handler and checkpoint).
const Name = "funds"

// View is the fund ledger's read model. Its queries are safe for concurrent
// use with Apply.
type View struct {
	reg *events.Registry

	mu             sync.RWMutex
	ledger         map[fund.AccountID]*account
	sumFen         domain.Fen // of every balance: zero after every event
	ar             arith      // checked sums of the event being folded
	movers         int
	pools          map[string]fund.Pool // by county
	projects       map[string]*project  // by project number
	appropriations map[string]*appropriation
	allocations    map[string]*allocation // by reference
	payments       map[string]*payment    // by reference
	byHousehold    map[string][]*payment  // file number → its payments, oldest first
	byVillage      map[string]map[string]bool
	contractors    map[string]map[string]bool // contractor → counties that paid it
	households     map[string]Household       // what the queries ask of each household
	homes          *homes.Folder              // the household states, bounded, to fold the next event
	position       uint64
	// broken is the error Apply stopped on; it is returned again until
	// Reset, since the state may be half changed by the event that failed.
	broken error
}

type account struct {
	balance, debited, credited domain.Fen
	movements                  int
	position                   uint64
}

type project struct {
	state         fund.Project
	proposed      Step
	approval      *Approval
	beneficiaries []domain.FileNumber
	payments      []*payment
	shares        []*share
	pendingFen    domain.Fen // allocated by the pool, not yet received on the project's stream
}

type appropriation struct {
	info   Appropriation
	shares []*share
}

type allocation struct {
	rec      fund.Allocated
	step     Step
	received bool
	shares   map[string]*share // by document
}

// share is the money of one allocation drawn from one appropriation, and
// what became of it: the unit the per-appropriation trail adds up.
type share struct {
	alloc                                       *allocation
	appr                                        *appropriation
	amount, instructed, transit, settled, acked domain.Fen
	returned, reversed                          domain.Fen
	payments                                    []*payment // that drew on it, oldest first
}

// atProject is what of the share the project still holds.
func (s *share) atProject(ar *arith) domain.Fen {
	return ar.add(ar.add(ar.sub(s.amount, s.instructed), s.returned), s.reversed)
}

type payment struct {
	trail    PaymentTrail
	shares   []*share // parallel to trail.Lots
	position uint64
}

// Household is what the fund ledger's queries ask of a household: its
// status, its head and how many members it has. The view keeps this, not
// the household's state.
type Household struct {
	Status         household.Status
	HeadName       string
	HeadResidentID domain.ResidentID
	Members        int
}

var _ projections.Model = (*View)(nil)

// New returns an empty view that decodes with reg, which must hold the fund
// and household types, and refolds a household from streams (the log; nil
// only in tests that fold every household from its first event) when its
// state is not in the bounded cache.
func New(reg *events.Registry, streams homes.Streams) (*View, error) {
	if reg == nil || !reg.Known(fund.TypePaymentInstructed) || !reg.Known(household.TypeHouseholdRegistered) {
		return nil, fmt.Errorf("funds: New needs a registry with the fund and household types")
	}
	v := &View{reg: reg, homes: homes.NewFolder(reg, streams)}
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
	v.ledger, v.sumFen, v.movers = map[fund.AccountID]*account{}, 0, 0
	v.pools, v.projects = map[string]fund.Pool{}, map[string]*project{}
	v.appropriations, v.allocations, v.payments = map[string]*appropriation{}, map[string]*allocation{}, map[string]*payment{}
	v.byHousehold, v.byVillage, v.contractors = map[string][]*payment{}, map[string]map[string]bool{}, map[string]map[string]bool{}
	v.households = map[string]Household{}
	v.homes.Drop()
	v.position, v.broken = 0, nil
}

// Apply implements projections.Projection: fund events are folded into the
// ledger, the pools, projects and trails; household events into the
// household's state (for names); every other event is passed over. An
// event that breaks an invariant stops the view at its position.
func (v *View) Apply(ctx context.Context, ev events.Event) error { return v.apply(ctx, ev, nil) }

// Checkpoint implements projections.Model: the last event applied, held in
// memory like the rest of the view.
func (v *View) Checkpoint(context.Context) (uint64, error) { return v.Position(), nil }

// ApplyBatch implements projections.Model by folding each event in memory:
// the view is not durable yet (it is rebuilt from the log at each start),
// so there is no commit to make, and an impossible event stops the view
// there as Apply does.
func (v *View) ApplyBatch(ctx context.Context, evs []projections.Decoded) error {
	for _, ev := range evs {
		if ev.Position <= v.Position() {
			continue // applied already
		}
		if err := v.apply(ctx, ev.Event, ev.Payload); err != nil {
			return err
		}
	}
	return nil
}

func (v *View) apply(ctx context.Context, ev events.Event, p events.Payload) error {
	isFund := strings.HasPrefix(ev.Stream, fund.PoolStreamPrefix) || strings.HasPrefix(ev.Stream, fund.ProjectStreamPrefix)
	isHousehold := strings.HasPrefix(ev.Stream, household.StreamPrefix)
	if (isFund || isHousehold) && p == nil {
		var err error
		if p, err = v.reg.Decode(ev); err != nil {
			return err // nothing changed: the runner may retry
		}
	}
	v.mu.Lock()
	defer v.mu.Unlock()
	if v.broken != nil {
		return v.broken
	}
	var err error
	switch {
	case isFund:
		err = v.applyFund(ev, p)
	case isHousehold:
		err = v.applyHousehold(ctx, ev, p)
	}
	if err != nil {
		v.broken = fmt.Errorf("funds: impossible event at position %d (%s in %s): %w", ev.Position, ev.Type, ev.Stream, err)
		return v.broken
	}
	v.position = ev.Position
	return nil
}

func (v *View) applyHousehold(ctx context.Context, ev events.Event, p events.Payload) error {
	file := strings.TrimPrefix(ev.Stream, household.StreamPrefix)
	next, err := v.homes.Evolve(ctx, ev, p)
	if err != nil {
		return err
	}
	head := next.Head()
	v.households[file] = Household{Status: next.Status(), HeadName: head.Name, HeadResidentID: head.ResidentID, Members: len(next.Members())}
	return nil
}

// applyFund folds one fund event: the domain state of its stream first (an
// event the rules cannot fold stops here, before anything else changed),
// then the trails, then the ledger, then the checks that the two agree.
func (v *View) applyFund(ev events.Event, p events.Payload) error {
	v.ar = arith{}
	step := stepOf(ev)
	if name, ok := strings.CutPrefix(ev.Stream, fund.PoolStreamPrefix); ok {
		c, err := fund.ParseCounty(name)
		if err != nil {
			return err
		}
		pool, ok := v.pools[name]
		if !ok {
			pool = fund.EmptyPool(c)
		}
		next, err := fund.EvolvePool(pool, ev, p)
		if err != nil {
			return err
		}
		v.pools[name] = next
		if err := v.applyPool(step, p); err != nil {
			return err
		}
	} else {
		id, err := fund.ParseProjectID(strings.TrimPrefix(ev.Stream, fund.ProjectStreamPrefix))
		if err != nil {
			return err
		}
		pr := v.projects[id.String()]
		if pr == nil {
			pr = &project{state: fund.EmptyProject(id)}
		}
		next, err := fund.EvolveProject(pr.state, ev, p)
		if err != nil {
			return err
		}
		pr.state = next
		v.projects[id.String()] = pr
		if err := v.applyProject(pr, step, p); err != nil {
			return err
		}
	}
	if m, ok := p.(fund.Mover); ok {
		if err := v.move(m.Movement(), ev.Position); err != nil {
			return err
		}
	}
	if err := v.ar.err(); err != nil {
		return err
	}
	return v.check(ev, p)
}

// Step is who did one step of the money's way, and when.
type Step struct {
	ActorID string `json:"actorId"`
	Role    string `json:"role"`
	// At is business time: when it happened.
	At         time.Time `json:"at"`
	RecordedAt time.Time `json:"recordedAt"`
	EventID    events.ID `json:"eventId"`
	Position   uint64    `json:"position"`
}

func stepOf(ev events.Event) Step {
	return Step{ActorID: ev.Meta.ActorID, Role: ev.Meta.Role, At: ev.Meta.OccurredAt, RecordedAt: ev.RecordedAt,
		EventID: ev.ID, Position: ev.Position}
}

// AppropriationID is the URL-safe name of appropriation document doc in
// the pool of county: the county, a dot and the document number in
// unpadded base64url, since document numbers hold 〔〕, spaces and slashes.
func AppropriationID(county, doc string) string {
	return county + "." + base64.RawURLEncoding.EncodeToString([]byte(doc))
}

// ParseAppropriationID splits an AppropriationID.
func ParseAppropriationID(id string) (county, doc string, ok bool) {
	c, enc, found := strings.Cut(id, ".")
	b, err := base64.RawURLEncoding.DecodeString(enc)
	if !found || err != nil || len(b) == 0 {
		return "", "", false
	}
	if _, err := fund.ParseCounty(c); err != nil {
		return "", "", false
	}
	return c, string(b), true
}

// Position is the last event the view has applied.
func (v *View) Position() uint64 {
	v.mu.RLock()
	defer v.mu.RUnlock()
	return v.position
}
