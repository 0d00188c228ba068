package fund

import (
	"fmt"
	"slices"
	"time"

	"github.com/drip-ledger/drip/domain"
	"github.com/drip-ledger/drip/events"
)

// Project is a project as its stream describes it: its lifecycle, its
// beneficiaries, the lots it may spend and its payments. Only EvolveProject
// makes one (or EmptyProject, before the first event). It shares memory with
// the state it was evolved from: keep the newest.
type Project struct {
	id            ProjectID
	version       uint64
	status        ProjectStatus
	proposal      *ProjectProposed
	approval      *ProjectApproved
	publicity     *PublicityStarted
	objections    []Objection
	beneficiaries map[domain.FileNumber]Beneficiary
	received      map[string]bool // allocation references taken in
	receivedAt    time.Time       // recorded time of the last allocation taken in
	publicizedAt  time.Time       // recorded time of PublicityStarted
	lots          []Lot           // the queue, front first
	receivedFen   domain.Fen
	transitFen    domain.Fen
	payments      []*Payment
	byRef         map[string]*Payment
	live          map[payKey]int // live payments per payee, purpose and period
}

// Objection is an objection to the project and, once settled, its outcome
// ("" while open).
type Objection struct {
	ObjectionRaised
	Outcome string `json:"outcome,omitempty"`
	Reason  string `json:"reason,omitempty"`
}

// Open reports whether the objection awaits resolution.
func (o Objection) Open() bool { return o.Outcome == "" }

// Beneficiary is a household assigned to the project.
type Beneficiary struct {
	BeneficiaryAssigned
	EventID    events.ID `json:"eventId"`
	AssignedAt time.Time `json:"assignedAt"`
}

// Payment is a payment as it stands: its instruction and what became of it.
type Payment struct {
	PaymentInstructed
	Status            PaymentStatus `json:"status"`
	InstructedEventID events.ID     `json:"instructedEventId"`
	// InstructedAt is the recorded time of the instruction.
	InstructedAt      time.Time            `json:"instructedAt"`
	SettledEventID    events.ID            `json:"settledEventId,omitzero"`
	BankRef           string               `json:"bankRef,omitempty"`
	Failure           *PaymentFailed       `json:"failure,omitempty"`
	Acknowledgement   *PaymentAcknowledged `json:"acknowledgement,omitempty"`
	AcknowledgedEvent events.ID            `json:"acknowledgedEventId,omitzero"`
	Reversal          *PaymentReversed     `json:"reversal,omitempty"`
}

// payKey is what the duplicate rule compares.
type payKey struct {
	payee   AccountID
	purpose Purpose
	period  string
}

func keyOf(p *PaymentInstructed) payKey {
	return payKey{payee: p.PayeeAccount(), purpose: p.Purpose, period: p.Period}
}

// live reports whether a payment of status st still stands (money went or
// is going to the payee).
func isLive(st PaymentStatus) bool { return st == StatusInstructed || st == StatusSettled }

// EmptyProject is project id before it was proposed.
func EmptyProject(id ProjectID) Project { return Project{id: id} }

func (s Project) ID() ProjectID          { return s.id }
func (s Project) Version() uint64        { return s.version }
func (s Project) Status() ProjectStatus  { return s.status }
func (s Project) Exists() bool           { return s.status != StatusNone }
func (s Project) County() County         { return s.id.County() }
func (s Project) TransitFen() domain.Fen { return s.transitFen }

// BalanceFen is what the project may still spend: the lots in its queue.
func (s Project) BalanceFen() domain.Fen { return sumLots(s.lots) }

// ReceivedFen is everything the project took in from allocations.
func (s Project) ReceivedFen() domain.Fen { return s.receivedFen }

// Lots returns the queue of lots, front (spent next) first.
func (s Project) Lots() []Lot { return slices.Clone(s.lots) }

// Proposal is the project as proposed.
func (s Project) Proposal() (ProjectProposed, bool) {
	if s.proposal == nil {
		return ProjectProposed{}, false
	}
	return *s.proposal, true
}

// Villages are the villages the project serves.
func (s Project) Villages() []domain.DivisionCode {
	if s.proposal == nil {
		return nil
	}
	return slices.Clone(s.proposal.Villages)
}

func (s Project) hasVillage(v domain.DivisionCode) bool {
	return s.proposal != nil && slices.Contains(s.proposal.Villages, v)
}

// Publicity is the project's publicity, if it started.
func (s Project) Publicity() (PublicityStarted, bool) {
	if s.publicity == nil {
		return PublicityStarted{}, false
	}
	return *s.publicity, true
}

// Objections returns every objection, oldest first.
func (s Project) Objections() []Objection { return slices.Clone(s.objections) }

// Beneficiary returns the assignment of household file.
func (s Project) Beneficiary(file domain.FileNumber) (Beneficiary, bool) {
	b, ok := s.beneficiaries[file]
	return b, ok
}

// Beneficiaries returns how many households are assigned.
func (s Project) Beneficiaries() int { return len(s.beneficiaries) }

// Received reports whether the allocation ref was taken in.
func (s Project) Received(ref string) bool { return s.received[ref] }

// Payment returns the payment with reference ref.
func (s Project) Payment(ref string) (Payment, bool) {
	p, ok := s.byRef[ref]
	if !ok {
		return Payment{}, false
	}
	return *p, true
}

// Payments returns every payment, oldest first.
func (s Project) Payments() []Payment {
	out := make([]Payment, len(s.payments))
	for i, p := range s.payments {
		out[i] = *p
	}
	return out
}

// ProjectAggregate describes a project to domain.Execute.
var ProjectAggregate = domain.Aggregate[Project]{Name: "fund.project", Evolve: EvolveProject}

// EvolveProject folds one event into s. It is a total switch over the
// project's event types; anything else is an error, as is an event before
// the proposal or one naming an unknown payment.
func EvolveProject(s Project, ev events.Event, payload events.Payload) (Project, error) {
	if _, first := payload.(*ProjectProposed); first != (s.status == StatusNone) {
		return s, fmt.Errorf("fund: %s at version %d: a project's first event, and only it, is %s", ev.Type, ev.Version, TypeProjectProposed)
	}
	var err error
	switch e := payload.(type) {
	case *ProjectProposed, *ProjectApproved, *PublicityStarted, *ObjectionRaised, *ObjectionResolved,
		*ImplementationStarted, *ProjectCompleted, *ProjectAccepted, *BeneficiaryAssigned:
		s = s.applyLifecycle(ev, e)
	case *AllocationReceived:
		if s.received == nil {
			s.received = map[string]bool{}
		}
		s.received[e.Allocation] = true
		s.receivedAt = ev.Meta.OccurredAt
		if s.receivedFen, err = addTo("project "+s.id.String()+"'s receipts", s.receivedFen, e.AmountFen); err != nil {
			return s, err
		}
		s.lots = append(slices.Clone(s.lots), e.Lots...)
	case *PaymentInstructed, *PaymentSettled, *PaymentFailed, *PaymentAcknowledged, *PaymentReversed:
		s, err = s.applyPayment(ev, e)
	default:
		err = fmt.Errorf("fund: project: unknown event %s (%T)", ev.Type, payload)
	}
	if err != nil {
		return s, err
	}
	s.version = ev.Version
	return s, nil
}

func (s Project) applyLifecycle(ev events.Event, payload events.Payload) Project {
	switch e := payload.(type) {
	case *ProjectProposed:
		p := *e
		s.id, s.proposal, s.status = e.Project, &p, StatusProposed
	case *ProjectApproved:
		a := *e
		s.approval, s.status = &a, StatusApproved
	case *PublicityStarted:
		p := *e
		s.publicity, s.status, s.publicizedAt = &p, StatusPublicized, ev.Meta.OccurredAt
	case *ObjectionRaised:
		s.objections = append(slices.Clone(s.objections), Objection{ObjectionRaised: *e})
	case *ObjectionResolved:
		s.objections = slices.Clone(s.objections)
		if i := e.Number - 1; i >= 0 && i < len(s.objections) {
			s.objections[i].Outcome, s.objections[i].Reason = e.Outcome, e.Reason
		}
	case *ImplementationStarted:
		s.status = StatusImplementing
	case *ProjectCompleted:
		s.status = StatusCompleted
	case *ProjectAccepted:
		s.status = StatusAccepted
	case *BeneficiaryAssigned:
		if s.beneficiaries == nil {
			s.beneficiaries = map[domain.FileNumber]Beneficiary{}
		}
		s.beneficiaries[e.Household] = Beneficiary{BeneficiaryAssigned: *e, EventID: ev.ID, AssignedAt: ev.Meta.OccurredAt}
	}
	return s
}

// applyPayment folds a payment's events. Payments are kept by pointer and
// changed in place: a fold keeps only its newest state.
func (s Project) applyPayment(ev events.Event, payload events.Payload) (Project, error) {
	if e, ok := payload.(*PaymentInstructed); ok {
		lots, err := remove(s.lots, e.Lots)
		if err != nil {
			return s, err
		}
		transit, err := addTo("project "+s.id.String()+"'s transit", s.transitFen, e.AmountFen)
		if err != nil {
			return s, err
		}
		p := &Payment{PaymentInstructed: *e, Status: StatusInstructed, InstructedEventID: ev.ID, InstructedAt: ev.Meta.OccurredAt}
		if s.byRef == nil {
			s.byRef, s.live = map[string]*Payment{}, map[payKey]int{}
		}
		s.lots, s.transitFen = lots, transit
		s.payments = append(s.payments, p)
		s.byRef[e.Ref] = p
		s.live[keyOf(e)]++
		return s, nil
	}
	ref := refOf(payload)
	p, ok := s.byRef[ref]
	if !ok {
		return s, fmt.Errorf("fund: %s names payment %q, which the project never instructed", ev.Type, ref)
	}
	var err error
	switch e := payload.(type) {
	case *PaymentSettled:
		p.Status, p.SettledEventID, p.BankRef = StatusSettled, ev.ID, e.BankRef
		s.transitFen, err = takeFrom("project "+s.id.String()+"'s transit", s.transitFen, e.Transfer.AmountFen)
	case *PaymentFailed:
		f := *e
		p.Status, p.Failure = e.Outcome, &f
		s.live[keyOf(&p.PaymentInstructed)]--
		s.transitFen, err = takeFrom("project "+s.id.String()+"'s transit", s.transitFen, e.Transfer.AmountFen)
		s.lots = restore(s.lots, e.Lots)
	case *PaymentAcknowledged:
		a := *e
		p.Acknowledgement, p.AcknowledgedEvent = &a, ev.ID
	case *PaymentReversed:
		r := *e
		p.Status, p.Reversal = StatusReversed, &r
		s.live[keyOf(&p.PaymentInstructed)]--
		s.lots = restore(s.lots, e.Lots)
	}
	return s, err
}

func refOf(payload events.Payload) string {
	switch e := payload.(type) {
	case *PaymentSettled:
		return e.Ref
	case *PaymentFailed:
		return e.Ref
	case *PaymentAcknowledged:
		return e.Ref
	case *PaymentReversed:
		return e.Ref
	}
	return ""
}
