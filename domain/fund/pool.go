package fund

import (
	"fmt"
	"slices"
	"time"

	"github.com/drip-ledger/drip/domain"
	"github.com/drip-ledger/drip/events"
)

// Event types of a county pool's stream.
const (
	TypeAppropriationReceived = "fund.appropriation_received.v1"
	TypeAllocated             = "fund.allocated.v1"
)

// AppropriationReceived: an appropriation (a budget document, 文号) landed
// in the county pool. Money enters the ledger here: the source account of
// its level is debited and the pool credited.
type AppropriationReceived struct {
	County     County     `json:"county"`
	Document   string     `json:"document"` // 文号, e.g. 财农〔2026〕12号
	FiscalYear int        `json:"fiscalYear"`
	Level      Level      `json:"level"`
	Purpose    string     `json:"purpose"`
	AmountFen  domain.Fen `json:"amountFen"`
	Transfer   Transfer   `json:"transfer"`
}

func (*AppropriationReceived) EventType() string { return TypeAppropriationReceived }

// Movement implements Mover.
func (p *AppropriationReceived) Movement() Transfer { return p.Transfer }

// Fiscal years an appropriation may name.
const (
	FiscalYearMin = 1980
	FiscalYearMax = 2100
)

func (p *AppropriationReceived) Validate() error {
	var ps domain.Problems
	if p.County.IsZero() {
		ps.Addf("county", CodeRequired, "is required")
	}
	requireText(&ps, "document", p.Document, DocumentRunesMax)
	if p.FiscalYear < FiscalYearMin || p.FiscalYear > FiscalYearMax {
		ps.Addf("fiscalYear", CodeFiscalYearRange, "fiscal year %d is not from %d to %d", p.FiscalYear, FiscalYearMin, FiscalYearMax)
	}
	oneOf(&ps, "level", p.Level, Levels())
	requireText(&ps, "purpose", p.Purpose, TextRunesMax)
	domain.CheckAmount(&ps, "amountFen", p.AmountFen, domain.AppropriationFenMax)
	p.Transfer.check(&ps, SourceAccount(p.Level), PoolAccount(p.County), p.AmountFen)
	return ps.Err()
}

// Draw is the part of an allocation taken from one appropriation.
type Draw struct {
	Document  string     `json:"document"`
	AmountFen domain.Fen `json:"amountFen"`
}

// Allocated: the pool paid a project, citing the appropriations the money
// is drawn from (Draws, in the order the project will spend them). Ref is
// the allocation's reference; ApprovalRef the decision that approved it.
type Allocated struct {
	County      County     `json:"county"`
	Ref         string     `json:"ref"`
	Project     ProjectID  `json:"project"`
	AmountFen   domain.Fen `json:"amountFen"`
	ApprovalRef string     `json:"approvalRef"`
	Draws       []Draw     `json:"draws"`
	Transfer    Transfer   `json:"transfer"`
}

func (*Allocated) EventType() string { return TypeAllocated }

// Movement implements Mover.
func (p *Allocated) Movement() Transfer { return p.Transfer }

func (p *Allocated) Validate() error {
	var ps domain.Problems
	if p.County.IsZero() {
		ps.Addf("county", CodeRequired, "is required")
	}
	requireRef(&ps, "ref", p.Ref)
	if p.Project.IsZero() {
		ps.Addf("project", CodeRequired, "is required")
	} else if p.Project.County() != p.County {
		ps.Addf("project", CodeProjectOutsidePool, "project %s is not in county %s", p.Project, p.County)
	}
	requireText(&ps, "approvalRef", p.ApprovalRef, RefRunesMax)
	domain.CheckAmount(&ps, "amountFen", p.AmountFen, domain.AllocationFenMax)
	checkDraws(&ps, p.Draws, p.AmountFen)
	p.Transfer.check(&ps, PoolAccount(p.County), ProjectAccount(p.Project), p.AmountFen)
	return ps.Err()
}

// checkDraws requires 1 to DrawsMax draws of positive amounts from distinct
// documents, adding up to amount.
func checkDraws(ps *domain.Problems, draws []Draw, amount domain.Fen) {
	if len(draws) == 0 || len(draws) > DrawsMax {
		ps.Addf("draws", CodeRequired, "an allocation cites 1 to %d appropriations, not %d", DrawsMax, len(draws))
		return
	}
	var sum domain.Fen
	ok := true
	seen := map[string]bool{}
	for i, d := range draws {
		f := fmt.Sprintf("draws[%d]", i)
		requireText(ps, f+".document", d.Document, DocumentRunesMax)
		if seen[d.Document] {
			ps.Addf(f+".document", CodeDrawDuplicate, "appropriation %q is cited twice", d.Document)
		}
		seen[d.Document] = true
		positive(ps, f+".amountFen", d.AmountFen)
		if sum, ok = domain.AddFen(sum, d.AmountFen); !ok {
			break
		}
	}
	if !ok || sum != amount {
		ps.Addf("draws", CodeDrawsMismatch, "the draws add up to %d fen, not the %d allocated", sum, amount)
	}
}

// Pool is a county pool as its stream describes it. Only EvolvePool makes
// one (or EmptyPool, before the first event). Like every state here it
// shares memory with the state it was evolved from: keep the newest.
type Pool struct {
	county         County
	version        uint64
	balance        domain.Fen
	appropriations []*Appropriation
	byDocument     map[string]*Appropriation
	allocations    []AllocationRecord
}

// Appropriation is an appropriation in a pool, with what is left of it:
// AmountFen = allocated + CorrectedFen + RemainingFen.
type Appropriation struct {
	AppropriationReceived
	EventID      events.ID  `json:"eventId"`
	RemainingFen domain.Fen `json:"remainingFen"`
	// CorrectedFen was taken back by Corrections, oldest first.
	CorrectedFen domain.Fen   `json:"correctedFen"`
	Corrections  []Correction `json:"corrections,omitempty"`
	// RecordedAt is when the pool recorded it (the store's clock).
	RecordedAt time.Time `json:"recordedAt"`
}

// AllocationRecord is an allocation with the event that made it.
type AllocationRecord struct {
	Allocated
	EventID    events.ID `json:"eventId"`
	OccurredAt time.Time `json:"occurredAt"`
}

// EmptyPool is the pool of county c before anything was appropriated to it.
func EmptyPool(c County) Pool { return Pool{county: c} }

func (p Pool) County() County      { return p.county }
func (p Pool) Version() uint64     { return p.version }
func (p Pool) Balance() domain.Fen { return p.balance }
func (p Pool) Allocations() int    { return len(p.allocations) }

// Appropriations returns every appropriation, oldest first.
func (p Pool) Appropriations() []Appropriation {
	out := make([]Appropriation, len(p.appropriations))
	for i, a := range p.appropriations {
		out[i] = *a
	}
	return out
}

// Appropriation returns the appropriation with the given document number.
func (p Pool) Appropriation(document string) (Appropriation, bool) {
	a, ok := p.byDocument[document]
	if !ok {
		return Appropriation{}, false
	}
	return *a, true
}

// Allocation returns the allocation with the given reference.
func (p Pool) Allocation(ref string) (AllocationRecord, bool) {
	for _, a := range p.allocations {
		if a.Ref == ref {
			return a, true
		}
	}
	return AllocationRecord{}, false
}

// PoolAggregate describes a pool to domain.Execute.
var PoolAggregate = domain.Aggregate[Pool]{Name: "fund.pool", Evolve: EvolvePool}

// EvolvePool folds one event into p. It is a total switch over the pool's
// event types; anything else is an error. It records facts; the rules were
// checked when they were decided.
func EvolvePool(p Pool, ev events.Event, payload events.Payload) (Pool, error) {
	switch e := payload.(type) {
	case *AppropriationReceived:
		if p.byDocument == nil {
			p.byDocument = map[string]*Appropriation{}
		}
		balance, err := addTo("pool "+e.County.String()+"'s balance", p.balance, e.AmountFen)
		if err != nil {
			return p, err
		}
		a := &Appropriation{AppropriationReceived: *e, EventID: ev.ID, RemainingFen: e.AmountFen, RecordedAt: ev.Meta.OccurredAt}
		p.county, p.balance = e.County, balance
		p.appropriations = append(p.appropriations, a)
		p.byDocument[e.Document] = a
	case *Allocated:
		for _, d := range e.Draws {
			a, ok := p.byDocument[d.Document]
			if !ok {
				return p, fmt.Errorf("fund: allocation %s draws on unknown appropriation %q", e.Ref, d.Document)
			}
			left, err := takeFrom("appropriation "+d.Document, a.RemainingFen, d.AmountFen)
			if err != nil {
				return p, err
			}
			a.RemainingFen = left
		}
		balance, err := takeFrom("pool "+e.County.String()+"'s balance", p.balance, e.AmountFen)
		if err != nil {
			return p, err
		}
		p.balance = balance
		p.allocations = append(p.allocations, AllocationRecord{Allocated: *e, EventID: ev.ID, OccurredAt: ev.Meta.OccurredAt})
	case *AppropriationCorrected:
		a, ok := p.byDocument[e.Document]
		if !ok || a.EventID != e.Corrects {
			return p, fmt.Errorf("fund: correction of unknown appropriation %q (event %s)", e.Document, e.Corrects)
		}
		left, err := takeFrom("appropriation "+e.Document, a.RemainingFen, e.AmountFen)
		if err != nil {
			return p, err
		}
		corrected, err := addTo("appropriation "+e.Document+"'s corrections", a.CorrectedFen, e.AmountFen)
		if err != nil {
			return p, err
		}
		balance, err := takeFrom("pool "+e.County.String()+"'s balance", p.balance, e.AmountFen)
		if err != nil {
			return p, err
		}
		a.RemainingFen, a.CorrectedFen, p.balance = left, corrected, balance
		a.Corrections = append(slices.Clone(a.Corrections), Correction{EventID: ev.ID, AmountFen: e.AmountFen, Reason: e.Reason})
	default:
		return p, fmt.Errorf("fund: pool: unknown event %s (%T)", ev.Type, payload)
	}
	p.version = ev.Version
	return p, nil
}

// PoolCommand is a command on a county pool: Name is its key in
// Permissions, Decide its pure rule.
type PoolCommand interface {
	Name() string
	Decide(p Pool, e Env) ([]events.Payload, error)
}

// RecordAppropriation records an appropriation landing in the pool.
type RecordAppropriation struct {
	Document   string     `json:"document"`
	FiscalYear int        `json:"fiscalYear"`
	Level      Level      `json:"level"`
	Purpose    string     `json:"purpose"`
	AmountFen  domain.Fen `json:"amountFen"`
}

func (RecordAppropriation) Name() string { return "record_appropriation" }

// Decide refuses a document already recorded in this pool
// (appropriation_exists) and any bad field.
func (c RecordAppropriation) Decide(p Pool, _ Env) ([]events.Payload, error) {
	ev := &AppropriationReceived{County: p.county, Document: c.Document, FiscalYear: c.FiscalYear, Level: c.Level,
		Purpose: c.Purpose, AmountFen: c.AmountFen,
		Transfer: Transfer{DebitAccount: SourceAccount(c.Level), CreditAccount: PoolAccount(p.county), AmountFen: c.AmountFen}}
	if err := ev.Validate(); err != nil {
		return nil, err
	}
	if _, dup := p.byDocument[c.Document]; dup {
		return nil, errorf(CodeAppropriationExists, "appropriation %q is already in pool %s", c.Document, p.county)
	}
	if _, ok := domain.AddFen(p.balance, c.AmountFen); !ok {
		return nil, domain.Errorf(domain.CodeAmountOverflow, "pool %s holds %d fen; %d more would overflow its balance", p.county, p.balance, c.AmountFen)
	}
	return []events.Payload{ev}, nil
}

// ProjectFacts is what an allocation needs to know of the project it pays,
// read from the project's stream by the caller (Service does).
type ProjectFacts struct {
	Status ProjectStatus
}

// Allocate pays a project from the pool, drawing on the cited
// appropriations.
type Allocate struct {
	Project     ProjectID  `json:"project"`
	AmountFen   domain.Fen `json:"amountFen"`
	ApprovalRef string     `json:"approvalRef"`
	Draws       []Draw     `json:"draws"`
	// ProjectFacts is filled by the caller from the project's stream.
	ProjectFacts ProjectFacts `json:"-"`
}

func (Allocate) Name() string { return "allocate" }

// Decide needs an approved, not yet accepted project of the pool's county
// (project_not_found, wrong_status, project_outside_pool), cited
// appropriations in the pool (appropriation_not_found) each with enough left
// (insufficient_funds), and a pool balance that covers the amount
// (insufficient_funds).
func (c Allocate) Decide(p Pool, e Env) ([]events.Payload, error) {
	if len(p.allocations) >= AllocationsMax {
		return nil, errorf(CodeLimit, "pool %s has made %d allocations, the limit", p.county, AllocationsMax)
	}
	ev := &Allocated{County: p.county, Ref: AllocationRef(p.county, len(p.allocations)+1), Project: c.Project,
		AmountFen: c.AmountFen, ApprovalRef: c.ApprovalRef, Draws: slices.Clone(c.Draws),
		Transfer: Transfer{DebitAccount: PoolAccount(p.county), CreditAccount: ProjectAccount(c.Project), AmountFen: c.AmountFen}}
	if err := ev.Validate(); err != nil {
		return nil, err
	}
	switch c.ProjectFacts.Status {
	case StatusNone:
		return nil, errorf(CodeProjectNotFound, "project %s is not in the project database", c.Project)
	case StatusApproved, StatusPublicized, StatusImplementing, StatusCompleted:
	default:
		return nil, errorf(CodeWrongStatus, "project %s is %s; money is allocated to approved projects not yet accepted", c.Project, c.ProjectFacts.Status)
	}
	var ps domain.Problems
	for i, d := range c.Draws {
		a, ok := p.byDocument[d.Document]
		switch {
		case !ok:
			ps.Addf(fmt.Sprintf("draws[%d].document", i), CodeAppropriationNotFound, "appropriation %q is not in pool %s", d.Document, p.county)
		case e.At.Before(a.RecordedAt):
			// Recorded time only moves on; an allocation recorded before
			// the appropriation it draws on is a clock gone backwards.
			ps.Addf(fmt.Sprintf("draws[%d].document", i), domain.CodeTimeOrder, "appropriation %q was recorded at %s, after this allocation's %s",
				d.Document, a.RecordedAt.Format(time.RFC3339), e.At.Format(time.RFC3339))
		case a.RemainingFen < d.AmountFen:
			ps.Addf(fmt.Sprintf("draws[%d].amountFen", i), CodeInsufficientFunds, "appropriation %q has %d fen left, not %d", d.Document, a.RemainingFen, d.AmountFen)
		}
	}
	if err := ps.Err(); err != nil {
		return nil, err
	}
	if p.balance < c.AmountFen {
		return nil, errorf(CodeInsufficientFunds, "pool %s holds %d fen, not %d", p.county, p.balance, c.AmountFen)
	}
	return []events.Payload{ev}, nil
}
