package household_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/drip-ledger/drip/domain"
	"github.com/drip-ledger/drip/domain/household"
	"github.com/drip-ledger/drip/events"
)

// idAt is the ID eventsOf gives the event at index i.
func idAt(i int) events.ID { return events.DeriveID(ns, fmt.Sprint(i)) }

// The exit publicity of the stories, a year and a half after t0.
var (
	exStart = time.Date(2015, 11, 1, 9, 0, 0, 0, cst)
	exEnd   = exStart.AddDate(0, 0, 7)
)

func allMet() []household.IndicatorCheck {
	var out []household.IndicatorCheck
	for _, ind := range household.ExitIndicators() {
		out = append(out, household.IndicatorCheck{Indicator: ind, Met: true, EvidenceRef: "verification/2015/" + ind})
	}
	return out
}

func reassessedH(t *testing.T, total int, incomeFen domain.Fen) []events.Payload {
	return append(enrolledH(t), assessed(household.KindReassessment, 2015, total, incomeFen))
}

func exitProposedH(t *testing.T) []events.Payload {
	h := reassessedH(t, 86, 450000)
	return append(h, &household.ExitProposed{AssessmentEventID: idAt(len(h) - 1), TotalPoints: 86, Reason: "income from walnuts"})
}

func exitAppraisedH(t *testing.T) []events.Payload {
	return append(exitProposedH(t), &household.ExitAppraised{Appraisal: appraisal()})
}

func exitPublicizedH(t *testing.T) []events.Payload {
	return append(exitAppraisedH(t), &household.PublicityStarted{Stage: household.StageExit, StartsAt: exStart, EndsAt: exEnd, Place: "village notice board"})
}

func exitVerifiedH(t *testing.T) []events.Payload {
	return append(exitPublicizedH(t), &household.ExitVerified{Indicators: allMet()})
}

func headID() domain.ResidentID {
	id, _ := domain.ParseResidentID(headInput().ResidentID, time.Time{})
	return id
}

func exitAgreedH(t *testing.T) []events.Payload {
	return append(exitVerifiedH(t), &household.ExitAgreed{SignedBy: headID(), SignatureRef: "agreement/2015/0007"})
}

func exitedH(t *testing.T) []events.Payload {
	return append(exitAgreedH(t), &household.Exited{DecisionRef: "Weining PAO [2015] 88"})
}

func risk(year, total int, incomeFen, lineFen domain.Fen) household.Risk {
	return household.Risk{Year: year, TotalPoints: total, NetIncomePerCapitaFen: incomeFen, PovertyLineFen: lineFen}
}

func monitoredH(t *testing.T) []events.Payload {
	return append(exitedH(t), assessed(household.KindReassessment, 2016, 70, 400000),
		&household.MonitoringStarted{Risk: risk(2016, 70, 400000, 295200)})
}

func fellBackH(t *testing.T) []events.Payload {
	return append(monitoredH(t), assessed(household.KindReassessment, 2016, 50, 200000))
}

func returnedH(t *testing.T) []events.Payload {
	return append(fellBackH(t), &household.Returned{Causes: household.CauseList{Main: household.CauseDisaster},
		Year: 2016, TotalPoints: 50, NetIncomePerCapitaFen: 200000, PovertyLineFen: 295200, DecisionRef: "Weining PAO [2016] 5"})
}
