package reconcile

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/drip-ledger/drip/domain"
	"github.com/drip-ledger/drip/domain/fund"
	"github.com/drip-ledger/drip/events"
)

// Report is an imported file's reconciliation, rebuilt from its stream: the
// tally per outcome and every line that did not settle.
type Report struct {
	SHA256       string    `json:"sha256"`
	Name         string    `json:"name"`
	ImportedBy   string    `json:"importedBy"`
	Jurisdiction string    `json:"jurisdiction"`
	ImportedAt   time.Time `json:"importedAt"`
	// Position is the global position of FileImported.
	Position       uint64  `json:"position"`
	Lines          int     `json:"lines"`
	ValueDateFirst string  `json:"valueDateFirst"`
	ValueDateLast  string  `json:"valueDateLast"`
	Tallies        []Tally `json:"tallies"`
	// Exceptions are the lines that did not settle, in file order.
	Exceptions []Exception `json:"exceptions"`
	// Replayed is true when the file had been imported before and this
	// import changed nothing.
	Replayed bool `json:"replayed"`
	// Status is imported, or in_progress for a file whose import began and
	// has not finished (it stopped midway, or is running now): then the
	// tallies are what the lines were decided to come to, Applied says how
	// many of the ToApply payment changes are in the ledger, and the
	// exceptions are empty until the import finishes. Importing the same
	// file again finishes it.
	Status string `json:"status"`
	// Applied is how many lines have updated their payment (settled,
	// returned or failed), of ToApply.
	Applied int `json:"applied"`
	ToApply int `json:"toApply"`
	// Progress says the same for people.
	Progress string `json:"progress"`
}

// The statuses of a report.
const (
	StatusImported   = "imported"
	StatusInProgress = "in_progress"
)

// applying are the outcomes that change a payment.
var applying = []Outcome{OutcomeSettled, OutcomeReturned, OutcomeFailed}

// toApply counts the lines of tallies that change a payment.
func toApply(tallies []Tally) int {
	n := 0
	for _, t := range tallies {
		if slices.Contains(applying, t.Outcome) {
			n += t.Lines
		}
	}
	return n
}

// Exception is one line that did not settle, and why.
type Exception struct {
	BankLine
	Outcome Outcome `json:"outcome"`
	// Detail says what differs or what the ledger had, for people.
	Detail string `json:"detail"`
	// EventID is the event recording the outcome (on the file's stream).
	EventID events.ID `json:"eventId"`
	// PaymentEventID is the fund ledger's failure, for a returned line.
	PaymentEventID events.ID `json:"paymentEventId,omitzero"`
}

// recorded is what a file's stream holds.
type recorded struct {
	version  uint64
	imported *FileImported
	head     events.Event // the FileImported event
	started  *FileStarted // nil for a file imported before FileStarted existed
	begun    events.Event // the FileStarted event
	lines    []Exception
	outcomes map[int]Outcome
}

func (s *Service) read(ctx context.Context, hash string) (recorded, error) {
	r := recorded{outcomes: map[int]Outcome{}}
	err := readAll(ctx, s.log, Stream(hash), func(ev events.Event) error {
		p, err := s.reg.Decode(ev)
		if err != nil {
			return err
		}
		r.version = ev.Version
		x := Exception{EventID: ev.ID}
		switch e := p.(type) {
		case *FileImported:
			r.imported, r.head = e, ev
			return nil
		case *FileStarted:
			r.started, r.begun = e, ev
			return nil
		case *LineReturned:
			x.BankLine, x.Outcome, x.PaymentEventID = e.BankLine, Outcome(e.Status), e.PaymentEventID
			x.Detail = "returned to the project by the bank: " + e.Reason
		case *LineMismatched:
			x.BankLine, x.Outcome = e.BankLine, OutcomeMismatched
			x.Detail = fmt.Sprintf("instructed %s yuan to account %s; the bank reports %s yuan to %s (%s)",
				e.ExpectedFen, e.ExpectedAccount, e.AmountFen, e.Account, strings.Join(e.Fields, ", "))
		case *LineUnknown:
			x.BankLine, x.Outcome = e.BankLine, OutcomeUnknown
			x.Detail = "no instruction has this reference (" + e.Why + ")"
		case *LineDuplicated:
			x.BankLine, x.Outcome = e.BankLine, OutcomeDuplicated
			if e.FirstLine > 0 {
				x.Detail = fmt.Sprintf("the same payment as line %d", e.FirstLine)
			} else {
				x.Detail = fmt.Sprintf("already %s before this file (bank reference %s)", e.PriorStatus, e.PriorBankRef)
			}
		default:
			return fmt.Errorf("unknown event %s (%T)", ev.Type, p)
		}
		r.lines = append(r.lines, x)
		r.outcomes[x.Line] = x.Outcome
		return nil
	})
	return r, err
}

func (r recorded) report() Report {
	e := r.imported
	out := Report{SHA256: e.SHA256, Name: e.Name, ImportedBy: e.ImportedBy, Jurisdiction: e.Jurisdiction,
		ImportedAt: r.head.Meta.OccurredAt, Position: r.head.Position, Lines: e.Lines,
		ValueDateFirst: e.ValueDateFirst, ValueDateLast: e.ValueDateLast, Tallies: e.Tallies, Exceptions: r.lines}
	if out.Exceptions == nil {
		out.Exceptions = []Exception{}
	}
	out.Status, out.ToApply = StatusImported, toApply(e.Tallies)
	out.Applied = out.ToApply
	out.Progress = fmt.Sprintf("imported: %d of %d lines applied", out.Applied, out.ToApply)
	return out
}

// progress is the report of a file whose import began and has not
// finished: how far it got, counted from the payments' streams (a payment
// closed under one of this file's line keys was applied by this file).
func (s *Service) progress(ctx context.Context, r recorded) (Report, error) {
	e := r.started
	out := Report{SHA256: e.SHA256, Name: e.Name, ImportedBy: e.ImportedBy, Jurisdiction: e.Jurisdiction,
		ImportedAt: r.begun.Meta.OccurredAt, Position: r.begun.Position, Lines: e.Lines, Tallies: e.Tallies,
		Exceptions: []Exception{}, Status: StatusInProgress, ToApply: toApply(e.Tallies)}
	prefix := "bankfile-" + e.SHA256 + "-L"
	for _, p := range e.Projects {
		id, err := fund.ParseProjectID(p)
		if err != nil {
			return Report{}, fmt.Errorf("reconcile: %s names project %q: %w", Stream(e.SHA256), p, err)
		}
		_, closed, err := s.project(ctx, id)
		if err != nil {
			return Report{}, err
		}
		for _, ev := range closed {
			_, rest, _ := strings.Cut(ev.Meta.IdempotencyKey, ":")
			if strings.HasPrefix(rest, prefix) {
				out.Applied++
			}
		}
	}
	out.Progress = fmt.Sprintf("in progress: %d of %d lines applied; import the same file again to finish", out.Applied, out.ToApply)
	return out, nil
}

// Report returns the report of the imported file whose SHA-256 is hash. The
// actor's jurisdiction must enclose the importer's.
func (s *Service) Report(ctx context.Context, req domain.Request, hash string) (Report, error) {
	if !hashShape.MatchString(hash) {
		return Report{}, domain.Errorf(CodeHashFormat, "%q is not a file's SHA-256 in 64 lower-case hex digits", hash)
	}
	r, err := s.read(ctx, hash)
	if err != nil {
		return Report{}, err
	}
	var where string
	switch {
	case r.imported != nil:
		where = r.imported.Jurisdiction
	case r.started != nil:
		where = r.started.Jurisdiction
	default:
		return Report{}, domain.Errorf(CodeNotFound, "no bank file %s has been imported", hash)
	}
	j, err := domain.ParseJurisdiction(req.Actor.Jurisdiction)
	if err != nil || !strings.HasPrefix(where, j.String()) {
		return Report{}, domain.Errorf(CodeOutsideJurisdiction, "bank file %s was imported in %q, outside your jurisdiction", hash, where)
	}
	if r.imported == nil {
		return s.progress(ctx, r)
	}
	return r.report(), nil
}

// Batch is the reconciliation of several files imported together: each
// file's report and the tallies over all of them.
type Batch struct {
	Files   []Report `json:"files"`
	Lines   int      `json:"lines"`
	Tallies []Tally  `json:"tallies"`
}

// NewBatch sums the reports. Each report's tallies are at most
// domain.BankFileFenMax (FileImported.Validate), and a batch has a bounded
// number of files, so the sums cannot overflow; mustAdd checks it anyway.
func NewBatch(rs ...Report) Batch {
	b := Batch{Files: rs, Tallies: Tallies(nil)}
	if b.Files == nil {
		b.Files = []Report{}
	}
	for _, r := range rs {
		b.Lines += r.Lines
		for i, t := range r.Tallies {
			if i < len(b.Tallies) && b.Tallies[i].Outcome == t.Outcome {
				b.Tallies[i].Lines += t.Lines
				b.Tallies[i].AmountFen = mustAdd(b.Tallies[i].AmountFen, t.AmountFen)
			}
		}
	}
	return b
}

// Table is one sheet of a report: a name, a header and rows of cells.
// Amounts are kept as domain.Fen so a spreadsheet can hold them as numbers.
type Table struct {
	Name   string
	Header []string
	Rows   [][]any
}

// Tables lays the batch out as two tables: the tallies (per file and
// outcome, then the batch's totals) and the exceptions of every file.
func (b Batch) Tables() []Table {
	sum := Table{Name: "Summary", Header: []string{"file", "sha256", "imported_by", "imported_at", "outcome", "lines", "amount_yuan"}}
	exc := Table{Name: "Exceptions", Header: []string{"file", "line", "outcome", "payment_ref", "bank_ref", "account_number",
		"payee_name", "amount_yuan", "status", "value_date", "reason", "detail", "event_id"}}
	for _, r := range b.Files {
		for _, t := range r.Tallies {
			sum.Rows = append(sum.Rows, []any{r.Name, r.SHA256, r.ImportedBy, r.ImportedAt.UTC().Format(time.RFC3339), string(t.Outcome), t.Lines, t.AmountFen})
		}
		for _, x := range r.Exceptions {
			exc.Rows = append(exc.Rows, []any{r.Name, x.Line, string(x.Outcome), x.PaymentRef, x.BankRef, x.Account, x.PayeeName,
				x.AmountFen, x.Status, x.ValueDate, x.Reason, x.Detail, x.EventID.String()})
		}
	}
	if len(b.Files) > 1 {
		for _, t := range b.Tallies {
			sum.Rows = append(sum.Rows, []any{"(batch)", "", "", "", string(t.Outcome), t.Lines, t.AmountFen})
		}
	}
	return []Table{sum, exc}
}
