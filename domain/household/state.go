package household

import (
	"fmt"
	"slices"
	"time"

	"github.com/drip-ledger/drip/domain"
	"github.com/drip-ledger/drip/events"
)

// State is a household as its events so far describe it. It is read through
// its methods; only Evolve makes one.
//
// A State is a value, but it shares slices with the State it was evolved
// from, so treat the older one as spent: keep the newest, or fold again.
type State struct {
	file        domain.FileNumber
	village     domain.DivisionCode
	status      Status
	head        Member
	members     []Member
	account     *Account
	deaths      map[string]string // resident ID → date of death
	assessments []Assessment
	causes      CauseList
	appraisal   *Appraisal // of the current enrollment proposal
	publicity   *PublicityStarted
	// pubRecorded is when the store recorded the latest publicity: its
	// window is measured from it, not from the StartsAt a caller sent.
	pubRecorded time.Time
	round       int // publicities so far; objections belong to one
	objections  []Objection
	review      *Reviewed
	enrollment  *Enrolled
	rejection   *Rejected
	removal     *Removed
	support
	exit
	changes     []Change
	history     []entry
	corrections []Correction
}

// Assessment is one recorded survey or reassessment, with when it happened.
type Assessment struct {
	Assessed
	EventID    events.ID `json:"eventId"`
	OccurredAt time.Time `json:"occurredAt"`
}

// Objection is an objection raised during a publicity and, once settled, its
// outcome ("" while open).
type Objection struct {
	Number    int       `json:"number"`
	Stage     string    `json:"stage"`
	RaisedBy  string    `json:"raisedBy"`
	Statement string    `json:"statement"`
	RaisedAt  time.Time `json:"raisedAt"`
	Outcome   string    `json:"outcome,omitempty"`
	Reason    string    `json:"reason,omitempty"`
	round     int
}

// Open reports whether the objection awaits resolution.
func (o Objection) Open() bool { return o.Outcome == "" }

// Change is one change of status, with the event that made it. OccurredAt
// is business time (when it happened), RecordedAt when the log committed it.
type Change struct {
	Status     Status    `json:"status"`
	EventID    events.ID `json:"eventId"`
	Version    uint64    `json:"version"`
	Type       string    `json:"type"`
	ActorID    string    `json:"actorId"`
	OccurredAt time.Time `json:"occurredAt"`
	RecordedAt time.Time `json:"recordedAt"`
}

// entry is one folded event, kept so that a correction can fold the
// history again with the corrected payload in place of the original.
type entry struct {
	id         events.ID
	version    uint64
	typ        string
	actorID    string
	occurredAt time.Time
	recordedAt time.Time
	payload    events.Payload
}

// File is the household's file number ("" before registration).
func (s State) File() domain.FileNumber { return s.file }

// Village is the code of the household's village.
func (s State) Village() domain.DivisionCode { return s.village }

// Status is where the household stands; StatusNone if it is not registered.
func (s State) Status() Status { return s.status }

// Version is how many events have been folded into s.
func (s State) Version() uint64 {
	if len(s.history) == 0 {
		return 0
	}
	return s.history[len(s.history)-1].version
}

// Head is the head of the household.
func (s State) Head() Member { return s.head }

// Members returns every member, the head first, deceased ones included (see
// Deceased).
func (s State) Members() []Member {
	return append([]Member{s.head}, s.members...)
}

// Deceased returns the date of death (YYYY-MM-DD) of the member with the
// given resident ID, if one was recorded.
func (s State) Deceased(residentID domain.ResidentID) (string, bool) {
	d, ok := s.deaths[residentID.String()]
	return d, ok
}

// Account is the household's "one card" account, if it has one.
func (s State) Account() (Account, bool) {
	if s.account == nil {
		return Account{}, false
	}
	return *s.account, true
}

// Assessments returns every assessment, oldest first.
func (s State) Assessments() []Assessment { return slices.Clone(s.assessments) }

// LatestAssessment is the most recently recorded assessment.
func (s State) LatestAssessment() (Assessment, bool) {
	if len(s.assessments) == 0 {
		return Assessment{}, false
	}
	return s.assessments[len(s.assessments)-1], true
}

// Causes is why the household is poor, as last recorded.
func (s State) Causes() CauseList {
	return CauseList{Main: s.causes.Main, Others: slices.Clone(s.causes.Others)}
}

// Publicity is the latest publicity, enrollment's or exit's.
func (s State) Publicity() (PublicityStarted, bool) {
	if s.publicity == nil {
		return PublicityStarted{}, false
	}
	return *s.publicity, true
}

// Objections returns every objection ever raised, oldest first.
func (s State) Objections() []Objection { return slices.Clone(s.objections) }

// Enrollment is the county's latest enrollment decision, if any.
func (s State) Enrollment() (Enrolled, bool) {
	if s.enrollment == nil {
		return Enrolled{}, false
	}
	return *s.enrollment, true
}

// Rejection is the latest rejection, if any.
func (s State) Rejection() (Rejected, bool) {
	if s.rejection == nil {
		return Rejected{}, false
	}
	return *s.rejection, true
}

// Changes returns every change of status, oldest first.
func (s State) Changes() []Change { return slices.Clone(s.changes) }

// Corrections returns every correction recorded, oldest first.
func (s State) Corrections() []Correction { return slices.Clone(s.corrections) }

// Aggregate describes the household to domain.Execute.
var Aggregate = domain.Aggregate[State]{Name: "household", Evolve: Evolve}

// Evolve folds one event into s. It is total over the types Register adds;
// any other payload, or an event before the household's registration, is a
// programming or data error and returns an error.
func Evolve(s State, ev events.Event, p events.Payload) (State, error) {
	e := entry{id: ev.ID, version: ev.Version, typ: ev.Type, actorID: ev.Meta.ActorID,
		occurredAt: ev.Meta.OccurredAt, recordedAt: ev.RecordedAt, payload: p}
	if c, ok := p.(*Corrected); ok {
		return s.correct(e, c)
	}
	s.history = append(s.history, e)
	return s.apply(e)
}

// apply folds one entry. It records facts; rules were checked by Decide.
func (s State) apply(e entry) (State, error) {
	if _, first := e.payload.(*Registered); first != (s.status == StatusNone) {
		return s, fmt.Errorf("household: %s at version %d: a household's first event, and only it, is %s",
			e.typ, e.version, TypeHouseholdRegistered)
	}
	if s2, ok := s.applyIdentification(e); ok {
		return s2, nil
	}
	if s2, ok := s.applySupport(e); ok {
		return s2, nil
	}
	if s2, ok := s.applyExit(e); ok {
		return s2, nil
	}
	return s, fmt.Errorf("household: evolve: unknown event %s (%T)", e.typ, e.payload)
}

func (s State) applyIdentification(e entry) (State, bool) {
	switch p := e.payload.(type) {
	case *Registered:
		s.file, s.village, s.head, s.members = p.FileNumber, p.Village, p.Head, slices.Clone(p.Members)
		if p.Account != nil {
			a := *p.Account
			s.account = &a
		}
		s.setStatus(e, StatusRegistered)
	case *Assessed:
		s.assessments = append(s.assessments, Assessment{Assessed: *p, EventID: e.id, OccurredAt: e.occurredAt})
		if p.Kind == KindInitial {
			s.setStatus(e, StatusSurveyed)
		}
	case *Proposed:
		a := p.Appraisal
		s.appraisal, s.causes, s.review, s.publicity = &a, p.Causes, nil, nil
		s.setStatus(e, StatusProposed)
	case *PublicityStarted:
		pub := *p
		s.publicity, s.pubRecorded, s.round = &pub, e.recordedAt, s.round+1
		s.setStatus(e, map[string]Status{StageEnrollment: StatusPublicized, StageExit: StatusExitPublicized}[p.Stage])
	case *ObjectionRaised:
		stage := "" // only a damaged stream has an objection without a publicity
		if s.publicity != nil {
			stage = s.publicity.Stage
		}
		s.objections = append(s.objections, Objection{Number: p.Number, Stage: stage,
			RaisedBy: p.RaisedBy, Statement: p.Statement, RaisedAt: e.occurredAt, round: s.round})
	case *ObjectionResolved:
		s.objections = slices.Clone(s.objections)
		for i := range s.objections {
			if s.objections[i].Number == p.Number {
				s.objections[i].Outcome, s.objections[i].Reason = p.Outcome, p.Reason
			}
		}
	case *Reviewed:
		r := *p
		s.review = &r
	case *Enrolled:
		en := *p
		s.enrollment = &en
		s.setStatus(e, StatusEnrolled)
	case *Rejected:
		r := *p
		s.rejection = &r
		s.setStatus(e, StatusRejected)
	default:
		return s, false
	}
	return s, true
}

func (s *State) setStatus(e entry, st Status) {
	s.status = st
	s.changes = append(s.changes, Change{Status: st, EventID: e.id, Version: e.version, Type: e.typ,
		ActorID: e.actorID, OccurredAt: e.occurredAt, RecordedAt: e.recordedAt})
}

// currentObjections are those raised during the latest publicity.
func (s State) currentObjections() []Objection {
	var out []Objection
	for _, o := range s.objections {
		if o.round == s.round {
			out = append(out, o)
		}
	}
	return out
}
