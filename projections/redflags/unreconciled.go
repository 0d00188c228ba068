package redflags

import (
	"context"
	"encoding/json"
	"strings"
	"time"

	"github.com/drip-ledger/drip/domain"
	"github.com/drip-ledger/drip/domain/fund"
)

// Pending is an instruction the bank has not answered: neither settled nor
// failed (a line that named it but disagreed is its Mismatch).
type Pending struct {
	Ref          string           `json:"ref"`
	Project      string           `json:"project"`
	Payee        fund.PayeeKind   `json:"payee"`
	Household    string           `json:"household,omitempty"`
	Contractor   string           `json:"contractor,omitempty"`
	Account      fund.BankAccount `json:"account"`
	AmountFen    domain.Fen       `json:"amountFen"`
	InstructedAt time.Time        `json:"instructedAt"`
	AgeDays      int              `json:"ageDays"`
	Position     uint64           `json:"position"`
	Mismatch     *Mismatch        `json:"mismatch,omitempty"`
}

// Mismatch is the latest bank line that named a payment but disagreed
// with it.
type Mismatch struct {
	File     string `json:"file"` // the file's SHA-256
	Line     int    `json:"line"`
	Position uint64 `json:"position"`
}

// UnreconciledQuery selects pending instructions older than OlderThanDays
// at Now, in the caller's jurisdiction, a page at a time (oldest
// instruction first; After is the Next the last page ended with).
type UnreconciledQuery struct {
	Within        domain.Jurisdiction
	Now           time.Time
	OlderThanDays int
	After         string
	Limit         int
}

// UnreconciledPage is one page; Next is the After of the next ("": the
// end): the instruction time and position of the page's last payment.
type UnreconciledPage struct {
	Payments []Pending `json:"payments"`
	Next     string    `json:"next,omitempty"`
}

// Unreconciled lists the instructions with no bank answer after
// OlderThanDays days (the finance bureau's working list; the audit flag
// payment_unreconciled is the same rule at UnreconciledDays), oldest
// first (within a county: place by place, oldest first). A county reads
// its county's index, a place within one its places'; a wider
// jurisdiction the index of every county, skipping what it may not see.
func (v *View) Unreconciled(ctx context.Context, q UnreconciledQuery) (UnreconciledPage, error) {
	if q.Limit < 1 || q.Limit > PageLenMax {
		return UnreconciledPage{}, domain.Errorf("page_length", "a page holds 1 to %d items, not %d", PageLenMax, q.Limit)
	}
	w := q.Within.String()
	prefix := "u/"
	start := prefix
	end := []byte(prefix + since(q.Now.AddDate(0, 0, -q.OlderThanDays+1)))
	switch {
	case len(w) > 6:
		// Within a county: by place, then by time.
		prefix, start, end = "ul/", "ul/"+w, prefixEnd("ul/"+w)
	case len(w) == 6:
		prefix = "uc/" + w + "/"
		start, end = prefix, []byte(prefix+since(q.Now.AddDate(0, 0, -q.OlderThanDays+1)))
	}
	if q.After != "" && prefix+q.After >= start {
		start = prefix + q.After + "\x00"
	}
	out := UnreconciledPage{Payments: []Pending{}}
	var cursors []string
	err := scan(ctx, v.ms, v.name, []byte(start), end, func(k, value []byte) (bool, error) {
		var p pendingRec
		if err := json.Unmarshal(value, &p); err != nil {
			return false, err
		}
		code, err := domain.ParseDivisionCode(p.Place)
		if err != nil || !q.Within.Contains(code) || !q.Now.After(p.InstructedAt.AddDate(0, 0, q.OlderThanDays)) {
			return true, nil
		}
		p.AgeDays = int(q.Now.Sub(p.InstructedAt).Hours() / 24)
		out.Payments, cursors = append(out.Payments, p.Pending), append(cursors, strings.TrimPrefix(string(k), prefix))
		return len(out.Payments) <= q.Limit, nil
	})
	if err != nil {
		return UnreconciledPage{}, err
	}
	if len(out.Payments) > q.Limit {
		out.Payments, out.Next = out.Payments[:q.Limit], cursors[q.Limit-1]
	}
	return out, nil
}

// pending is the record of an unanswered instruction: h is its household's
// record (nil if none), m its latest mismatching line (nil if none).
func (v *View) pending(p *payRec, h *homeRec, m *Mismatch) pendingRec {
	it := pendingRec{Pending: Pending{Ref: p.Ref, Project: p.Project.String(), Payee: p.Payee, Contractor: p.Contractor, Account: p.Account,
		AmountFen: p.AmountFen, InstructedAt: p.At, Position: p.Pos, Mismatch: m},
		Place: p.Project.County().Code().String(), County: p.Project.County().String()}
	if !p.Household.IsZero() {
		it.Household, it.Place = p.Household.String(), p.Household.Village().String()
	}
	if p.Payee == fund.PayeeHousehold && h.known() {
		it.FlagPlace = h.Village
	}
	return it
}
