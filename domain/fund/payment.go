package fund

import (
	"fmt"
	"regexp"

	"github.com/drip-ledger/drip/domain"
	"github.com/drip-ledger/drip/events"
)

// Event types of a project's money, on the project's stream.
const (
	TypeAllocationReceived  = "fund.allocation_received.v1"
	TypePaymentInstructed   = "fund.payment_instructed.v1"
	TypePaymentSettled      = "fund.payment_settled.v1"
	TypePaymentFailed       = "fund.payment_failed.v1"
	TypePaymentAcknowledged = "fund.payment_acknowledged.v1"
	TypePaymentReversed     = "fund.payment_reversed.v1"
)

// AllocationReceived: the project took in an allocation the pool made to
// it, as lots it may spend. It moves no money (the pool's Allocated did);
// it is the project's own record of the credit, so that the project's
// stream alone knows what it may spend. See the package documentation.
type AllocationReceived struct {
	Project           ProjectID  `json:"project"`
	Allocation        string     `json:"allocation"`
	AllocationEventID events.ID  `json:"allocationEventId"`
	AmountFen         domain.Fen `json:"amountFen"`
	Lots              []Lot      `json:"lots"`
}

func (*AllocationReceived) EventType() string { return TypeAllocationReceived }

func (p *AllocationReceived) Validate() error {
	var ps domain.Problems
	if p.Project.IsZero() {
		ps.Addf("project", CodeRequired, "is required")
	}
	requireRef(&ps, "allocation", p.Allocation)
	requireID(&ps, "allocationEventId", p.AllocationEventID)
	domain.CheckAmount(&ps, "amountFen", p.AmountFen, domain.AllocationFenMax)
	checkLots(&ps, "lots", p.Lots, p.AmountFen, DrawsMax)
	return ps.Err()
}

func checkLots(ps *domain.Problems, field string, lots []Lot, amount domain.Fen, max int) {
	if len(lots) == 0 || len(lots) > max {
		ps.Addf(field, CodeRequired, "1 to %d lots, not %d", max, len(lots))
		return
	}
	var sum domain.Fen
	ok := true
	for i, l := range lots {
		f := fmt.Sprintf("%s[%d]", field, i)
		requireRef(ps, f+".allocation", l.Allocation)
		requireText(ps, f+".document", l.Document, DocumentRunesMax)
		positive(ps, f+".amountFen", l.AmountFen)
		if sum, ok = domain.AddFen(sum, l.AmountFen); !ok {
			break
		}
	}
	if !ok || sum != amount {
		ps.Addf(field, CodeDrawsMismatch, "the lots add up to %d fen, not %d", sum, amount)
	}
}

// PaymentInstructed: the project instructed the bank to pay (the first of
// two phases, like a pending transfer): the money leaves the project for
// the project's transit account. Account is the payee's bank account as it
// was at this moment; Lots are the lots drawn, first in first out.
type PaymentInstructed struct {
	Project ProjectID `json:"project"`
	Ref     string    `json:"ref"`
	Payee   PayeeKind `json:"payee"`
	// Household is set when Payee is household, Contractor (an ID such as
	// a unified social credit code) and ContractorName when it is
	// contractor.
	Household      domain.FileNumber `json:"household,omitzero"`
	Contractor     string            `json:"contractor,omitempty"`
	ContractorName string            `json:"contractorName,omitempty"`
	Account        BankAccount       `json:"account"`
	AmountFen      domain.Fen        `json:"amountFen"`
	Purpose        Purpose           `json:"purpose"`
	Period         string            `json:"period"`
	// Installment marks a further payment for the same payee, purpose and
	// period, which the duplicate rule lets through.
	Installment bool     `json:"installment,omitempty"`
	Lots        []Lot    `json:"lots"`
	Transfer    Transfer `json:"transfer"`
}

func (*PaymentInstructed) EventType() string { return TypePaymentInstructed }

// Movement implements Mover.
func (p *PaymentInstructed) Movement() Transfer { return p.Transfer }

// PayeeAccount is the ledger account the payment is for.
func (p *PaymentInstructed) PayeeAccount() AccountID {
	if p.Payee == PayeeHousehold {
		return HouseholdAccount(p.Household)
	}
	return ContractorAccount(p.Contractor)
}

// periodShape: a year, a month, a quarter or a half year: 2026, 2026-03,
// 2026-Q1, 2026-H2.
var periodShape = regexp.MustCompile(`^(19|20)[0-9]{2}(-(0[1-9]|1[0-2]|Q[1-4]|H[12]))?$`)

var contractorShape = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]{0,39}$`)

func (p *PaymentInstructed) Validate() error {
	var ps domain.Problems
	p.checkFields(&ps)
	p.Account.check(&ps, "account")
	checkLots(&ps, "lots", p.Lots, p.AmountFen, LotsPerPaymentMax)
	return ps.Err()
}

// checkFields checks everything but the account and the lots, which a
// decision fills in after its rules.
func (p *PaymentInstructed) checkFields(ps *domain.Problems) {
	if p.Project.IsZero() {
		ps.Addf("project", CodeRequired, "is required")
	}
	requireRef(ps, "ref", p.Ref)
	p.checkPayee(ps)
	domain.CheckAmount(ps, "amountFen", p.AmountFen, domain.PaymentFenMax)
	oneOf(ps, "purpose", p.Purpose, Purposes())
	if !periodShape.MatchString(p.Period) {
		ps.Addf("period", CodePeriodFormat, "period %q is not a year, month, quarter or half year like 2026, 2026-03, 2026-Q1, 2026-H2", p.Period)
	}
	p.Transfer.check(ps, ProjectAccount(p.Project), TransitAccount(p.Project), p.AmountFen)
}

func (p *PaymentInstructed) checkPayee(ps *domain.Problems) {
	switch p.Payee {
	case PayeeHousehold:
		if p.Household.IsZero() {
			ps.Addf("household", CodeRequired, "is required")
		}
		if p.Contractor != "" || p.ContractorName != "" {
			ps.Addf("contractor", CodeValueUnknown, "a payment to a household names no contractor")
		}
	case PayeeContractor:
		if !contractorShape.MatchString(p.Contractor) {
			ps.Addf("contractor", CodeRefFormat, "contractor %q is not 1 to 40 letters, digits and . _ -", p.Contractor)
		}
		requireText(ps, "contractorName", p.ContractorName, NameRunesMax)
		if !p.Household.IsZero() {
			ps.Addf("household", CodeValueUnknown, "a payment to a contractor names no household")
		}
	default:
		oneOf(ps, "payee", p.Payee, []PayeeKind{PayeeHousehold, PayeeContractor})
	}
}

// PaymentSettled: the bank reported the payment paid (the second phase):
// the money leaves transit for the payee.
type PaymentSettled struct {
	Project ProjectID `json:"project"`
	Ref     string    `json:"ref"`
	BankRef string    `json:"bankRef"`
	// ValueDate is the bank's date (business time), when the bank gave it.
	ValueDate string   `json:"valueDate,omitempty"`
	Transfer  Transfer `json:"transfer"`
}

func (*PaymentSettled) EventType() string { return TypePaymentSettled }

// Movement implements Mover.
func (p *PaymentSettled) Movement() Transfer { return p.Transfer }

func (p *PaymentSettled) Validate() error {
	var ps domain.Problems
	if p.Project.IsZero() {
		ps.Addf("project", CodeRequired, "is required")
	}
	requireRef(&ps, "ref", p.Ref)
	requireText(&ps, "bankRef", p.BankRef, RefRunesMax)
	if p.Transfer.DebitAccount != TransitAccount(p.Project) {
		ps.Addf("transfer.debitAccount", CodeTransferMismatch, "a settlement moves money out of transit:%s", p.Project)
	}
	if k := p.Transfer.CreditAccount.Kind(); k != KindHousehold && k != KindContractor {
		ps.Addf("transfer.creditAccount", CodeTransferMismatch, "a settlement pays a household or a contractor, not a %s", k)
	}
	p.Transfer.check(&ps, p.Transfer.DebitAccount, p.Transfer.CreditAccount, p.Transfer.AmountFen)
	return ps.Err()
}

// PaymentFailed: the bank refused the payment (failed) or sent it back
// (returned): the money goes from transit back to the project, and the
// lots the payment drew are restored at the front of the project's queue.
type PaymentFailed struct {
	Project ProjectID     `json:"project"`
	Ref     string        `json:"ref"`
	Outcome PaymentStatus `json:"outcome"`
	Reason  string        `json:"reason"`
	BankRef string        `json:"bankRef,omitempty"`
	// ValueDate is the bank's date (business time), when the bank gave it.
	ValueDate string   `json:"valueDate,omitempty"`
	Lots      []Lot    `json:"lots"`
	Transfer  Transfer `json:"transfer"`
}

func (*PaymentFailed) EventType() string { return TypePaymentFailed }

// Movement implements Mover.
func (p *PaymentFailed) Movement() Transfer { return p.Transfer }

func (p *PaymentFailed) Validate() error {
	var ps domain.Problems
	if p.Project.IsZero() {
		ps.Addf("project", CodeRequired, "is required")
	}
	requireRef(&ps, "ref", p.Ref)
	oneOf(&ps, "outcome", p.Outcome, failureOutcomes())
	requireText(&ps, "reason", p.Reason, TextRunesMax)
	optionalText(&ps, "bankRef", p.BankRef, RefRunesMax)
	checkLots(&ps, "lots", p.Lots, p.Transfer.AmountFen, LotsPerPaymentMax)
	p.Transfer.check(&ps, TransitAccount(p.Project), ProjectAccount(p.Project), p.Transfer.AmountFen)
	return ps.Err()
}

// Evidence is the proof of an acknowledgement in person: the reference of
// the signed or thumbprinted receipt and the SHA-256 of its photograph.
type Evidence struct {
	Kind        EvidenceKind `json:"kind"`
	Ref         string       `json:"ref"`
	PhotoSHA256 string       `json:"photoSha256"`
}

func (v Evidence) check(ps *domain.Problems, field string) {
	oneOf(ps, field+".kind", v.Kind, []EvidenceKind{EvidenceSignature, EvidenceThumbprint})
	requireText(ps, field+".ref", v.Ref, RefRunesMax)
	if !hashShape.MatchString(v.PhotoSHA256) {
		ps.Addf(field+".photoSha256", CodeHashFormat, "is not 64 lower-case hex digits")
	}
}

// PaymentAcknowledged: the household said in person how much of a settled
// payment it received. ShortfallFen is PaidFen less AcknowledgedFen; when it
// is positive the ledger opens complaint ComplaintID (see ComplaintID).
type PaymentAcknowledged struct {
	Project         ProjectID         `json:"project"`
	Ref             string            `json:"ref"`
	Household       domain.FileNumber `json:"household"`
	PaidFen         domain.Fen        `json:"paidFen"`
	AcknowledgedFen domain.Fen        `json:"acknowledgedFen"`
	ShortfallFen    domain.Fen        `json:"shortfallFen"`
	Evidence        Evidence          `json:"evidence"`
	ComplaintID     string            `json:"complaintId,omitempty"`
}

func (*PaymentAcknowledged) EventType() string { return TypePaymentAcknowledged }

func (p *PaymentAcknowledged) Validate() error {
	var ps domain.Problems
	if p.Project.IsZero() {
		ps.Addf("project", CodeRequired, "is required")
	}
	requireRef(&ps, "ref", p.Ref)
	if p.Household.IsZero() {
		ps.Addf("household", CodeRequired, "is required")
	}
	positive(&ps, "paidFen", p.PaidFen)
	if p.AcknowledgedFen < 0 {
		ps.Addf("acknowledgedFen", CodeAmountNotPositive, "cannot be negative")
	} else if p.AcknowledgedFen > p.PaidFen {
		ps.Addf("acknowledgedFen", CodeAcknowledgedAbovePaid, "%d fen acknowledged of %d paid", p.AcknowledgedFen, p.PaidFen)
	}
	if p.ShortfallFen != p.PaidFen-p.AcknowledgedFen {
		ps.Addf("shortfallFen", CodeTransferMismatch, "is not paid less acknowledged")
	}
	if (p.ShortfallFen > 0) != (p.ComplaintID != "") {
		ps.Addf("complaintId", CodeRequired, "a shortfall, and only a shortfall, names its complaint")
	}
	p.Evidence.check(&ps, "evidence")
	return ps.Err()
}

// PaymentReversed: a settled payment was found erroneous and undone by this
// compensating event, which names the settlement it reverses: the money goes
// from the payee back to the project and the lots are restored at the front
// of the queue. The payee's account is debited only here, by at most what
// this payment credited it, so it never goes below zero.
type PaymentReversed struct {
	Project  ProjectID `json:"project"`
	Ref      string    `json:"ref"`
	Reverses events.ID `json:"reverses"` // the PaymentSettled event
	Reason   string    `json:"reason"`
	Lots     []Lot     `json:"lots"`
	Transfer Transfer  `json:"transfer"`
}

func (*PaymentReversed) EventType() string { return TypePaymentReversed }

// Movement implements Mover.
func (p *PaymentReversed) Movement() Transfer { return p.Transfer }

func (p *PaymentReversed) Validate() error {
	var ps domain.Problems
	if p.Project.IsZero() {
		ps.Addf("project", CodeRequired, "is required")
	}
	requireRef(&ps, "ref", p.Ref)
	requireID(&ps, "reverses", p.Reverses)
	requireText(&ps, "reason", p.Reason, TextRunesMax)
	checkLots(&ps, "lots", p.Lots, p.Transfer.AmountFen, LotsPerPaymentMax)
	if k := p.Transfer.DebitAccount.Kind(); k != KindHousehold && k != KindContractor {
		ps.Addf("transfer.debitAccount", CodeTransferMismatch, "a reversal takes money back from a household or a contractor, not a %s", k)
	}
	p.Transfer.check(&ps, p.Transfer.DebitAccount, ProjectAccount(p.Project), p.Transfer.AmountFen)
	return ps.Err()
}
