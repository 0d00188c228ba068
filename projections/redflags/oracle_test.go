package redflags

// The red flags as the first view computed them: every flag from the whole
// fund graph at each query. Kept as the oracle the incremental view is
// held to (TestIncrementalFlagsEqualTheFullRecomputation), never built into
// the server.

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"math"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/drip-ledger/drip/domain"
	"github.com/drip-ledger/drip/domain/fund"
	"github.com/drip-ledger/drip/domain/household"
	"github.com/drip-ledger/drip/domain/reconcile"
	"github.com/drip-ledger/drip/events"
)

// oUnreconciledQuery and oUnreconciledPage are the old query's: pages in
// instruction order, the cursor a position.
type oUnreconciledQuery struct {
	Within        domain.Jurisdiction
	Now           time.Time
	OlderThanDays int
	After         uint64
	Limit         int
}

type oUnreconciledPage struct {
	Payments []Pending
	Next     uint64
}

// oracle is the red flags read model. Its queries are safe for concurrent
// use with Apply.
type oracle struct {
	reg *events.Registry
	cfg Config

	mu             sync.RWMutex
	position       uint64
	households     map[string]*oHome
	appropriations map[string]*oAppr // county|document
	projects       map[string]*oProject
	payments       map[string]*oPayment
	order          []*oPayment // in instruction order
	mismatches     map[string]Mismatch
	backfills      []oBackfill // in log order
}

// backfill is one event recorded as an explicit backfill of older paper
// records (events.Metadata.Backfill).
type oBackfill struct {
	county     fund.County
	place      string // the household's village, or "" for the county
	id, typ    string
	actor      string
	occurredAt time.Time
	recordedAt time.Time
	position   uint64
}

type oHome struct {
	state     household.State
	positions []uint64          // by version - 1
	deaths    map[string]uint64 // resident ID → position of its MemberDied
}

type oAppr struct {
	county, document string
	amountFen        domain.Fen
	committedFen     domain.Fen // drawn by live payments
	correctedFen     domain.Fen // taken back to the source by corrections
	at               time.Time
	position         uint64
	allocations      []uint64
}

type oProject struct {
	publicity    *fund.PublicityStarted
	publicityPos uint64
}

type oPayment struct {
	fund.PaymentInstructed
	at          time.Time
	position    uint64
	status      fund.PaymentStatus
	ack         *fund.PaymentAcknowledged
	ackPosition uint64
}

// New returns an empty view decoding with reg (which must hold the
// household, fund and reconcile types).
func newOracle(reg *events.Registry, cfg Config) (*oracle, error) {
	if reg == nil || !reg.Known(household.TypeHouseholdRegistered) || !reg.Known(fund.TypePaymentInstructed) || !reg.Known(reconcile.TypeLineMismatched) {
		return nil, errors.New("redflags: New needs a registry with the household, fund and reconcile types")
	}
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	v := &oracle{reg: reg, cfg: cfg}
	v.reset()
	return v, nil
}

// Reset implements projections.Projection.
func (v *oracle) Reset(context.Context) error {
	v.mu.Lock()
	defer v.mu.Unlock()
	v.reset()
	return nil
}

func (v *oracle) reset() {
	v.position, v.households, v.appropriations = 0, map[string]*oHome{}, map[string]*oAppr{}
	v.projects, v.payments, v.order, v.mismatches = map[string]*oProject{}, map[string]*oPayment{}, nil, map[string]Mismatch{}
	v.backfills = nil
}

// Position is the last event applied.
func (v *oracle) Position() uint64 {
	v.mu.RLock()
	defer v.mu.RUnlock()
	return v.position
}

// Apply implements projections.Projection. An event the rules could not
// have written stops the view at its position.
func (v *oracle) Apply(_ context.Context, ev events.Event) error {
	relevant := strings.HasPrefix(ev.Stream, household.StreamPrefix) || strings.HasPrefix(ev.Stream, fund.PoolStreamPrefix) ||
		strings.HasPrefix(ev.Stream, fund.ProjectStreamPrefix) || ev.Type == reconcile.TypeLineMismatched
	var p events.Payload
	if relevant {
		var err error
		if p, err = v.reg.Decode(ev); err != nil {
			return fmt.Errorf("redflags: %w", err)
		}
	}
	v.mu.Lock()
	defer v.mu.Unlock()
	if relevant {
		var err error
		if strings.HasPrefix(ev.Stream, household.StreamPrefix) {
			err = v.applyHousehold(ev, p)
		} else {
			err = v.applyFund(ev, p)
		}
		if err != nil {
			return fmt.Errorf("redflags: position %d: %w", ev.Position, err)
		}
		if ev.Meta.Backfill {
			v.noteBackfill(ev)
		}
	}
	v.position = ev.Position
	return nil
}

// noteBackfill keeps a backfilled household or fund event for its flag;
// an event whose county cannot be told (a stream named otherwise) is kept
// under no county and so listed to the nation only.
func (v *oracle) noteBackfill(ev events.Event) {
	b := oBackfill{id: ev.ID.String(), typ: ev.Type, actor: ev.Meta.ActorID, occurredAt: ev.Meta.OccurredAt,
		recordedAt: ev.RecordedAt, position: ev.Position}
	name := ev.Stream
	for _, prefix := range []string{household.StreamPrefix, fund.PoolStreamPrefix, fund.ProjectStreamPrefix} {
		name = strings.TrimPrefix(name, prefix)
	}
	if f, err := domain.ParseFileNumber(name); err == nil && strings.HasPrefix(ev.Stream, household.StreamPrefix) {
		b.place = f.Village().String()
		name = b.place
	}
	if len(name) >= 6 {
		b.county, _ = fund.ParseCounty(name[:6])
	}
	v.backfills = append(v.backfills, b)
}

func (v *oracle) applyHousehold(ev events.Event, p events.Payload) error {
	file := strings.TrimPrefix(ev.Stream, household.StreamPrefix)
	h := v.households[file]
	if h == nil {
		h = &oHome{deaths: map[string]uint64{}}
	}
	next, err := household.Evolve(h.state, ev, p)
	if err != nil {
		return err
	}
	h.state = next
	h.positions = append(h.positions, ev.Position)
	if d, ok := p.(*household.MemberDied); ok {
		h.deaths[d.ResidentID.String()] = ev.Position
	}
	v.households[file] = h
	return nil
}

func (v *oracle) applyFund(ev events.Event, p events.Payload) error {
	switch e := p.(type) {
	case *fund.AppropriationReceived:
		v.appropriations[e.County.String()+"|"+e.Document] = &oAppr{county: e.County.String(), document: e.Document,
			amountFen: e.AmountFen, at: ev.Meta.OccurredAt, position: ev.Position}
	case *fund.AppropriationCorrected:
		if a := v.appropriations[e.County.String()+"|"+e.Document]; a != nil {
			s, ok := domain.AddFen(a.correctedFen, e.AmountFen)
			if !ok || s > a.amountFen {
				return fmt.Errorf("appropriation %q: corrections of %d+%d fen exceed its %d", e.Document, a.correctedFen, e.AmountFen, a.amountFen)
			}
			a.correctedFen = s
		}
	case *fund.Allocated:
		for _, d := range e.Draws {
			if a := v.appropriations[e.County.String()+"|"+d.Document]; a != nil {
				a.allocations = append(a.allocations, ev.Position)
			}
		}
	case *fund.PublicityStarted:
		id := strings.TrimPrefix(ev.Stream, fund.ProjectStreamPrefix)
		pub := *e
		v.projects[id] = &oProject{publicity: &pub, publicityPos: ev.Position}
	case *fund.PaymentInstructed:
		pay := &oPayment{PaymentInstructed: *e, at: ev.Meta.OccurredAt, position: ev.Position, status: fund.StatusInstructed}
		v.payments[e.Ref], v.order = pay, append(v.order, pay)
		return v.commit(e.Project, e.Lots, 1)
	case *fund.PaymentSettled:
		return v.close(e.Ref, fund.StatusSettled, nil)
	case *fund.PaymentFailed:
		return v.close(e.Ref, e.Outcome, e.Lots)
	case *fund.PaymentReversed:
		return v.close(e.Ref, fund.StatusReversed, e.Lots)
	case *fund.PaymentAcknowledged:
		pay, ok := v.payments[e.Ref]
		if !ok {
			return fmt.Errorf("acknowledgement of payment %s, never instructed", e.Ref)
		}
		a := *e
		pay.ack, pay.ackPosition = &a, ev.Position
	case *reconcile.LineMismatched:
		v.mismatches[e.PaymentRef] = Mismatch{File: strings.TrimPrefix(ev.Stream, reconcile.StreamPrefix), Line: e.Line, Position: ev.Position}
	}
	return nil
}

func (v *oracle) close(ref string, st fund.PaymentStatus, lots []fund.Lot) error {
	pay, ok := v.payments[ref]
	if !ok {
		return fmt.Errorf("payment %s was never instructed", ref)
	}
	pay.status = st
	return v.commit(pay.Project, lots, -1)
}

// commit counts the lots of a live payment against their appropriations
// (sign 1) or gives them back (-1). The sum is checked: what live payments
// drew from an appropriation is from zero to its amount, and anything else
// (or an overflow) is an impossible event, never a wrapped figure.
func (v *oracle) commit(p fund.ProjectID, lots []fund.Lot, sign int) error {
	for _, l := range lots {
		a := v.appropriations[p.County().String()+"|"+l.Document]
		if a == nil {
			continue
		}
		next, ok := domain.AddFen(a.committedFen, l.AmountFen)
		if sign < 0 {
			next, ok = domain.SubFen(a.committedFen, l.AmountFen)
		}
		if !ok || next < 0 || next > a.amountFen-a.correctedFen {
			return fmt.Errorf("appropriation %q: live payments would draw %d%+d×%d fen of its %d", l.Document, a.committedFen, sign, l.AmountFen, a.amountFen)
		}
		a.committedFen = next
	}
	return nil
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
func (v *oracle) Flags(q Query) (Page, error) {
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

// flags computes every flag; the caller holds the read lock.
func (v *oracle) flags(now time.Time) []Flag {
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

func (v *oracle) idle(now time.Time) []Flag {
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

// paymentFlags are the rules about one payment.
func (v *oracle) paymentFlags(p *oPayment, now time.Time) []Flag {
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
func (v *oracle) householdFlags(p *oPayment, h *oHome, pf func(Kind, string, ...uint64)) {
	s := h.state
	if st, change, ok := oStatusAt(s, p.at); !ok {
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

func (h *oHome) pos(version uint64) uint64 {
	if version < 1 || int(version) > len(h.positions) {
		return 0
	}
	return h.positions[version-1]
}

// statusAt is the household's status in force at business time t: the
// latest change that occurred by t.
func oStatusAt(s household.State, t time.Time) (household.Status, household.Change, bool) {
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
func (v *oracle) ineligible(s household.State, st household.Status, t time.Time) string {
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

func (v *oracle) sharedAccounts() []Flag {
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

func (v *oracle) identicalAmounts() []Flag {
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

// Unreconciled lists the instructions with no bank answer after
// OlderThanDays days (the finance bureau's working list; the audit flag
// payment_unreconciled is the same rule at UnreconciledDays).
func (v *oracle) Unreconciled(q oUnreconciledQuery) (oUnreconciledPage, error) {
	if q.Limit < 1 || q.Limit > PageLenMax {
		return oUnreconciledPage{}, domain.Errorf("page_length", "a page holds 1 to %d items, not %d", PageLenMax, q.Limit)
	}
	v.mu.RLock()
	defer v.mu.RUnlock()
	out := oUnreconciledPage{Payments: []Pending{}}
	for _, p := range v.order {
		if p.status != fund.StatusInstructed || p.position <= q.After || !q.Now.After(p.at.AddDate(0, 0, q.OlderThanDays)) {
			continue
		}
		it, place := v.pending(p, q.Now)
		if !q.Within.Contains(place) {
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

func (v *oracle) pending(p *oPayment, now time.Time) (Pending, domain.DivisionCode) {
	it := Pending{Ref: p.Ref, Project: p.Project.String(), Payee: p.Payee, Contractor: p.Contractor, Account: p.Account,
		AmountFen: p.AmountFen, InstructedAt: p.at, AgeDays: int(now.Sub(p.at).Hours() / 24), Position: p.position}
	place := p.Project.County().Code()
	if !p.Household.IsZero() {
		it.Household, place = p.Household.String(), p.Household.Village()
	}
	if m, ok := v.mismatches[p.Ref]; ok {
		it.Mismatch = &m
	}
	return it, place
}
