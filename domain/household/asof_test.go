package household_test

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/drip-ledger/drip/domain"
	"github.com/drip-ledger/drip/domain/household"
	"github.com/drip-ledger/drip/events"
)

// lifeStory is a household's whole life touching every event type: rejected
// once, enrolled, helped, an exit withdrawn and another approved, monitored,
// released, monitored again, returned to poverty, a death, a correction and
// finally a removal. Each event is recorded a day after the one before;
// recorded is the list of recorded times.
func lifeStory(t *testing.T) ([]events.Event, []time.Time) {
	t.Helper()
	liu := household.Cadre{ID: "cadre-17", Name: "Liu Qiang", Rank: household.RankSection}
	wife, _ := domain.ParseResidentID(wifeInput().ResidentID, time.Time{})
	ps := append(publicizedH(t),
		&household.ObjectionRaised{Number: 1, RaisedBy: "Wang Wu", Statement: "they own a truck"},
		&household.ObjectionResolved{Number: 1, Outcome: household.OutcomeUpheld, Reason: "the truck is theirs"},
		&household.Rejected{Reasons: []string{"owns a truck"}},
		assessed(household.KindInitial, 2014, 45, 210000), // the truck was sold
		&household.Proposed{Appraisal: appraisal(), Causes: causes()},
		&household.PublicityStarted{Stage: household.StageEnrollment, StartsAt: pubStart, EndsAt: pubEnd, Place: "board"},
		&household.Reviewed{Passed: true, Opinion: "ok"},
		&household.Enrolled{Year: 2014, TotalPoints: 45, NetIncomePerCapitaFen: 210000, PovertyLineFen: 280000, DecisionRef: "D1"},
		&household.CadreAssigned{Cadre: liu},
		&household.MeasurePlanned{MeasureID: "m-1", Kind: household.MeasureProduction, Description: "walnuts"},
		&household.Visited{VisitedAt: t0, CadreID: "cadre-17", Seen: household.Seen{Crops: "a", House: "b", Labour: "c", Students: "d"},
			Signatures: household.Signatures{CadreRef: "s1", HouseholdRef: "s2"}},
		assessed(household.KindReassessment, 2015, 86, 450000),
		&household.ExitProposed{AssessmentEventID: idAt(0), TotalPoints: 86, Reason: "walnuts"},
		&household.ExitWithdrawn{Reason: "too early"},
		&household.ExitProposed{AssessmentEventID: idAt(0), TotalPoints: 86, Reason: "walnuts"},
		&household.ExitAppraised{Appraisal: appraisal()},
		&household.PublicityStarted{Stage: household.StageExit, StartsAt: exStart, EndsAt: exEnd, Place: "board"},
		&household.ExitVerified{Indicators: allMet()},
		&household.ExitAgreed{SignedBy: headID(), SignatureRef: "a"},
		&household.Exited{DecisionRef: "D2"}, // index 23
		&household.MonitoringStarted{Risk: risk(2016, 70, 400000, 295200)},
		&household.MonitoringEnded{Risk: risk(2016, 85, 500000, 295200)},
		&household.MonitoringStarted{Risk: risk(2016, 70, 400000, 295200)},
		&household.Returned{Causes: household.CauseList{Main: household.CauseDisaster}, Year: 2016, TotalPoints: 50,
			NetIncomePerCapitaFen: 200000, PovertyLineFen: 295200, DecisionRef: "D3"}, // index 27
		&household.MemberDied{ResidentID: wife, DiedOn: "2016-05-01", EvidenceRef: "certificate"},
		&household.Corrected{EventID: idAt(23), Version: 24, Type: household.TypeHouseholdExited, ApprovedBy: "Zhao",
			Reason: "decision number mistyped", Fields: json.RawMessage(`{"decisionRef":"D2-corrected"}`)},
		&household.Removed{Reason: household.RemovalMovedAway, Explanation: "moved to Kunming", ApprovedBy: "Zhao", EvidenceRef: "e"},
	)
	ts := make([]timed, len(ps))
	recorded := make([]time.Time, len(ps))
	for i, p := range ps {
		recorded[i] = t0.AddDate(0, 0, 10*i)
		// Each fact is entered two days after it happened.
		ts[i] = timed{p: p, occurred: recorded[i].AddDate(0, 0, -2), recorded: recorded[i]}
	}
	return eventsTimed(t, ts), recorded
}

func TestEvolveKnowsEveryRegisteredType(t *testing.T) {
	evs, _ := lifeStory(t)
	seen := map[string]bool{}
	for _, ev := range evs {
		seen[ev.Type] = true
	}
	for _, typ := range registry().Types() {
		if !seen[typ] && !strings.HasPrefix(typ, "cadre.") && !strings.HasPrefix(typ, "resident.") { // a cadre's stream, not the household's
			t.Errorf("the life story has no %s: evolve is not shown to handle it", typ)
		}
	}
	s := fold(t, evs)
	if s.Status() != household.StatusRemoved || len(s.Corrections()) != 1 {
		t.Fatalf("status %s corrections %d", s.Status(), len(s.Corrections()))
	}
}

func TestStateAtShowsWhatTheFileSaidThen(t *testing.T) {
	evs, rec := lifeStory(t)
	reg := registry()
	tests := []struct {
		name   string
		at     time.Time
		status household.Status
	}{
		{"before registration the file says nothing", rec[0].Add(-time.Second), household.StatusNone},
		{"at the instant of recording the event counts", rec[0], household.StatusRegistered},
		{"rejected, before the second survey", rec[6].Add(time.Hour), household.StatusRejected},
		{"enrolled", rec[11], household.StatusEnrolled},
		{"the withdrawn exit left it enrolled", rec[17], household.StatusEnrolled},
		{"exited", rec[23].AddDate(0, 0, 1), household.StatusExited},
		{"monitored", rec[24], household.StatusMonitored},
		{"returned", rec[27], household.StatusReturned},
		{"an event that occurred before D but was recorded after D is not yet in the file", rec[27].Add(-time.Hour), household.StatusMonitored},
		{"removed", rec[len(rec)-1], household.StatusRemoved},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, err := household.StateAt(reg, evs, tt.at)
			if err != nil {
				t.Fatal(err)
			}
			if s.Status() != tt.status {
				t.Fatalf("status at %s = %q, want %q", tt.at, s.Status(), tt.status)
			}
		})
	}
}

func TestStateAtAppliesACorrectionOnlyOnceRecorded(t *testing.T) {
	evs, rec := lifeStory(t)
	exitDecision := func(at time.Time) string {
		s, err := household.StateAt(registry(), evs, at)
		if err != nil {
			t.Fatal(err)
		}
		for _, c := range s.Corrections() {
			return "corrected:" + c.Reason
		}
		return "original"
	}
	if got := exitDecision(rec[29].Add(-time.Second)); got != "original" {
		t.Fatalf("before the correction was recorded: %s", got)
	}
	if got := exitDecision(rec[29]); got != "corrected:decision number mistyped" {
		t.Fatalf("once recorded: %s", got)
	}
}

func TestStateAtKeepsBothTimesOfEachChange(t *testing.T) {
	evs, rec := lifeStory(t)
	s, err := household.StateAt(registry(), evs, rec[len(rec)-1])
	if err != nil {
		t.Fatal(err)
	}
	cs := s.Changes()
	i := slices.IndexFunc(cs, func(c household.Change) bool { return c.Status == household.StatusExited })
	if i < 0 || !cs[i].RecordedAt.Equal(rec[23]) || !cs[i].OccurredAt.Equal(rec[23].AddDate(0, 0, -2)) || cs[i].Version != 24 {
		t.Fatalf("exit change = %+v", cs[i])
	}
}

func TestEvolveRefusesWhatCannotBeFolded(t *testing.T) {
	evs := eventsOf(t, enrolledH(t))
	reg := registry()
	p, _ := reg.Decode(evs[1])
	if _, err := household.Evolve(household.State{}, evs[1], p); err == nil {
		t.Error("an assessment before registration was folded")
	}
	s := fold(t, evs[:1])
	p0, _ := reg.Decode(evs[0])
	if _, err := household.Evolve(s, evs[0], p0); err == nil {
		t.Error("a second registration was folded")
	}
	if _, err := household.Evolve(s, evs[1], unknown{}); err == nil {
		t.Error("an unknown payload was folded")
	}
	bad := &household.Corrected{EventID: idAt(42), Version: 43, Type: household.TypeHouseholdAssessed, ApprovedBy: "x", Reason: "x",
		Fields: json.RawMessage(`{"totalPoints":1}`)}
	if _, err := household.Evolve(s, evs[1], bad); err == nil {
		t.Error("a correction of an unknown event was folded")
	}
}

type unknown struct{}

func (unknown) EventType() string { return "other.thing.v1" }
func (unknown) Validate() error   { return nil }
