package api_test

import (
	"net/http"
	"testing"

	"github.com/drip-ledger/drip/api"
	"github.com/drip-ledger/drip/domain"
	"github.com/drip-ledger/drip/events"
	"github.com/drip-ledger/drip/projections/households"
)

func withDivisions(d *api.Deps) { d.Divisions = domain.WeiningDivisions() }

// Given the Weining registry, when a household is registered in a village
// that does not exist, then it is refused with the field village and the
// code division_unknown, and nothing is written; a real village is accepted.
func TestHouseholdRegistrationRefusesAVillageThatDoesNotExist(t *testing.T) {
	for _, village := range []string{"520526104299", "520526999999"} {
		t.Run(village, func(t *testing.T) {
			d, _ := newOffice(t, withDivisions)
			body := registrationBody(t)
			body["village"] = village
			r := d.post(d.enumerator(), "/households", "", body)
			if r.status != 422 {
				t.Fatalf("got %d %+v", r.status, r.problem)
			}
			found := false
			for _, e := range r.problem.Errors {
				found = found || e.Field == "village" && e.Code == domain.CodeDivisionUnknown
			}
			if !found {
				t.Errorf("errors %+v; want village %s", r.problem.Errors, domain.CodeDivisionUnknown)
			}
			if d.head() != 0 {
				t.Fatal("a household of a village that does not exist was written")
			}
		})
	}
	d, _ := newOffice(t, withDivisions)
	d.must(d.enumerator(), "/households", registrationBody(t), 0)
}

// Given the registry, when a search names a township that does not exist,
// then the query is refused naming division; a real one is answered.
func TestHouseholdSearchRefusesAnUnknownDivision(t *testing.T) {
	d := newCounty(t, withDivisions)
	var page map[string]any
	if status, p := d.read(d.countyPAO(), "/households?division=520526999", &page); status != http.StatusUnprocessableEntity || len(p.Errors) != 1 || p.Errors[0].Field != "division" || p.Errors[0].Code != domain.CodeDivisionUnknown {
		t.Errorf("unknown township: %d %+v", status, p.Errors)
	}
	if status, p := d.read(d.countyPAO(), "/households?division=520526104", &page); status != http.StatusOK {
		t.Errorf("real township: %d %+v", status, p)
	}
}

// Given an enrolled household of 五星村 in 迤那镇, when the counts are read
// by township and by village, then each code comes with its name.
func TestHouseholdCountsGiveTheNamesBesideTheCodes(t *testing.T) {
	d := newCounty(t, withDivisions)
	life := enrollHousehold(t, d)
	for level, want := range map[string][2]string{"township": {"520526104", "迤那镇"}, "village": {"520526104201", "五星村"}, "county": {"520526", "威宁彝族回族苗族自治县"}} {
		var counts []households.Counts
		status, p := d.read(d.desk(), "/stats/households?level="+level+"&position="+u64(life.enrolled), &counts)
		if status != 200 || len(counts) != 1 || counts[0].Division != want[0] || counts[0].Name != want[1] {
			t.Errorf("%s: %d %+v %+v; want %v", level, status, p, counts, want)
		}
	}
}

// Given the registry, when a complaint is filed about a village that does
// not exist, then it is refused naming division; the complaint's text with
// a bidi override is refused in the same answer.
func TestComplaintRefusesAVillageThatDoesNotExist(t *testing.T) {
	d := newCounty(t, withDivisions)
	body := phoneComplaint("12317-2014-000008")
	body["division"] = "520526104299"
	body["text"] = "钱\u202E没到"
	r := d.post(d.desk(), "/complaints", "", body)
	got := map[string]string{}
	for _, e := range r.problem.Errors {
		got[e.Field] = e.Code
	}
	if r.status != 422 || got["text"] != events.CodeTextBidi {
		t.Fatalf("got %d %+v", r.status, r.problem)
	}
	body["text"] = "钱没到。\n第二段。"
	r = d.post(d.desk(), "/complaints", "", body)
	if r.status != 422 || len(r.problem.Errors) != 1 || r.problem.Errors[0].Field != "division" || r.problem.Errors[0].Code != domain.CodeDivisionUnknown {
		t.Fatalf("got %d %+v", r.status, r.problem)
	}
	if d.head() != 0 {
		t.Fatal("a complaint about a place that does not exist was written")
	}
}

// Given the registry, when a project lists a real village and one that does
// not exist, then it is refused naming villages[1].
func TestProjectRefusesAVillageThatDoesNotExist(t *testing.T) {
	d := newCounty(t, withDivisions)
	r := d.post(d.township(), "/projects", "", map[string]any{"project": storyProject, "name": "Walnut orchards", "kind": "industry",
		"villages": []string{storyVillage, "520526999999"}, "budgetFen": 500_000})
	if r.status != 422 || len(r.problem.Errors) != 1 || r.problem.Errors[0].Field != "villages[1]" || r.problem.Errors[0].Code != domain.CodeDivisionUnknown {
		t.Fatalf("got %d %+v", r.status, r.problem)
	}
	if d.head() != 0 {
		t.Fatal("a project in a village that does not exist was written")
	}
}
