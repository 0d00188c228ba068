package reconcile

import (
	"fmt"
	"regexp"
	"slices"
	"time"
	"unicode/utf8"

	"github.com/drip-ledger/drip/domain"
	"github.com/drip-ledger/drip/events"
)

// Event types of an imported bank file, on the file's stream.
const (
	TypeFileStarted    = "reconcile.file_started.v1"
	TypeFileImported   = "reconcile.file_imported.v1"
	TypeLineReturned   = "reconcile.line_returned.v1"
	TypeLineMismatched = "reconcile.line_mismatched.v1"
	TypeLineUnknown    = "reconcile.line_unknown.v1"
	TypeLineDuplicated = "reconcile.line_duplicated.v1"
)

// StreamPrefix begins every imported file's stream name.
const StreamPrefix = "reconcile-"

// Stream is the stream of the bank file whose SHA-256 is hash: the same
// bytes are the same file, whatever it is called.
func Stream(hash string) string { return StreamPrefix + hash }

// Outcome is what a bank line came to.
type Outcome string

// The outcomes. Settled, returned and failed lines were applied to their
// payments (through the fund ledger); the other three changed no payment
// and wait for a person.
const (
	OutcomeSettled    Outcome = "settled"
	OutcomeReturned   Outcome = "returned"
	OutcomeFailed     Outcome = "failed"
	OutcomeMismatched Outcome = "mismatched" // the amount or account differs from the instruction
	OutcomeUnknown    Outcome = "unknown"    // no instruction has the reference
	OutcomeDuplicated Outcome = "duplicated" // the payment was already reported, here or before
)

// Outcomes lists every outcome in report order.
func Outcomes() []Outcome {
	return []Outcome{OutcomeSettled, OutcomeReturned, OutcomeFailed, OutcomeMismatched, OutcomeUnknown, OutcomeDuplicated}
}

// Tally is how many lines came to one outcome and what they add up to.
type Tally struct {
	Outcome   Outcome    `json:"outcome"`
	Lines     int        `json:"lines"`
	AmountFen domain.Fen `json:"amountFen"`
}

// FileImported: a bank file was reconciled, completely. It is the last event
// of the file's stream, so its presence means every line's outcome is
// recorded: each settled, returned or failed line in its project's stream,
// the others on this stream before it.
type FileImported struct {
	SHA256 string `json:"sha256"`
	Name   string `json:"name"`
	// ImportedBy is the actor (also in the metadata), Jurisdiction theirs.
	ImportedBy   string  `json:"importedBy"`
	Jurisdiction string  `json:"jurisdiction"`
	Lines        int     `json:"lines"`
	Tallies      []Tally `json:"tallies"` // one per outcome, in Outcomes order
	// ValueDateFirst and ValueDateLast bound the file's value dates.
	ValueDateFirst string `json:"valueDateFirst"`
	ValueDateLast  string `json:"valueDateLast"`
}

func (*FileImported) EventType() string { return TypeFileImported }

var hashShape = regexp.MustCompile(`^[0-9a-f]{64}$`)

// checkFile checks what FileStarted and FileImported both say of the file.
func checkFile(ps *domain.Problems, sha, name, importedBy string, lines int, tallies []Tally) {
	if !hashShape.MatchString(sha) {
		ps.Addf("sha256", "hash_format", "is not 64 lower-case hex digits")
	}
	text(ps, "name", name, FileNameMax, true)
	text(ps, "importedBy", importedBy, NameRunesMax, true)
	if lines < 1 || lines > LinesMax {
		ps.Addf("lines", CodeTooManyLines, "%d lines is outside 1..%d", lines, LinesMax)
	}
	checkTallies(ps, tallies, lines)
}

func (e *FileImported) Validate() error {
	var ps domain.Problems
	checkFile(&ps, e.SHA256, e.Name, e.ImportedBy, e.Lines, e.Tallies)
	for _, f := range []struct{ name, v string }{{"valueDateFirst", e.ValueDateFirst}, {"valueDateLast", e.ValueDateLast}} {
		if _, err := time.Parse(time.DateOnly, f.v); err != nil {
			ps.Addf(f.name, CodeDateFormat, "%q is not YYYY-MM-DD", f.v)
		}
	}
	return ps.Err()
}

// FileStarted: the import of a bank file began. It is the first event of
// the file's stream, written after every check and before any payment is
// touched, so that a file whose import stops midway (a crash, a lost
// connection) reads as in progress, not as never imported: until
// FileImported follows, the report counts the lines applied from the
// payments' own streams (Projects) and importing the same bytes again
// finishes the job.
type FileStarted struct {
	SHA256       string `json:"sha256"`
	Name         string `json:"name"`
	ImportedBy   string `json:"importedBy"`
	Jurisdiction string `json:"jurisdiction"`
	Lines        int    `json:"lines"`
	// Tallies are what the lines were decided to come to when the import
	// began, one per outcome in Outcomes order: the lines' totals.
	Tallies []Tally `json:"tallies"`
	// Projects are the projects the file's lines name, whose streams hold
	// the settlements and failures as they are applied.
	Projects []string `json:"projects"`
}

func (*FileStarted) EventType() string { return TypeFileStarted }

func (e *FileStarted) Validate() error {
	var ps domain.Problems
	checkFile(&ps, e.SHA256, e.Name, e.ImportedBy, e.Lines, e.Tallies)
	if len(e.Projects) > e.Lines {
		ps.Addf("projects", CodeTooManyLines, "%d projects for %d lines", len(e.Projects), e.Lines)
	}
	for i, p := range e.Projects {
		text(&ps, fmt.Sprintf("projects[%d]", i), p, BankRefMax, true)
	}
	return ps.Err()
}

// checkTallies checks one tally per outcome, in order, adding up to lines
// and to at most the limit of one bank file.
func checkTallies(ps *domain.Problems, tallies []Tally, lines int) {
	sum := 0
	var total domain.Sum
	if len(tallies) != len(Outcomes()) {
		ps.Addf("tallies", CodeRequired, "one tally per outcome, in order")
		return
	}
	for i, t := range tallies {
		if t.Outcome != Outcomes()[i] || t.Lines < 0 || t.AmountFen < 0 {
			ps.Addf(fmt.Sprintf("tallies[%d]", i), CodeRequired, "is not the %s tally", Outcomes()[i])
		}
		sum += t.Lines
		total.Add(t.AmountFen)
	}
	if total.Err("") != nil || total.Fen() > domain.BankFileFenMax {
		ps.Addf("tallies", domain.CodeAmountTooLarge, "the tallies add up to more than the limit of %d fen for one bank file", domain.BankFileFenMax)
	}
	if sum != lines {
		ps.Addf("tallies", CodeRequired, "the tallies count %d lines, not %d", sum, lines)
	}
}

// Tally returns the tally of outcome o.
func (e *FileImported) Tally(o Outcome) Tally {
	for _, t := range e.Tallies {
		if t.Outcome == o {
			return t
		}
	}
	return Tally{Outcome: o}
}

// BankLine is a bank file's line as the line events record it.
type BankLine struct {
	Line       int        `json:"line"`
	PaymentRef string     `json:"paymentRef"`
	BankRef    string     `json:"bankRef"`
	Account    string     `json:"accountNumber"`
	PayeeName  string     `json:"payeeName"`
	AmountFen  domain.Fen `json:"amountFen"`
	Status     string     `json:"status"`
	ValueDate  string     `json:"valueDate"`
	Reason     string     `json:"reason,omitempty"`
}

func bankLineOf(l Line) BankLine {
	return BankLine{Line: l.Number, PaymentRef: l.PaymentRef, BankRef: l.BankRef, Account: l.Account, PayeeName: l.PayeeName,
		AmountFen: l.AmountFen, Status: l.Status, ValueDate: l.ValueDate, Reason: l.Reason}
}

func (b BankLine) check(ps *domain.Problems) {
	if b.Line < 2 {
		ps.Addf("line", CodeRequired, "a data line is line 2 or later")
	}
	text(ps, "paymentRef", b.PaymentRef, BankRefMax, true)
	text(ps, "bankRef", b.BankRef, BankRefMax, true)
	text(ps, "accountNumber", b.Account, 30, true)
	text(ps, "payeeName", b.PayeeName, NameRunesMax, true)
	if b.AmountFen <= 0 {
		ps.Addf("amountFen", CodeAmountZero, "must be more than zero")
	}
	if !slices.Contains([]string{BankSettled, BankReturned, BankFailed}, b.Status) {
		ps.Addf("status", CodeStatusUnknown, "%q is not settled, returned or failed", b.Status)
	}
	if _, err := time.Parse(time.DateOnly, b.ValueDate); err != nil {
		ps.Addf("valueDate", CodeDateFormat, "%q is not YYYY-MM-DD", b.ValueDate)
	}
	if !utf8.ValidString(b.Reason) || utf8.RuneCountInString(b.Reason) > ReasonMax {
		ps.Addf("reason", CodeTooLong, "is above %d characters", ReasonMax)
	}
}

// LineReturned: the bank returned or refused a payment, and the fund ledger
// recorded it (PaymentEventID, the fund.payment_failed.v1 event, on the
// project's stream): the money went back to the project.
type LineReturned struct {
	BankLine
	PaymentEventID events.ID `json:"paymentEventId"`
}

func (*LineReturned) EventType() string { return TypeLineReturned }

func (e *LineReturned) Validate() error {
	var ps domain.Problems
	e.check(&ps)
	if e.Status == BankSettled {
		ps.Addf("status", CodeStatusUnknown, "a returned line is returned or failed")
	}
	if e.PaymentEventID.IsZero() {
		ps.Addf("paymentEventId", CodeRequired, "is required")
	}
	return ps.Err()
}

// LineMismatched: the line names an instructed payment but disagrees with
// it: the amount (ExpectedFen), the account (ExpectedAccount) or both
// (Fields). The payment was left awaiting the bank.
type LineMismatched struct {
	BankLine
	ExpectedFen     domain.Fen `json:"expectedFen"`
	ExpectedAccount string     `json:"expectedAccount"`
	Fields          []string   `json:"fields"` // amount_yuan, account_number
}

func (*LineMismatched) EventType() string { return TypeLineMismatched }

func (e *LineMismatched) Validate() error {
	var ps domain.Problems
	e.check(&ps)
	if e.ExpectedFen <= 0 {
		ps.Addf("expectedFen", CodeAmountZero, "must be more than zero")
	}
	if len(e.Fields) == 0 || len(e.Fields) > 2 {
		ps.Addf("fields", CodeRequired, "names the columns that differ")
	}
	return ps.Err()
}

// LineUnknown: the line's reference names no instruction: the bank acted
// on a payment Drip never instructed (Why: project_not_found or
// payment_not_found).
type LineUnknown struct {
	BankLine
	Why string `json:"why"`
}

func (*LineUnknown) EventType() string { return TypeLineUnknown }

func (e *LineUnknown) Validate() error {
	var ps domain.Problems
	e.check(&ps)
	if !slices.Contains([]string{"project_not_found", "payment_not_found"}, e.Why) {
		ps.Addf("why", CodeRequired, "is project_not_found or payment_not_found")
	}
	return ps.Err()
}

// LineDuplicated: the payment was already reported: by an earlier line of
// this file (FirstLine), or before this file (PriorStatus, PriorBankRef:
// what the ledger had recorded). Nothing was changed.
type LineDuplicated struct {
	BankLine
	FirstLine    int    `json:"firstLine,omitempty"`
	PriorStatus  string `json:"priorStatus,omitempty"`
	PriorBankRef string `json:"priorBankRef,omitempty"`
}

func (*LineDuplicated) EventType() string { return TypeLineDuplicated }

func (e *LineDuplicated) Validate() error {
	var ps domain.Problems
	e.check(&ps)
	if (e.FirstLine == 0) == (e.PriorStatus == "") {
		ps.Addf("firstLine", CodeRequired, "a duplicate names either the earlier line or the prior status")
	}
	return ps.Err()
}

// Register adds the reconciliation's event types to reg.
func Register(reg *events.Registry) {
	reg.Register(
		func() events.Payload { return new(FileStarted) },
		func() events.Payload { return new(FileImported) },
		func() events.Payload { return new(LineReturned) },
		func() events.Payload { return new(LineMismatched) },
		func() events.Payload { return new(LineUnknown) },
		func() events.Payload { return new(LineDuplicated) },
	)
}
