package redflags

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/drip-ledger/drip/domain"
	"github.com/drip-ledger/drip/domain/fund"
	"github.com/drip-ledger/drip/domain/household"
	"github.com/drip-ledger/drip/domain/reconcile"
	"github.com/drip-ledger/drip/events"
	"github.com/drip-ledger/drip/projections/funds/homes"
)

// The records (JSON in the store).

type homeRec struct {
	homes.Summary
	// Payments are the refs of the payments to the household, in
	// instruction order (kept even before the household has any event).
	Payments []string `json:"payments,omitempty"`
}

// known: the household has events (the old view's h != nil).
func (h *homeRec) known() bool { return h != nil && len(h.Positions) > 0 }

type payRec struct {
	fund.PaymentInstructed `json:"instructed"`
	At                     time.Time                 `json:"at"`
	Pos                    uint64                    `json:"position"`
	Status                 fund.PaymentStatus        `json:"status"`
	Ack                    *fund.PaymentAcknowledged `json:"ack,omitempty"`
	AckPos                 uint64                    `json:"ackPosition,omitempty"`
	// Group and Acct are the group and account records it counts in now.
	Group string `json:"group,omitempty"`
	Acct  string `json:"acct,omitempty"`
	// Keys are the flag and index keys it wrote.
	Keys []string `json:"keys,omitempty"`
}

type apprRec struct {
	County       string     `json:"county"`
	Document     string     `json:"document"`
	AmountFen    domain.Fen `json:"amountFen"`
	CommittedFen domain.Fen `json:"committedFen"` // drawn by live payments
	CorrectedFen domain.Fen `json:"correctedFen"` // taken back to the source by corrections
	At           time.Time  `json:"at"`
	Pos          uint64     `json:"position"`
	// Allocations are the positions of the allocations citing it: the first
	// positionsPerFlagMax, all a flag can show.
	Allocations []uint64 `json:"allocations,omitempty"`
	Key         string   `json:"key,omitempty"` // its idle candidate's
}

type pubRec struct {
	EndsAt time.Time `json:"endsAt"`
	Pos    uint64    `json:"position"`
}

// member is one live payment counted in an account or a group. Its JSON
// names are short: a group or a shared account holds many of them in one
// record (within modelstore.ValueBytesMax up to some 40,000 of them).
type member struct {
	Ref       string     `json:"r"`
	Pos       uint64     `json:"p"`
	File      string     `json:"f"`
	AmountFen domain.Fen `json:"a"`
	At        time.Time  `json:"t"`
	County    string     `json:"c"`
}

type groupRec struct {
	Members []member `json:"members"`
	Keys    []string `json:"keys,omitempty"` // the flag records it wrote
}

// idleRec is an appropriation some of which is idle: a candidate for the
// idle-funds flags, judged at query time.
type idleRec struct {
	County    string     `json:"county"`
	Document  string     `json:"document"`
	IdleFen   domain.Fen `json:"idleFen"`
	AmountFen domain.Fen `json:"amountFen"`
	At        time.Time  `json:"at"`
	Positions []uint64   `json:"positions"`
}

// pendingRec is an instruction the bank has not answered: a row of
// Unreconciled and a candidate for the payment_unreconciled flag.
type pendingRec struct {
	Pending
	Place     string `json:"place"`     // for Unreconciled: the household's village or the county
	FlagPlace string `json:"flagPlace"` // for the flag: the household's village if it is on file
	County    string `json:"county"`
}

// fold is one batch being folded: its write-back cache and what it made
// dirty, whose flags flush computes again.
type fold struct {
	*txn
	v         *View
	homes     map[string]*homeRec
	pays      map[string]*payRec
	apprs     map[string]*apprRec
	pubs      map[string]*pubRec
	groups    map[string]*groupRec // by "g/…" or "ac/…" key
	mismatch  map[string]*Mismatch
	dirtyPays map[string]bool
	dirtyApps map[string]bool
	dirtyGrps map[string]bool
	projPays  map[string][]string // payments instructed in this batch, by project
	counts    map[string]int      // counter key → change
}

func newFold(ctx context.Context, v *View) *fold {
	return &fold{txn: &txn{ctx: ctx, ms: v.ms, model: v.name, cache: v.cache, vals: map[string][]byte{}}, v: v,
		homes: map[string]*homeRec{}, pays: map[string]*payRec{}, apprs: map[string]*apprRec{}, pubs: map[string]*pubRec{},
		groups: map[string]*groupRec{}, mismatch: map[string]*Mismatch{}, dirtyPays: map[string]bool{}, dirtyApps: map[string]bool{},
		dirtyGrps: map[string]bool{}, projPays: map[string][]string{}, counts: map[string]int{}}
}

// record is a record type the fold changes: clone copies what a fold may
// change in place, so a cached committed record is never changed.
type record[T any] interface {
	*T
	clone() *T
}

func (h *homeRec) clone() *homeRec {
	c := *h
	c.Members, c.Changes, c.Positions = slices.Clone(h.Members), slices.Clone(h.Changes), slices.Clone(h.Positions)
	c.Deaths, c.Payments = maps.Clone(h.Deaths), slices.Clone(h.Payments)
	return &c
}

func (p *payRec) clone() *payRec {
	c := *p
	c.Keys = slices.Clone(p.Keys)
	return &c
}

func (a *apprRec) clone() *apprRec {
	c := *a
	c.Allocations = slices.Clone(a.Allocations)
	return &c
}

func (p *pubRec) clone() *pubRec { c := *p; return &c }

func (g *groupRec) clone() *groupRec {
	return &groupRec{Members: slices.Clone(g.Members), Keys: slices.Clone(g.Keys)}
}

func (m *Mismatch) clone() *Mismatch { c := *m; return &c }

// load reads record key into a fresh *T once per batch (nil if absent):
// from the decoded cache (a clone), else decoded from the stored bytes.
func load[T any, P record[T]](f *fold, m map[string]*T, key string) (*T, error) {
	if r, ok := m[key]; ok {
		return r, nil
	}
	if o, ok := f.v.objs.get(key); ok {
		if o == nil {
			m[key] = nil
			return nil, nil
		}
		r := P(o.(*T)).clone()
		m[key] = r
		return r, nil
	}
	r := new(T)
	ok, err := f.getJSON(key, r)
	if err != nil {
		return nil, err
	}
	if !ok {
		r = nil
	}
	m[key] = r
	return r, nil
}

func (f *fold) home(file string) (*homeRec, error) { return load[homeRec](f, f.homes, "h/"+file) }
func (f *fold) pay(ref string) (*payRec, error)    { return load[payRec](f, f.pays, "p/"+ref) }
func (f *fold) appr(county, doc string) (*apprRec, error) {
	return load[apprRec](f, f.apprs, "a/"+county+"|"+doc)
}
func (f *fold) pub(project string) (*pubRec, error) { return load[pubRec](f, f.pubs, "j/"+project) }
func (f *fold) group(key string) (*groupRec, error) { return load[groupRec](f, f.groups, key) }
func (f *fold) mism(ref string) (*Mismatch, error)  { return load[Mismatch](f, f.mismatch, "m/"+ref) }

// cacheRecords keeps the batch's records, decoded, once it committed:
// each is the committed state of its key (every record a fold changed it
// also wrote), or absent if the batch deleted it.
func (f *fold) cacheRecords() {
	cacheAll(f, f.homes)
	cacheAll(f, f.pays)
	cacheAll(f, f.apprs)
	cacheAll(f, f.pubs)
	cacheAll(f, f.groups)
	cacheAll(f, f.mismatch)
}

func cacheAll[T any](f *fold, m map[string]*T) {
	for k, r := range m {
		if v, written := f.vals[k]; written && v == nil {
			f.v.objs.put(k, nil)
		} else if r != nil {
			f.v.objs.put(k, r)
		}
	}
}

func (f *fold) apply(ev events.Event, p events.Payload) error {
	var err error
	if strings.HasPrefix(ev.Stream, household.StreamPrefix) {
		err = f.applyHousehold(ev, p)
	} else {
		err = f.applyFund(ev, p)
	}
	if err != nil {
		return err
	}
	if ev.Meta.Backfill {
		f.noteBackfill(ev)
	}
	return nil
}

func (f *fold) applyHousehold(ev events.Event, p events.Payload) error {
	file := strings.TrimPrefix(ev.Stream, household.StreamPrefix)
	h, err := f.home(file)
	if err != nil {
		return err
	}
	if h == nil {
		h = &homeRec{}
	}
	next, err := f.v.homes.Fold(f.ctx, h.Summary, ev, p)
	if err != nil {
		return err
	}
	h.Summary = next
	f.homes["h/"+file] = h
	f.putJSON("h/"+file, h)
	for _, ref := range h.Payments {
		f.dirtyPays[ref] = true
	}
	return nil
}

func (f *fold) applyFund(ev events.Event, p events.Payload) error {
	switch e := p.(type) {
	case *fund.AppropriationReceived:
		key := "a/" + e.County.String() + "|" + e.Document
		a := &apprRec{County: e.County.String(), Document: e.Document, AmountFen: e.AmountFen, At: ev.Meta.OccurredAt, Pos: ev.Position}
		if old, err := f.appr(e.County.String(), e.Document); err != nil {
			return err
		} else if old != nil {
			a.Key = old.Key // the old view replaced it: so does this one, candidate included
		}
		f.apprs[key] = a
		f.dirtyApps[key] = true
	case *fund.AppropriationCorrected:
		a, err := f.appr(e.County.String(), e.Document)
		if err != nil || a == nil {
			return err
		}
		s, ok := domain.AddFen(a.CorrectedFen, e.AmountFen)
		if !ok || s > a.AmountFen {
			return fmt.Errorf("appropriation %q: corrections of %d+%d fen exceed its %d", e.Document, a.CorrectedFen, e.AmountFen, a.AmountFen)
		}
		a.CorrectedFen = s
		f.dirtyApps["a/"+a.County+"|"+a.Document] = true
	case *fund.Allocated:
		for _, d := range e.Draws {
			a, err := f.appr(e.County.String(), d.Document)
			if err != nil {
				return err
			}
			if a != nil {
				if n := len(a.Allocations); n < positionsPerFlagMax && (n == 0 || a.Allocations[n-1] != ev.Position) {
					a.Allocations = append(a.Allocations, ev.Position)
				}
				f.dirtyApps["a/"+a.County+"|"+a.Document] = true
			}
		}
	case *fund.PublicityStarted:
		id := strings.TrimPrefix(ev.Stream, fund.ProjectStreamPrefix)
		pr := &pubRec{EndsAt: e.EndsAt, Pos: ev.Position}
		f.pubs["j/"+id] = pr
		f.putJSON("j/"+id, pr)
		// Every payment of the project is judged again: scan the committed
		// ones and add this batch's.
		err := scan(f.ctx, f.ms, f.model, []byte("jp/"+id+"/"), prefixEnd("jp/"+id+"/"), func(_, v []byte) (bool, error) {
			f.dirtyPays[string(v)] = true
			return true, nil
		})
		if err != nil {
			return err
		}
		for _, ref := range f.projPays[id] {
			f.dirtyPays[ref] = true
		}
	case *fund.PaymentInstructed:
		pay := &payRec{PaymentInstructed: *e, At: ev.Meta.OccurredAt, Pos: ev.Position, Status: fund.StatusInstructed}
		if old, err := f.pay(e.Ref); err != nil {
			return err
		} else if old != nil {
			// The old view let a second instruction replace the first in
			// its map (and kept both in its order): no rule writes one.
			return fmt.Errorf("payment %s instructed twice", e.Ref)
		}
		f.pays["p/"+e.Ref] = pay
		f.dirtyPays[e.Ref] = true
		id := e.Project.String()
		f.set("jp/"+id+"/"+pos20(ev.Position), []byte(e.Ref))
		f.projPays[id] = append(f.projPays[id], e.Ref)
		if e.Payee == fund.PayeeHousehold {
			file := e.Household.String()
			h, err := f.home(file)
			if err != nil {
				return err
			}
			if h == nil {
				h = &homeRec{}
				f.homes["h/"+file] = h
			}
			h.Payments = append(h.Payments, e.Ref)
			f.putJSON("h/"+file, h)
		}
		return f.commit(e.Project, e.Lots, 1)
	case *fund.PaymentSettled:
		return f.close(e.Ref, fund.StatusSettled, nil)
	case *fund.PaymentFailed:
		return f.close(e.Ref, e.Outcome, e.Lots)
	case *fund.PaymentReversed:
		return f.close(e.Ref, fund.StatusReversed, e.Lots)
	case *fund.PaymentAcknowledged:
		pay, err := f.pay(e.Ref)
		if err != nil {
			return err
		}
		if pay == nil {
			return fmt.Errorf("acknowledgement of payment %s, never instructed", e.Ref)
		}
		a := *e
		pay.Ack, pay.AckPos = &a, ev.Position
		f.dirtyPays[e.Ref] = true
	case *reconcile.LineMismatched:
		m := &Mismatch{File: strings.TrimPrefix(ev.Stream, reconcile.StreamPrefix), Line: e.Line, Position: ev.Position}
		f.mismatch["m/"+e.PaymentRef] = m
		f.putJSON("m/"+e.PaymentRef, m)
		if pay, err := f.pay(e.PaymentRef); err != nil {
			return err
		} else if pay != nil {
			f.dirtyPays[e.PaymentRef] = true
		}
	}
	return nil
}

func (f *fold) close(ref string, st fund.PaymentStatus, lots []fund.Lot) error {
	pay, err := f.pay(ref)
	if err != nil {
		return err
	}
	if pay == nil {
		return fmt.Errorf("payment %s was never instructed", ref)
	}
	pay.Status = st
	f.dirtyPays[ref] = true
	return f.commit(pay.Project, lots, -1)
}

// commit counts the lots of a live payment against their appropriations
// (sign 1) or gives them back (-1). The sum is checked: what live payments
// drew from an appropriation is from zero to its amount, and anything else
// (or an overflow) is an impossible event, never a wrapped figure.
func (f *fold) commit(p fund.ProjectID, lots []fund.Lot, sign int) error {
	for _, l := range lots {
		a, err := f.appr(p.County().String(), l.Document)
		if err != nil {
			return err
		}
		if a == nil {
			continue
		}
		next, ok := domain.AddFen(a.CommittedFen, l.AmountFen)
		if sign < 0 {
			next, ok = domain.SubFen(a.CommittedFen, l.AmountFen)
		}
		if !ok || next < 0 || next > a.AmountFen-a.CorrectedFen {
			return fmt.Errorf("appropriation %q: live payments would draw %d%+d×%d fen of its %d", l.Document, a.CommittedFen, sign, l.AmountFen, a.AmountFen)
		}
		a.CommittedFen = next
		f.dirtyApps["a/"+a.County+"|"+a.Document] = true
	}
	return nil
}

// noteBackfill writes the flag of a backfilled household or fund event; an
// event whose county cannot be told (a stream named otherwise) has a flag
// no jurisdiction can see, so none is written.
func (f *fold) noteBackfill(ev events.Event) {
	var county fund.County
	place := ""
	name := ev.Stream
	for _, prefix := range []string{household.StreamPrefix, fund.PoolStreamPrefix, fund.ProjectStreamPrefix} {
		name = strings.TrimPrefix(name, prefix)
	}
	if fn, err := domain.ParseFileNumber(name); err == nil && strings.HasPrefix(ev.Stream, household.StreamPrefix) {
		place = fn.Village().String()
		name = place
	}
	if len(name) >= 6 {
		county, _ = fund.ParseCounty(name[:6])
	}
	if county.IsZero() {
		return
	}
	fl := newFlag(KindBackfilled, county, place, ev.ID.String(), ev.Meta.OccurredAt, 0,
		fmt.Sprintf("%s by %s recorded on %s as a backfill of older records", ev.Type, ev.Meta.ActorID, ev.RecordedAt.Format(time.DateOnly)),
		ev.Position)
	want := map[string][]byte{}
	flagRecords(want, fl)
	for _, k := range slices.Sorted(mapKeys(want)) {
		if _, ok, _ := f.get(k); !ok {
			f.count(k, 1)
		}
		f.set(k, want[k])
		f.noteCounty(k)
	}
}

// flagKey is where a standing flag is listed: under the county of its
// place, whose auditors can see it. That is the flag's own county but for
// a shared account whose first payment is of one county and whose first
// household (by file number) of another.
func flagKey(fl Flag) string { return "f/" + fl.Place[:6] + "/" + string(fl.Kind) + "/" + fl.Subject }

// storedFlag is a flag as stored. A flag listed under another county than
// its own is stored a second time, as a Copy, under its own county, for
// the listing of that county (Query.County).
type storedFlag struct {
	Flag
	Copy bool `json:"copy,omitempty"`
}

// flagRecords are the keys and values of the flags fls.
func flagRecords(want map[string][]byte, fls ...Flag) {
	for _, fl := range fls {
		want[flagKey(fl)] = mustJSON(storedFlag{Flag: fl})
		want["fp/"+fl.Place+"/"+string(fl.Kind)+"/"+fl.Subject] = want[flagKey(fl)]
		if fl.Place[:6] != fl.County {
			want["f/"+fl.County+"/"+string(fl.Kind)+"/"+fl.Subject] = mustJSON(storedFlag{Flag: fl, Copy: true})
		}
	}
}

// noteCounty notes the county (cn/) or place (pl/) a flag or candidate
// key k is listed under, for the listings that go county by county or
// place by place.
func (f *fold) noteCounty(k string) {
	prefix, rest, _ := strings.Cut(k, "/")
	seg, _, _ := strings.Cut(rest, "/")
	var note string
	switch prefix {
	case "f", "uc", "ic":
		note = "cn/" + seg
	case "fp", "up":
		note = "pl/" + seg
	default:
		return
	}
	if _, ok := f.vals[note]; !ok {
		f.set(note, []byte{1})
	}
}

// flush computes again the flags of every dirty record and writes the
// records the batch changed.
func (f *fold) flush() error {
	for _, ref := range slices.Sorted(mapKeys(f.dirtyPays)) {
		if err := f.paymentChanged(ref); err != nil {
			return err
		}
	}
	for _, key := range slices.Sorted(mapKeys(f.dirtyGrps)) {
		if err := f.groupChanged(key); err != nil {
			return err
		}
	}
	for _, key := range slices.Sorted(mapKeys(f.dirtyApps)) {
		f.apprChanged(key)
	}
	for _, key := range slices.Sorted(mapKeys(f.counts)) {
		if f.counts[key] == 0 {
			continue
		}
		var n int
		if _, err := f.getJSON(key, &n); err != nil {
			return err
		}
		f.putJSON(key, n+f.counts[key])
	}
	return nil
}

func mapKeys[V any](m map[string]V) func(func(string) bool) {
	return func(yield func(string) bool) {
		for k := range m {
			if !yield(k) {
				return
			}
		}
	}
}

// paymentChanged computes a payment's own flags and index entries again,
// and moves it between accounts and groups if it must.
func (f *fold) paymentChanged(ref string) error {
	pay, err := f.pay(ref)
	if err != nil || pay == nil {
		return err
	}
	var h *homeRec
	if pay.Payee == fund.PayeeHousehold {
		if h, err = f.home(pay.Household.String()); err != nil {
			return err
		}
	}
	pr, err := f.pub(pay.Project.String())
	if err != nil {
		return err
	}
	m, err := f.mism(ref)
	if err != nil {
		return err
	}
	want := map[string][]byte{}
	flagRecords(want, f.v.paymentFlags(pay, h, pr)...)
	if pay.Status == fund.StatusInstructed {
		pr := f.v.pending(pay, h, m)
		b := mustJSON(pr)
		want["uc/"+pr.County+"/"+since(pay.At)+"/"+pos20(pay.Pos)] = b
		want["u/"+since(pay.At)+"/"+pos20(pay.Pos)] = b
		place := pr.FlagPlace
		if place == "" {
			place = pay.Project.County().Code().String()
		}
		want["up/"+place+"/"+since(pay.At)+"/"+pos20(pay.Pos)] = b
		want["ul/"+pr.Place+"/"+since(pay.At)+"/"+pos20(pay.Pos)] = b
	}
	f.writeKeys(&pay.Keys, want)
	// Accounts and groups: live household payments only; groups only of
	// households on file, by their village.
	acct, group := "", ""
	if pay.Payee == fund.PayeeHousehold && live(pay.Status) {
		acct = "ac/" + pay.Account.Number
		if h.known() {
			group = "g/" + pay.Project.String() + "|" + pay.Period + "|" + h.Village
		}
	}
	mem := member{Ref: ref, Pos: pay.Pos, File: pay.Household.String(), AmountFen: pay.AmountFen, At: pay.At, County: pay.Project.County().String()}
	if err := f.regroup(&pay.Acct, acct, mem); err != nil {
		return err
	}
	if err := f.regroup(&pay.Group, group, mem); err != nil {
		return err
	}
	if pay.Acct != "" {
		f.dirtyGrps[pay.Acct] = true // its place may follow the household's file
	}
	f.putJSON("p/"+ref, pay)
	return nil
}

// writeKeys replaces the keys a record wrote (*have) with want, counting
// the standing flags that appear and disappear.
func (f *fold) writeKeys(have *[]string, want map[string][]byte) {
	for _, k := range *have {
		if _, ok := want[k]; !ok {
			f.del(k)
			f.count(k, -1)
		}
	}
	for _, k := range slices.Sorted(mapKeys(want)) {
		if !slices.Contains(*have, k) {
			f.count(k, 1)
		}
		f.set(k, want[k])
		f.noteCounty(k)
	}
	*have = slices.Sorted(mapKeys(want))
}

// count changes the counter of standing flags of k's county and kind,
// counting each flag once: by its place record (fp/), whose county is the
// one that sees it.
func (f *fold) count(k string, d int) {
	if !strings.HasPrefix(k, "fp/") {
		return
	}
	parts := strings.SplitN(k, "/", 4)
	f.counts["c/"+parts[1][:6]+"/"+parts[2]] += d
}

// regroup moves a payment from the group record *cur to want.
func (f *fold) regroup(cur *string, want string, m member) error {
	if *cur == want {
		return nil
	}
	if *cur != "" {
		g, err := f.group(*cur)
		if err != nil {
			return err
		}
		if g != nil {
			g.Members = slices.DeleteFunc(g.Members, func(x member) bool { return x.Ref == m.Ref })
		}
		f.dirtyGrps[*cur] = true
	}
	if want != "" {
		g, err := f.group(want)
		if err != nil {
			return err
		}
		if g == nil {
			g = &groupRec{}
			f.groups[want] = g
		}
		i, _ := slices.BinarySearchFunc(g.Members, m.Pos, func(x member, p uint64) int { return cmpU(x.Pos, p) })
		g.Members = slices.Insert(g.Members, i, m)
		f.dirtyGrps[want] = true
	}
	*cur = want
	return nil
}

func cmpU(a, b uint64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// groupChanged computes an account's or a group's flag again.
func (f *fold) groupChanged(key string) error {
	g, err := f.group(key)
	if err != nil || g == nil {
		return err
	}
	var fl *Flag
	if number, ok := strings.CutPrefix(key, "ac/"); ok {
		fl, err = f.sharedAccount(number, g)
	} else {
		fl = f.v.identicalAmounts(strings.TrimPrefix(key, "g/"), g)
	}
	if err != nil {
		return err
	}
	want := map[string][]byte{}
	if fl != nil {
		flagRecords(want, *fl)
	}
	f.writeKeys(&g.Keys, want)
	if len(g.Members) == 0 && len(g.Keys) == 0 {
		f.del(key)
		return nil
	}
	f.putJSON(key, g)
	return nil
}

func (f *fold) sharedAccount(number string, g *groupRec) (*Flag, error) {
	files := map[string]bool{}
	for _, m := range g.Members {
		files[m.File] = true
	}
	if len(files) < 2 {
		return nil, nil
	}
	first := slices.Sorted(mapKeys(files))[0]
	h, err := f.home(first)
	if err != nil {
		return nil, err
	}
	return sharedAccountFlag(number, g.Members, h), nil
}

// apprChanged writes an appropriation and its idle candidate.
func (f *fold) apprChanged(key string) {
	a := f.apprs[key]
	want := map[string][]byte{}
	if idle := a.AmountFen - a.CorrectedFen - a.CommittedFen; idle > 0 { // corrected money went back: not idle
		want["ic/"+a.County+"/"+since(a.At)+"/"+a.Document] = mustJSON(idleRec{County: a.County, Document: a.Document, IdleFen: idle,
			AmountFen: a.AmountFen, At: a.At, Positions: append([]uint64{a.Pos}, a.Allocations...)})
	}
	have := []string{}
	if a.Key != "" {
		have = append(have, a.Key)
	}
	f.writeKeys(&have, want)
	a.Key = ""
	if len(have) == 1 {
		a.Key = have[0]
	}
	f.putJSON(key, a)
}
