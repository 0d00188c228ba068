package household_test

import (
	"testing"

	"github.com/drip-ledger/drip/domain/household"
	"github.com/drip-ledger/drip/events"
)

func TestCadreCapacityIs4321(t *testing.T) {
	for rank, want := range map[string]int{"section": 4, "deputy_section": 3, "below_section": 2, "general": 1, "minister": 0} {
		if got := household.CadreCapacity(rank); got != want {
			t.Errorf("CadreCapacity(%q) = %d, want %d", rank, got, want)
		}
	}
}

func TestAssignCadre(t *testing.T) {
	liu := household.Cadre{ID: "cadre-17", Name: "Liu Qiang", Rank: household.RankSection}
	chen := household.Cadre{ID: "cadre-9", Name: "Chen Mei", Rank: household.RankGeneral}
	helped := append(enrolledH(t), &household.CadreAssigned{Cadre: liu})
	run(t, []step{
		{"a section-level cadre helping 3 takes a fourth", enrolledH(t), household.AssignCadre{Cadre: liu, HelpedCount: 3}, t0,
			then(&household.CadreAssigned{Cadre: liu})},
		{"a section-level cadre helping 4 is at capacity", enrolledH(t), household.AssignCadre{Cadre: liu, HelpedCount: 4}, t0,
			refused(household.CodeCadreAtCapacity)},
		{"a general cadre helping none takes one", enrolledH(t), household.AssignCadre{Cadre: chen}, t0, decision{}},
		{"a general cadre helping one is at capacity", enrolledH(t), household.AssignCadre{Cadre: chen, HelpedCount: 1}, t0,
			refused(household.CodeCadreAtCapacity)},
		{"a new cadre replaces the old one, naming it", helped, household.AssignCadre{Cadre: chen}, t0,
			then(&household.CadreAssigned{Cadre: chen, ReplacesID: "cadre-17"})},
		{"the same cadre is not assigned twice", helped, household.AssignCadre{Cadre: liu}, t0, refused(household.CodeCadreAssigned)},
		{"a cadre needs an id, a name and a known rank", enrolledH(t), household.AssignCadre{Cadre: household.Cadre{Rank: "minister"}}, t0,
			refused("cadre.id required", "cadre.name required", "cadre.rank value_unknown")},
		{"a household not yet enrolled gets no cadre", publicizedH(t), household.AssignCadre{Cadre: liu}, t0, refused(household.CodeWrongStatus)},
		{"help goes on after exit", exitedH(t), household.AssignCadre{Cadre: liu}, t0, decision{}},
	})
	s := given(t, helped)
	if c, ok := s.Cadre(); !ok || c.ID != "cadre-17" {
		t.Fatalf("cadre = %+v, %v", c, ok)
	}
}

func TestPlanMeasure(t *testing.T) {
	walnuts := household.PlanMeasure{MeasureID: "m-1", Kind: household.MeasureProduction, Description: "walnut seedlings, 2 mu", ProjectRef: "P-2014-031"}
	planned := append(enrolledH(t), &household.MeasurePlanned{MeasureID: "m-1", Kind: household.MeasureProduction, Description: "walnut seedlings, 2 mu", ProjectRef: "P-2014-031"})
	run(t, []step{
		{"a production measure is planned", enrolledH(t), walnuts, t0,
			then(&household.MeasurePlanned{MeasureID: "m-1", Kind: "production_employment", Description: "walnut seedlings, 2 mu", ProjectRef: "P-2014-031"})},
		{"education support is a measure too", planned, household.PlanMeasure{MeasureID: "m-2", Kind: household.MeasureEducation, Description: "raindrop plan"}, t0, decision{}},
		{"a measure id is used once", planned, walnuts, t0, refused(household.CodeMeasureExists)},
		{"a measure outside the four batches and education is refused", enrolledH(t), household.PlanMeasure{MeasureID: "m-3", Kind: "lottery", Description: "x"}, t0,
			refused("kind value_unknown")},
		{"a rejected household gets no measures", append(proposedH(t), &household.Rejected{Reasons: []string{"x"}}), walnuts, t0, refused(household.CodeWrongStatus)},
	})
	if ms := given(t, planned).Measures(); len(ms) != 1 || ms[0].Kind != household.MeasureProduction {
		t.Fatalf("measures = %+v", ms)
	}
}

func TestRecordVisit(t *testing.T) {
	visit := household.RecordVisit{CadreID: "cadre-17",
		Seen:           household.Seen{Crops: "potatoes, 3 mu", House: "grade C, leaking roof", Labour: "one, ill", Students: "one in junior middle"},
		HandbookFilled: true, NetIncomePerCapitaFen: 250000, Concerns: []string{"roof before the rains"},
		Help:       []household.Help{{Kind: "housing", Description: "applied for renovation subsidy"}},
		Signatures: household.Signatures{CadreRef: "handbook/0007/p12", HouseholdRef: "handbook/0007/p12"}}
	unsigned := visit
	unsigned.Signatures.HouseholdRef = ""
	unseen := visit
	unseen.Seen.Students, unseen.Help = "", []household.Help{{Kind: "money"}}
	at := t0.AddDate(0, 3, 0)
	want := &household.Visited{VisitedAt: at, CadreID: visit.CadreID, Seen: visit.Seen, HandbookFilled: true, NetIncomePerCapitaFen: 250000,
		Concerns: visit.Concerns, Help: visit.Help, Signatures: visit.Signatures}
	helped := append(enrolledH(t), &household.CadreAssigned{Cadre: household.Cadre{ID: "cadre-17", Name: "Liu Qiang", Rank: household.RankGeneral}})
	stranger := visit
	stranger.CadreID = "cadre-99"
	rich := visit
	rich.NetIncomePerCapitaFen = 1<<63 - 1
	run(t, []step{
		{"a signed visit with the seven words is recorded at its time", helped, visit, at, then(want)},
		{"a visit without the household's signature is refused", helped, unsigned, at, refused("signatures visit_unsigned")},
		{"a visit names all four things seen and known kinds of help", helped, unseen, at,
			refused("seen.students required", "help[0].kind value_unknown", "help[0].description required")},
		{"a household not on file is not visited", surveyedH(t), visit, at, refused(household.CodeWrongStatus)},
		{"a visit by a cadre not assigned to the household is refused", helped, stranger, at, refused("cadreId " + household.CodeCadreNotAssigned)},
		{"a visit before any cadre is assigned is refused", enrolledH(t), visit, at, refused("cadreId " + household.CodeCadreNotAssigned)},
		{"an income of int64's max is refused", helped, rich, at, refused("netIncomePerCapitaFen " + household.CodeIncomeTooLarge)},
	})
	if vs := given(t, append(helped, want)).Visits(); len(vs) != 1 || !vs[0].VisitedAt.Equal(at) {
		t.Fatalf("visits = %+v", vs)
	}
	_ = events.Payload(want)
}
