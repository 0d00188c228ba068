package redflags

import (
	"cmp"
	"slices"
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
	place        domain.DivisionCode
}

// UnreconciledQuery selects pending instructions older than OlderThanDays
// at Now, in the caller's jurisdiction, a page at a time (in instruction
// order; After is the position the last page ended with).
type UnreconciledQuery struct {
	Within        domain.Jurisdiction
	Now           time.Time
	OlderThanDays int
	After         uint64
	Limit         int
}

// UnreconciledPage is one page; Next is the After of the next (0: the end).
type UnreconciledPage struct {
	Payments []Pending `json:"payments"`
	Next     uint64    `json:"next,omitempty"`
}

// Unreconciled lists the instructions with no bank answer after
// OlderThanDays days (the finance bureau's working list; the audit flag
// payment_unreconciled is the same rule at UnreconciledDays).
func (v *View) Unreconciled(q UnreconciledQuery) (UnreconciledPage, error) {
	if q.Limit < 1 || q.Limit > PageLenMax {
		return UnreconciledPage{}, domain.Errorf("page_length", "a page holds 1 to %d items, not %d", PageLenMax, q.Limit)
	}
	v.mu.RLock()
	defer v.mu.RUnlock()
	out := UnreconciledPage{Payments: []Pending{}}
	for _, p := range v.order {
		if p.status != fund.StatusInstructed || p.position <= q.After || !q.Now.After(p.at.AddDate(0, 0, q.OlderThanDays)) {
			continue
		}
		it := v.pending(p, q.Now)
		if !q.Within.Contains(it.place) {
			continue
		}
		if len(out.Payments) == q.Limit {
			out.Next = out.Payments[q.Limit-1].Position
			break
		}
		out.Payments = append(out.Payments, it)
	}
	slices.SortFunc(out.Payments, func(a, b Pending) int { return cmp.Compare(a.Position, b.Position) })
	return out, nil
}

func (v *View) pending(p *payment, now time.Time) Pending {
	it := Pending{Ref: p.Ref, Project: p.Project.String(), Payee: p.Payee, Contractor: p.Contractor, Account: p.Account,
		AmountFen: p.AmountFen, InstructedAt: p.at, AgeDays: int(now.Sub(p.at).Hours() / 24), Position: p.position,
		place: p.Project.County().Code()}
	if !p.Household.IsZero() {
		it.Household, it.place = p.Household.String(), p.Household.Village()
	}
	if m, ok := v.mismatches[p.Ref]; ok {
		it.Mismatch = &m
	}
	return it
}
