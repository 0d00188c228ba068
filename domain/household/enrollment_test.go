package household_test

import (
	"errors"
	"testing"
	"time"

	"github.com/drip-ledger/drip/domain"
	"github.com/drip-ledger/drip/domain/household"
	"github.com/drip-ledger/drip/events"
)

type step struct {
	name    string
	history []events.Payload
	cmd     household.Command
	at      time.Time
	want    decision
}

func run(t *testing.T, steps []step) {
	t.Helper()
	for _, tt := range steps {
		t.Run(tt.name, func(t *testing.T) { check(t, tt.history, tt.cmd, tt.at, tt.want) })
	}
}

func TestAssess(t *testing.T) {
	initial := func(total int) household.Assess {
		return household.Assess{Kind: household.KindInitial, Year: 2014, Answers: answers, NetIncomePerCapitaFen: 210000, Card: scorer{total: total}, Lines: lines}
	}
	badAnswers := &events.InvalidError{Problems: []events.Problem{{Field: "answers.arable_land_mu", Reason: "is not a number",
		Cause: domain.Errorf("answer_invalid", "is not a number")}}}
	noCard := initial(45)
	noCard.Card = nil
	noCard.Kind, noCard.Year, noCard.NetIncomePerCapitaFen = "guess", 1999, -1
	reassess := initial(45)
	reassess.Kind = household.KindReassessment
	run(t, []step{
		{"a registered household's survey is recorded with its card and points", registeredH(t), initial(45), t0,
			then(assessed(household.KindInitial, 2014, 45, 210000))},
		{"a surveyed household may be surveyed again", surveyedH(t), initial(52), t0, then(assessed(household.KindInitial, 2014, 52, 210000))},
		{"a rejected household may be surveyed again", append(proposedH(t), &household.Rejected{Reasons: []string{"income above line"}}),
			initial(52), t0, decision{}},
		{"an unregistered household cannot be assessed", nil, initial(45), t0, refused(household.CodeHouseholdUnknown)},
		{"an enrolled household is reassessed, not surveyed", enrolledH(t), initial(45), t0, refused(household.CodeWrongStatus)},
		{"a household not on file cannot be reassessed", surveyedH(t), reassess, t0, refused(household.CodeWrongStatus)},
		{"the scorecard's problems with the answers are returned", registeredH(t),
			household.Assess{Kind: household.KindInitial, Year: 2014, Answers: answers, Card: scorer{err: badAnswers}}, t0,
			refused("answers.arable_land_mu answer_invalid")},
		{"every bad field is named at once", registeredH(t), noCard, t0,
			refused("kind value_unknown", "year value_unknown", "card required", "netIncomePerCapitaFen negative")},
	})
}

func TestPropose(t *testing.T) {
	ok := household.Propose{Appraisal: appraisal(), Causes: causes()}
	tie := ok
	tie.Appraisal.VotesFor, tie.Appraisal.VotesAgainst = 10, 10
	bad := household.Propose{Appraisal: household.Appraisal{Participants: 3, VotesFor: 3, VotesAgainst: 1},
		Causes: household.CauseList{Main: "bad_luck", Others: []string{household.CauseIllness, household.CauseIllness}}}
	run(t, []step{
		{"a surveyed household is proposed with its appraisal and causes", surveyedH(t), ok, t0,
			then(&household.Proposed{Appraisal: appraisal(), Causes: causes()})},
		{"an unsurveyed household cannot be proposed", registeredH(t), ok, t0, refused(household.CodeAssessmentMissing)},
		{"a tied appraisal does not propose", surveyedH(t), tie, t0, refused(household.CodeAppraisalFailed)},
		{"a proposed household cannot be proposed again", proposedH(t), ok, t0, refused(household.CodeWrongStatus)},
		{"every bad field of appraisal and causes is named", surveyedH(t), bad, t0, refused(
			"appraisal.heldAt required", "appraisal.votesFor too_many", "appraisal.minutesRef required",
			"causes.main value_unknown", "causes.others[1] value_repeated")},
	})
}

func TestStartPublicity(t *testing.T) {
	week := household.StartPublicity{StartsAt: pubStart, EndsAt: pubEnd, Place: "village notice board"}
	short := week
	short.EndsAt = pubEnd.Add(-time.Second)
	run(t, []step{
		{"exactly seven days is long enough", proposedH(t), week, t0,
			then(&household.PublicityStarted{Stage: household.StageEnrollment, StartsAt: pubStart, EndsAt: pubEnd, Place: "village notice board"})},
		{"a second less than seven days is too short", proposedH(t), short, t0, refused("endsAt publicity_too_short")},
		{"a surveyed household is not publicized before it is proposed", surveyedH(t), week, t0, refused(household.CodeWrongStatus)},
		{"a publicized household is not publicized twice", publicizedH(t), week, t0, refused(household.CodeWrongStatus)},
	})
}

func TestObjections(t *testing.T) {
	objection := household.RaiseObjection{RaisedBy: "Wang Wu", Statement: "they own a truck"}
	objected := append(publicizedH(t), &household.ObjectionRaised{Number: 1, RaisedBy: "Wang Wu", Statement: "they own a truck"})
	resolved := append(objected, &household.ObjectionResolved{Number: 1, Outcome: household.OutcomeDismissed, Reason: "the truck is the brother's"})
	dismiss := household.ResolveObjection{Number: 1, Outcome: household.OutcomeDismissed, Reason: "the truck is the brother's"}
	run(t, []step{
		{"an objection during publicity is numbered 1", publicizedH(t), objection, pubStart,
			then(&household.ObjectionRaised{Number: 1, RaisedBy: "Wang Wu", Statement: "they own a truck"})},
		{"the next objection is numbered 2", objected, objection, pubStart.Add(time.Hour),
			then(&household.ObjectionRaised{Number: 2, RaisedBy: "Wang Wu", Statement: "they own a truck"})},
		{"an objection before the list is posted is refused", publicizedH(t), objection, pubStart.Add(-time.Second), refused(household.CodePublicityClosed)},
		{"an objection when the publicity ends is refused", publicizedH(t), objection, pubEnd, refused(household.CodePublicityClosed)},
		{"an objection names who raised it and what it says", publicizedH(t), household.RaiseObjection{}, pubStart,
			refused("raisedBy required", "statement required")},
		{"an objection cannot be raised on a proposal not yet publicized", proposedH(t), objection, pubStart, refused(household.CodeWrongStatus)},
		{"an open objection is dismissed", objected, dismiss, pubEnd, then(&household.ObjectionResolved{Number: 1, Outcome: "dismissed", Reason: "the truck is the brother's"})},
		{"a resolved objection is not resolved again", resolved, dismiss, pubEnd, refused(household.CodeObjectionResolved)},
		{"an unknown objection cannot be resolved", objected, household.ResolveObjection{Number: 2, Outcome: "upheld", Reason: "x"}, pubEnd, refused(household.CodeObjectionUnknown)},
		{"a resolution needs an outcome and a reason", objected, household.ResolveObjection{Number: 1, Outcome: "maybe"}, pubEnd,
			refused("outcome value_unknown", "reason required")},
	})
}

func TestReviewAndEnroll(t *testing.T) {
	objected := append(publicizedH(t), &household.ObjectionRaised{Number: 1, RaisedBy: "Wang Wu", Statement: "they own a truck"})
	upheld := append(reviewedH(t), &household.ObjectionRaised{Number: 1, RaisedBy: "Wang Wu", Statement: "they own a truck"},
		&household.ObjectionResolved{Number: 1, Outcome: household.OutcomeUpheld, Reason: "the truck is theirs"})
	failedReview := append(publicizedH(t), &household.Reviewed{Passed: false, Opinion: "income understated"})
	review := household.Review{Passed: true, Opinion: "procedure followed"}
	enroll := household.Enroll{DecisionRef: "Weining PAO [2014] 12", Lines: lines}
	scored := func(total int, incomeFen domain.Fen) []events.Payload {
		h := reviewedH(t)
		return append(h[:1], append([]events.Payload{assessed(household.KindInitial, 2014, total, incomeFen)}, h[2:]...)...)
	}
	noLines := enroll
	noLines.Lines = domain.PovertyLines{2015: 285500}
	run(t, []step{
		{"the township reviews once the publicity has ended", publicizedH(t), review, pubEnd, then(&household.Reviewed{Passed: true, Opinion: "procedure followed"})},
		{"the township does not review during publicity", publicizedH(t), review, pubEnd.Add(-time.Second), refused(household.CodePublicityOpen)},
		{"the township does not review over an open objection", objected, review, pubEnd, refused(household.CodeObjectionOpen)},
		{"the review needs an opinion", publicizedH(t), household.Review{Passed: true}, pubEnd, refused("opinion required")},
		{"the county enrolls a reviewed poor household, keeping the figures it compared", reviewedH(t), enroll, pubEnd,
			then(&household.Enrolled{Year: 2014, TotalPoints: 45, NetIncomePerCapitaFen: 210000, PovertyLineFen: 280000, DecisionRef: "Weining PAO [2014] 12"})},
		{"59 points and a fen below the line is poor", scored(59, 279999), enroll, pubEnd, decision{}},
		{"60 points is not poor", scored(60, 100000), enroll, pubEnd, refused(household.CodeNotPoor)},
		{"an income at the line is not poor", scored(30, 280000), enroll, pubEnd, refused(household.CodeNotPoor)},
		{"without the year's line the county cannot decide", reviewedH(t), noLines, pubEnd, refused(domain.CodePovertyLineUnknown)},
		{"the county does not enroll before the township reviews", publicizedH(t), enroll, pubEnd, refused(household.CodeReviewMissing)},
		{"a failed review blocks enrollment", failedReview, enroll, pubEnd, refused(household.CodeReviewMissing)},
		{"the county does not enroll during publicity", reviewedH(t), enroll, pubEnd.Add(-time.Nanosecond), refused(household.CodePublicityOpen)},
		{"an upheld objection blocks enrollment", upheld, enroll, pubEnd, refused(household.CodeObjectionUpheld)},
		{"a proposal not yet publicized cannot be enrolled", proposedH(t), enroll, pubEnd, refused(household.CodeWrongStatus)},
		{"the enrollment needs a decision reference", reviewedH(t), household.Enroll{Lines: lines}, pubEnd, refused("decisionRef required")},
		{"the county rejects with reasons", upheld, household.Reject{Reasons: []string{"owns a truck"}}, pubEnd,
			then(&household.Rejected{Reasons: []string{"owns a truck"}})},
		{"a rejection needs a reason", publicizedH(t), household.Reject{}, pubEnd, refused("reasons required")},
		{"an enrolled household is not rejected", enrolledH(t), household.Reject{Reasons: []string{"x"}}, pubEnd, refused(household.CodeWrongStatus)},
	})
}

func TestEnrolledHouseholdStateShowsProcedure(t *testing.T) {
	s := given(t, enrolledH(t))
	if s.Status() != household.StatusEnrolled {
		t.Fatalf("status = %s", s.Status())
	}
	a, ok := s.LatestAssessment()
	if !ok || a.TotalPoints != 45 || a.CardID != "weining-four-views" || a.Answers["arable_land_mu"] != "0.8" {
		t.Fatalf("latest assessment = %+v", a)
	}
	if c := s.Causes(); c.Main != household.CauseIllness || len(c.Others) != 1 {
		t.Fatalf("causes = %+v", c)
	}
	var statuses []household.Status
	for _, c := range s.Changes() {
		statuses = append(statuses, c.Status)
	}
	want := []household.Status{"registered", "surveyed", "proposed", "publicized", "enrolled"}
	if len(statuses) != len(want) {
		t.Fatalf("changes = %v, want %v", statuses, want)
	}
	for i := range want {
		if statuses[i] != want[i] {
			t.Fatalf("changes = %v, want %v", statuses, want)
		}
	}
}

func TestStoredPayloadsAreCheckedOnTheWayOut(t *testing.T) {
	p := &household.PublicityStarted{Stage: household.StageEnrollment, StartsAt: pubStart, EndsAt: pubStart.AddDate(0, 0, 6), Place: "board"}
	_, err := registry().Encode(events.DeriveID(ns, "x"), events.Metadata{ActorID: "a", OccurredAt: t0}, p)
	if !errors.Is(err, events.ErrInvalid) {
		t.Fatalf("a six-day publicity was encoded: %v", err)
	}
}
