package reconcile

import (
	"bytes"
	"crypto/sha256"
	"encoding/csv"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/drip-ledger/drip/domain"
	"github.com/drip-ledger/drip/domain/fund"
	"github.com/drip-ledger/drip/events"
)

// The bank return file (回单文件): what the bank reports back about the
// payments a county instructed. It is CSV, as the banks' own exports and
// the finance clerks' spreadsheets can both make it:
//
//   - UTF-8, optionally starting with a byte-order mark (Excel writes one);
//     lines end in LF or CRLF; fields may be quoted the RFC 4180 way;
//   - a header row with exactly these columns, in this order (Columns);
//   - one row per payment the bank acted on, at least one and at most
//     LinesMax; the whole file at most FileBytesMax bytes;
//   - payment_ref: the reference Drip gave the instruction
//     (520526-2026-0042-PAY-000017, fund.PaymentRef);
//   - bank_ref: the bank's own transaction number, 1 to 100 characters;
//   - account_number: the account the bank credited, 10 to 30 digits;
//   - payee_name: the account holder's name as the bank has it;
//   - amount_yuan: yuan with at most two decimals, as domain.ParseFen reads
//     it ("1200.00", "1,200.00"), more than zero;
//   - status: settled (paid), returned (accepted, then sent back) or failed
//     (refused);
//   - value_date: the day the bank acted, YYYY-MM-DD, not after the import;
//   - reason: why the bank returned or refused it (required then; optional
//     for settled).
//
// The file is read whole before anything is decided: one bad line rejects
// the file, and the rejection names every bad line, its column and why.

// Columns are the header row's columns, in order.
var Columns = []string{"payment_ref", "bank_ref", "account_number", "payee_name", "amount_yuan", "status", "value_date", "reason"}

// Limits of a bank file.
const (
	FileBytesMax  = 4 << 20
	LinesMax      = 10_000
	BankRefMax    = 100 // runes
	NameRunesMax  = 100
	ReasonMax     = 1000 // runes
	FileNameMax   = 200  // runes
	problemsShown = 500  // a file with more bad lines names the first ones
)

// Bank statuses.
const (
	BankSettled  = "settled"
	BankReturned = "returned"
	BankFailed   = "failed"
)

// Codes of a bank file's problems.
const (
	CodeFileEmpty      = "bank_file_empty"
	CodeFileTooLarge   = "bank_file_too_large"
	CodeFileEncoding   = "bank_file_encoding"
	CodeHeader         = "bank_file_header"
	CodeCSVSyntax      = "csv_syntax"
	CodeColumns        = "column_count"
	CodeRequired       = "required"
	CodeTooLong        = "too_long"
	CodeRefFormat      = "ref_format"
	CodeAccountFormat  = "account_format"
	CodeStatusUnknown  = "status_unknown"
	CodeDateFormat     = "date_format"
	CodeDateFuture     = "date_in_future"
	CodeAmountZero     = "amount_not_positive"
	CodeTooManyLines   = "too_many_lines"
	CodeFileNameFormat = "file_name_format"
)

// China's civil time, in which value dates are days.
var chinaTime = time.FixedZone("CST", 8*3600)

// Line is one row of a bank file, parsed.
type Line struct {
	// Number is the row's line in the file (the header is line 1).
	Number     int        `json:"line"`
	PaymentRef string     `json:"paymentRef"`
	BankRef    string     `json:"bankRef"`
	Account    string     `json:"accountNumber"`
	PayeeName  string     `json:"payeeName"`
	AmountFen  domain.Fen `json:"amountFen"`
	Status     string     `json:"status"`
	ValueDate  string     `json:"valueDate"`
	Reason     string     `json:"reason,omitempty"`
	// Project is the project the reference names.
	Project fund.ProjectID `json:"-"`
	raw     string
}

// ValueTime is the value date's start in China's civil time: the business
// time of what the bank did.
func (l Line) ValueTime() time.Time {
	t, _ := time.ParseInLocation(time.DateOnly, l.ValueDate, chinaTime)
	return t
}

// File is a parsed bank file.
type File struct {
	Name   string
	SHA256 string // of the bytes as uploaded, lower-case hex
	Lines  []Line
}

// Hash returns the SHA-256 of data as a file's identity.
func Hash(data []byte) string {
	sum := sha256.Sum256(data)
	return hex.EncodeToString(sum[:])
}

// Parse reads a whole bank file. asOf is the import's time: a value date
// after its day is refused. On any problem it returns an
// *events.InvalidError naming every one, its field "lines[N].column" with
// N the line number in the file (or "file" for the file as a whole).
func Parse(name string, data []byte, asOf time.Time) (File, error) {
	f := File{Name: strings.TrimSpace(name), SHA256: Hash(data)}
	var ps domain.Problems
	switch {
	case f.Name == "" || !utf8.ValidString(f.Name) || utf8.RuneCountInString(f.Name) > FileNameMax || strings.ContainsAny(f.Name, "/\\\x00") || textBad(f.Name):
		ps.Addf("name", CodeFileNameFormat, "a bank file is named by 1 to %d characters with no / or \\", FileNameMax)
	}
	switch {
	case len(data) == 0:
		ps.Addf("file", CodeFileEmpty, "the file is empty")
		return f, ps.Err()
	case len(data) > FileBytesMax:
		ps.Addf("file", CodeFileTooLarge, "the file has %d bytes, above the limit of %d", len(data), FileBytesMax)
		return f, ps.Err()
	case bytes.HasPrefix(data, []byte("PK\x03\x04")):
		// A ZIP container: what a spreadsheet saved as .xlsx is. "Not
		// UTF-8" would send the clerk hunting for an encoding setting.
		ps.Addf("file", CodeFileEncoding, "the file is a spreadsheet (XLSX), not CSV: save it as \"CSV UTF-8\"")
		return f, ps.Err()
	case !utf8.Valid(data):
		ps.Addf("file", CodeFileEncoding, "the file is not UTF-8 (save it as \"CSV UTF-8\")")
		return f, ps.Err()
	}
	data = bytes.TrimPrefix(data, []byte("\uFEFF"))
	r := csv.NewReader(bytes.NewReader(data))
	r.FieldsPerRecord = -1
	r.ReuseRecord = false
	header, err := r.Read()
	if err != nil || !sameHeader(header) {
		ps.Addf("lines[1]", CodeHeader, "the first line must be the header %s", strings.Join(Columns, ","))
		return f, ps.Err()
	}
	today := civilDay(asOf)
	var total domain.Sum // the file's lines together, against BankFileFenMax
	for {
		rec, err := r.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			var pe *csv.ParseError
			if !errors.As(err, &pe) {
				return f, err
			}
			// The reader goes on after the broken field's line (an
			// unterminated quote runs to the end of the file).
			ps.Addf(fmt.Sprintf("lines[%d]", pe.StartLine), CodeCSVSyntax, "column %d: %v", pe.Column, pe.Err)
			continue
		}
		line, _ := r.FieldPos(0)
		if len(f.Lines) == LinesMax {
			ps.Addf("file", CodeTooManyLines, "the file has more than %d lines", LinesMax)
			break
		}
		if l, ok := parseLine(&ps, line, rec, today); ok {
			f.Lines = append(f.Lines, l)
			total.Add(l.AmountFen)
		}
	}
	if total.Err("") != nil || total.Fen() > domain.BankFileFenMax {
		ps.Addf("file", domain.CodeAmountTooLarge, "the lines add up to more than the limit of %s yuan for one bank file", domain.BankFileFenMax.Grouped())
	}
	if len(f.Lines) == 0 && len(ps) == 0 {
		ps.Addf("file", CodeFileEmpty, "the file has a header but no lines")
	}
	if len(ps) > problemsShown {
		more := len(ps) - problemsShown
		ps = ps[:problemsShown:problemsShown]
		ps.Addf("file", CodeTooManyLines, "and %d more problems", more)
	}
	return f, ps.Err()
}

func sameHeader(h []string) bool {
	if len(h) != len(Columns) {
		return false
	}
	for i, c := range h {
		if strings.ToLower(strings.TrimSpace(c)) != Columns[i] {
			return false
		}
	}
	return true
}

// parseLine checks one row, adding a problem per bad column.
func parseLine(ps *domain.Problems, n int, rec []string, today time.Time) (Line, bool) {
	at := func(col string) string { return fmt.Sprintf("lines[%d].%s", n, col) }
	if len(rec) != len(Columns) {
		ps.Addf(fmt.Sprintf("lines[%d]", n), CodeColumns, "has %d columns, not %d", len(rec), len(Columns))
		return Line{}, false
	}
	for i := range rec {
		rec[i] = strings.TrimSpace(rec[i])
	}
	l := Line{Number: n, PaymentRef: rec[0], BankRef: rec[1], Account: rec[2], PayeeName: rec[3],
		Status: strings.ToLower(rec[5]), ValueDate: rec[6], Reason: rec[7], raw: strings.Join(rec, "\x1f")}
	before := len(*ps)
	if l.PaymentRef == "" {
		ps.Addf(at("payment_ref"), CodeRequired, "is required")
	} else if p, _, err := fund.ParsePaymentRef(l.PaymentRef); err != nil {
		ps.Addf(at("payment_ref"), CodeRefFormat, "%q is not a payment reference like 520526-2026-0042-PAY-000017", l.PaymentRef)
	} else {
		l.Project = p
	}
	text(ps, at("bank_ref"), l.BankRef, BankRefMax, true)
	if k := len(l.Account); k < fund.AccountDigitsMin || k > fund.AccountDigitsMax || strings.Trim(l.Account, "0123456789") != "" {
		ps.Addf(at("account_number"), CodeAccountFormat, "%q is not %d to %d digits", l.Account, fund.AccountDigitsMin, fund.AccountDigitsMax)
	}
	text(ps, at("payee_name"), l.PayeeName, NameRunesMax, true)
	if fen, err := domain.ParseFen(rec[4]); err != nil {
		ps.Add(at("amount_yuan"), err)
	} else if fen == 0 {
		ps.Addf(at("amount_yuan"), CodeAmountZero, "must be more than zero")
	} else if fen > domain.PaymentFenMax {
		ps.Addf(at("amount_yuan"), domain.CodeAmountTooLarge, "%s yuan is above the limit of %s yuan for one payment", fen.Grouped(), domain.PaymentFenMax.Grouped())
	} else {
		l.AmountFen = fen
	}
	switch l.Status {
	case BankSettled:
		text(ps, at("reason"), l.Reason, ReasonMax, false)
	case BankReturned, BankFailed:
		text(ps, at("reason"), l.Reason, ReasonMax, true)
	case "":
		ps.Addf(at("status"), CodeRequired, "is required")
	default:
		ps.Addf(at("status"), CodeStatusUnknown, "%q is not settled, returned or failed", rec[5])
	}
	if d, err := time.ParseInLocation(time.DateOnly, l.ValueDate, chinaTime); err != nil {
		ps.Addf(at("value_date"), CodeDateFormat, "%q is not a date written YYYY-MM-DD", l.ValueDate)
	} else if d.After(today) {
		ps.Addf(at("value_date"), CodeDateFuture, "%s is after the day of the import, %s", l.ValueDate, today.Format(time.DateOnly))
	}
	return l, len(*ps) == before
}

func text(ps *domain.Problems, field, s string, max int, required bool) {
	// A bank's cell is one line; a control or bidi character in a payee's
	// name would be stored and shown to auditors as something else.
	if code, why := events.TextProblem(s, false); code != "" {
		ps.Addf(field, code, "%s", why)
		return
	}
	switch {
	case s == "" && required:
		ps.Addf(field, CodeRequired, "is required")
	case utf8.RuneCountInString(s) > max:
		ps.Addf(field, CodeTooLong, "has %d characters, above the limit of %d", utf8.RuneCountInString(s), max)
	}
}

func textBad(s string) bool { code, _ := events.TextProblem(s, false); return code != "" }

// civilDay is the start of t's day in China's civil time.
func civilDay(t time.Time) time.Time {
	y, m, d := t.In(chinaTime).Date()
	return time.Date(y, m, d, 0, 0, 0, 0, chinaTime)
}
