package funds_test

import (
	"context"
	"testing"

	"github.com/drip-ledger/drip/domain"
	"github.com/drip-ledger/drip/domain/fund"
	"github.com/drip-ledger/drip/projections/funds"
)

// A correction takes what is still in the pool back to the source: the
// appropriation's view shows it with its reason and who did it, its money
// in the pool drops by it, every balance still sums to zero, and the drip
// trail of a household paid from the document shows that it was corrected.
func TestCorrectionShowsInTheAppropriationAndTheDripTrail(t *testing.T) {
	w, zhang, _ := story(t)
	// doc2: 1,000,000 appropriated, 500,000 allocated, 500,000 in the pool.
	w.pool(finance, fund.CorrectAppropriation{Document: doc2, AmountFen: 100_000, Reason: "the document says 9,000 yuan"})
	if _, err := w.svc.HandlePool(context.Background(), finance, county,
		fund.CorrectAppropriation{Document: doc2, AmountFen: 400_001, Reason: "more than is left"}); !hasCode(err, fund.CodeCorrectionAboveRemaining) {
		t.Fatalf("correcting more than the pool holds of it: %v", err)
	}
	v := w.fold()
	if sum, overdrawn := v.Conservation(); sum != 0 || len(overdrawn) != 0 {
		t.Fatalf("sum %d, overdrawn %v", sum, overdrawn)
	}
	now := later.AddDate(0, 0, 30)
	a, err := v.Appropriation(inCty, funds.AppropriationID(countyText, doc2), now, 0, 50)
	if err != nil {
		t.Fatal(err)
	}
	if a.CorrectedFen != 100_000 || a.InPoolFen != 400_000 || len(a.Corrections) != 1 ||
		a.Corrections[0].Reason != "the document says 9,000 yuan" || a.Corrections[0].Role != string(domain.RoleCountyFinance) || a.Corrections[0].Corrects.IsZero() {
		t.Fatalf("appropriation %+v", a)
	}
	if got := balance(t, v, fund.PoolAccount(county)); got != 400_000 {
		t.Errorf("pool holds %d fen, want 400,000", got)
	}
	if got := balance(t, v, fund.SourceAccount(fund.LevelProvincial)); got != -900_000 {
		t.Errorf("the provincial source stands at %d fen, want -900,000", got)
	}
	d, err := v.DripTrail(inCty, zhang, 0, 50)
	if err != nil {
		t.Fatal(err)
	}
	shown := false
	for _, p := range d.Payments {
		for _, l := range p.Lots {
			if l.Document == doc2 {
				shown = len(l.AppropriationCorrections) == 1 && l.AppropriationCorrections[0].AmountFen == 100_000
			}
		}
	}
	if !shown {
		t.Errorf("the drip trail does not show the correction of %s: %+v", doc2, d.Payments)
	}
}
