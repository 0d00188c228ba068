package household_test

import (
	"slices"
	"testing"
	"time"

	"github.com/drip-ledger/drip/domain/household"
	"github.com/drip-ledger/drip/events"
)

// backdated is a publicity whose StartsAt and EndsAt, sent by the caller,
// lie years before the time the store recorded it: the list was "posted"
// in 2019 on paper nobody saw, and entered in 2020.
var (
	backStart = time.Date(2019, 1, 1, 9, 0, 0, 0, cst)
	backEnd   = backStart.AddDate(0, 0, household.PublicityDaysMin)
	recorded  = time.Date(2020, 6, 26, 10, 0, 0, 0, cst)
)

// givenRecorded folds history, the events before the first of type
// PublicityStarted recorded an hour apart from t0 and that one and those
// after it recorded a minute apart from rec: what the store's clock said.
func givenRecorded(t *testing.T, history []events.Payload, rec time.Time) household.State {
	t.Helper()
	from := slices.IndexFunc(history, func(p events.Payload) bool { _, ok := p.(*household.PublicityStarted); return ok })
	ts := make([]timed, len(history))
	for i, p := range history {
		at := t0.Add(time.Duration(i) * time.Hour)
		if from >= 0 && i >= from {
			at = rec.Add(time.Duration(i-from) * time.Minute)
		}
		ts[i] = timed{p, at, at}
	}
	return fold(t, eventsTimed(t, ts))
}

func decideCodes(t *testing.T, s household.State, c household.Command, at time.Time) []string {
	t.Helper()
	_, err := c.Decide(s, at)
	return codesOf(err)
}

func TestPublicityWindowRunsOnRecordedTime(t *testing.T) {
	backdated := append(proposedH(t), &household.PublicityStarted{Stage: household.StageEnrollment,
		StartsAt: backStart, EndsAt: backEnd, Place: "village notice board"})
	reviewed := append(slices.Clone(backdated), &household.Reviewed{Passed: true, Opinion: "procedure followed"})
	objection := household.RaiseObjection{RaisedBy: "Wang Wu", Statement: "they own a truck"}
	review := household.Review{Passed: true, Opinion: "procedure followed"}
	enroll := household.Enroll{DecisionRef: "Weining PAO [2020] 12", Lines: lines}
	week := household.PublicityDaysMin * 24 * time.Hour
	cases := []struct {
		name    string
		history []events.Payload
		cmd     household.Command
		at      time.Time
		want    []string
	}{
		{"an objection a second after a backdated list was recorded is taken", backdated, objection, recorded.Add(time.Second), nil},
		{"an objection on the last second of the recorded week is taken", backdated, objection, recorded.Add(week - time.Second), nil},
		{"an objection seven recorded days on is refused", backdated, objection, recorded.Add(week), []string{household.CodePublicityClosed}},
		{"a review a second after a backdated list was recorded is refused", backdated, review, recorded.Add(time.Second), []string{household.CodePublicityOpen}},
		{"a review a second before seven recorded days is refused", backdated, review, recorded.Add(week - time.Second), []string{household.CodePublicityOpen}},
		{"a review seven recorded days on is taken", backdated, review, recorded.Add(week), nil},
		{"an enrollment before seven recorded days is refused", reviewed, enroll, recorded.Add(week - time.Second), []string{household.CodePublicityOpen}},
		{"a longer EndsAt than the recorded week is kept", publicizedH(t), review, pubEnd.Add(-time.Second), []string{household.CodePublicityOpen}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			s := givenRecorded(t, c.history, recorded)
			if c.name == "a longer EndsAt than the recorded week is kept" {
				s = given(t, c.history) // recorded on t0, days before pubStart
			}
			if got := decideCodes(t, s, c.cmd, c.at); !slices.Equal(got, c.want) {
				t.Fatalf("codes %q, want %q", got, c.want)
			}
		})
	}
}

func TestExitApprovalWaitsForSevenRecordedDays(t *testing.T) {
	// The exit publicity is dated 2019 by the caller and recorded in 2020
	// (givenRecorded records everything from the enrollment publicity on a
	// minute apart from recorded); approval follows within the hour.
	h := slices.Clone(exitAgreedH(t))
	for i, p := range h {
		if pub, ok := p.(*household.PublicityStarted); ok && pub.Stage == household.StageExit {
			h[i] = &household.PublicityStarted{Stage: household.StageExit, StartsAt: backStart, EndsAt: backEnd, Place: pub.Place}
		}
	}
	approve := household.ApproveExit{DecisionRef: "Weining PAO [2020] 88"}
	s := givenRecorded(t, h, recorded)
	if got := decideCodes(t, s, approve, recorded.Add(time.Hour)); !slices.Equal(got, []string{household.CodePublicityOpen}) {
		t.Fatalf("exit approved an hour after its publicity was recorded: codes %q", got)
	}
	if got := decideCodes(t, s, approve, recorded.AddDate(0, 0, household.PublicityDaysMin).Add(time.Hour)); got != nil {
		t.Fatalf("exit refused seven recorded days on: %q", got)
	}
}
