package api_test

import (
	"net/http"
	"testing"

	"github.com/drip-ledger/drip/domain/fund"
	"github.com/drip-ledger/drip/projections/funds"
)

// POST /pools/{county}/appropriations/corrections takes back what of an
// appropriation is still in the pool; the appropriation's view shows it.
// Only county finance may; never more than what is left.
func TestCorrectAppropriationOverHTTP(t *testing.T) {
	d := newCounty(t)
	pos, _ := approvedProject(t, d, storyVillage) // doc1: 180,000 appropriated, all allocated
	pool := "/pools/" + storyCounty
	pos = d.pay(d.finance(), pool+"/appropriations", map[string]any{"document": doc2, "fiscalYear": 2014, "level": "provincial",
		"purpose": "industry", "amountFen": 100_000}, pos)
	path := pool + "/appropriations/corrections"
	// Every fen of doc1 was allocated: none of it may be taken back here.
	r := d.post(d.finance(), path, "", map[string]any{"document": doc1, "amountFen": 1, "reason": "typo"})
	if r.status != http.StatusUnprocessableEntity || len(r.problem.Errors) != 1 || r.problem.Errors[0].Field != "amountFen" ||
		r.problem.Errors[0].Code != fund.CodeCorrectionAboveRemaining {
		t.Fatalf("correcting allocated money = %d %+v", r.status, r.problem)
	}
	d.refused(d.countyPAO(), path, map[string]any{"document": doc2, "amountFen": 1, "reason": "typo"}, http.StatusForbidden, "role_not_permitted")
	pos = d.pay(d.finance(), path, map[string]any{"document": doc2, "amountFen": 40_000, "reason": "the document says 600 yuan"}, pos)
	var appr funds.AppropriationTrail
	if st, p := d.read(d.finance(), "/appropriations/"+funds.AppropriationID(storyCounty, doc2)+"?position="+u64(pos), &appr); st != http.StatusOK {
		t.Fatalf("appropriation = %d %+v", st, p)
	}
	if appr.CorrectedFen != 40_000 || appr.InPoolFen != 60_000 || len(appr.Corrections) != 1 || appr.Corrections[0].ActorID != "fin.liu" {
		t.Fatalf("appropriation %+v", appr)
	}
}
