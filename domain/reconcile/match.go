package reconcile

import (
	"fmt"
	"strings"

	"github.com/drip-ledger/drip/domain"
	"github.com/drip-ledger/drip/domain/fund"
	"github.com/drip-ledger/drip/events"
)

// PaymentFacts is what matching needs to know of one instructed payment,
// read from its project's stream.
type PaymentFacts struct {
	Payment fund.Payment
	// ClosedKey is the idempotency key (as the metadata holds it) of the
	// event that settled, failed or returned the payment, if any, and
	// ClosedEventID that event.
	ClosedKey     string
	ClosedEventID events.ID
}

// Facts are the ledger's facts about the payments a file names: for each
// project the file names, whether it exists and its payments by reference.
type Facts struct {
	Projects map[string]bool // project ID → exists
	Payments map[string]PaymentFacts
}

// Decision is what one line comes to, and the command that applies it to
// its payment (nil when nothing is to be done: the line changes no payment,
// or this file already applied it).
type Decision struct {
	Line    Line
	Outcome Outcome
	Command fund.ProjectCommand
	// Key is the line's idempotency key.
	Key string
	// Event is the reconciliation's event for a line that is not settled
	// (nil for a settled line); LineReturned's PaymentEventID is filled
	// once the failure is recorded.
	Event events.Payload
	// PaymentEventID is the fund event that applied the line, when this
	// file already applied it.
	PaymentEventID events.ID
}

// LineKey is the idempotency key under which line n of the file with hash
// is applied to its payment: the same file imported again, by anyone, is
// recognised by it (see Service.Import).
func LineKey(hash string, n int) string { return fmt.Sprintf("bankfile-%s-L%d", hash, n) }

// appliedBy reports whether a stored idempotency key ("actor:key#fp") is
// key, whoever the actor was.
func appliedBy(stored, key string) bool {
	_, rest, ok := strings.Cut(stored, ":")
	k, _, _ := strings.Cut(rest, "#")
	return ok && k == key
}

// Match decides every line of f against the facts, in file order. It is
// pure: the same file and facts always give the same decisions. The rules:
//
//   - a reference already seen in this file: duplicated (the first wins);
//   - no such project or payment: unknown;
//   - the payment was closed by this very line before (an import cut short
//     and run again): the line's own outcome, with no command;
//   - the payment is not awaiting the bank (settled, failed, returned or
//     reversed before): duplicated, naming what the ledger had;
//   - the amount or the account differs from the instruction: mismatched;
//   - else settled (fund.SettlePayment) or returned/failed
//     (fund.FailPayment).
func Match(f File, facts Facts) []Decision {
	out := make([]Decision, 0, len(f.Lines))
	first := map[string]int{}
	for _, l := range f.Lines {
		d := Decision{Line: l, Key: LineKey(f.SHA256, l.Number)}
		bl := bankLineOf(l)
		pf, known := facts.Payments[l.PaymentRef]
		n, seen := first[l.PaymentRef]
		switch {
		case seen:
			d.Outcome, d.Event = OutcomeDuplicated, &LineDuplicated{BankLine: bl, FirstLine: n}
		case !known:
			why := "payment_not_found"
			if !facts.Projects[l.Project.String()] {
				why = "project_not_found"
			}
			d.Outcome, d.Event = OutcomeUnknown, &LineUnknown{BankLine: bl, Why: why}
		case pf.ClosedKey != "" && appliedBy(pf.ClosedKey, d.Key):
			d.Outcome, d.PaymentEventID = Outcome(l.Status), pf.ClosedEventID
			if d.Outcome != OutcomeSettled {
				d.Event = &LineReturned{BankLine: bl, PaymentEventID: pf.ClosedEventID}
			}
		case pf.Payment.Status != fund.StatusInstructed:
			d.Outcome, d.Event = OutcomeDuplicated, &LineDuplicated{BankLine: bl, PriorStatus: string(pf.Payment.Status),
				PriorBankRef: priorBankRef(pf.Payment)}
		default:
			d = decideInstructed(d, bl, pf.Payment)
		}
		if !seen {
			first[l.PaymentRef] = l.Number
		}
		out = append(out, d)
	}
	return out
}

func decideInstructed(d Decision, bl BankLine, p fund.Payment) Decision {
	l := d.Line
	var fields []string
	if l.AmountFen != p.AmountFen {
		fields = append(fields, "amount_yuan")
	}
	if l.Account != p.Account.Number {
		fields = append(fields, "account_number")
	}
	if len(fields) > 0 {
		d.Outcome, d.Event = OutcomeMismatched, &LineMismatched{BankLine: bl, ExpectedFen: p.AmountFen,
			ExpectedAccount: p.Account.Number, Fields: fields}
		return d
	}
	d.Outcome = Outcome(l.Status)
	if l.Status == BankSettled {
		d.Command = fund.SettlePayment{Ref: l.PaymentRef, BankRef: l.BankRef, ValueDate: l.ValueDate}
		return d
	}
	d.Command = fund.FailPayment{Ref: l.PaymentRef, Outcome: fund.PaymentStatus(l.Status), Reason: l.Reason, BankRef: l.BankRef, ValueDate: l.ValueDate}
	d.Event = &LineReturned{BankLine: bl}
	return d
}

func priorBankRef(p fund.Payment) string {
	if p.BankRef != "" {
		return p.BankRef
	}
	if p.Failure != nil {
		return p.Failure.BankRef
	}
	return ""
}

// Tallies counts decisions per outcome, in Outcomes order. The decisions
// are a parsed file's, whose total Parse bounds by domain.BankFileFenMax, so
// the sums cannot overflow; they are added with checks all the same, and an
// overflow is a programmer error, never a wrapped tally.
func Tallies(ds []Decision) []Tally {
	out := make([]Tally, len(Outcomes()))
	for i, o := range Outcomes() {
		out[i].Outcome = o
	}
	for _, d := range ds {
		for i := range out {
			if out[i].Outcome == d.Outcome {
				out[i].Lines++
				out[i].AmountFen = mustAdd(out[i].AmountFen, d.Line.AmountFen)
			}
		}
	}
	return out
}

// mustAdd adds amounts whose bounds make an overflow impossible; it panics
// rather than wrap if a bound was ever lifted without this sum's check.
func mustAdd(a, b domain.Fen) domain.Fen {
	s, ok := domain.AddFen(a, b)
	if !ok {
		panic(fmt.Sprintf("reconcile: %d + %d fen overflows: a bound on bank files was lifted", a, b))
	}
	return s
}
