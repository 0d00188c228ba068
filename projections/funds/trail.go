package funds

import (
	"slices"

	"github.com/drip-ledger/drip/domain"
	"github.com/drip-ledger/drip/domain/fund"
	"github.com/drip-ledger/drip/events"
)

// Appropriation is an appropriation document as it landed in a county pool,
// and who recorded it.
type Appropriation struct {
	// ID names it in URLs (see AppropriationID).
	ID         string     `json:"id"`
	County     string     `json:"county"`
	Document   string     `json:"document"`
	FiscalYear int        `json:"fiscalYear"`
	Level      fund.Level `json:"level"`
	Purpose    string     `json:"purpose"`
	AmountFen  domain.Fen `json:"amountFen"`
	Recorded   Step       `json:"recorded"`
	// CorrectedFen was taken back to the source by Corrections (compensating
	// events naming the appropriation's), oldest first.
	CorrectedFen domain.Fen   `json:"correctedFen"`
	Corrections  []Correction `json:"corrections"`
}

// Correction is one correction of an appropriation: how much went back to
// its source, why, and who did it when.
type Correction struct {
	AmountFen domain.Fen `json:"amountFen"`
	Reason    string     `json:"reason"`
	Corrects  events.ID  `json:"corrects"`
	Step
}

// Approval is a decision and who recorded it.
type Approval struct {
	ApprovalRef string `json:"approvalRef"`
	Step
}

// LotTrail is the part of a payment drawn from one allocation of one
// appropriation: where these fen came from, and who moved them.
type LotTrail struct {
	Allocation      string     `json:"allocation"`
	Document        string     `json:"document"`
	AppropriationID string     `json:"appropriationId"`
	AmountFen       domain.Fen `json:"amountFen"`
	// AcknowledgedFen is how much of the lot the household acknowledged:
	// an acknowledgement is spread over the lots first in, first out, so a
	// shortfall falls on the payment's last lots.
	AcknowledgedFen      domain.Fen `json:"acknowledgedFen"`
	FiscalYear           int        `json:"fiscalYear"`
	Level                fund.Level `json:"level"`
	AppropriationPurpose string     `json:"appropriationPurpose"`
	Appropriated         Step       `json:"appropriated"`
	// AppropriationCorrections are the corrections of the appropriation
	// as of the read: they never touch these fen (a correction takes back
	// only what is still in the pool), but a trail that names a document
	// shows that the document was corrected.
	AppropriationCorrections []Correction `json:"appropriationCorrections,omitempty"`
	ApprovalRef              string       `json:"approvalRef"`
	Allocated                Step         `json:"allocated"`
}

// Settlement is the bank's report that the payment was paid.
type Settlement struct {
	BankRef string `json:"bankRef"`
	Step
}

// Failure is the bank's refusal or return of the payment.
type Failure struct {
	Outcome fund.PaymentStatus `json:"outcome"`
	Reason  string             `json:"reason"`
	BankRef string             `json:"bankRef,omitempty"`
	Step
}

// Acknowledgement is what the household said, in person, it received.
type Acknowledgement struct {
	AcknowledgedFen domain.Fen    `json:"acknowledgedFen"`
	ShortfallFen    domain.Fen    `json:"shortfallFen"`
	Evidence        fund.Evidence `json:"evidence"`
	ComplaintID     string        `json:"complaintId,omitempty"`
	Step
}

// Reversal undid a settled payment.
type Reversal struct {
	Reason   string    `json:"reason"`
	Reverses events.ID `json:"reverses"`
	Step
}

// PaymentTrail is one payment from instruction to acknowledgement, with
// the lots that trace each fen to its appropriation document.
type PaymentTrail struct {
	Ref             string             `json:"ref"`
	Project         string             `json:"project"`
	ProjectName     string             `json:"projectName"`
	ProjectApproval *Approval          `json:"projectApproval,omitempty"`
	Payee           fund.PayeeKind     `json:"payee"`
	Household       string             `json:"household,omitempty"`
	Contractor      string             `json:"contractor,omitempty"`
	ContractorName  string             `json:"contractorName,omitempty"`
	BankAccount     fund.BankAccount   `json:"bankAccount"`
	AmountFen       domain.Fen         `json:"amountFen"`
	Purpose         fund.Purpose       `json:"purpose"`
	Period          string             `json:"period"`
	Installment     bool               `json:"installment,omitempty"`
	Status          fund.PaymentStatus `json:"status"`
	Lots            []LotTrail         `json:"lots"`
	Instructed      Step               `json:"instructed"`
	Settled         *Settlement        `json:"settled,omitempty"`
	Failed          *Failure           `json:"failed,omitempty"`
	Acknowledged    *Acknowledgement   `json:"acknowledged,omitempty"`
	Reversed        *Reversal          `json:"reversed,omitempty"`
}

// copyOut is the trail with nothing shared with the view.
func (p *payment) copyOut() PaymentTrail {
	t := p.trail
	t.Lots = slices.Clone(t.Lots)
	for i, s := range p.shares {
		if i < len(t.Lots) && len(s.appr.info.Corrections) > 0 {
			t.Lots[i].AppropriationCorrections = slices.Clone(s.appr.info.Corrections)
		}
	}
	return t
}

// Totals sum payments by where their money stands.
type Totals struct {
	Payments int `json:"payments"`
	// InstructedFen is every fen ever instructed, whatever became of it.
	InstructedFen domain.Fen `json:"instructedFen"`
	// InTransitFen is at the bank; ReceivedFen settled and not reversed.
	InTransitFen domain.Fen `json:"inTransitFen"`
	ReceivedFen  domain.Fen `json:"receivedFen"`
	// AcknowledgedFen and ShortfallFen are from the acknowledgements.
	AcknowledgedFen domain.Fen `json:"acknowledgedFen"`
	ShortfallFen    domain.Fen `json:"shortfallFen"`
	// ReturnedFen failed or came back from the bank; ReversedFen was taken
	// back after settlement.
	ReturnedFen domain.Fen `json:"returnedFen"`
	ReversedFen domain.Fen `json:"reversedFen"`
}

func (t *Totals) add(p *payment) {
	tr := &p.trail
	t.Payments++
	t.InstructedFen = mustAdd(t.InstructedFen, tr.AmountFen)
	switch tr.Status {
	case fund.StatusInstructed:
		t.InTransitFen = mustAdd(t.InTransitFen, tr.AmountFen)
	case fund.StatusSettled:
		t.ReceivedFen = mustAdd(t.ReceivedFen, tr.AmountFen)
	case fund.StatusFailed, fund.StatusReturned:
		t.ReturnedFen = mustAdd(t.ReturnedFen, tr.AmountFen)
	case fund.StatusReversed:
		t.ReversedFen = mustAdd(t.ReversedFen, tr.AmountFen)
	}
	if a := tr.Acknowledged; a != nil {
		t.AcknowledgedFen = mustAdd(t.AcknowledgedFen, a.AcknowledgedFen)
		t.ShortfallFen = mustAdd(t.ShortfallFen, a.ShortfallFen)
	}
}

// Positions are the global positions of every event the payment's trail
// rests on — the appropriations and allocations of its lots, the project's
// approval, the instruction, and the bank's and the household's answers —
// so the trail can be proven against a signed checkpoint (a bundle).
func (p PaymentTrail) Positions() []uint64 {
	var out []uint64
	add := func(s Step) {
		if s.Position != 0 {
			out = append(out, s.Position)
		}
	}
	for _, l := range p.Lots {
		add(l.Appropriated)
		add(l.Allocated)
	}
	if p.ProjectApproval != nil {
		add(p.ProjectApproval.Step)
	}
	add(p.Instructed)
	if p.Settled != nil {
		add(p.Settled.Step)
	}
	if p.Failed != nil {
		add(p.Failed.Step)
	}
	if p.Acknowledged != nil {
		add(p.Acknowledged.Step)
	}
	if p.Reversed != nil {
		add(p.Reversed.Step)
	}
	slices.Sort(out)
	return slices.Compact(out)
}
