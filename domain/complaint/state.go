package complaint

import (
	"fmt"
	"slices"
	"time"

	"github.com/drip-ledger/drip/domain"
	"github.com/drip-ledger/drip/events"
)

// State is a complaint as its events leave it. Its fields are unexported:
// only Evolve changes it, so it always is a fold of recorded facts. The zero
// State is a complaint not yet received.
type State struct {
	id          ID
	status      Status
	channel     Channel
	category    Category
	subject     Subject
	division    domain.DivisionCode
	complainant Complainant
	shortfall   *Shortfall
	receivedAt  time.Time
	due         Due

	acknowledgedAt time.Time
	assignee       Assignee
	assignedAt     time.Time
	notes          int
	lastNotedAt    time.Time

	// resolution is the current investigation's, zero while it is open;
	// resolutions keeps every one, oldest first.
	resolution  Resolution
	resolutions []Resolution
	closedAt    time.Time
	replyMethod ReplyMethod
	appeals     int
	appealedAt  time.Time
}

// Resolution is the finding of one investigation (the first, or one after an
// appeal). Its JSON names are the API's (reads return it): the view is
// rebuilt from the events, so no stored copy carries the Go names it was
// once serialised with.
type Resolution struct {
	Outcome            Outcome     `json:"outcome"`
	CorrectiveEventIDs []events.ID `json:"correctiveEventIds,omitempty"`
	Reason             string      `json:"reason,omitempty"`
	Reply              string      `json:"reply"`
	ResolvedAt         time.Time   `json:"resolvedAt"`
}

// Aggregate describes the complaint for domain.Execute.
var Aggregate = domain.Aggregate[State]{Name: "complaint", Evolve: Evolve}

// Evolve applies one event to the state. It is a total switch over the
// complaint's payloads: anything else, or anything before the complaint was
// received, is an error (a programming error or a corrupt stream), never
// skipped.
func Evolve(s State, ev events.Event, p events.Payload) (State, error) {
	if _, first := p.(*Received); first != (s.status == StatusNone) {
		return s, fmt.Errorf("complaint: %s (%s) at version %d: a complaint's stream starts with exactly one %s",
			p.EventType(), ev.Stream, ev.Version, TypeComplaintReceived)
	}
	switch p := p.(type) {
	case *Received:
		return received(p)
	case *Acknowledged:
		s.status, s.acknowledgedAt = StatusAcknowledged, p.AcknowledgedAt
	case *Assigned:
		s.status, s.assignee, s.assignedAt = StatusAssigned, p.Assignee, p.AssignedAt
	case *InvestigationNoted:
		s.notes, s.lastNotedAt = s.notes+1, p.NotedAt
	case *Resolved:
		s.status = StatusResolved
		s.resolution = Resolution{Outcome: p.Outcome, CorrectiveEventIDs: slices.Clone(p.CorrectiveEventIDs),
			Reason: p.Reason, Reply: p.Reply, ResolvedAt: p.ResolvedAt}
		// Clip first: State is a value, and two copies must never share
		// the array an append writes into.
		s.resolutions = append(slices.Clip(s.resolutions), s.resolution)
	case *Closed:
		s.status, s.closedAt, s.replyMethod = StatusClosed, p.ClosedAt, p.ReplyMethod
	case *Appealed:
		s.status, s.appeals, s.appealedAt = StatusAppealed, s.appeals+1, p.AppealedAt
		s.due.ResolveBy = p.ResolveBy
		s.resolution, s.closedAt, s.replyMethod = Resolution{}, time.Time{}, ""
	default:
		return s, fmt.Errorf("complaint: evolve: unknown event %s (%T) at version %d", ev.Type, p, ev.Version)
	}
	return s, nil
}

func received(p *Received) (State, error) {
	id, err := ParseID(p.ComplaintID)
	if err != nil {
		return State{}, fmt.Errorf("complaint: evolve received: %w", err)
	}
	division, err := domain.ParseDivisionCode(p.Division)
	if err != nil {
		return State{}, fmt.Errorf("complaint: evolve received: %w", err)
	}
	s := State{id: id, status: StatusReceived, channel: p.Channel, category: p.Category, subject: p.Subject,
		division: division, complainant: p.Complainant, receivedAt: p.ReceivedAt,
		due: Due{AcknowledgeBy: p.AcknowledgeBy, ResolveBy: p.ResolveBy}}
	if p.Shortfall != nil {
		sf := *p.Shortfall
		s.shortfall = &sf
	}
	return s, nil
}

// ID is the complaint's number.
func (s State) ID() ID { return s.id }

// Status is where the complaint stands; StatusNone before it is received.
func (s State) Status() Status { return s.status }

// Exists reports whether the complaint was received.
func (s State) Exists() bool { return s.status != StatusNone }

// Channel is how it arrived.
func (s State) Channel() Channel { return s.channel }

// Category is what it is about.
func (s State) Category() Category { return s.category }

// Subject is what it names.
func (s State) Subject() Subject { return s.subject }

// Division is the place concerned: jurisdictions route and restrict the
// complaint by it.
func (s State) Division() domain.DivisionCode { return s.division }

// Complainant is who complained. It holds personal data: show it only to
// the desk and the assignee.
func (s State) Complainant() Complainant { return s.complainant }

// Anonymous reports whether the complainant is anonymous.
func (s State) Anonymous() bool { return s.complainant.Kind == ComplainantAnonymous }

// Shortfall is what the fund ledger saw, for a complaint it opened itself.
func (s State) Shortfall() (Shortfall, bool) {
	if s.shortfall == nil {
		return Shortfall{}, false
	}
	return *s.shortfall, true
}

// ReceivedAt is when the complaint was received (business time).
func (s State) ReceivedAt() time.Time { return s.receivedAt }

// Due is the complaint's deadlines; after an appeal, ResolveBy is the
// appeal's.
func (s State) Due() Due { return s.due }

// AcknowledgedAt is when it was acknowledged, or zero.
func (s State) AcknowledgedAt() time.Time { return s.acknowledgedAt }

// Assignee is who investigates it now, or the zero Assignee.
func (s State) Assignee() Assignee { return s.assignee }

// AssignedAt is when it was last assigned, or zero.
func (s State) AssignedAt() time.Time { return s.assignedAt }

// Notes is how many investigation notes it has.
func (s State) Notes() int { return s.notes }

// LastNotedAt is when the latest note was made, or zero.
func (s State) LastNotedAt() time.Time { return s.lastNotedAt }

// Resolution is the current investigation's finding; ok is false while it
// is open (including after an appeal).
func (s State) Resolution() (r Resolution, ok bool) {
	r = s.resolution
	r.CorrectiveEventIDs = slices.Clone(r.CorrectiveEventIDs)
	return r, r.Outcome != ""
}

// Resolutions is every finding, oldest first: one per investigation.
func (s State) Resolutions() []Resolution {
	out := make([]Resolution, len(s.resolutions))
	for i, r := range s.resolutions {
		r.CorrectiveEventIDs = slices.Clone(r.CorrectiveEventIDs)
		out[i] = r
	}
	return out
}

// CorrectiveEventIDs is every corrective event any resolution linked, in the
// order linked, each once.
func (s State) CorrectiveEventIDs() []events.ID {
	var out []events.ID
	for _, r := range s.resolutions {
		for _, id := range r.CorrectiveEventIDs {
			if !slices.Contains(out, id) {
				out = append(out, id)
			}
		}
	}
	return out
}

// ClosedAt is when the complainant was answered, or zero (also after an
// appeal reopened it).
func (s State) ClosedAt() time.Time { return s.closedAt }

// ReplyMethod is how the complainant was answered, or "".
func (s State) ReplyMethod() ReplyMethod { return s.replyMethod }

// Appeals is how often the complainant appealed.
func (s State) Appeals() int { return s.appeals }

// AppealedAt is when the latest appeal was made, or zero.
func (s State) AppealedAt() time.Time { return s.appealedAt }
