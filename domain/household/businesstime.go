package household

import (
	"errors"
	"time"

	"github.com/drip-ledger/drip/domain"
	"github.com/drip-ledger/drip/events"
)

// When is what a decision knows of time besides the state: the recorded
// time of the request (domain.Request.At), whether it is an explicit
// backfill of older paper records, and the bounds business times must keep.
type When struct {
	At       time.Time
	Backfill bool
	Bounds   domain.TimeBounds
}

// PublicityDaysMax bounds how long a publicity may be announced for: an
// EndsAt years ahead would hold the household in publicity for as long.
const PublicityDaysMax = 90

// CodeTimeOrder is the code of a business time before the fact it follows.
const CodeTimeOrder = "time_order"

// Decide decides c on s at w.At, then checks the business times c carries
// (an appraisal's heldAt, a publicity's startsAt) against w: none in the
// future of the recorded time beyond the skew, none older than the lag
// unless w.Backfill (domain.TimeBounds), and each after the fact it
// follows (an appraisal after the survey it appraises, an exit appraisal
// after the exit proposal). In a backfill the order is not checked: the
// facts it follows were entered now, their paper is older.
//
// A broken state rule is returned as Decide returned it; bad fields are
// returned with the bad times, every one at once.
func Decide(c Command, s State, w When) ([]events.Payload, error) {
	out, err := c.Decide(s, w.At)
	var ps domain.Problems
	var inv *events.InvalidError
	if errors.As(err, &inv) {
		ps = append(ps, inv.Problems...)
	} else if err != nil {
		return nil, err
	}
	switch c := c.(type) {
	case Propose:
		checkTime(&ps, w, "appraisal.heldAt", c.Appraisal.HeldAt, surveyedAt(s), "the survey")
	case AppraiseExit:
		checkTime(&ps, w, "appraisal.heldAt", c.Appraisal.HeldAt, changedAt(s, StatusExitProposed), "the exit proposal")
	case StartPublicity:
		checkTime(&ps, w, "startsAt", c.StartsAt, time.Time{}, "")
		if c.EndsAt.After(c.StartsAt.AddDate(0, 0, PublicityDaysMax)) {
			ps.Addf("endsAt", CodeTooLong, "a publicity runs at most %d days", PublicityDaysMax)
		}
	}
	if err := ps.Err(); err != nil {
		return nil, err
	}
	return out, nil
}

// checkTime checks one business time t, and that it is not before after
// (the time of what, if not zero).
func checkTime(ps *domain.Problems, w When, field string, t, after time.Time, what string) {
	if err := w.Bounds.Check(field, t, w.At, w.Backfill); err != nil {
		ps.Add(field, err)
		return
	}
	if !w.Backfill && !after.IsZero() && t.Before(after) {
		ps.Addf(field, CodeTimeOrder, "%s is before %s (%s)", t.Format(time.RFC3339), what, after.Format(time.RFC3339))
	}
}

// surveyedAt is when the latest assessment was recorded, or zero.
func surveyedAt(s State) time.Time {
	a, _ := s.LatestAssessment()
	return a.OccurredAt
}

// changedAt is when the household last took status st, or zero.
func changedAt(s State, st Status) time.Time {
	for i := len(s.changes) - 1; i >= 0; i-- {
		if s.changes[i].Status == st {
			return s.changes[i].OccurredAt
		}
	}
	return time.Time{}
}
