package redflags

import (
	"cmp"
	"fmt"
	"math"
	"slices"
	"strings"
	"time"

	"github.com/drip-ledger/drip/domain"
	"github.com/drip-ledger/drip/domain/fund"
	"github.com/drip-ledger/drip/domain/household"
)

// Kind is what a flag warns of.
type Kind string

// The kinds, each with its rule (Flags' documentation).
const (
	KindFundsIdle1Y      Kind = "funds_idle_1y"
	KindFundsIdle2Y      Kind = "funds_idle_2y"
	KindIneligiblePayee  Kind = "payment_to_ineligible_household"
	KindPaidAfterDeath   Kind = "payment_after_death"
	KindSharedAccount    Kind = "shared_bank_account"
	KindPayeeNotMember   Kind = "payee_not_member"
	KindIdenticalAmounts Kind = "identical_amounts_in_village"
	KindNoPublicity      Kind = "paid_without_publicity"
	KindUnreconciled     Kind = "payment_unreconciled"
	KindAcknowledgedLess Kind = "acknowledged_less_than_paid"
	KindBackfilled       Kind = "backfilled_record"
	positionsPerFlagMax       = 100
)

// Kinds lists every kind.
func Kinds() []Kind {
	return []Kind{KindFundsIdle1Y, KindFundsIdle2Y, KindIneligiblePayee, KindPaidAfterDeath, KindSharedAccount,
		KindPayeeNotMember, KindIdenticalAmounts, KindNoPublicity, KindUnreconciled, KindAcknowledgedLess, KindBackfilled}
}

// Flag is one warning sign and the events that prove it.
type Flag struct {
	// ID is county/kind/subject: stable while the flag stands, and the
	// order of a listing.
	ID     string `json:"id"`
	Kind   Kind   `json:"kind"`
	County string `json:"county"`
	// Place is the village the flag concerns, or the county's code.
	Place string `json:"place"`
	// Subject is what is flagged: a payment reference, an appropriation's
	// document, an account number, project|period|village.
	Subject   string     `json:"subject"`
	Detail    string     `json:"detail"`
	AmountFen domain.Fen `json:"amountFen"`
	// Positions are the global positions of the events that prove the
	// flag, ascending (at most 100).
	Positions []uint64 `json:"positions"`
	// Since is the business time the flag dates from.
	Since time.Time `json:"since"`
}

// PageLenMax bounds a page of flags.
const PageLenMax = 500

// Query selects flags. Now is the clock the time-relative rules use.
type Query struct {
	Within domain.Jurisdiction
	Kind   Kind   // "" for every kind
	County string // "" for every county
	Now    time.Time
	After  string // the ID the previous page ended with
	Limit  int
}

// Page is one page of flags in ID order; Next is the After of the next page.
type Page struct {
	Flags []Flag `json:"flags"`
	Next  string `json:"next,omitempty"`
}

// Flags lists the flags standing now, by these rules:
//
//   - funds_idle_1y, funds_idle_2y: an appropriation received more than one
//     (two) years before Now of which some fen are neither paid nor in
//     transit (in the pool unallocated, or in a project unspent); proof:
//     the appropriation and the allocations that cited it;
//   - payment_to_ineligible_household: at the payment's business time the
//     household's file (as corrected since) said it was not enrolled,
//     removed, or exited longer ago than the support period; proof: the
//     instruction and the status change in force;
//   - payment_after_death: a payment to an account held in the name of a
//     member whose death (recorded at any time) is dated on or before the
//     payment's day; proof: the instruction and the death;
//   - shared_bank_account: one account number received live payments for
//     two or more households; proof: those instructions;
//   - payee_not_member: the paid account's holder is no member of the
//     household; proof: the instruction and the registration;
//   - identical_amounts_in_village: in one project and period, every live
//     payment to the households of a village (at least 3) is the same
//     amount — a flat share instead of targeted help; proof: the payments;
//   - paid_without_publicity: a payment instructed before its project's
//     publicity ended, or with none; proof: the instruction (and the
//     publicity);
//   - payment_unreconciled: instructed more than UnreconciledDays (30)
//     before Now, neither settled nor failed; proof: the instruction (and
//     the latest mismatching bank line);
//   - acknowledged_less_than_paid: the household acknowledged less than it
//     was paid; proof: the instruction and the acknowledgement;
//   - backfilled_record: an event entered as an explicit backfill of older
//     paper records (its business times escaped the lag bound, and the
//     order of the facts it follows was not checked); subject: the event's
//     ID; proof: the event.
//
// It scans the view: a county's payments take milliseconds.
func (v *View) Flags(q Query) (Page, error) {
	if q.Limit < 1 || q.Limit > PageLenMax {
		return Page{}, domain.Errorf("page_length", "a page holds 1 to %d items, not %d", PageLenMax, q.Limit)
	}
	if q.Kind != "" && !slices.Contains(Kinds(), q.Kind) {
		return Page{}, domain.Errorf("kind_unknown", "%q is not one of %v", q.Kind, Kinds())
	}
	v.mu.RLock()
	all := v.flags(q.Now)
	v.mu.RUnlock()
	slices.SortFunc(all, func(a, b Flag) int { return cmp.Compare(a.ID, b.ID) })
	page := Page{Flags: []Flag{}}
	for _, f := range all {
		if f.ID <= q.After || (q.Kind != "" && f.Kind != q.Kind) || (q.County != "" && f.County != q.County) || !visible(q.Within, f.Place) {
			continue
		}
		if len(page.Flags) == q.Limit {
			page.Next = page.Flags[q.Limit-1].ID
			break
		}
		page.Flags = append(page.Flags, f)
	}
	return page, nil
}

func visible(j domain.Jurisdiction, place string) bool {
	code, err := domain.ParseDivisionCode(place)
	return err == nil && j.Contains(code)
}

// flags computes every flag; the caller holds the read lock.
func (v *View) flags(now time.Time) []Flag {
	var out []Flag
	out = append(out, v.idle(now)...)
	for _, p := range v.order {
		out = append(out, v.paymentFlags(p, now)...)
	}
	out = append(out, v.sharedAccounts()...)
	out = append(out, v.identicalAmounts()...)
	for _, b := range v.backfills {
		out = append(out, newFlag(KindBackfilled, b.county, b.place, b.id, b.occurredAt, 0,
			fmt.Sprintf("%s by %s recorded on %s as a backfill of older records", b.typ, b.actor, b.recordedAt.Format(time.DateOnly)),
			b.position))
	}
	return out
}

func newFlag(kind Kind, county fund.County, place, subject string, since time.Time, amount domain.Fen, detail string, positions ...uint64) Flag {
	if place == "" {
		place = county.Code().String()
	}
	ps := slices.Compact(slices.Sorted(slices.Values(positions)))
	ps = slices.DeleteFunc(ps, func(p uint64) bool { return p == 0 })
	if len(ps) > positionsPerFlagMax {
		ps = ps[:positionsPerFlagMax]
	}
	return Flag{ID: county.String() + "/" + string(kind) + "/" + subject, Kind: kind, County: county.String(), Place: place,
		Subject: subject, Detail: detail, AmountFen: amount, Positions: ps, Since: since}
}

func (v *View) idle(now time.Time) []Flag {
	var out []Flag
	for _, a := range v.appropriations {
		idle := a.amountFen - a.correctedFen - a.committedFen // corrected money went back: not idle
		if idle <= 0 || !now.After(a.at.AddDate(1, 0, 0)) {
			continue
		}
		kind, years := KindFundsIdle1Y, 1
		if now.After(a.at.AddDate(2, 0, 0)) {
			kind, years = KindFundsIdle2Y, 2
		}
		c, _ := fund.ParseCounty(a.county)
		out = append(out, newFlag(kind, c, "", a.document, a.at, idle,
			fmt.Sprintf("%s of %s yuan received on %s still unspent after more than %d year(s)", idle.Grouped(), a.amountFen.Grouped(),
				a.at.Format(time.DateOnly), years), append([]uint64{a.position}, a.allocations...)...))
	}
	return out
}

func live(st fund.PaymentStatus) bool { return st == fund.StatusInstructed || st == fund.StatusSettled }

// paymentFlags are the rules about one payment.
func (v *View) paymentFlags(p *payment, now time.Time) []Flag {
	var out []Flag
	county := p.Project.County()
	h := v.households[p.Household.String()]
	place := ""
	if p.Payee == fund.PayeeHousehold && h != nil {
		place = h.state.Village().String()
	}
	pf := func(kind Kind, detail string, positions ...uint64) {
		out = append(out, newFlag(kind, county, place, p.Ref, p.at, p.AmountFen, detail, append(positions, p.position)...))
	}
	if p.Payee == fund.PayeeHousehold && live(p.status) {
		if h == nil {
			pf(KindIneligiblePayee, fmt.Sprintf("household %s is not in the file", p.Household))
		} else {
			v.householdFlags(p, h, pf)
		}
	}
	if pr := v.projects[p.Project.String()]; pr == nil || p.at.Before(pr.publicity.EndsAt) {
		if pr == nil {
			pf(KindNoPublicity, fmt.Sprintf("project %s paid with no publicity", p.Project))
		} else {
			pf(KindNoPublicity, fmt.Sprintf("project %s paid on %s, before its publicity ended on %s", p.Project,
				p.at.Format(time.DateOnly), pr.publicity.EndsAt.Format(time.DateOnly)), pr.publicityPos)
		}
	}
	if p.status == fund.StatusInstructed && now.After(p.at.AddDate(0, 0, v.cfg.UnreconciledDays)) {
		m := v.mismatches[p.Ref]
		pf(KindUnreconciled, fmt.Sprintf("instructed on %s, neither settled nor failed after %d days", p.at.Format(time.DateOnly),
			int(now.Sub(p.at).Hours()/24)), m.Position)
	}
	if a := p.ack; a != nil && a.ShortfallFen > 0 {
		pf(KindAcknowledgedLess, fmt.Sprintf("paid %s yuan, the household acknowledged %s (complaint %s)", a.PaidFen.Grouped(),
			a.AcknowledgedFen.Grouped(), a.ComplaintID), p.ackPosition)
	}
	return out
}

// householdFlags are the rules about a household payee, run through pf.
func (v *View) householdFlags(p *payment, h *home, pf func(Kind, string, ...uint64)) {
	s := h.state
	if st, change, ok := statusAt(s, p.at); !ok {
		pf(KindIneligiblePayee, fmt.Sprintf("household %s was not yet on file on %s", p.Household, p.at.Format(time.DateOnly)), h.positions[0])
	} else if why := v.ineligible(s, st, p.at); why != "" {
		pf(KindIneligiblePayee, fmt.Sprintf("household %s on %s: %s", p.Household, p.at.Format(time.DateOnly), why), h.pos(change.Version))
	}
	holder := strings.TrimSpace(p.Account.HolderName)
	member := false
	for _, m := range s.Members() {
		if strings.TrimSpace(m.Name) != holder {
			continue
		}
		member = true
		if died, ok := s.Deceased(m.ResidentID); ok && p.at.In(cst).Format(time.DateOnly) >= died {
			pf(KindPaidAfterDeath, fmt.Sprintf("paid on %s to the account of %s, who died on %s", p.at.In(cst).Format(time.DateOnly), m.Name, died),
				h.deaths[m.ResidentID.String()])
		}
	}
	if !member {
		pf(KindPayeeNotMember, fmt.Sprintf("the account's holder %q is not a member of household %s", holder, p.Household), h.positions[0])
	}
}

var cst = time.FixedZone("CST", 8*3600)

func (h *home) pos(version uint64) uint64 {
	if version < 1 || int(version) > len(h.positions) {
		return 0
	}
	return h.positions[version-1]
}

// statusAt is the household's status in force at business time t: the
// latest change that occurred by t.
func statusAt(s household.State, t time.Time) (household.Status, household.Change, bool) {
	var best household.Change
	found := false
	for _, c := range s.Changes() {
		if c.OccurredAt.After(t) {
			continue
		}
		if !found || !c.OccurredAt.Before(best.OccurredAt) {
			best, found = c, true
		}
	}
	return best.Status, best, found
}

// ineligible says why status st at t makes the household ineligible, or
// "" if it is eligible (the fund ledger's rule, fund.HouseholdFacts).
func (v *View) ineligible(s household.State, st household.Status, t time.Time) string {
	switch st {
	case household.StatusEnrolled, household.StatusReturned, household.StatusExitProposed, household.StatusExitPublicized:
		return ""
	case household.StatusExited, household.StatusMonitored:
		var exited time.Time
		for _, c := range s.Changes() {
			if c.Status == household.StatusExited && !c.OccurredAt.After(t) {
				exited = c.OccurredAt
			}
		}
		if until := exited.AddDate(v.cfg.ExitSupportYears, 0, 0); t.Before(until) {
			return ""
		} else {
			return fmt.Sprintf("exited on %s, its support ended on %s", exited.Format(time.DateOnly), until.Format(time.DateOnly))
		}
	case household.StatusRemoved:
		return "removed from the file"
	}
	return fmt.Sprintf("%s, not enrolled", st)
}

func (v *View) sharedAccounts() []Flag {
	type group struct {
		county     fund.County
		households map[string]bool
		positions  []uint64
		since      time.Time
		amount     domain.Fen
	}
	by := map[string]*group{}
	for _, p := range v.order {
		if p.Payee != fund.PayeeHousehold || !live(p.status) {
			continue
		}
		g := by[p.Account.Number]
		if g == nil {
			g = &group{county: p.Project.County(), households: map[string]bool{}, since: p.at}
			by[p.Account.Number] = g
		}
		g.households[p.Household.String()] = true
		g.positions = append(g.positions, p.position)
		// A shared account's live payments are a bounded number of
		// payments of at most domain.PaymentFenMax; add with a check all
		// the same, and keep the total at its bound rather than wrap.
		if s, ok := domain.AddFen(g.amount, p.AmountFen); ok {
			g.amount = s
		} else {
			g.amount = math.MaxInt64
		}
	}
	var out []Flag
	for number, g := range by {
		if len(g.households) < 2 {
			continue
		}
		files := slices.Sorted(func(yield func(string) bool) {
			for f := range g.households {
				if !yield(f) {
					return
				}
			}
		})
		place := ""
		if h := v.households[files[0]]; h != nil {
			place = h.state.Village().String()
		}
		out = append(out, newFlag(KindSharedAccount, g.county, place, number, g.since, g.amount,
			fmt.Sprintf("account %s received payments for %d households: %s", number, len(files), strings.Join(files, ", ")), g.positions...))
	}
	return out
}

func (v *View) identicalAmounts() []Flag {
	type group struct {
		county    fund.County
		amounts   map[domain.Fen]bool
		files     map[string]bool
		positions []uint64
		since     time.Time
		total     domain.Fen
	}
	by := map[string]*group{}
	for _, p := range v.order {
		h := v.households[p.Household.String()]
		if p.Payee != fund.PayeeHousehold || !live(p.status) || h == nil {
			continue
		}
		key := p.Project.String() + "|" + p.Period + "|" + h.state.Village().String()
		g := by[key]
		if g == nil {
			g = &group{county: p.Project.County(), amounts: map[domain.Fen]bool{}, files: map[string]bool{}, since: p.at}
			by[key] = g
		}
		g.amounts[p.AmountFen], g.files[p.Household.String()] = true, true
		g.positions, g.total = append(g.positions, p.position), g.total+p.AmountFen
	}
	var out []Flag
	for key, g := range by {
		if len(g.files) < v.cfg.IdenticalHouseholdsMin || len(g.amounts) != 1 {
			continue
		}
		parts := strings.Split(key, "|")
		out = append(out, newFlag(KindIdenticalAmounts, g.county, parts[2], key, g.since, g.total,
			fmt.Sprintf("project %s paid every one of the %d households of village %s the same amount for %s", parts[0], len(g.files), parts[2], parts[1]),
			g.positions...))
	}
	return out
}
