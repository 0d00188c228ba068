package fund_test

import (
	"math"
	"math/big"
	"math/rand/v2"
	"testing"

	"github.com/drip-ledger/drip/domain"
	"github.com/drip-ledger/drip/domain/fund"
	"github.com/drip-ledger/drip/events"
)

// The bounds of single amounts, at and one fen past the limit, and the
// int64 maximum that was accepted before (three of them wrapped the pool).
func TestAmountBounds(t *testing.T) {
	record := func(fen domain.Fen) fund.RecordAppropriation {
		return fund.RecordAppropriation{Document: doc3, FiscalYear: 2026, Level: fund.LevelCentral,
			Purpose: "industry support for filed households", AmountFen: fen}
	}
	project := func(fen domain.Fen) fund.Propose {
		return fund.Propose{ProjectName: "Walnut orchards", Kind: fund.KindIndustry,
			Villages: []string{villageText}, BudgetFen: fen}
	}
	t.Run("appropriation", func(t *testing.T) {
		tests := []struct {
			name string
			fen  domain.Fen
			then decision
		}{
			{"at the bound it is recorded", domain.AppropriationFenMax, then(appropriation(doc3, fund.LevelCentral, domain.AppropriationFenMax))},
			{"one fen above is refused", domain.AppropriationFenMax + 1, refused("amountFen amount_too_large")},
			{"int64's maximum is refused", math.MaxInt64, refused("amountFen amount_too_large")},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				got, err := record(tt.fen).Decide(givenPool(t, pooled()), env(t0))
				check(t, got, err, tt.then)
			})
		}
	})
	t.Run("project budget", func(t *testing.T) {
		_, err := project(domain.AllocationFenMax+1).Decide(fund.EmptyProject(must(fund.ParseProjectID("520526-2026-0043"))), env(t0))
		if got := codesOf(err); len(got) != 1 || got[0] != "budgetFen amount_too_large" {
			t.Fatalf("codes = %q, want budgetFen amount_too_large", got)
		}
	})
	t.Run("allocation", func(t *testing.T) {
		c := fund.Allocate{Project: fund.ProjectID{}, AmountFen: domain.AllocationFenMax + 1, ApprovalRef: "Weining finance [2026] 31",
			Draws: []fund.Draw{{Document: doc1, AmountFen: domain.AllocationFenMax + 1}}, ProjectFacts: fund.ProjectFacts{Status: fund.StatusApproved}}
		c.Project = must(fund.ParseProjectID(projectText))
		_, err := c.Decide(givenPool(t, pooled()), env(t0))
		if !hasCode(codesOf(err), "amountFen amount_too_large") {
			t.Fatalf("codes = %q, want amountFen amount_too_large", codesOf(err))
		}
	})
	t.Run("payment", func(t *testing.T) {
		c := fund.InstructPayment{Payee: fund.PayeeHousehold, Household: fileText, AmountFen: domain.PaymentFenMax + 1,
			Purpose: fund.PurposeProductionSubsidy, Period: "2026", Facts: enrolled(file)}
		_, err := c.Decide(givenProject(t, funded()), env(later))
		if !hasCode(codesOf(err), "amountFen amount_too_large") {
			t.Fatalf("codes = %q, want amountFen amount_too_large", codesOf(err))
		}
	})
}

func hasCode(codes []string, want string) bool {
	for _, c := range codes {
		if c == want {
			return true
		}
	}
	return false
}

// The fold refuses what would wrap: three appropriations of int64's
// maximum (as stored before the bound) folded to -9.2e18 fen; now the
// second one is an error.
func TestEvolvePoolRefusesOverflow(t *testing.T) {
	p := fund.EmptyPool(county)
	var err error
	for i, doc := range []string{doc1, doc2, doc3} {
		ev := events.Event{Type: fund.TypeAppropriationReceived, Version: uint64(i + 1)}
		p, err = fund.EvolvePool(p, ev, appropriation(doc, fund.LevelCentral, math.MaxInt64))
		if err != nil {
			break
		}
	}
	if err == nil {
		t.Fatalf("three appropriations of %d fen folded to a balance of %d", int64(math.MaxInt64), p.Balance())
	}
	if p.Balance() < 0 {
		t.Fatalf("the balance wrapped to %d", p.Balance())
	}
}

// A pool whose balance is near int64's edge refuses one more appropriation
// with amount_overflow instead of recording what its fold could not hold.
func TestRecordAppropriationNearOverflow(t *testing.T) {
	p := fund.EmptyPool(county)
	p, err := fund.EvolvePool(p, events.Event{Version: 1}, appropriation(doc1, fund.LevelCentral, math.MaxInt64-5))
	if err != nil {
		t.Fatal(err)
	}
	_, err = fund.RecordAppropriation{Document: doc2, FiscalYear: 2026, Level: fund.LevelCentral,
		Purpose: "industry support", AmountFen: 6}.Decide(p, env(t0))
	if got := codesOf(err); len(got) != 1 || got[0] != domain.CodeAmountOverflow {
		t.Fatalf("codes = %q, want %s", got, domain.CodeAmountOverflow)
	}
}

// A property over the pool's fold with amounts drawn near the bounds and
// near int64's edge: folding either fails or gives exactly the sum that
// math/big computes; it never wraps. Seeded, so a failure reproduces.
func TestPoolFoldNeverWraps(t *testing.T) {
	r := rand.New(rand.NewPCG(10, 2026))
	near := []domain.Fen{1, domain.PaymentFenMax, domain.AllocationFenMax, domain.AppropriationFenMax,
		math.MaxInt64 / 3, math.MaxInt64 / 2, math.MaxInt64 - 1, math.MaxInt64}
	for run := range 300 {
		p := fund.EmptyPool(county)
		exact := new(big.Int)
		n := 1 + r.IntN(6)
		for i := range n {
			fen := near[r.IntN(len(near))] - domain.Fen(r.Int64N(3))
			if fen <= 0 {
				fen = 1
			}
			doc := "doc-" + string(rune('a'+i))
			next, err := fund.EvolvePool(p, events.Event{Version: uint64(i + 1)}, appropriation(doc, fund.LevelCentral, fen))
			sum := new(big.Int).Add(exact, big.NewInt(int64(fen)))
			if !sum.IsInt64() {
				if err == nil {
					t.Fatalf("run %d: %s + %d fen does not fit int64 yet the fold gave %d", run, exact, fen, next.Balance())
				}
				break
			}
			if err != nil {
				t.Fatalf("run %d: %s + %d fits, but the fold failed: %v", run, exact, fen, err)
			}
			if got := next.Balance(); big.NewInt(int64(got)).Cmp(sum) != 0 {
				t.Fatalf("run %d: balance %d, exact %s", run, got, sum)
			}
			p, exact = next, sum
		}
		// Allocations drawing near the whole balance leave it at exactly
		// the difference, never below zero.
		for _, a := range p.Appropriations() {
			ev := &fund.Allocated{County: county, Ref: fund.AllocationRef(county, 1), Project: must(fund.ParseProjectID(projectText)),
				AmountFen: a.RemainingFen + 1, Draws: []fund.Draw{{Document: a.Document, AmountFen: a.RemainingFen + 1}}}
			if a.RemainingFen == math.MaxInt64 {
				continue
			}
			if _, err := fund.EvolvePool(p, events.Event{Version: 99}, ev); err == nil {
				t.Fatalf("run %d: an allocation of %d fen from %q holding %d folded", run, a.RemainingFen+1, a.Document, a.RemainingFen)
			}
		}
	}
}
