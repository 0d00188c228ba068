package fund_test

import (
	"testing"

	"github.com/drip-ledger/drip/domain"
	"github.com/drip-ledger/drip/domain/fund"
	"github.com/drip-ledger/drip/events"
)

func appropriation(doc string, level fund.Level, fen domain.Fen) *fund.AppropriationReceived {
	return &fund.AppropriationReceived{County: county, Document: doc, FiscalYear: 2026, Level: level,
		Purpose: "industry support for filed households", AmountFen: fen,
		Transfer: fund.Transfer{DebitAccount: fund.SourceAccount(level), CreditAccount: fund.PoolAccount(county), AmountFen: fen}}
}

// pooled is a pool holding two appropriations: 5,000 yuan central and
// 3,000 yuan provincial.
func pooled() []events.Payload {
	return []events.Payload{appropriation(doc1, fund.LevelCentral, 500_000), appropriation(doc2, fund.LevelProvincial, 300_000)}
}

func TestRecordAppropriation(t *testing.T) {
	record := func(doc string, level fund.Level, fen domain.Fen) fund.RecordAppropriation {
		return fund.RecordAppropriation{Document: doc, FiscalYear: 2026, Level: level,
			Purpose: "industry support for filed households", AmountFen: fen}
	}
	tests := []struct {
		name  string
		given []events.Payload
		when  fund.RecordAppropriation
		then  decision
	}{
		{"the first appropriation debits its source and credits the pool", nil,
			record(doc1, fund.LevelCentral, 500_000), then(appropriation(doc1, fund.LevelCentral, 500_000))},
		{"another document lands beside it", pooled(),
			record(doc3, fund.LevelWorldBank, 1), then(appropriation(doc3, fund.LevelWorldBank, 1))},
		{"the same document twice is refused", pooled(),
			record(doc1, fund.LevelCentral, 500_000), refused(fund.CodeAppropriationExists)},
		{"every bad field is named at once", nil,
			fund.RecordAppropriation{FiscalYear: 1979, Level: "city", AmountFen: 0},
			refused("document required", "fiscalYear fiscal_year_range", "level value_unknown", "purpose required",
				"amountFen amount_not_positive")}, // the transfer is derived: not named again,
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := tt.when.Decide(givenPool(t, tt.given), env(t0))
			check(t, got, err, tt.then)
		})
	}
}

func allocated(n int, fen domain.Fen, draws ...fund.Draw) *fund.Allocated {
	return &fund.Allocated{County: county, Ref: fund.AllocationRef(county, n), Project: project, AmountFen: fen,
		ApprovalRef: "Weining finance [2026] 31", Draws: draws,
		Transfer: fund.Transfer{DebitAccount: fund.PoolAccount(county), CreditAccount: fund.ProjectAccount(project), AmountFen: fen}}
}

func TestAllocate(t *testing.T) {
	approvedProject := fund.ProjectFacts{Status: fund.StatusApproved}
	allocate := func(fen domain.Fen, draws ...fund.Draw) fund.Allocate {
		return fund.Allocate{Project: project, AmountFen: fen, ApprovalRef: "Weining finance [2026] 31", Draws: draws,
			ProjectFacts: approvedProject}
	}
	other := must(fund.ParseProjectID("520527-2026-0001"))
	tests := []struct {
		name  string
		given []events.Payload
		when  fund.Allocate
		then  decision
	}{
		{"an allocation cites the appropriations it draws on", pooled(),
			allocate(600_000, fund.Draw{Document: doc1, AmountFen: 500_000}, fund.Draw{Document: doc2, AmountFen: 100_000}),
			then(allocated(1, 600_000, fund.Draw{Document: doc1, AmountFen: 500_000}, fund.Draw{Document: doc2, AmountFen: 100_000}))},
		{"the second allocation gets the next reference",
			append(pooled(), allocated(1, 100_000, fund.Draw{Document: doc1, AmountFen: 100_000})),
			allocate(400_000, fund.Draw{Document: doc1, AmountFen: 400_000}),
			then(allocated(2, 400_000, fund.Draw{Document: doc1, AmountFen: 400_000}))},
		{"an appropriation cannot give more than is left of it",
			append(pooled(), allocated(1, 100_000, fund.Draw{Document: doc1, AmountFen: 100_000})),
			allocate(400_001, fund.Draw{Document: doc1, AmountFen: 400_001}),
			refused("draws[0].amountFen insufficient_funds")},
		{"an empty pool cannot allocate", nil,
			allocate(1, fund.Draw{Document: doc1, AmountFen: 1}), refused("draws[0].document appropriation_not_found")},
		{"draws must add up to the amount", pooled(),
			allocate(600_000, fund.Draw{Document: doc1, AmountFen: 500_000}),
			refused("draws draws_mismatch")},
		{"a document cited twice is refused", pooled(),
			allocate(2, fund.Draw{Document: doc1, AmountFen: 1}, fund.Draw{Document: doc1, AmountFen: 1}),
			refused("draws[1].document draw_duplicate")},
		{"a project not in the database is refused", pooled(),
			func() fund.Allocate {
				c := allocate(1, fund.Draw{Document: doc1, AmountFen: 1})
				c.ProjectFacts = fund.ProjectFacts{}
				return c
			}(),
			refused(fund.CodeProjectNotFound)},
		{"a project not yet approved is refused", pooled(),
			func() fund.Allocate {
				c := allocate(1, fund.Draw{Document: doc1, AmountFen: 1})
				c.ProjectFacts.Status = fund.StatusProposed
				return c
			}(),
			refused(fund.CodeWrongStatus)},
		{"an accepted project takes no more money", pooled(),
			func() fund.Allocate {
				c := allocate(1, fund.Draw{Document: doc1, AmountFen: 1})
				c.ProjectFacts.Status = fund.StatusAccepted
				return c
			}(),
			refused(fund.CodeWrongStatus)},
		{"a project of another county is refused", pooled(),
			func() fund.Allocate {
				c := allocate(1, fund.Draw{Document: doc1, AmountFen: 1})
				c.Project = other
				return c
			}(),
			refused("project project_outside_pool")},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			// The given events are recorded an hour apart from t0: the
			// allocation is decided after them (time order).
			got, err := tt.when.Decide(givenPool(t, tt.given), env(later))
			check(t, got, err, tt.then)
		})
	}
}

func TestPoolStateKeepsWhatIsLeftOfEachAppropriation(t *testing.T) {
	p := givenPool(t, append(pooled(), allocated(1, 600_000, fund.Draw{Document: doc1, AmountFen: 500_000},
		fund.Draw{Document: doc2, AmountFen: 100_000})))
	a1, _ := p.Appropriation(doc1)
	a2, _ := p.Appropriation(doc2)
	if p.Balance() != 200_000 || a1.RemainingFen != 0 || a2.RemainingFen != 200_000 || p.Allocations() != 1 {
		t.Fatalf("balance %d, left %d and %d, allocations %d", p.Balance(), a1.RemainingFen, a2.RemainingFen, p.Allocations())
	}
	if rec, ok := p.Allocation(fund.AllocationRef(county, 1)); !ok || rec.EventID.IsZero() {
		t.Fatalf("allocation record %+v, %v", rec, ok)
	}
}
