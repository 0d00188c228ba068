package fund_test

import (
	"fmt"
	"testing"

	"github.com/drip-ledger/drip/domain"
	"github.com/drip-ledger/drip/domain/fund"
	"github.com/drip-ledger/drip/events"
)

// corrected is the event taking fen of doc back to its source level; the
// appropriation's event is the n-th of the pool's stream (eventsOf's IDs).
func corrected(doc string, level fund.Level, n int, fen domain.Fen, reason string) *fund.AppropriationCorrected {
	return &fund.AppropriationCorrected{County: county, Document: doc, Corrects: events.DeriveID(ns, fmt.Sprint(fund.PoolStream(county), n)),
		Level: level, AmountFen: fen, Reason: reason,
		Transfer: fund.Transfer{DebitAccount: fund.PoolAccount(county), CreditAccount: fund.SourceAccount(level), AmountFen: fen}}
}

func TestCorrectAppropriation(t *testing.T) {
	const why = "the document was recorded with 5,000 yuan; it says 4,000"
	correct := func(doc string, fen domain.Fen, reason string) fund.CorrectAppropriation {
		return fund.CorrectAppropriation{Document: doc, AmountFen: fen, Reason: reason}
	}
	// doc1 (500,000 fen) had 300,000 allocated: 200,000 are still in the pool.
	movedOn := append(pooled(), allocated(1, 300_000, fund.Draw{Document: doc1, AmountFen: 300_000}))
	tests := []struct {
		name  string
		given []events.Payload
		when  fund.CorrectAppropriation
		then  decision
	}{
		{"part of an untouched appropriation goes back to its source", pooled(),
			correct(doc1, 100_000, why), then(corrected(doc1, fund.LevelCentral, 0, 100_000, why))},
		{"all of it may go back while none moved on", pooled(),
			correct(doc2, 300_000, "withdrawn by the province"), then(corrected(doc2, fund.LevelProvincial, 1, 300_000, "withdrawn by the province"))},
		{"once money moved on, what is still in the pool may go back", movedOn,
			correct(doc1, 200_000, why), then(corrected(doc1, fund.LevelCentral, 0, 200_000, why))},
		{"but not one fen of what was allocated", movedOn,
			correct(doc1, 200_001, why), refused("amountFen correction_above_remaining")},
		{"a second correction takes only what the first left", append(pooled(), corrected(doc1, fund.LevelCentral, 0, 400_000, why)),
			correct(doc1, 100_001, why), refused("amountFen correction_above_remaining")},
		{"a fully corrected appropriation has nothing left to correct", append(pooled(), corrected(doc2, fund.LevelProvincial, 1, 300_000, why)),
			correct(doc2, 1, why), refused("amountFen correction_above_remaining")},
		{"an unknown document is refused", pooled(),
			correct(doc3, 1, why), refused("document appropriation_not_found")},
		{"every bad field is named at once", pooled(),
			correct("", -5, " "), refused("document required", "amountFen amount_not_positive", "reason required")},
		{"an amount above any appropriation's bound is refused", pooled(),
			correct(doc1, domain.AppropriationFenMax+1, why), refused("amountFen amount_too_large")},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := tt.when.Decide(givenPool(t, tt.given), env(t0))
			check(t, got, err, tt.then)
		})
	}
}

// After a correction the pool holds less, the appropriation shows what was
// taken back and why, and an allocation can no longer draw on it.
func TestCorrectionFoldsIntoThePool(t *testing.T) {
	p := givenPool(t, append(pooled(), corrected(doc1, fund.LevelCentral, 0, 100_000, "typo")))
	a, _ := p.Appropriation(doc1)
	if p.Balance() != 700_000 || a.RemainingFen != 400_000 || a.CorrectedFen != 100_000 || len(a.Corrections) != 1 || a.Corrections[0].Reason != "typo" {
		t.Fatalf("balance %d, appropriation %+v", p.Balance(), a)
	}
	_, err := fund.Allocate{Project: project, AmountFen: 400_001, ApprovalRef: "Weining finance [2026] 31",
		Draws: []fund.Draw{{Document: doc1, AmountFen: 400_001}}, ProjectFacts: fund.ProjectFacts{Status: fund.StatusApproved}}.Decide(p, env(t0))
	check(t, nil, err, refused("draws[0].amountFen insufficient_funds"))
}

// Only the county finance bureau corrects an appropriation.
func TestCorrectionPermission(t *testing.T) {
	for _, r := range []domain.Role{domain.RoleCountyPAO, domain.RoleVillage, domain.RoleTownship, domain.RoleAuditor} {
		if fund.Allowed(r, fund.CorrectAppropriation{}.Name()) {
			t.Errorf("%s may correct an appropriation", r)
		}
	}
	if !fund.Allowed(domain.RoleCountyFinance, fund.CorrectAppropriation{}.Name()) {
		t.Error("county finance may not correct an appropriation")
	}
}
