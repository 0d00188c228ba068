package household

import (
	"time"

	"github.com/drip-ledger/drip/events"
)

// StartPublicity posts the household on a publicity list (公示): for
// enrollment after the village proposed it, for exit after the village
// appraised its exit. It must last at least PublicityDaysMin days.
type StartPublicity struct {
	StartsAt time.Time `json:"startsAt"`
	EndsAt   time.Time `json:"endsAt"`
	Place    string    `json:"place"`
}

func (StartPublicity) Name() string { return "start_publicity" }

// Decide needs a proposed household (enrollment) or an exit-proposed one
// whose exit appraisal passed (appraisal_missing); publicity_too_short if
// EndsAt is less than seven days after StartsAt.
func (c StartPublicity) Decide(s State, _ time.Time) ([]events.Payload, error) {
	if err := requireStatus("start publicity", s.Status(), StatusProposed, StatusExitProposed); err != nil {
		return nil, err
	}
	ev := &PublicityStarted{Stage: StageEnrollment, StartsAt: c.StartsAt, EndsAt: c.EndsAt, Place: c.Place}
	if s.Status() == StatusExitProposed {
		ev.Stage = StageExit
		if s.exit.appraisal == nil {
			return nil, errorf(CodeAppraisalMissing, "exit publicity needs the village's appraisal of the exit first")
		}
	}
	if err := ev.Validate(); err != nil {
		return nil, err
	}
	return []events.Payload{ev}, nil
}

// RaiseObjection records an objection to the household's publicity, from
// anyone, while the list is posted.
type RaiseObjection struct {
	RaisedBy  string `json:"raisedBy"`
	Statement string `json:"statement"`
}

func (RaiseObjection) Name() string { return "raise_objection" }

// Decide needs a publicized household (enrollment or exit) and at within
// the publicity, from StartsAt to before EndsAt (publicity_closed). Later
// objections are complaints, for the 12317 desk.
func (c RaiseObjection) Decide(s State, at time.Time) ([]events.Payload, error) {
	if err := requireStatus("raise objection", s.Status(), StatusPublicized, StatusExitPublicized); err != nil {
		return nil, err
	}
	if at.Before(s.publicity.StartsAt) || !at.Before(s.publicity.EndsAt) {
		return nil, errorf(CodePublicityClosed, "the publicity runs from %s to %s; %s is outside it",
			s.publicity.StartsAt.Format(time.RFC3339), s.publicity.EndsAt.Format(time.RFC3339), at.Format(time.RFC3339))
	}
	ev := &ObjectionRaised{Number: len(s.objections) + 1, RaisedBy: c.RaisedBy, Statement: c.Statement}
	if err := ev.Validate(); err != nil {
		return nil, err
	}
	return []events.Payload{ev}, nil
}

// ResolveObjection settles an objection: upheld or dismissed, with a reason.
type ResolveObjection struct {
	Number  int    `json:"number"`
	Outcome string `json:"outcome"`
	Reason  string `json:"reason"`
}

func (ResolveObjection) Name() string { return "resolve_objection" }

// Decide needs a publicized household and an objection of its current
// publicity (objection_unknown) still open (objection_resolved).
func (c ResolveObjection) Decide(s State, _ time.Time) ([]events.Payload, error) {
	if err := requireStatus("resolve objection", s.Status(), StatusPublicized, StatusExitPublicized); err != nil {
		return nil, err
	}
	ev := &ObjectionResolved{Number: c.Number, Outcome: c.Outcome, Reason: c.Reason}
	if err := ev.Validate(); err != nil {
		return nil, err
	}
	for _, o := range s.currentObjections() {
		if o.Number != c.Number {
			continue
		}
		if !o.Open() {
			return nil, errorf(CodeObjectionResolved, "objection %d was already %s", o.Number, o.Outcome)
		}
		return []events.Payload{ev}, nil
	}
	return nil, errorf(CodeObjectionUnknown, "the current publicity has no objection %d", c.Number)
}

// publicityDone checks that the current publicity has ended by at and that
// its objections are settled and none was upheld.
func publicityDone(s State, at time.Time) error {
	if at.Before(s.publicity.EndsAt) {
		return errorf(CodePublicityOpen, "the publicity runs until %s", s.publicity.EndsAt.Format(time.RFC3339))
	}
	for _, o := range s.currentObjections() {
		if o.Open() {
			return errorf(CodeObjectionOpen, "objection %d by %s is not resolved", o.Number, o.RaisedBy)
		}
	}
	for _, o := range s.currentObjections() {
		if o.Outcome == OutcomeUpheld {
			return errorf(CodeObjectionUpheld, "objection %d by %s was upheld: %s", o.Number, o.RaisedBy, o.Reason)
		}
	}
	return nil
}

// validated returns ev as a one-event decision, or its problems.
func validated(ev events.Payload) ([]events.Payload, error) {
	if err := ev.Validate(); err != nil {
		return nil, err
	}
	return []events.Payload{ev}, nil
}
