package fund_test

import (
	"testing"
	"time"

	"github.com/drip-ledger/drip/domain"
	"github.com/drip-ledger/drip/domain/fund"
)

// envB is env with the default business-time bounds, as Service fills it.
func envB(at time.Time, backfill bool) fund.Env {
	e := env(at)
	e.Bounds, e.Backfill = domain.DefaultTimeBounds(), backfill
	return e
}

// settledOn is PaymentSettled of payment 1 with the bank's value date.
func settledOn(fen domain.Fen, valueDate string) *fund.PaymentSettled {
	return &fund.PaymentSettled{Project: project, Ref: fund.PaymentRef(project, 1), BankRef: "RCC-1", ValueDate: valueDate,
		Transfer: fund.Transfer{DebitAccount: fund.TransitAccount(project), CreditAccount: fund.HouseholdAccount(file), AmountFen: fen}}
}

// settled >= instructed, on recorded time and on the bank's value date.
// Before, a settlement dated 2019-01-01 settled a payment instructed in
// 2020: the drip trail showed money arriving before it was sent.
func TestSettlementFollowsInstruction(t *testing.T) {
	given := append(funded(), instructed(1, file, 10_000, lot(doc1, 10_000)))
	// eventsOf records the given events an hour apart from t0.
	instructedAt := t0.Add(time.Duration(len(given)-1) * time.Hour)
	day := instructedAt.Format(time.DateOnly)
	settle := func(valueDate string) fund.SettlePayment {
		return fund.SettlePayment{Ref: fund.PaymentRef(project, 1), BankRef: "RCC-1", ValueDate: valueDate}
	}
	tests := []struct {
		name string
		when fund.SettlePayment
		env  fund.Env
		then decision
	}{
		{"a settlement valued on the instruction's day is recorded with its date", settle(day), envB(later, false),
			then(settledOn(10_000, day))},
		{"without a value date only recorded time is ordered", settle(""), envB(later, false), then(settledOn(10_000, ""))},
		{"recorded before the instruction it is refused", settle(""), envB(instructedAt.Add(-time.Second), false),
			refused(domain.CodeTimeOrder)},
		{"valued before the instruction's day it is refused", settle("2019-01-01"), envB(later, false),
			refused("valueDate value_date_before_instruction")},
		{"valued in the future of the recorded time it is refused", settle(later.AddDate(0, 0, 2).Format(time.DateOnly)), envB(later, false),
			refused("valueDate time_in_future")},
		{"valued beyond the lag bound it needs a backfill", settle(day), envB(instructedAt.AddDate(0, 0, 40), false),
			refused("valueDate backfill_required")},
		{"and as a backfill it is recorded", settle(day), envB(instructedAt.AddDate(0, 0, 40), true), then(settledOn(10_000, day))},
		{"a value date that is no date is refused", settle("2026-02-30"), envB(later, false), refused("valueDate date_format")},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := tt.when.Decide(givenProject(t, given), tt.env)
			check(t, got, err, tt.then)
		})
	}
	t.Run("a failure follows the same rule", func(t *testing.T) {
		_, err := fund.FailPayment{Ref: fund.PaymentRef(project, 1), Outcome: fund.StatusReturned, Reason: "card closed", ValueDate: "2019-01-01"}.
			Decide(givenProject(t, given), envB(later, false))
		check(t, nil, err, refused("valueDate value_date_before_instruction"))
	})
}

// allocated >= appropriated.
func TestAllocationFollowsAppropriation(t *testing.T) {
	c := fund.Allocate{Project: project, AmountFen: 1_000, ApprovalRef: "Weining finance [2026] 31",
		Draws: []fund.Draw{{Document: doc2, AmountFen: 1_000}}, ProjectFacts: fund.ProjectFacts{Status: fund.StatusApproved}}
	_, err := c.Decide(givenPool(t, pooled()), env(t0.Add(30*time.Minute))) // doc2 was recorded at t0+1h
	check(t, nil, err, refused("draws[0].document time_order"))
	got, err := c.Decide(givenPool(t, pooled()), env(t0.Add(time.Hour)))
	if err != nil || len(got) != 1 {
		t.Fatalf("at the appropriation's own time: %v %v", got, err)
	}
}
