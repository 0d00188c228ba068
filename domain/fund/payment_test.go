package fund_test

import (
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/drip-ledger/drip/domain"
	"github.com/drip-ledger/drip/domain/fund"
	"github.com/drip-ledger/drip/domain/household"
	"github.com/drip-ledger/drip/events"
)

var ref1, ref2 = fund.PaymentRef(project, 1), fund.PaymentRef(project, 2)

// instructed is payment n to household f of fen drawn from lots, as the
// project records it.
func instructed(n int, f domain.FileNumber, fen domain.Fen, lots ...fund.Lot) *fund.PaymentInstructed {
	for i := range lots {
		if lots[i].Allocation == "" {
			lots[i].Allocation = fund.AllocationRef(county, 1)
		}
	}
	return &fund.PaymentInstructed{Project: project, Ref: fund.PaymentRef(project, n), Payee: fund.PayeeHousehold,
		Household: f, Account: *card(), AmountFen: fen, Purpose: fund.PurposeProductionSubsidy, Period: "2026", Lots: lots,
		Transfer: fund.Transfer{DebitAccount: fund.ProjectAccount(project), CreditAccount: fund.TransitAccount(project), AmountFen: fen}}
}

func settled(ref string, f domain.FileNumber, fen domain.Fen) *fund.PaymentSettled {
	return &fund.PaymentSettled{Project: project, Ref: ref, BankRef: "RCC-20260315-0001",
		Transfer: fund.Transfer{DebitAccount: fund.TransitAccount(project), CreditAccount: fund.HouseholdAccount(f), AmountFen: fen}}
}

func TestInstructPayment(t *testing.T) {
	other := fileN(8)
	withFacts := func(c fund.InstructPayment, f fund.HouseholdFacts) fund.InstructPayment { c.Facts = f; return c }
	paid := func(c fund.InstructPayment) fund.InstructPayment { return withFacts(c, enrolled(file)) }
	exited := func(ago time.Duration) fund.HouseholdFacts {
		f := enrolled(file)
		f.Status, f.ExitedAt = household.StatusMonitored, later.Add(-ago)
		return f
	}
	installment := paid(pay(file, 10_000))
	installment.Installment = true
	contractor := fund.InstructPayment{Payee: fund.PayeeContractor, Contractor: "91520526MA6DXXXX1X", ContractorName: "Weining Walnut Cooperative",
		ContractorAccount: &fund.BankAccount{Number: "52050162553600000123", Bank: "China Construction Bank Weining", HolderName: "Weining Walnut Cooperative"},
		AmountFen:         100_000, Purpose: fund.PurposeWorks, Period: "2026-Q1"}
	contractorPaid := &fund.PaymentInstructed{Project: project, Ref: ref1, Payee: fund.PayeeContractor, Contractor: contractor.Contractor,
		ContractorName: contractor.ContractorName, Account: *contractor.ContractorAccount, AmountFen: 100_000, Purpose: fund.PurposeWorks,
		Period: "2026-Q1", Lots: []fund.Lot{{Allocation: fund.AllocationRef(county, 1), Document: doc1, AmountFen: 60_000},
			{Allocation: fund.AllocationRef(county, 1), Document: doc2, AmountFen: 40_000}},
		Transfer: fund.Transfer{DebitAccount: fund.ProjectAccount(project), CreditAccount: fund.TransitAccount(project), AmountFen: 100_000}}
	failed := &fund.PaymentFailed{Project: project, Ref: ref1, Outcome: fund.StatusFailed, Reason: "account closed",
		Lots:     []fund.Lot{{Allocation: fund.AllocationRef(county, 1), Document: doc1, AmountFen: 10_000}},
		Transfer: fund.Transfer{DebitAccount: fund.TransitAccount(project), CreditAccount: fund.ProjectAccount(project), AmountFen: 10_000}}
	objected := append(publicizedP(), &fund.ObjectionRaised{Number: 1, RaisedBy: "Li Si", Statement: "my household was left out"})

	tests := []struct {
		name  string
		given []events.Payload
		when  fund.InstructPayment
		at    time.Time
		then  decision
	}{
		{"a payment draws the oldest lot first", funded(), paid(pay(file, 10_000)), later,
			then(instructed(1, file, 10_000, lot(doc1, 10_000)))},
		{"a payment larger than the first lot spills into the next", funded(), paid(pay(file, 70_000)), later,
			then(instructed(1, file, 70_000, lot(doc1, 60_000), lot(doc2, 10_000)))},
		{"the whole balance can be paid", funded(), paid(pay(file, 100_000)), later,
			then(instructed(1, file, 100_000, lot(doc1, 60_000), lot(doc2, 40_000)))},
		{"one fen more than the balance is insufficient", funded(), paid(pay(file, 100_001)), later,
			refused(fund.CodeInsufficientFunds)},
		{"a project with no allocation has nothing", append(implementingP(), assigned(file)), paid(pay(file, 1)), later,
			refused(fund.CodeInsufficientFunds)},
		{"a household not enrolled is not eligible", funded(),
			withFacts(pay(file, 1), fund.HouseholdFacts{File: file, Status: household.StatusPublicized, Account: card()}), later,
			refused(fund.CodeHouseholdNotEligible)},
		{"a removed household is not eligible", funded(),
			withFacts(pay(file, 1), fund.HouseholdFacts{File: file, Status: household.StatusRemoved, Account: card()}), later,
			refused(fund.CodeHouseholdNotEligible)},
		{"a household not in the file is not eligible", funded(), withFacts(pay(file, 1), fund.HouseholdFacts{}), later,
			refused(fund.CodeHouseholdNotEligible)},
		{"a household returned to poverty is eligible", funded(),
			withFacts(pay(file, 1), fund.HouseholdFacts{File: file, Status: household.StatusReturned, Account: card()}), later,
			then(instructed(1, file, 1, lot(doc1, 1)))},
		{"an exited household is paid within its support period", funded(), withFacts(pay(file, 1), exited(3*365*24*time.Hour)), later,
			then(instructed(1, file, 1, lot(doc1, 1)))},
		{"an exited household is not paid after its support period", funded(), withFacts(pay(file, 1), exited(3*366*24*time.Hour)), later,
			refused(fund.CodeHouseholdNotEligible)},
		{"an enrolled household not assigned to the project is refused", funded(), withFacts(pay(other, 1), enrolled(other)), later,
			refused(fund.CodeHouseholdNotAssigned)},
		{"a household without a bank card cannot be paid", funded(),
			withFacts(pay(file, 1), fund.HouseholdFacts{File: file, Status: household.StatusEnrolled}), later,
			refused(fund.CodeBankAccountMissing)},
		{"nothing is released while the publicity runs", append(publicizedP(), assigned(file)), paid(pay(file, 1)), pubEnd.Add(-time.Second),
			refused(fund.CodePublicityOpen)},
		{"nothing is released while an objection is open", append(objected, assigned(file)), paid(pay(file, 1)), later,
			refused(fund.CodeObjectionOpen)},
		{"a publicized project must start implementation first", append(publicizedP(), assigned(file)), paid(pay(file, 1)), later,
			refused(fund.CodeWrongStatus)},
		{"an approved project pays nothing", approvedP(), paid(pay(file, 1)), later,
			refused(fund.CodeWrongStatus)},
		{"the same household, purpose and period twice is a duplicate",
			append(funded(), instructed(1, file, 10_000, lot(doc1, 10_000))), paid(pay(file, 10_000)), later,
			refused(fund.CodeDuplicatePayment)},
		{"a further installment is not a duplicate",
			append(funded(), instructed(1, file, 10_000, lot(doc1, 10_000))), installment, later,
			then(func() *fund.PaymentInstructed {
				p := instructed(2, file, 10_000, lot(doc1, 10_000))
				p.Installment = true
				return p
			}())},
		{"another period is not a duplicate",
			append(funded(), instructed(1, file, 10_000, lot(doc1, 10_000))),
			func() fund.InstructPayment { c := paid(pay(file, 10_000)); c.Period = "2027"; return c }(), later,
			then(func() *fund.PaymentInstructed {
				p := instructed(2, file, 10_000, lot(doc1, 10_000))
				p.Period = "2027"
				return p
			}())},
		{"a failed payment may be paid again, from the same fen",
			append(funded(), instructed(1, file, 10_000, lot(doc1, 10_000)), failed), paid(pay(file, 10_000)), later,
			then(instructed(2, file, 10_000, lot(doc1, 10_000)))},
		{"a contractor is paid to the account the caller gives", funded(), contractor, later, then(contractorPaid)},
		{"every bad field is named at once", funded(),
			fund.InstructPayment{Payee: fund.PayeeHousehold, Household: "520526104201", AmountFen: -1, Purpose: "bribe", Period: "2026-13"}, later,
			refused("household file_number_format", "amountFen amount_not_positive", "purpose value_unknown",
				"period period_format")}, // the transfer is derived: not named again
		{"a contractor needs an account", funded(),
			func() fund.InstructPayment { c := contractor; c.ContractorAccount = nil; return c }(), later,
			refused("contractorAccount required")},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := tt.when.Decide(givenProject(t, tt.given), env(tt.at))
			check(t, got, err, tt.then)
		})
	}
}

func TestSettleFailAcknowledgeReverse(t *testing.T) {
	pending := append(funded(), instructed(1, file, 10_000, lot(doc1, 10_000)))
	paidOut := append(pending, settled(ref1, file, 10_000))
	evidence := fund.Evidence{Kind: fund.EvidenceThumbprint, Ref: "receipt/2026/0315/07",
		PhotoSHA256: "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"}
	ack := func(fen domain.Fen) fund.AcknowledgePayment {
		return fund.AcknowledgePayment{Ref: ref1, AcknowledgedFen: fen, Evidence: evidence}
	}
	acknowledged := func(fen domain.Fen, complaintID string) *fund.PaymentAcknowledged {
		return &fund.PaymentAcknowledged{Project: project, Ref: ref1, Household: file, PaidFen: 10_000, AcknowledgedFen: fen,
			ShortfallFen: 10_000 - fen, Evidence: evidence, ComplaintID: complaintID}
	}
	back := []fund.Lot{{Allocation: fund.AllocationRef(county, 1), Document: doc1, AmountFen: 10_000}}
	toProject := func(debit fund.AccountID) fund.Transfer {
		return fund.Transfer{DebitAccount: debit, CreditAccount: fund.ProjectAccount(project), AmountFen: 10_000}
	}
	settlementID := eventsOf(t, fund.ProjectStream(project), paidOut)[len(paidOut)-1].ID

	tests := []struct {
		name  string
		given []events.Payload
		when  fund.ProjectCommand
		then  decision
	}{
		{"the bank settles an instructed payment", pending, fund.SettlePayment{Ref: ref1, BankRef: "RCC-20260315-0001"},
			then(settled(ref1, file, 10_000))},
		{"the same settlement again records nothing", paidOut, fund.SettlePayment{Ref: ref1, BankRef: "RCC-20260315-0001"}, nothing()},
		{"a second, different settlement is refused", paidOut, fund.SettlePayment{Ref: ref1, BankRef: "RCC-other"},
			refused(fund.CodePaymentNotPending)},
		{"an unknown payment cannot settle", pending, fund.SettlePayment{Ref: ref2, BankRef: "x"}, refused(fund.CodePaymentNotFound)},
		{"a failed payment returns to the project with its lots", pending,
			fund.FailPayment{Ref: ref1, Outcome: fund.StatusReturned, Reason: "card frozen", BankRef: "RCC-R-7"},
			then(&fund.PaymentFailed{Project: project, Ref: ref1, Outcome: fund.StatusReturned, Reason: "card frozen", BankRef: "RCC-R-7",
				Lots: back, Transfer: toProject(fund.TransitAccount(project))})},
		{"a settled payment cannot fail", paidOut, fund.FailPayment{Ref: ref1, Outcome: fund.StatusFailed, Reason: "late"},
			refused(fund.CodePaymentNotPending)},
		{"a failure needs a known outcome and a reason", pending, fund.FailPayment{Ref: ref1, Outcome: "lost"},
			refused("outcome value_unknown", "reason required")},
		{"a household acknowledges all it was paid", paidOut, ack(10_000), then(acknowledged(10_000, ""))},
		{"less than paid names the complaint derived from the payment", paidOut, ack(8_000),
			then(acknowledged(8_000, "520526000042-2026-00000001"))},
		{"nothing received is a shortfall of everything", paidOut, ack(0), then(acknowledged(0, "520526000042-2026-00000001"))},
		{"more than paid is refused", paidOut, ack(10_001), refused("acknowledgedFen acknowledged_above_paid")},
		{"a payment still at the bank cannot be acknowledged", pending, ack(10_000), refused(fund.CodePaymentNotSettled)},
		{"the same acknowledgement again records nothing", append(paidOut, acknowledged(8_000, "520526000042-2026-00000001")), ack(8_000), nothing()},
		{"a different second acknowledgement is refused", append(paidOut, acknowledged(8_000, "520526000042-2026-00000001")), ack(10_000),
			refused(fund.CodeAlreadyAcknowledged)},
		{"evidence is required", paidOut, fund.AcknowledgePayment{Ref: ref1, AcknowledgedFen: 10_000},
			refused("evidence.kind required", "evidence.ref required", "evidence.photoSha256 hash_format")},
		{"a reversal names the settlement and takes the money back from the household", paidOut,
			fund.ReversePayment{Ref: ref1, Reason: "paid to the wrong household; complaint 12317-2026-000123"},
			then(&fund.PaymentReversed{Project: project, Ref: ref1, Reverses: settlementID,
				Reason: "paid to the wrong household; complaint 12317-2026-000123", Lots: back, Transfer: toProject(fund.HouseholdAccount(file))})},
		{"a pending payment is failed, not reversed", pending, fund.ReversePayment{Ref: ref1, Reason: "x"}, refused(fund.CodePaymentNotSettled)},
		{"a payment is reversed once", append(paidOut, &fund.PaymentReversed{Project: project, Ref: ref1, Reverses: settlementID,
			Reason: "wrong household", Lots: back, Transfer: toProject(fund.HouseholdAccount(file))}),
			fund.ReversePayment{Ref: ref1, Reason: "again"}, refused(fund.CodePaymentNotSettled)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := tt.when.Decide(givenProject(t, tt.given), env(later))
			check(t, got, err, tt.then)
		})
	}
}

// TestLineage follows the FIFO rule through two allocations, a failure
// that restores its lots at the front, and a reversal.
func TestLineage(t *testing.T) {
	a1, a2 := fund.AllocationRef(county, 1), fund.AllocationRef(county, 2)
	l := func(a, doc string, fen domain.Fen) fund.Lot {
		return fund.Lot{Allocation: a, Document: doc, AmountFen: fen}
	}
	h := append(implementingP(), received(1, lot(doc1, 300), lot(doc2, 200)), received(2, lot(doc3, 500)),
		assigned(fileN(1)), assigned(fileN(2)), assigned(fileN(3)))
	s := givenProject(t, h)
	step := func(c fund.ProjectCommand) {
		t.Helper()
		got, err := c.Decide(s, env(later))
		if err != nil {
			t.Fatalf("%s: %v", c.Name(), err)
		}
		h = append(h, got...)
		s = givenProject(t, h)
	}
	wantLots := func(what string, want ...fund.Lot) {
		t.Helper()
		if d := cmp.Diff(want, s.Lots()); d != "" {
			t.Fatalf("%s: lots (-want +got):\n%s", what, d)
		}
	}
	payTo := func(n int, fen domain.Fen) fund.InstructPayment {
		c := pay(fileN(n), fen)
		c.Facts = enrolled(fileN(n))
		return c
	}
	step(payTo(1, 400))
	wantLots("after paying 400", l(a1, doc2, 100), l(a2, doc3, 500))
	if p, _ := s.Payment(ref1); !cmp.Equal(p.Lots, []fund.Lot{l(a1, doc1, 300), l(a1, doc2, 100)}) {
		t.Fatalf("payment 1 drew %v", p.Lots)
	}
	step(payTo(2, 200))
	wantLots("after paying 200 more", l(a2, doc3, 400))
	step(fund.FailPayment{Ref: ref1, Outcome: fund.StatusFailed, Reason: "account number wrong"})
	wantLots("after the first payment failed", l(a1, doc1, 300), l(a1, doc2, 100), l(a2, doc3, 400))
	step(payTo(3, 350))
	wantLots("after paying 350 from the restored front", l(a1, doc2, 50), l(a2, doc3, 400))
	step(fund.SettlePayment{Ref: ref2, BankRef: "B-2"})
	step(fund.ReversePayment{Ref: ref2, Reason: "household 2 was paid twice by mistake"})
	wantLots("after the second payment was reversed, its lots are spent next",
		l(a1, doc2, 100), l(a2, doc3, 100), l(a1, doc2, 50), l(a2, doc3, 400))
	if s.BalanceFen() != 650 || s.ReceivedFen() != 1000 || s.TransitFen() != 350 {
		t.Fatalf("balance %d, received %d, transit %d", s.BalanceFen(), s.ReceivedFen(), s.TransitFen())
	}
}

func evidence() fund.Evidence {
	return fund.Evidence{Kind: fund.EvidenceSignature, Ref: "receipt/2026/0316/01",
		PhotoSHA256: "2c26b46b68ffc68ff99b453c1d30413413422d706483bfa0f98a5e886266e7ae"}
}
