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

// Decide needs a publicized household (enrollment or exit) and at (the
// recorded time) within the publicity's window (see publicityWindow;
// publicity_closed). Later objections are complaints, for the 12317 desk.
func (c RaiseObjection) Decide(s State, at time.Time) ([]events.Payload, error) {
	if err := requireStatus("raise objection", s.Status(), StatusPublicized, StatusExitPublicized); err != nil {
		return nil, err
	}
	if opens, closes := s.publicityWindow(); at.Before(opens) || !at.Before(closes) {
		return nil, errorf(CodePublicityClosed, "the publicity runs from %s to %s; %s is outside it",
			opens.Format(time.RFC3339), closes.Format(time.RFC3339), at.Format(time.RFC3339))
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

// publicityWindow is when objections to the current publicity are taken,
// on recorded time: it opens when the list was recorded (or at its StartsAt
// if that is later) and closes PublicityDaysMin days after it opened, or at
// EndsAt if that is later. A caller's StartsAt and EndsAt can lengthen the
// window, never shorten it: a list dated last month and entered today is
// still open to objections for seven days from today.
func (s State) publicityWindow() (opens, closes time.Time) {
	opens = s.publicity.StartsAt
	if s.pubRecorded.After(opens) {
		opens = s.pubRecorded
	}
	closes = opens.Add(PublicityDaysMin * 24 * time.Hour)
	if s.publicity.EndsAt.After(closes) {
		closes = s.publicity.EndsAt
	}
	return opens, closes
}

// PublicityWindow is when objections to the latest publicity are taken, on
// recorded time (see RaiseObjection); ok is false without a publicity.
func (s State) PublicityWindow() (opens, closes time.Time, ok bool) {
	if s.publicity == nil {
		return time.Time{}, time.Time{}, false
	}
	opens, closes = s.publicityWindow()
	return opens, closes, true
}

// publicityDone checks that the current publicity's window has closed by at
// (recorded time) and that its objections are settled and none was upheld.
func publicityDone(s State, at time.Time) error {
	if _, closes := s.publicityWindow(); at.Before(closes) {
		return errorf(CodePublicityOpen, "the publicity runs until %s (%d days from when it was recorded at the earliest)",
			closes.Format(time.RFC3339), PublicityDaysMin)
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
