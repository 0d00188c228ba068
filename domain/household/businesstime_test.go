package household_test

import (
	"slices"
	"testing"
	"time"

	"github.com/drip-ledger/drip/domain"
	"github.com/drip-ledger/drip/domain/household"
	"github.com/drip-ledger/drip/events"
)

// TestBusinessTimes: given a history (recorded an hour apart from t0),
// when a command carrying a business time is decided at a recorded time,
// then its events or the named problems.
func TestBusinessTimes(t *testing.T) {
	held := func(at time.Time) household.Appraisal {
		a := appraisal()
		a.HeldAt = at
		return a
	}
	propose := func(at time.Time) household.Propose { return household.Propose{Appraisal: held(at), Causes: causes()} }
	publicity := func(start time.Time, days int) household.StartPublicity {
		return household.StartPublicity{StartsAt: start, EndsAt: start.AddDate(0, 0, days), Place: "village notice board"}
	}
	surveyed := t0.Add(time.Hour) // when surveyedH's assessment was recorded
	rec := t0.AddDate(0, 0, 11)   // the recorded time of the commands
	lag := domain.BusinessLagMaxDefault
	cases := []struct {
		name     string
		history  []events.Payload
		cmd      household.Command
		at       time.Time
		backfill bool
		want     []string
	}{
		{"an appraisal held the day before is taken", surveyedH(t), propose(rec.AddDate(0, 0, -1)), rec, false, nil},
		{"an appraisal held 400 days ahead is refused", surveyedH(t), propose(rec.AddDate(0, 0, 400)), rec, false,
			[]string{"appraisal.heldAt " + domain.CodeTimeInFuture}},
		{"an appraisal ahead beyond the skew is refused even in a backfill", surveyedH(t),
			propose(rec.Add(domain.BusinessSkewMaxDefault + time.Second)), rec, true, []string{"appraisal.heldAt " + domain.CodeTimeInFuture}},
		{"an appraisal ahead within the skew is taken", surveyedH(t), propose(rec.Add(domain.BusinessSkewMaxDefault)), rec, false, nil},
		{"an appraisal held before the survey is refused", surveyedH(t), propose(surveyed.Add(-time.Second)), rec, false,
			[]string{"appraisal.heldAt " + household.CodeTimeOrder}},
		{"an appraisal older than the lag needs a backfill", surveyedH(t), propose(surveyed.Add(-time.Second)),
			surveyed.Add(lag), false, []string{"appraisal.heldAt " + domain.CodeBackfillRequired}},
		{"in a backfill an old appraisal is taken", surveyedH(t), propose(t0.AddDate(-3, 0, 0)), rec, true, nil},
		{"an exit appraisal before the exit proposal is refused", exitProposedH(t), household.AppraiseExit{Appraisal: held(t0)},
			t0.AddDate(0, 0, 1), false, []string{"appraisal.heldAt " + household.CodeTimeOrder}},
		{"a publicity dated a week ago is taken (its window runs on recorded time)", proposedH(t), publicity(rec.AddDate(0, 0, -7), 7), rec, false, nil},
		{"a publicity dated two years ago needs a backfill", proposedH(t), publicity(rec.AddDate(-2, 0, 0), 7), rec, false,
			[]string{"startsAt " + domain.CodeBackfillRequired}},
		{"a publicity starting next year is refused", proposedH(t), publicity(rec.AddDate(1, 0, 0), 7), rec, false,
			[]string{"startsAt " + domain.CodeTimeInFuture}},
		{"a bad time is named with the other bad fields", surveyedH(t),
			household.Propose{Appraisal: household.Appraisal{HeldAt: rec.AddDate(1, 0, 0), Participants: 3, VotesFor: 3, VotesAgainst: 1,
				MinutesRef: "m"}, Causes: causes()}, rec, false,
			[]string{"appraisal.votesFor too_many", "appraisal.heldAt " + domain.CodeTimeInFuture}},
		{"a state rule comes before the times", registeredH(t), propose(rec.AddDate(1, 0, 0)), rec, false,
			[]string{household.CodeAssessmentMissing}},
		{"a publicity of more than the longest is refused", proposedH(t), publicity(rec, household.PublicityDaysMax+1), rec, false,
			[]string{"endsAt " + household.CodeTooLong}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := household.Decide(c.cmd, given(t, c.history), household.When{At: c.at, Backfill: c.backfill})
			if got := codesOf(err); !slices.Equal(got, c.want) {
				t.Fatalf("codes %q, want %q (%v)", got, c.want, err)
			}
		})
	}
}
