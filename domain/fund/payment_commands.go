package fund

import (
	"slices"
	"time"

	"github.com/drip-ledger/drip/domain"
	"github.com/drip-ledger/drip/events"
)

// ReceiveAllocation takes an allocation the pool made into the project's
// lots. The service issues it right after the pool's Allocated; it may be
// issued again at any time (after a crash between the two appends), and
// then records nothing.
type ReceiveAllocation struct {
	// Allocation is the pool's record of the allocation, read from the
	// pool's stream by the caller.
	Allocation AllocationRecord
}

func (ReceiveAllocation) Name() string { return "receive_allocation" }

// Decide needs the project the allocation paid (allocation_not_found); an
// allocation already received records nothing. The project's status is not
// checked: the pool checked it when it paid, and the money is the project's
// from then on.
func (c ReceiveAllocation) Decide(s Project, _ Env) ([]events.Payload, error) {
	a := c.Allocation
	if !s.Exists() {
		return nil, errorf(CodeProjectNotFound, "project %s is not in the project database", s.id)
	}
	if a.Project != s.id || a.EventID.IsZero() {
		return nil, errorf(CodeAllocationNotFound, "allocation %q was not made to project %s", a.Ref, s.id)
	}
	if s.received[a.Ref] {
		return nil, nil
	}
	return one(&AllocationReceived{Project: s.id, Allocation: a.Ref, AllocationEventID: a.EventID,
		AmountFen: a.AmountFen, Lots: lotsOf(&a.Allocated)})
}

// InstructPayment instructs the bank to pay a household or a contractor
// from the project (the first phase of a payment).
type InstructPayment struct {
	Payee PayeeKind `json:"payee"`
	// Household (a file number) for a household payee; its bank account is
	// taken from Facts, that is from the household's file.
	Household string `json:"household,omitempty"`
	// Contractor, ContractorName and ContractorAccount for a contractor or
	// cooperative.
	Contractor        string       `json:"contractor,omitempty"`
	ContractorName    string       `json:"contractorName,omitempty"`
	ContractorAccount *BankAccount `json:"contractorAccount,omitempty"`
	AmountFen         domain.Fen   `json:"amountFen"`
	Purpose           Purpose      `json:"purpose"`
	Period            string       `json:"period"`
	Installment       bool         `json:"installment,omitempty"`
	// Facts are filled by the caller from the household's stream.
	Facts HouseholdFacts `json:"-"`
}

func (InstructPayment) Name() string { return "instruct_payment" }

// Decide applies the payment rules, in this order:
//   - the project releases money: implementing, completed or accepted
//     (wrong_status), its publicity closed (publicity_open) and no
//     objection open (objection_open);
//   - a household payee is eligible now (household_not_eligible), assigned
//     to this project (household_not_assigned) and has a bank account
//     (bank_account_missing);
//   - no live payment to the same payee for the same purpose and period,
//     unless this one is marked as a further installment
//     (duplicate_payment);
//   - the project's balance covers the amount (insufficient_funds).
//
// The lots are drawn first in, first out. A further installment is, by
// its nature, not caught by the duplicate rule: send it with an
// idempotency key (domain.Request.IdempotencyKey), so that a retry after a
// lost response replays the first instruction instead of paying twice.
func (c InstructPayment) Decide(s Project, e Env) ([]events.Payload, error) {
	ev, err := c.draft(s)
	if err != nil {
		return nil, err
	}
	if err := s.require("pay from", StatusPublicized, StatusImplementing, StatusCompleted, StatusAccepted); err != nil {
		return nil, err
	}
	if err := s.releasable(e); err != nil {
		return nil, err
	}
	if s.status == StatusPublicized {
		return nil, errorf(CodeWrongStatus, "project %s has not started implementation", s.id)
	}
	if ev.Payee == PayeeHousehold {
		if err := c.payable(s, ev, e); err != nil {
			return nil, err
		}
	}
	if !c.Installment && s.live[keyOf(ev)] > 0 {
		return nil, errorf(CodeDuplicatePayment, "%s was already paid %s for %s by project %s; mark a further installment as such",
			ev.PayeeAccount(), ev.Purpose, ev.Period, s.id)
	}
	if len(s.payments) >= PaymentsMax {
		return nil, errorf(CodeLimit, "project %s has made %d payments, the limit", s.id, PaymentsMax)
	}
	if e.At.Before(s.receivedAt) {
		return nil, errorf(domain.CodeTimeOrder, "project %s received its last allocation at %s, after this instruction's %s",
			s.id, s.receivedAt.Format(time.RFC3339), e.At.Format(time.RFC3339))
	}
	drawn, _, ok := take(s.lots, c.AmountFen)
	if !ok {
		return nil, errorf(CodeInsufficientFunds, "project %s holds %d fen, not %d", s.id, s.BalanceFen(), c.AmountFen)
	}
	if len(drawn) > LotsPerPaymentMax {
		return nil, errorf(CodeLimit, "the payment would draw on %d lots, above the limit of %d", len(drawn), LotsPerPaymentMax)
	}
	ev.Lots = drawn
	return one(ev)
}

// draft builds the instruction from the command alone and checks its
// fields; the household's account and the lots come after the rules.
func (c InstructPayment) draft(s Project) (*PaymentInstructed, error) {
	ev := &PaymentInstructed{Project: s.id, Ref: PaymentRef(s.id, len(s.payments)+1), Payee: c.Payee,
		Contractor: c.Contractor, ContractorName: c.ContractorName, AmountFen: c.AmountFen,
		Purpose: c.Purpose, Period: c.Period, Installment: c.Installment,
		Transfer: Transfer{DebitAccount: ProjectAccount(s.id), CreditAccount: TransitAccount(s.id), AmountFen: c.AmountFen}}
	var ps domain.Problems
	switch c.Payee {
	case PayeeHousehold:
		file, err := domain.ParseFileNumber(c.Household)
		if err != nil && c.Household != "" {
			ps.Add("household", err) // and not again as missing, below
		}
		ev.Household = file
	case PayeeContractor:
		if c.ContractorAccount == nil {
			ps.Addf("contractorAccount", CodeRequired, "is required")
		} else {
			ev.Account = *c.ContractorAccount
			ev.Account.check(&ps, "contractorAccount")
		}
	}
	var fields domain.Problems
	ev.checkFields(&fields)
	for _, p := range fields {
		if p.Field != "household" || !ev.Household.IsZero() || c.Payee != PayeeHousehold || c.Household == "" {
			ps = append(ps, p)
		}
	}
	return ev, ps.Err()
}

// payable is the household rule: eligible, assigned, with a bank account.
func (c InstructPayment) payable(s Project, ev *PaymentInstructed, e Env) error {
	if err := c.Facts.eligible(ev.Household, e); err != nil {
		return err
	}
	if _, ok := s.beneficiaries[ev.Household]; !ok {
		return errorf(CodeHouseholdNotAssigned, "household %s is not a beneficiary of project %s", ev.Household, s.id)
	}
	if c.Facts.Account == nil {
		return errorf(CodeBankAccountMissing, "household %s has no bank account in its file", ev.Household)
	}
	ev.Account = *c.Facts.Account
	return nil
}

// payment finds ref in s (payment_not_found).
func (s Project) payment(ref string) (*Payment, error) {
	if !s.Exists() {
		return nil, errorf(CodeProjectNotFound, "project %s is not in the project database", s.id)
	}
	p, ok := s.byRef[ref]
	if !ok {
		return nil, errorf(CodePaymentNotFound, "project %s has no payment %q", s.id, ref)
	}
	return p, nil
}

// SettlePayment records the bank's report that a payment was paid.
type SettlePayment struct {
	Ref     string `json:"ref"`
	BankRef string `json:"bankRef"`
	// ValueDate is the bank's date of the settlement (YYYY-MM-DD, China
	// time), a business time: optional, checked by bankAnswerTimes.
	ValueDate string `json:"valueDate,omitempty"`
}

func (SettlePayment) Name() string { return "settle_payment" }

// Decide needs an instructed payment (payment_not_pending); the same
// settlement reported again (a bank file imported twice) records nothing.
func (c SettlePayment) Decide(s Project, e Env) ([]events.Payload, error) {
	p, err := s.payment(c.Ref)
	if err != nil {
		return nil, err
	}
	if p.Status == StatusSettled && p.BankRef == c.BankRef {
		return nil, nil
	}
	if p.Status != StatusInstructed {
		return nil, errorf(CodePaymentNotPending, "payment %s is %s, not awaiting the bank", c.Ref, p.Status)
	}
	if err := bankAnswerTimes(p, c.ValueDate, e); err != nil {
		return nil, err
	}
	return one(&PaymentSettled{Project: s.id, Ref: c.Ref, BankRef: c.BankRef, ValueDate: c.ValueDate,
		Transfer: Transfer{DebitAccount: TransitAccount(s.id), CreditAccount: p.PayeeAccount(), AmountFen: p.AmountFen}})
}

// FailPayment records that the bank refused (failed) or sent back
// (returned) a payment.
type FailPayment struct {
	Ref     string        `json:"ref"`
	Outcome PaymentStatus `json:"outcome"`
	Reason  string        `json:"reason"`
	BankRef string        `json:"bankRef,omitempty"`
	// ValueDate: as SettlePayment's.
	ValueDate string `json:"valueDate,omitempty"`
}

func (FailPayment) Name() string { return "fail_payment" }

// Decide needs an instructed payment (payment_not_pending). The money goes
// back to the project and the payment's lots to the front of its queue.
func (c FailPayment) Decide(s Project, e Env) ([]events.Payload, error) {
	p, err := s.payment(c.Ref)
	if err != nil {
		return nil, err
	}
	if p.Status != StatusInstructed {
		return nil, errorf(CodePaymentNotPending, "payment %s is %s, not awaiting the bank", c.Ref, p.Status)
	}
	if err := bankAnswerTimes(p, c.ValueDate, e); err != nil {
		return nil, err
	}
	return one(&PaymentFailed{Project: s.id, Ref: c.Ref, Outcome: c.Outcome, Reason: c.Reason, BankRef: c.BankRef, ValueDate: c.ValueDate,
		Lots:     slices.Clone(p.Lots),
		Transfer: Transfer{DebitAccount: TransitAccount(s.id), CreditAccount: ProjectAccount(s.id), AmountFen: p.AmountFen}})
}

// AcknowledgePayment records a household's acknowledgement in person of a
// settled payment.
type AcknowledgePayment struct {
	Ref             string     `json:"ref"`
	AcknowledgedFen domain.Fen `json:"acknowledgedFen"`
	Evidence        Evidence   `json:"evidence"`
}

func (AcknowledgePayment) Name() string { return "acknowledge_payment" }

// Decide needs a settled household payment (not_a_household_payment,
// payment_not_settled) not yet acknowledged (already_acknowledged; the same
// acknowledgement again records nothing) and at most the amount paid
// (acknowledged_above_paid). Less than paid names the complaint the service
// then opens.
func (c AcknowledgePayment) Decide(s Project, _ Env) ([]events.Payload, error) {
	p, err := s.payment(c.Ref)
	if err != nil {
		return nil, err
	}
	if p.Payee != PayeeHousehold {
		return nil, errorf(CodeNotAHouseholdPayment, "payment %s is to a %s; only households acknowledge in person", c.Ref, p.Payee)
	}
	if a := p.Acknowledgement; a != nil {
		if a.AcknowledgedFen == c.AcknowledgedFen && a.Evidence == c.Evidence {
			return nil, nil
		}
		return nil, errorf(CodeAlreadyAcknowledged, "payment %s was already acknowledged (%d fen)", c.Ref, a.AcknowledgedFen)
	}
	if p.Status != StatusSettled {
		return nil, errorf(CodePaymentNotSettled, "payment %s is %s, not settled", c.Ref, p.Status)
	}
	ev := &PaymentAcknowledged{Project: s.id, Ref: c.Ref, Household: p.Household, PaidFen: p.AmountFen,
		AcknowledgedFen: c.AcknowledgedFen, ShortfallFen: p.AmountFen - c.AcknowledgedFen, Evidence: c.Evidence}
	if ev.ShortfallFen > 0 && c.AcknowledgedFen >= 0 {
		id, err := ComplaintID(c.Ref)
		if err != nil {
			return nil, err
		}
		ev.ComplaintID = id.String()
	}
	return one(ev)
}

// ReversePayment undoes an erroneous settled payment by a compensating
// event.
type ReversePayment struct {
	Ref    string `json:"ref"`
	Reason string `json:"reason"`
}

func (ReversePayment) Name() string { return "reverse_payment" }

// Decide needs a settled payment (payment_not_settled: a payment still at
// the bank is failed, not reversed).
func (c ReversePayment) Decide(s Project, _ Env) ([]events.Payload, error) {
	p, err := s.payment(c.Ref)
	if err != nil {
		return nil, err
	}
	if p.Status != StatusSettled {
		return nil, errorf(CodePaymentNotSettled, "payment %s is %s; only a settled payment is reversed", c.Ref, p.Status)
	}
	return one(&PaymentReversed{Project: s.id, Ref: c.Ref, Reverses: p.SettledEventID, Reason: c.Reason,
		Lots:     slices.Clone(p.Lots),
		Transfer: Transfer{DebitAccount: p.PayeeAccount(), CreditAccount: ProjectAccount(s.id), AmountFen: p.AmountFen}})
}

// chinaTime is the zone of the programme's civil dates (value dates).
var chinaTime = time.FixedZone("CST", 8*3600)

// bankAnswerTimes is the order rule of a settlement or failure: on
// recorded time it comes at or after the instruction (time_order), and the
// bank's value date, if given, is neither before the instruction's day
// (value_date_before_instruction: money cannot settle before it was sent)
// nor in the future of the recorded time, nor older than the lag bound
// unless the request is a backfill (domain.TimeBounds).
func bankAnswerTimes(p *Payment, valueDate string, e Env) error {
	if e.At.Before(p.InstructedAt) {
		return errorf(domain.CodeTimeOrder, "payment %s was instructed at %s, after this answer's %s",
			p.Ref, p.InstructedAt.Format(time.RFC3339), e.At.Format(time.RFC3339))
	}
	if valueDate == "" {
		return nil
	}
	var ps domain.Problems
	d, err := time.ParseInLocation(time.DateOnly, valueDate, chinaTime)
	switch {
	case err != nil:
		ps.Addf("valueDate", CodeDateFormat, "%q is not a date written YYYY-MM-DD", valueDate)
	case d.Before(civilDay(p.InstructedAt)):
		ps.Addf("valueDate", CodeValueDateBeforeInstruction, "the bank dates it %s, before payment %s was instructed on %s",
			valueDate, p.Ref, civilDay(p.InstructedAt).Format(time.DateOnly))
	case e.Bounds != (domain.TimeBounds{}):
		if err := e.Bounds.Check("valueDate", d, e.At, e.Backfill); err != nil {
			ps.Add("valueDate", err)
		}
	}
	return ps.Err()
}

// civilDay is the start of t's day in China's civil time.
func civilDay(t time.Time) time.Time {
	y, m, d := t.In(chinaTime).Date()
	return time.Date(y, m, d, 0, 0, 0, 0, chinaTime)
}
