package household_test

import (
	"testing"
	"time"

	"github.com/drip-ledger/drip/domain"
	"github.com/drip-ledger/drip/domain/household"
	"github.com/drip-ledger/drip/events"
)

func TestExitProcedure(t *testing.T) {
	h := reassessedH(t, 86, 450000)
	unmet := allMet()
	unmet[8].Met = false // no toilet
	missing := allMet()[1:]
	unmetH := append(exitPublicizedH(t), &household.ExitVerified{Indicators: unmet})
	objectedH := append(exitPublicizedH(t), &household.ObjectionRaised{Number: 1, RaisedBy: "Wang Wu", Statement: "still in debt"})
	deadHeadH := append(exitVerifiedH(t), &household.MemberDied{ResidentID: headID(), DiedOn: "2015-11-05", EvidenceRef: "death certificate"})
	tie := appraisal()
	tie.VotesFor = tie.VotesAgainst
	sign := household.SignExitAgreement{SignedBy: headInput().ResidentID, SignatureRef: "agreement/2015/0007"}
	approve := household.ApproveExit{DecisionRef: "Weining PAO [2015] 88"}
	run(t, []step{
		{"a reassessment above 80 lets the village propose exit", h, household.ProposeExit{Reason: "income from walnuts"}, exStart,
			then(&household.ExitProposed{AssessmentEventID: idAt(len(h) - 1), TotalPoints: 86, Reason: "income from walnuts"})},
		{"81 points is enough", reassessedH(t, 81, 450000), household.ProposeExit{Reason: "x"}, exStart, decision{}},
		{"80 points is not", reassessedH(t, 80, 450000), household.ProposeExit{Reason: "x"}, exStart, refused(household.CodeExitScoreTooLow)},
		{"without a reassessment there is no exit", enrolledH(t), household.ProposeExit{Reason: "x"}, exStart, refused(household.CodeAssessmentMissing)},
		{"a household not enrolled does not exit", publicizedH(t), household.ProposeExit{Reason: "x"}, exStart, refused(household.CodeWrongStatus)},
		{"the village appraises the exit", exitProposedH(t), household.AppraiseExit{Appraisal: appraisal()}, exStart,
			then(&household.ExitAppraised{Appraisal: appraisal()})},
		{"a tied exit appraisal fails", exitProposedH(t), household.AppraiseExit{Appraisal: tie}, exStart, refused(household.CodeAppraisalFailed)},
		{"exit publicity waits for the appraisal", exitProposedH(t), household.StartPublicity{StartsAt: exStart, EndsAt: exEnd, Place: "board"}, exStart,
			refused(household.CodeAppraisalMissing)},
		{"exit publicity is of the exit stage", exitAppraisedH(t), household.StartPublicity{StartsAt: exStart, EndsAt: exEnd, Place: "board"}, exStart,
			then(&household.PublicityStarted{Stage: household.StageExit, StartsAt: exStart, EndsAt: exEnd, Place: "board"})},
		{"exit publicity also lasts seven days", exitAppraisedH(t), household.StartPublicity{StartsAt: exStart, EndsAt: exEnd.Add(-time.Minute), Place: "board"}, exStart,
			refused("endsAt publicity_too_short")},
		{"all twelve indicators are verified after publicity", exitPublicizedH(t), household.VerifyExit{Indicators: allMet()}, exEnd,
			then(&household.ExitVerified{Indicators: allMet()})},
		{"an unmet indicator is recorded", exitPublicizedH(t), household.VerifyExit{Indicators: unmet}, exEnd, decision{}},
		{"a missing indicator is named", exitPublicizedH(t), household.VerifyExit{Indicators: missing}, exEnd,
			refused("indicators exit_indicator_missing")},
		{"verification waits for the end of publicity", exitPublicizedH(t), household.VerifyExit{Indicators: allMet()}, exEnd.Add(-time.Second),
			refused(household.CodePublicityOpen)},
		{"verification waits for objections to be resolved", objectedH, household.VerifyExit{Indicators: allMet()}, exEnd,
			refused(household.CodeObjectionOpen)},
		{"the head signs the agreement after verification", exitVerifiedH(t), sign, exEnd,
			then(&household.ExitAgreed{SignedBy: headID(), SignatureRef: "agreement/2015/0007"})},
		{"no agreement before verification", exitPublicizedH(t), sign, exEnd, refused(household.CodeExitVerificationMissing)},
		{"no agreement to an exit with an unmet indicator", unmetH, sign, exEnd, refused(household.CodeExitIndicatorUnmet)},
		{"a stranger does not sign", exitVerifiedH(t), household.SignExitAgreement{SignedBy: rid("19800101", "015"), SignatureRef: "x"}, exEnd,
			refused(household.CodeMemberUnknown)},
		{"a deceased member does not sign", deadHeadH, sign, exEnd, refused(household.CodeMemberDeceased)},
		{"the county approves a verified, agreed exit", exitAgreedH(t), approve, exEnd, then(&household.Exited{DecisionRef: "Weining PAO [2015] 88"})},
		{"the county waits for the agreement", exitVerifiedH(t), approve, exEnd, refused(household.CodeExitAgreementMissing)},
		{"the county refuses an exit with an unmet indicator", unmetH, approve, exEnd, refused(household.CodeExitIndicatorUnmet)},
		{"an exit can be withdrawn", unmetH, household.WithdrawExit{Reason: "no toilet yet"}, exEnd, then(&household.ExitWithdrawn{Reason: "no toilet yet"})},
		{"an exited household's exit is not withdrawn", exitedH(t), household.WithdrawExit{Reason: "x"}, exEnd, refused(household.CodeWrongStatus)},
	})
}

func TestWithdrawnExitReturnsToThePoorStatusItLeft(t *testing.T) {
	s := given(t, append(exitPublicizedH(t), &household.ExitWithdrawn{Reason: "no toilet yet"}))
	if s.Status() != household.StatusEnrolled {
		t.Fatalf("status = %s, want enrolled", s.Status())
	}
	s = given(t, append(returnedH(t), assessed(household.KindReassessment, 2017, 90, 500000),
		&household.ExitProposed{AssessmentEventID: idAt(0), TotalPoints: 90, Reason: "x"}, &household.ExitWithdrawn{Reason: "x"}))
	if s.Status() != household.StatusReturned {
		t.Fatalf("status = %s, want returned", s.Status())
	}
}

func TestMonitoring(t *testing.T) {
	reassess := func(total int, incomeFen domain.Fen) household.Assess {
		return household.Assess{Kind: household.KindReassessment, Year: 2016, Answers: answers, NetIncomePerCapitaFen: incomeFen,
			Card: scorer{total: total}, Lines: lines}
	}
	noLine := reassess(70, 400000)
	noLine.Year = 2017
	late := time.Date(2017, 12, 1, 9, 0, 0, 0, cst) // recorded after the years reassessed
	run(t, []step{
		{"an exited household at 70 points is monitored", exitedH(t), reassess(70, 500000), late,
			then(assessed(household.KindReassessment, 2016, 70, 500000), &household.MonitoringStarted{Risk: risk(2016, 70, 500000, 295200)})},
		{"80 points is still at risk", exitedH(t), reassess(80, 500000), late,
			then(assessed(household.KindReassessment, 2016, 80, 500000), &household.MonitoringStarted{Risk: risk(2016, 80, 500000, 295200)})},
		{"an income a fen below 1.5 lines is at risk", exitedH(t), reassess(85, 442799), late,
			then(assessed(household.KindReassessment, 2016, 85, 442799), &household.MonitoringStarted{Risk: risk(2016, 85, 442799, 295200)})},
		{"85 points and 1.5 lines is safe", exitedH(t), reassess(85, 442800), late, then(assessed(household.KindReassessment, 2016, 85, 442800))},
		{"a monitored household no longer at risk is no longer monitored", monitoredH(t), reassess(85, 500000), late,
			then(assessed(household.KindReassessment, 2016, 85, 500000), &household.MonitoringEnded{Risk: risk(2016, 85, 500000, 295200)})},
		{"a monitored household still at risk stays monitored", monitoredH(t), reassess(75, 500000), late,
			then(assessed(household.KindReassessment, 2016, 75, 500000))},
		{"an enrolled household's reassessment starts no monitoring", enrolledH(t), reassess(70, 400000), late,
			then(assessed(household.KindReassessment, 2016, 70, 400000))},
		{"monitoring needs the year's line", exitedH(t), noLine, late, refused(domain.CodePovertyLineUnknown)},
	})
	if s := given(t, monitoredH(t)); s.Status() != household.StatusMonitored {
		t.Fatalf("status = %s", s.Status())
	}
}

func TestReturnToPoverty(t *testing.T) {
	back := household.ReturnToPoverty{Causes: household.CauseList{Main: household.CauseDisaster}, DecisionRef: "Weining PAO [2016] 5", Lines: lines}
	run(t, []step{
		{"a monitored household found poor again returns", fellBackH(t), back, t0,
			then(&household.Returned{Causes: back.Causes, Year: 2016, TotalPoints: 50, NetIncomePerCapitaFen: 200000, PovertyLineFen: 295200, DecisionRef: back.DecisionRef})},
		{"an exited household not found poor does not return", monitoredH(t), back, t0, refused(household.CodeNotPoor)},
		{"a return names its cause", fellBackH(t), household.ReturnToPoverty{Lines: lines}, t0, refused("causes.main required", "decisionRef required")},
		{"an enrolled household does not return", enrolledH(t), back, t0, refused(household.CodeWrongStatus)},
	})
	s := given(t, returnedH(t))
	if s.Status() != household.StatusReturned || s.Causes().Main != household.CauseDisaster {
		t.Fatalf("status %s causes %+v", s.Status(), s.Causes())
	}
	// A returned household is helped and may exit again.
	check(t, append(returnedH(t), assessed(household.KindReassessment, 2017, 90, 500000)), household.ProposeExit{Reason: "x"}, t0, decision{})
}

func TestRemoveAndRecordDeath(t *testing.T) {
	remove := household.Remove{Reason: household.RemovalMisidentified, Explanation: "owns a shop in town", ApprovedBy: "Director Zhao", EvidenceRef: "inspection/2015/3"}
	removed := append(enrolledH(t), &household.Removed{Reason: "mis_identified", Explanation: "owns a shop in town", ApprovedBy: "Director Zhao", EvidenceRef: "inspection/2015/3"})
	wife, _ := domain.ParseResidentID(wifeInput().ResidentID, time.Time{})
	died := household.RecordDeath{ResidentID: wifeInput().ResidentID, DiedOn: "2015-02-03", EvidenceRef: "death certificate 123"}
	dead := append(enrolledH(t), &household.MemberDied{ResidentID: wife, DiedOn: "2015-02-03", EvidenceRef: "death certificate 123"})
	at := time.Date(2015, 2, 3, 23, 0, 0, 0, time.UTC)
	future := died
	future.DiedOn = "2015-02-04"
	badID := died
	badID.ResidentID = wifeInput().ResidentID[:17] + "0"
	run(t, []step{
		{"a mis-identified household is removed with reason and approver", enrolledH(t), remove, t0, then(removed[len(removed)-1])},
		{"a registered household can be removed", registeredH(t), remove, t0, decision{}},
		{"a removed household is not removed again", removed, remove, t0, refused(household.CodeWrongStatus)},
		{"a removal names a known reason, explanation, approver and evidence", enrolledH(t), household.Remove{Reason: "bored"}, t0,
			refused("reason value_unknown", "explanation required", "approvedBy required", "evidenceRef required")},
		{"a member's death is recorded", enrolledH(t), died, at, then(dead[len(dead)-1])},
		{"a death is recorded on a removed household too", removed, died, at, decision{}},
		{"a death is recorded once", dead, died, at, refused(household.CodeMemberDeceased)},
		{"a death after today is refused", enrolledH(t), future, at, refused(household.CodeDateInvalid)},
		{"a stranger's death is not the household's", enrolledH(t), household.RecordDeath{ResidentID: rid("19800101", "015"), DiedOn: "2015-01-01", EvidenceRef: "x"}, at,
			refused(household.CodeMemberUnknown)},
		{"a mistyped resident ID is named", enrolledH(t), badID, at, refused("residentId resident_id_checksum")},
		{"an unregistered household has no deaths", nil, died, at, refused(household.CodeHouseholdUnknown)},
	})
	s := given(t, dead)
	if d, ok := s.Deceased(wife); !ok || d != "2015-02-03" || len(s.Members()) != 3 {
		t.Fatalf("deceased = %q, %v; members %d", d, ok, len(s.Members()))
	}
	if r, ok := given(t, removed).Removal(); !ok || r.ApprovedBy != "Director Zhao" {
		t.Fatalf("removal = %+v", r)
	}
	_ = events.Payload(nil)
}
