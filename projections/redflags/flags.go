package redflags

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"slices"
	"strings"
	"time"

	"github.com/drip-ledger/drip/domain"
	"github.com/drip-ledger/drip/domain/fund"
	"github.com/drip-ledger/drip/domain/household"
	"github.com/drip-ledger/drip/projections/funds/homes"
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
	// After is the Next of the previous page: a flag's ID, or for the
	// time-relative kinds county/kind/time/subject (those list oldest first).
	After string
	Limit int
}

// Page is one page of flags — by county and kind, then by subject (by the
// time they date from for the time-relative kinds); Next is the After of
// the next page.
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
// It reads the flags it lists (and, for the time-relative kinds, at most a
// day's worth of candidates beside them), county by county, or within a
// county place by place. A flag is listed under the county of its place,
// where it can be seen: that is its own county but for a shared account
// whose first payment is of one county and first household of another;
// ?county= (Query.County) lists a county's own flags wherever they are
// placed.
func (v *View) Flags(ctx context.Context, q Query) (Page, error) {
	if q.Limit < 1 || q.Limit > PageLenMax {
		return Page{}, domain.Errorf("page_length", "a page holds 1 to %d items, not %d", PageLenMax, q.Limit)
	}
	if q.Kind != "" && !slices.Contains(Kinds(), q.Kind) {
		return Page{}, domain.Errorf("kind_unknown", "%q is not one of %v", q.Kind, Kinds())
	}
	afterCounty, afterKind, afterRest := "", "", ""
	if q.After != "" {
		parts := strings.SplitN(q.After, "/", 3)
		if len(parts) != 3 {
			return Page{Flags: []Flag{}}, nil // not a Next of ours: nothing comes after it
		}
		afterCounty, afterKind, afterRest = parts[0], parts[1], parts[2]
	}
	kinds := slices.Sorted(slices.Values(Kinds())) // ID order
	page := Page{Flags: []Flag{}}
	var cursors []string
	full := func() bool { return len(page.Flags) > q.Limit }
	err := v.counties(ctx, q, afterCounty, func(county string) (bool, error) {
		for _, k := range kinds {
			if (q.Kind != "" && k != q.Kind) || (county == afterCounty && string(k) < afterKind) {
				continue
			}
			from := ""
			if county == afterCounty && string(k) == afterKind {
				from = afterRest
			}
			err := v.segment(ctx, county, q.County, k, q.Now, from, func(cursor string, f Flag) bool {
				if !visible(q.Within, f.Place) {
					return true
				}
				page.Flags, cursors = append(page.Flags, f), append(cursors, county+"/"+string(k)+"/"+cursor)
				return !full()
			})
			if err != nil || full() {
				return false, err
			}
		}
		return true, nil
	})
	if err != nil {
		return Page{}, err
	}
	if full() {
		page.Flags, page.Next = page.Flags[:q.Limit], cursors[q.Limit-1]
	}
	return page, nil
}

// counties calls f for the segments of the listing in order from
// afterCounty on: the counties the query may see flags of, or within a
// county (a township, a village) the places it may see.
func (v *View) counties(ctx context.Context, q Query, afterCounty string, f func(string) (bool, error)) error {
	within := q.Within.String()
	switch {
	case len(within) > 6:
		from := "pl/" + within
		if afterCounty > within {
			from = "pl/" + afterCounty
		}
		return scan(ctx, v.ms, v.name, []byte(from), prefixEnd("pl/"+within), func(k, _ []byte) (bool, error) {
			return f(string(k[len("pl/"):]))
		})
	case q.County != "":
		if q.County < afterCounty {
			return nil
		}
		_, err := f(q.County)
		return err
	case len(within) >= 6:
		if within[:6] < afterCounty {
			return nil
		}
		_, err := f(within[:6])
		return err
	}
	from := "cn/" + within
	if afterCounty > within {
		from = "cn/" + afterCounty
	}
	return scan(ctx, v.ms, v.name, []byte(from), prefixEnd("cn/"+within), func(k, _ []byte) (bool, error) {
		return f(string(k[len("cn/"):]))
	})
}

// segment calls f with the flags of one segment (a county, or a place
// within one: a segment longer than a county code) and kind, in listing
// order after cursor from, each with its cursor within the segment, until
// f returns false. byCounty is the query's County ("" for any).
func (v *View) segment(ctx context.Context, seg, byCounty string, k Kind, now time.Time, from string, f func(string, Flag) bool) error {
	byPlace := len(seg) > 6
	prefix, lo, hi := "f/"+seg+"/"+string(k)+"/", "", ""
	if byPlace {
		prefix = "fp/" + seg + "/" + string(k) + "/"
	}
	judge := func(key string, value []byte) (Flag, bool, error) {
		var fl storedFlag
		if err := json.Unmarshal(value, &fl); err != nil {
			return Flag{}, false, err
		}
		// A county's own listing (Query.County) holds its flags, copies
		// included; every other listing the flags by the county they are
		// seen in (a place's holds no copies).
		if byCounty != "" {
			return fl.Flag, fl.County == byCounty, nil
		}
		return fl.Flag, !fl.Copy, nil
	}
	switch k {
	case KindUnreconciled:
		prefix = "uc/" + seg + "/"
		if byPlace {
			prefix = "up/" + seg + "/"
		}
		hi = since(now.AddDate(0, 0, -v.cfg.UnreconciledDays+1))
		judge = func(_ string, value []byte) (Flag, bool, error) {
			var p pendingRec
			if err := json.Unmarshal(value, &p); err != nil {
				return Flag{}, false, err
			}
			c, _ := fund.ParseCounty(p.County)
			fl, ok := v.unreconciledFlag(c, p, now)
			return fl, ok && (byCounty == "" || p.County == byCounty), nil
		}
	case KindFundsIdle1Y, KindFundsIdle2Y:
		if byPlace {
			return nil // placed at the county: seen by no one within it
		}
		// An idle candidate is listed under its own county, which is the
		// segment, so Query.County needs no check here.
		c, _ := fund.ParseCounty(seg)
		prefix = "ic/" + seg + "/"
		if k == KindFundsIdle1Y {
			lo, hi = since(now.AddDate(-2, 0, -1)), since(now.AddDate(-1, 0, 1))
		} else {
			hi = since(now.AddDate(-2, 0, 1))
		}
		judge = func(_ string, value []byte) (Flag, bool, error) {
			var a idleRec
			if err := json.Unmarshal(value, &a); err != nil {
				return Flag{}, false, err
			}
			fl, ok := idleFlag(c, a, now)
			return fl, ok && fl.Kind == k, nil
		}
	}
	start := prefix + lo
	if from != "" && prefix+from >= start {
		start = prefix + from + "\x00"
	}
	end := prefixEnd(prefix)
	if hi != "" {
		end = []byte(prefix + hi)
	}
	return scan(ctx, v.ms, v.name, []byte(start), end, func(key, value []byte) (bool, error) {
		fl, ok, err := judge(string(key), value)
		if err != nil || !ok {
			return err == nil, err
		}
		return f(string(key[len(prefix):]), fl), nil
	})
}

func visible(j domain.Jurisdiction, place string) bool {
	code, err := domain.ParseDivisionCode(place)
	return err == nil && j.Contains(code)
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

func mustJSON(v any) []byte {
	b, err := json.Marshal(v)
	if err != nil {
		panic(fmt.Sprintf("redflags: a record of %T does not marshal: %v", v, err)) // our own types
	}
	return b
}

// idleFlag judges an idle candidate at now.
func idleFlag(c fund.County, a idleRec, now time.Time) (Flag, bool) {
	if !now.After(a.At.AddDate(1, 0, 0)) {
		return Flag{}, false
	}
	kind, years := KindFundsIdle1Y, 1
	if now.After(a.At.AddDate(2, 0, 0)) {
		kind, years = KindFundsIdle2Y, 2
	}
	return newFlag(kind, c, "", a.Document, a.At, a.IdleFen,
		fmt.Sprintf("%s of %s yuan received on %s still unspent after more than %d year(s)", a.IdleFen.Grouped(), a.AmountFen.Grouped(),
			a.At.Format(time.DateOnly), years), a.Positions...), true
}

// unreconciledFlag judges a pending instruction at now.
func (v *View) unreconciledFlag(c fund.County, p pendingRec, now time.Time) (Flag, bool) {
	if !now.After(p.InstructedAt.AddDate(0, 0, v.cfg.UnreconciledDays)) {
		return Flag{}, false
	}
	var mis uint64
	if p.Mismatch != nil {
		mis = p.Mismatch.Position
	}
	return newFlag(KindUnreconciled, c, p.FlagPlace, p.Ref, p.InstructedAt, p.AmountFen,
		fmt.Sprintf("instructed on %s, neither settled nor failed after %d days", p.InstructedAt.Format(time.DateOnly),
			int(now.Sub(p.InstructedAt).Hours()/24)), mis, p.Position), true
}

func live(st fund.PaymentStatus) bool { return st == fund.StatusInstructed || st == fund.StatusSettled }

// paymentFlags are the standing rules about one payment (not the
// time-relative payment_unreconciled: see pending). h is its household's
// record (nil for a contractor, or a household never seen), pr its
// project's publicity (nil: none).
func (v *View) paymentFlags(p *payRec, h *homeRec, pr *pubRec) []Flag {
	var out []Flag
	county := p.Project.County()
	place := ""
	if p.Payee == fund.PayeeHousehold && h.known() {
		place = h.Village
	}
	pf := func(kind Kind, detail string, positions ...uint64) {
		out = append(out, newFlag(kind, county, place, p.Ref, p.At, p.AmountFen, detail, append(positions, p.Pos)...))
	}
	if p.Payee == fund.PayeeHousehold && live(p.Status) {
		if !h.known() {
			pf(KindIneligiblePayee, fmt.Sprintf("household %s is not in the file", p.Household))
		} else {
			v.householdFlags(p, &h.Summary, pf)
		}
	}
	if pr == nil || p.At.Before(pr.EndsAt) {
		if pr == nil {
			pf(KindNoPublicity, fmt.Sprintf("project %s paid with no publicity", p.Project))
		} else {
			pf(KindNoPublicity, fmt.Sprintf("project %s paid on %s, before its publicity ended on %s", p.Project,
				p.At.Format(time.DateOnly), pr.EndsAt.Format(time.DateOnly)), pr.Pos)
		}
	}
	if a := p.Ack; a != nil && a.ShortfallFen > 0 {
		pf(KindAcknowledgedLess, fmt.Sprintf("paid %s yuan, the household acknowledged %s (complaint %s)", a.PaidFen.Grouped(),
			a.AcknowledgedFen.Grouped(), a.ComplaintID), p.AckPos)
	}
	return out
}

// householdFlags are the rules about a household payee, run through pf.
func (v *View) householdFlags(p *payRec, s *homes.Summary, pf func(Kind, string, ...uint64)) {
	if st, change, ok := statusAt(s.Changes, p.At); !ok {
		pf(KindIneligiblePayee, fmt.Sprintf("household %s was not yet on file on %s", p.Household, p.At.Format(time.DateOnly)), s.Positions[0])
	} else if why := v.ineligible(s.Changes, st, p.At); why != "" {
		pf(KindIneligiblePayee, fmt.Sprintf("household %s on %s: %s", p.Household, p.At.Format(time.DateOnly), why), s.Pos(change.Version))
	}
	holder := strings.TrimSpace(p.Account.HolderName)
	member := false
	for _, m := range s.Members {
		if strings.TrimSpace(m.Name) != holder {
			continue
		}
		member = true
		if died := m.Died; died != "" && p.At.In(cst).Format(time.DateOnly) >= died {
			pf(KindPaidAfterDeath, fmt.Sprintf("paid on %s to the account of %s, who died on %s", p.At.In(cst).Format(time.DateOnly), m.Name, died),
				s.Deaths[m.ResidentID.String()])
		}
	}
	if !member {
		pf(KindPayeeNotMember, fmt.Sprintf("the account's holder %q is not a member of household %s", holder, p.Household), s.Positions[0])
	}
}

var cst = time.FixedZone("CST", 8*3600)

// statusAt is the household's status in force at business time t: the
// latest change that occurred by t.
func statusAt(changes []homes.Change, t time.Time) (household.Status, homes.Change, bool) {
	var best homes.Change
	found := false
	for _, c := range changes {
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
func (v *View) ineligible(changes []homes.Change, st household.Status, t time.Time) string {
	switch st {
	case household.StatusEnrolled, household.StatusReturned, household.StatusExitProposed, household.StatusExitPublicized:
		return ""
	case household.StatusExited, household.StatusMonitored:
		var exited time.Time
		for _, c := range changes {
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

// sharedAccountFlag is the flag of an account's live household payments
// (in instruction order), which name two or more households; h is the
// record of the first of them by file number.
func sharedAccountFlag(number string, ms []member, h *homeRec) *Flag {
	var amount domain.Fen
	files := map[string]bool{}
	positions := make([]uint64, 0, len(ms))
	for _, m := range ms {
		files[m.File] = true
		positions = append(positions, m.Pos)
		// A shared account's live payments are a bounded number of
		// payments of at most domain.PaymentFenMax; add with a check all
		// the same, and keep the total at its bound rather than wrap.
		if s, ok := domain.AddFen(amount, m.AmountFen); ok {
			amount = s
		} else {
			amount = math.MaxInt64
		}
	}
	sorted := slices.Sorted(mapKeys(files))
	place := ""
	if h.known() {
		place = h.Village
	}
	c, _ := fund.ParseCounty(ms[0].County)
	fl := newFlag(KindSharedAccount, c, place, number, ms[0].At, amount,
		fmt.Sprintf("account %s received payments for %d households: %s", number, len(sorted), strings.Join(sorted, ", ")), positions...)
	return &fl
}

// identicalAmounts is the flag of a group project|period|village, if
// every live payment of it to at least IdenticalHouseholdsMin households
// is the same amount.
func (v *View) identicalAmounts(key string, g *groupRec) *Flag {
	if len(g.Members) == 0 {
		return nil
	}
	amounts, files := map[domain.Fen]bool{}, map[string]bool{}
	var total domain.Fen
	positions := make([]uint64, 0, len(g.Members))
	for _, m := range g.Members {
		amounts[m.AmountFen], files[m.File] = true, true
		positions, total = append(positions, m.Pos), total+m.AmountFen
	}
	if len(files) < v.cfg.IdenticalHouseholdsMin || len(amounts) != 1 {
		return nil
	}
	parts := strings.Split(key, "|")
	c, _ := fund.ParseCounty(g.Members[0].County)
	fl := newFlag(KindIdenticalAmounts, c, parts[2], key, g.Members[0].At, total,
		fmt.Sprintf("project %s paid every one of the %d households of village %s the same amount for %s", parts[0], len(files), parts[2], parts[1]),
		positions...)
	return &fl
}

// Counts is how many flags of each standing kind (not the time-relative
// ones, which depend on the clock) county's auditors see: counters kept as
// events arrive.
func (v *View) Counts(ctx context.Context, county string) (map[Kind]int, error) {
	out := map[Kind]int{}
	prefix := "c/" + county + "/"
	err := scan(ctx, v.ms, v.name, []byte(prefix), prefixEnd(prefix), func(k, value []byte) (bool, error) {
		var n int
		if err := json.Unmarshal(value, &n); err != nil {
			return false, err
		}
		if n != 0 {
			out[Kind(k[len(prefix):])] = n
		}
		return true, nil
	})
	return out, err
}
