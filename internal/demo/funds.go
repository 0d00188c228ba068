package demo

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"math"
	"slices"
	"time"

	"github.com/drip-ledger/drip/api"
	"github.com/drip-ledger/drip/domain"
	"github.com/drip-ledger/drip/domain/fund"
	"github.com/drip-ledger/drip/domain/household"
	"github.com/drip-ledger/drip/events"
	"github.com/drip-ledger/drip/projections/funds"
)

// The county's money, drip by drip (DOMAIN.md §5): appropriation documents
// land in the county pool; the county finance bureau allocates to projects
// the villages proposed and the poverty alleviation office approved,
// publicized and started; projects pay their beneficiary households (and a
// road's contractor) through the bank; the households acknowledge in
// person. Everything goes through the same HTTP API as the rest of the
// demo, and every rule holds at the instant a request is sent: a household
// is paid only while it may be helped (enrolled, or exited less than the
// support period ago), only after its project's publicity closed, never
// twice for the same purpose and period unless as a further installment,
// and never beyond what the project holds.
//
// Amounts follow the households: each payment is planned first, each
// allocation covers the payments it funds (plus a little left at the
// project), and each appropriation is what its allocations cite plus, for
// some, money that is never allocated and lies idle in the pool, in whole
// 10,000 yuan. An allocation citing two documents splits at the middle of
// a payment, so that payment, and its household's drip trail, traces back
// to both.

const (
	demoYuan = 100 // fen
	demoWan  = 10_000 * demoYuan
)

// demoAppropriation is an appropriation document and the fen the plan
// draws from it.
type demoAppropriation struct {
	doc     string
	year    int
	level   fund.Level
	purpose string
	at      time.Time
	idle    int64 // yuan (per 300 households) never allocated
	drawn   int64 // fen cited by the allocations planned
	amount  int64 // fen, once every allocation is planned
}

// demoAppropriations are the documents of the demo county's pool. The
// numbers are in the shapes a county sees (the ministry's 财农, Guizhou's
// 黔财农, the county's own), not real documents.
var demoAppropriations = []demoAppropriation{
	{doc: "黔财农〔2014〕47号", year: 2014, level: fund.LevelCentral, at: date(2014, 5, 26),
		purpose: "下达2014年中央财政专项扶贫资金（第一批）/ central special poverty fund 2014, first batch"},
	{doc: "黔财农〔2014〕112号", year: 2014, level: fund.LevelProvincial, at: date(2014, 6, 18), idle: 30_000,
		purpose: "2014年省级财政专项扶贫资金（产业发展）/ provincial poverty fund 2014, industry"},
	{doc: "财农〔2015〕7号", year: 2015, level: fund.LevelCentral, at: date(2015, 1, 26),
		purpose: "2015年中央财政专项扶贫资金（提前下达）/ central special poverty fund 2015, issued in advance"},
	{doc: "威府办发〔2016〕58号", year: 2016, level: fund.LevelIntegrated, at: date(2016, 4, 12),
		purpose: "统筹整合使用财政涉农资金实施方案（2016年）/ agricultural budgets integrated for poverty alleviation, 2016 plan"},
	{doc: "威慈〔2016〕9号", year: 2016, level: fund.LevelDonation, at: date(2016, 10, 24), idle: 120_000,
		purpose: "“10·17扶贫日”社会捐赠，县慈善总会募集 / donations of the 17 October poverty day, through the county charity federation"},
	{doc: "威财农〔2017〕35号", year: 2017, level: fund.LevelCounty, at: date(2017, 3, 8), idle: 200_000,
		purpose: "2017年县级财政专项扶贫资金 / county poverty budget 2017"},
	{doc: "穗协办〔2017〕21号", year: 2017, level: fund.LevelEastWest, at: date(2017, 5, 15),
		purpose: "广州市东西部扶贫协作帮扶资金 / Guangzhou's east–west pairing funds"},
	{doc: "黔财农〔2018〕89号", year: 2018, level: fund.LevelProvincial, at: date(2018, 3, 19),
		purpose: "2018年省级财政专项扶贫资金 / provincial poverty fund 2018"},
	{doc: "财农〔2019〕18号", year: 2019, level: fund.LevelCentral, at: date(2019, 3, 20),
		purpose: "2019年中央财政专项扶贫资金 / central special poverty fund 2019"},
	{doc: "财农〔2020〕6号", year: 2020, level: fund.LevelCentral, at: date(2020, 3, 18), idle: 50_000,
		purpose: "2020年中央财政专项扶贫资金（提前下达）/ central special poverty fund 2020, issued in advance"},
}

// demoProject is a project of the county project database.
type demoProject struct {
	id       string
	name     string
	kind     fund.ProjectKind
	desc     string
	villages []*demoVillage
	town     *demoTown
	actor    demoActor          // proposes, assigns and records acknowledgements
	status   fund.ProjectStatus // where the plan leaves it
	budget   int64              // fen; from the allocations unless set
	allocs   []*demoAlloc
	benef    []*demoHousehold
	paid     int // payments instructed so far, counted as they are sent
}

// demoAlloc is an allocation to a project and the payments it funds.
type demoAlloc struct {
	p      *demoProject
	at     time.Time
	docs   []*demoAppropriation
	pays   []*demoPay // in the order they are instructed
	extra  int64      // fen beyond the payments, left at the project
	amount int64
	first  int64 // fen drawn on docs[0] when two are cited
	ref    string
}

// demoContractor is a contractor a project pays for works.
type demoContractor struct {
	id, name string
	account  fund.BankAccount
}

// demoPay is one payment instruction.
type demoPay struct {
	p          *demoProject
	h          *demoHousehold
	contractor *demoContractor
	yuan       int64
	purpose    fund.Purpose
	period     string
	install    bool
	again      bool // pays again money a failure or reversal brought back
	at         time.Time
	ref        string // known once it is instructed
	settled    time.Time
	kept       bool // settled and never undone: it may be acknowledged
	undone     bool // failed, returned or reversed
	wrong      bool // keyed wrongly, and reversed
}

// demoDue is what a household is to be paid.
type demoDue struct {
	h       *demoHousehold
	yuan    int64
	purpose fund.Purpose
	period  string
	install bool
}

type demoFunds struct {
	fin, cashier demoActor // the county finance bureau's section chief and cashier
	docs         []*demoAppropriation
	byDoc        map[string]*demoAppropriation
	projects     []*demoProject
	pays         []*demoPay
	scale        float64
	bankSeq      int
	// open is the consolidation project still paying today, for the
	// summary's example of a payment made now.
	open *demoProject
	// recent is the document of the current consolidation funds.
	recent string
}

// demoFailures are what the bank says of a payment it does not make; the
// household sorts it out at the bank and is paid again.
var demoFailures = []struct {
	outcome fund.PaymentStatus
	reason  string
}{
	{fund.StatusFailed, "账户已冻结（长期不动户）/ the account was frozen as dormant"},
	{fund.StatusReturned, "一卡通已挂失，银行退回 / the card was reported lost; returned by the bank"},
	{fund.StatusFailed, "账户状态异常（未激活）/ the account was never activated"},
}

func (w *demoWorld) planFunds(n int) {
	f := &demoFunds{byDoc: map[string]*demoAppropriation{}, scale: float64(n) / HouseholdsDefault}
	w.funds = f
	f.fin = w.official("fin", domain.RoleCountyFinance, demoCountyCode)
	f.cashier = w.official("fin", domain.RoleCountyFinance, demoCountyCode)
	for _, d := range demoAppropriations {
		a := d
		f.docs = append(f.docs, &a)
		f.byDoc[a.doc] = &a
	}
	w.consolidationFunds()
	w.walnut()
	w.potato()
	w.herbs()
	w.cattle()
	w.road()
	w.water()
	w.housing()
	w.raindrop()
	w.relocation()
	w.ecommerce()
	w.mushrooms()
	w.roxburgh()
	w.consolidation()
	w.targeted()
	w.acknowledgements()
	w.amounts()
	for _, a := range f.docs {
		w.post(w.workTime(a.at), f.fin, func() string { return "/pools/" + demoCountyCode + "/appropriations" }, func() any {
			return map[string]any{"document": a.doc, "fiscalYear": a.year, "level": a.level, "purpose": a.purpose, "amountFen": a.amount}
		}, nil)
	}
}

// Eligibility, as the ledger will judge it at the instant of the request,
// with a margin of two days either side of every change in the file.

const demoMargin = 48 * time.Hour

// inFile reports whether h is a poor household in the file at t: enrolled
// (or returned, or with its exit still being decided).
func (h *demoHousehold) inFile(t time.Time) bool {
	if h.enrolledAt.IsZero() || h.track == household.StatusRemoved || !t.After(h.enrolledAt.Add(demoMargin)) {
		return false
	}
	if h.exitedAt.IsZero() || t.Before(h.exitedAt.Add(-demoMargin)) {
		return true
	}
	return !h.returnedAt.IsZero() && t.After(h.returnedAt.Add(demoMargin))
}

// payable reports whether h may be paid at t: in the file, or exited less
// than the support period ago (a month's margin).
func (h *demoHousehold) payable(t time.Time) bool {
	if h.inFile(t) {
		return true
	}
	return !h.exitedAt.IsZero() && h.track != household.StatusRemoved && t.After(h.exitedAt.Add(demoMargin)) &&
		t.Before(h.exitedAt.AddDate(fund.DefaultConfig().ExitSupportYears, -1, 0))
}

// students counts h's members at school beyond the compulsory years.
func (h *demoHousehold) students() (secondary, college int) {
	for _, p := range append([]demoPerson{h.head}, h.members...) {
		switch p.schooling {
		case "senior_middle", "vocational":
			secondary++
		case "college":
			college++
		}
	}
	return secondary, college
}

// The projects' lifecycle.

// project opens a project over the villages vs of town t, proposed by the
// village's committee or, for several villages, by the township.
func (w *demoWorld) project(id, name, desc string, kind fund.ProjectKind, t *demoTown, vs []*demoVillage, status fund.ProjectStatus) *demoProject {
	p := &demoProject{id: id, name: name, desc: desc, kind: kind, town: t, villages: vs, status: status, actor: t.official}
	if len(vs) == 1 {
		p.actor = vs[0].committee
	}
	w.funds.projects = append(w.funds.projects, p)
	return p
}

func (p *demoProject) path(suffix string) func() string {
	return func() string { return "/projects/" + p.id + suffix }
}

func (w *demoWorld) proposeProject(p *demoProject, at time.Time) {
	w.post(at, p.actor, func() string { return "/projects" }, func() any {
		codes := make([]string, len(p.villages))
		for i, v := range p.villages {
			codes[i] = v.code
		}
		return map[string]any{"project": p.id, "name": p.name, "kind": p.kind, "villages": codes, "budgetFen": p.budget, "description": p.desc}
	}, nil)
}

func (w *demoWorld) approveProject(p *demoProject, at time.Time) {
	ref := w.decisionRef("威扶领发", at.Year())
	w.post(at, w.pao, p.path("/approve"), fixed(map[string]any{"approvalRef": ref}), nil)
}

// allocate plans an allocation to p at at citing docs, in that order; its
// amount is known once the payments it funds are planned.
func (w *demoWorld) allocate(p *demoProject, at time.Time, docs ...string) *demoAlloc {
	a := &demoAlloc{p: p, at: at, ref: w.decisionRef("威财预", at.Year())}
	for _, d := range docs {
		doc := w.funds.byDoc[d]
		if doc == nil || !doc.at.Before(at) {
			w.fail("demo plan: allocation to %s on %s cites %q, not yet appropriated", p.id, at.Format(time.DateOnly), d)
			continue
		}
		a.docs = append(a.docs, doc)
	}
	p.allocs = append(p.allocs, a)
	w.post(at, w.funds.fin, func() string { return "/pools/" + demoCountyCode + "/allocations" }, func() any {
		draws := []any{map[string]any{"document": a.docs[0].doc, "amountFen": a.amount}}
		if a.first > 0 {
			draws = []any{map[string]any{"document": a.docs[0].doc, "amountFen": a.first},
				map[string]any{"document": a.docs[1].doc, "amountFen": a.amount - a.first}}
		}
		return map[string]any{"project": p.id, "amountFen": a.amount, "approvalRef": a.ref, "draws": draws}
	}, nil)
	return a
}

func (w *demoWorld) fail(format string, args ...any) {
	if w.err == nil {
		w.err = fmt.Errorf(format, args...)
	}
}

// assign makes beneficiaries of share of the households of p's villages
// enrolled at at (all of must, if enrolled), and returns them in file order.
func (w *demoWorld) assignBeneficiaries(p *demoProject, at time.Time, share float64, must ...*demoHousehold) []*demoHousehold {
	var pool, chosen []*demoHousehold
	for _, v := range p.villages {
		for _, h := range v.households {
			switch {
			case !h.inFile(at):
			case slices.Contains(must, h):
				chosen = append(chosen, h)
			default:
				pool = append(pool, h)
			}
		}
	}
	w.rng.Shuffle(len(pool), func(i, j int) { pool[i], pool[j] = pool[j], pool[i] })
	k := int(math.Round(share * float64(len(pool))))
	chosen = append(chosen, pool[:k]...)
	slices.SortFunc(chosen, func(a, b *demoHousehold) int { return compareFiles(a.file, b.file) })
	t := at
	for _, h := range chosen {
		t = t.Add(time.Duration(3+w.rng.IntN(9)) * time.Minute)
		w.post(t, p.actor, p.path("/beneficiaries"), fixed(map[string]any{"household": h.file}), nil)
	}
	p.benef = append(p.benef, chosen...)
	return chosen
}

func compareFiles(a, b string) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// publicize posts p for days from start and returns when it ends.
func (w *demoWorld) publicizeProject(p *demoProject, start time.Time, days int) time.Time {
	end := start.AddDate(0, 0, days)
	place := "威宁县人民政府网站及" + p.villages[0].name + "等村村务公开栏 / the county website and the villages' notice boards"
	w.post(start, w.pao, p.path("/publicity"), fixed(map[string]any{"startsAt": start, "endsAt": end, "place": place}), nil)
	return end
}

func (w *demoWorld) startProject(p *demoProject, at time.Time) {
	w.post(at, w.pao, p.path("/start"), fixed(map[string]any{}), nil)
}

func (w *demoWorld) completeProject(p *demoProject, at time.Time) {
	ref := fmt.Sprintf("竣工报告/%s/%s", p.id, at.Format("2006-01"))
	w.post(at, w.pao, p.path("/complete"), fixed(map[string]any{"reportRef": ref}), nil)
}

func (w *demoWorld) acceptProject(p *demoProject, at time.Time) {
	ref := w.decisionRef("威扶验", at.Year())
	w.post(at, w.pao, p.path("/accept"), fixed(map[string]any{"acceptanceRef": ref}), nil)
}

// launch takes p from its proposal at proposed to its start: approval, a
// first allocation from docs, beneficiaries (share of those enrolled, and
// must), a publicity of ten days. It returns the allocation and the day the
// project started.
func (w *demoWorld) launch(p *demoProject, proposed time.Time, share float64, docs []string, must ...*demoHousehold) (*demoAlloc, time.Time) {
	proposed = w.workTime(proposed)
	w.proposeProject(p, proposed)
	approved := w.later(proposed, 14, 28)
	w.approveProject(p, approved)
	a := w.allocate(p, w.later(approved, 5, 10), docs...)
	assigned := w.later(a.at, 1, 4)
	w.assignBeneficiaries(p, assigned, share, must...)
	end := w.publicizeProject(p, w.later(assigned, 2, 4), 10+w.rng.IntN(3))
	started := w.later(end, 1, 4)
	w.startProject(p, started)
	return a, started
}

// Payments.

// instruct plans a payment funded by a, sent at at.
func (w *demoWorld) instruct(a *demoAlloc, pay *demoPay, at time.Time) *demoPay {
	pay.p, pay.at = a.p, at
	p := a.p
	a.pays = append(a.pays, pay)
	w.funds.pays = append(w.funds.pays, pay)
	w.post(at, w.funds.fin, p.path("/payments"), func() any {
		b := map[string]any{"amountFen": pay.yuan * demoYuan, "purpose": pay.purpose, "period": pay.period}
		if pay.install {
			b["installment"] = true
		}
		if c := pay.contractor; c != nil {
			b["payee"], b["contractor"], b["contractorName"], b["contractorAccount"] = fund.PayeeContractor, c.id, c.name, c.account
		} else {
			b["payee"], b["household"] = fund.PayeeHousehold, pay.h.file
		}
		return b
	}, func(api.CommandResponse) {
		p.paid++
		pay.ref = fund.PaymentRef(mustProject(p.id), p.paid)
	})
	return pay
}

func mustProject(s string) fund.ProjectID {
	id, err := fund.ParseProjectID(s)
	if err != nil {
		panic(fmt.Sprintf("demo: project number %q: %v", s, err))
	}
	return id
}

func (pay *demoPay) path(verb string) func() string {
	return func() string { return "/projects/" + pay.p.id + "/payments/" + pay.ref + "/" + verb }
}

// bankRef is the rural credit cooperative's reference of a bank line.
func (w *demoWorld) bankRef(at time.Time) string {
	w.funds.bankSeq += 1 + w.rng.IntN(40)
	return fmt.Sprintf("WNRCC%s%07d", at.Format("20060102"), w.funds.bankSeq)
}

func (w *demoWorld) settle(pay *demoPay, at time.Time) {
	ref := w.bankRef(at)
	pay.settled, pay.kept = at, true
	w.post(at, w.funds.cashier, pay.path("settle"), fixed(map[string]any{"bankRef": ref}), nil)
}

func (w *demoWorld) bounce(pay *demoPay, at time.Time, outcome fund.PaymentStatus, reason string) {
	ref := w.bankRef(at)
	pay.undone = true
	w.post(at, w.funds.cashier, pay.path("fail"), fixed(map[string]any{"outcome": outcome, "reason": reason, "bankRef": ref}), nil)
}

// disburse pays dues from a on the day at: the instructions one after the
// other, the bank's file two to six days later. A share fail of them come
// back from the bank and are paid again some weeks later. It returns the
// payments, those paid again last.
func (w *demoWorld) disburse(a *demoAlloc, at time.Time, dues []demoDue, fail float64) []*demoPay {
	t := w.workTime(at)
	bank := w.later(t, 2, 6)
	var pays []*demoPay
	for _, d := range dues {
		t = t.Add(time.Duration(2+w.rng.IntN(6)) * time.Minute)
		pays = append(pays, w.instruct(a, &demoPay{h: d.h, yuan: d.yuan, purpose: d.purpose, period: d.period, install: d.install}, t))
	}
	if !bank.Before(w.end) {
		return pays // still at the bank when the demo ends
	}
	b := bank
	for _, pay := range pays[:len(pays):len(pays)] {
		b = b.Add(time.Duration(1+w.rng.IntN(3)) * time.Minute)
		again := w.later(bank, 12, 30)
		if w.chance(fail) && again.Before(w.today.AddDate(0, 0, -10)) && pay.h.payable(again) {
			f := pick(w, demoFailures)
			w.bounce(pay, b, f.outcome, f.reason)
			re := w.instruct(a, &demoPay{h: pay.h, yuan: pay.yuan, purpose: pay.purpose, period: pay.period, install: pay.install, again: true}, again)
			w.settle(re, w.later(again, 2, 5))
			pays = append(pays, re)
			continue
		}
		w.settle(pay, b)
	}
	return pays
}

// payable keeps the dues whose household may be paid at at.
func payable(dues []demoDue, at time.Time) []demoDue {
	var out []demoDue
	for _, d := range dues {
		if d.h.payable(at) {
			out = append(out, d)
		}
	}
	return out
}

// The projects.

func (w *demoWorld) town(pinyin string) *demoTown {
	for _, t := range w.towns {
		if t.pinyin == pinyin {
			return t
		}
	}
	panic("demo: no township " + pinyin)
}

// walnut: Zhejue's walnut orchards of 2014, from the first central and the
// provincial documents of the year.
func (w *demoWorld) walnut() {
	t := w.town("zhejue")
	p := w.project("520526-2014-0003", "哲觉镇2014年核桃产业扶贫项目 / Zhejue walnut orchards 2014",
		"按每亩800元补助核桃苗木及管护 / 800 yuan a mu for walnut saplings and their care", fund.KindIndustry, t, t.villages, fund.StatusAccepted)
	a, started := w.launch(p, date(2014, 6, 23), 0.8, []string{"黔财农〔2014〕47号", "黔财农〔2014〕112号"})
	var dues []demoDue
	for _, h := range p.benef {
		dues = append(dues, demoDue{h: h, yuan: 800 * int64(w.between(2, 5)), purpose: fund.PurposeProductionSubsidy, period: "2014"})
	}
	w.disburse(a, w.later(started, 30, 45), payable(dues, w.later(started, 30, 30)), 0)
	done := w.dayIn(date(2015, 3, 9), date(2015, 3, 20))
	w.completeProject(p, done)
	w.acceptProject(p, w.later(done, 20, 35))
}

// potato: certified seed potatoes in 2015, in the township of the household
// whose account was mistyped: its payment comes back from the bank, and is
// paid again once the complaint it made had the account corrected.
func (w *demoWorld) potato() {
	var acct *demoHousehold
	for _, h := range w.households {
		if h.special == "account" && !h.accountFixedAt.IsZero() {
			acct = h
		}
	}
	t := w.town("yina")
	if acct != nil {
		t = acct.v.town
	}
	p := w.project("520526-2015-0011", t.name+"2015年马铃薯良种推广项目 / certified seed potatoes 2015, "+t.pinyin,
		"脱毒马铃薯良种每亩补助300元 / 300 yuan a mu of virus-free seed potatoes", fund.KindIndustry, t, t.villages, fund.StatusAccepted)
	var must []*demoHousehold
	if acct != nil {
		must = append(must, acct)
	}
	a, started := w.launch(p, date(2015, 2, 9), 0.8, []string{"财农〔2015〕7号", "黔财农〔2014〕112号"}, must...)
	at := w.later(started, 10, 20)
	var dues []demoDue
	var mistyped *demoDue
	for _, h := range p.benef {
		d := demoDue{h: h, yuan: 300 * int64(w.between(3, 6)), purpose: fund.PurposeProductionSubsidy, period: "2015"}
		if h == acct {
			mistyped = &d
			continue
		}
		dues = append(dues, d)
	}
	w.disburse(a, at, payable(dues, at), 0.05)
	if mistyped != nil && acct.payable(at) && acct.payable(acct.accountFixedAt.AddDate(0, 0, 10)) {
		pay := w.instruct(a, &demoPay{h: acct, yuan: mistyped.yuan, purpose: mistyped.purpose, period: mistyped.period}, at.Add(-20*time.Minute))
		w.bounce(pay, w.later(at, 3, 5), fund.StatusReturned, "账号不存在（户名与账号不符），银行退回 / no such account (name and number do not match); returned by the bank")
		again := w.later(acct.accountFixedAt, 3, 8)
		re := w.instruct(a, &demoPay{h: acct, yuan: mistyped.yuan, purpose: mistyped.purpose, period: mistyped.period, again: true}, again)
		w.settle(re, w.later(again, 2, 4))
	}
	done := w.dayIn(date(2015, 9, 14), date(2015, 9, 25))
	w.completeProject(p, done)
	w.acceptProject(p, w.later(done, 15, 30))
}

// herbs: Shimen's codonopsis (党参) of 2016, completed but not yet
// accepted.
func (w *demoWorld) herbs() {
	t := w.town("shimen")
	p := w.project("520526-2016-0007", "石门乡2016年党参种植项目 / Shimen codonopsis (herbal medicine) 2016",
		"党参种苗及地膜每亩补助1000元 / 1,000 yuan a mu for codonopsis seedlings and mulch film", fund.KindIndustry, t, t.villages, fund.StatusCompleted)
	a, started := w.launch(p, date(2016, 4, 18), 0.8, []string{"威府办发〔2016〕58号"})
	var dues []demoDue
	at := w.later(started, 7, 15)
	for _, h := range p.benef {
		dues = append(dues, demoDue{h: h, yuan: 1000*int64(w.between(1, 3)) + 100*int64(w.between(0, 5)), purpose: fund.PurposeProductionSubsidy, period: "2016"})
	}
	w.disburse(a, at, payable(dues, at), 0.04)
	w.completeProject(p, w.dayIn(date(2017, 9, 11), date(2017, 9, 22)))
}

// cattle: Yina's beef cattle, paid in two installments (on purchase in 2016,
// on the herd's inspection in 2017); one payment was keyed with a zero too
// many, settled, found at reconciliation, reversed and paid right.
func (w *demoWorld) cattle() {
	t := w.town("yina")
	p := w.project("520526-2016-0015", "迤那镇2016年肉牛养殖扶贫项目 / Yina beef cattle 2016",
		"每头能繁母牛补助5000元，分购牛和验收两期拨付 / 5,000 yuan a breeding cow, paid on purchase and on inspection", fund.KindIndustry, t, t.villages, fund.StatusAccepted)
	a, started := w.launch(p, date(2016, 5, 3), 0.7, []string{"威府办发〔2016〕58号"})
	heads := map[*demoHousehold]int64{}
	var dues []demoDue
	at := w.later(started, 10, 20)
	for _, h := range p.benef {
		heads[h] = int64(w.between(1, 2))
		dues = append(dues, demoDue{h: h, yuan: 3000 * heads[h], purpose: fund.PurposeProductionSubsidy, period: "2016"})
	}
	dues = payable(dues, at)
	first := map[*demoHousehold]bool{}
	for _, d := range dues {
		first[d.h] = true
	}
	if len(dues) > 0 {
		d := dues[0]
		dues = dues[1:]
		wrong := w.instruct(a, &demoPay{h: d.h, yuan: d.yuan * 10, purpose: d.purpose, period: d.period}, w.workTime(at).Add(-30*time.Minute))
		settled := w.later(at, 2, 4)
		w.settle(wrong, settled)
		wrong.kept, wrong.undone, wrong.wrong = false, true, true
		reversed := w.later(settled, 18, 28)
		w.post(reversed, w.funds.fin, wrong.path("reverse"), fixed(map[string]any{
			"reason": fmt.Sprintf("录入金额多一个零：应付%d元误录为%d元，月末对账发现，已与农户核实退回 / keyed %d yuan for %d; found at the month's reconciliation, and the household returned it",
				d.yuan, d.yuan*10, d.yuan*10, d.yuan)}), nil)
		right := w.instruct(a, &demoPay{h: d.h, yuan: d.yuan, purpose: d.purpose, period: d.period, again: true}, w.later(reversed, 1, 2))
		w.settle(right, w.later(right.at, 2, 4))
	}
	w.disburse(a, at, dues, 0.04)
	b := w.allocate(p, w.dayIn(date(2017, 3, 20), date(2017, 3, 24)), "威财农〔2017〕35号", "威慈〔2016〕9号")
	at = w.later(b.at, 14, 20)
	dues = nil
	for _, h := range p.benef {
		dues = append(dues, demoDue{h: h, yuan: 2000*heads[h] + 100*int64(w.between(0, 4)), purpose: fund.PurposeProductionSubsidy, period: "2016", install: first[h]})
	}
	w.disburse(b, at, payable(dues, at), 0.04)
	done := w.dayIn(date(2017, 10, 9), date(2017, 10, 20))
	w.completeProject(p, done)
	w.acceptProject(p, w.later(done, 20, 30))
}

// road: a hamlet road in one of Caohai's villages, paid to its contractor in
// three parts: on progress, on acceptance, and the warranty a year later.
func (w *demoWorld) road() {
	t := w.town("caohai")
	v := t.villages[0]
	for _, x := range t.villages {
		if len(x.households) > len(v.households) {
			v = x
		}
	}
	p := w.project("520526-2017-0004", v.name+"组组通硬化路 / hardened hamlet roads, "+v.pinyin,
		"新建硬化路4.3公里，宽4.5米 / 4.3 km of new hardened road, 4.5 m wide", fund.KindInfrastructure, t, []*demoVillage{v}, fund.StatusAccepted)
	a, started := w.launch(p, date(2017, 3, 27), 1, []string{"威财农〔2017〕35号", "威府办发〔2016〕58号"})
	c := &demoContractor{id: "91520526MA6DL8QX4K", name: "威宁县鑫达路桥工程有限公司 (contractor)",
		account: fund.BankAccount{Number: "52050165373600000217", Bank: "中国建设银行威宁支行", HolderName: "威宁县鑫达路桥工程有限公司"}}
	const contract = 1_290_000
	parts := []struct {
		at   time.Time
		yuan int64
	}{{w.later(started, 60, 70), contract * 6 / 10}, {w.dayIn(date(2018, 1, 8), date(2018, 1, 19)), contract * 3 / 10},
		{w.dayIn(date(2019, 1, 7), date(2019, 1, 18)), contract / 10}}
	for _, part := range parts {
		pay := w.instruct(a, &demoPay{contractor: c, yuan: part.yuan, purpose: fund.PurposeWorks, period: part.at.Format("2006-01")}, part.at)
		w.settle(pay, w.later(part.at, 1, 3))
		pay.kept = false // contractors do not acknowledge in person
	}
	done := w.dayIn(date(2017, 11, 13), date(2017, 11, 24))
	w.completeProject(p, done)
	w.acceptProject(p, w.later(done, 20, 30))
}

// water: Zhejue's water cellars, subsidized by capacity once built.
func (w *demoWorld) water() {
	t := w.town("zhejue")
	p := w.project("520526-2017-0012", "哲觉镇2017年小水窖建设项目 / Zhejue water cellars 2017",
		"每立方米补助60元，先建后补 / 60 yuan a cubic metre, paid once built", fund.KindInfrastructure, t, t.villages, fund.StatusAccepted)
	a, started := w.launch(p, date(2017, 5, 22), 0.6, []string{"穗协办〔2017〕21号", "威财农〔2017〕35号"})
	done := w.later(started, 110, 125)
	w.completeProject(p, done)
	at := w.later(done, 10, 20)
	var dues []demoDue
	for _, h := range p.benef {
		dues = append(dues, demoDue{h: h, yuan: 60 * int64(pick(w, []int{20, 25, 30, 30, 40})), purpose: fund.PurposeProductionSubsidy, period: "2017"})
	}
	w.disburse(a, at, payable(dues, at), 0.04)
	w.acceptProject(p, w.later(at, 40, 60))
}

// housing: Caohai's dangerous houses renovated in 2017, built first and
// subsidized after acceptance, by the grade of danger.
func (w *demoWorld) housing() {
	t := w.town("caohai")
	p := w.project("520526-2017-0020", "草海镇2017年农村危房改造项目 / Caohai dangerous-housing renovation 2017",
		"D级拆除重建补助2万元，C级加固维修1万元，B级5000元，先建后补 / grade D rebuilt 20,000 yuan, C repaired 10,000, B 5,000; paid after acceptance",
		fund.KindHousing, t, t.villages, fund.StatusAccepted)
	a, started := w.launch(p, date(2017, 4, 10), 0.4, []string{"威财农〔2017〕35号", "财农〔2015〕7号"})
	done := w.later(started, 150, 165)
	w.completeProject(p, done)
	accepted := w.later(done, 20, 30)
	w.acceptProject(p, accepted)
	at := w.later(accepted, 14, 25)
	var dues []demoDue
	for _, h := range p.benef {
		dues = append(dues, demoDue{h: h, yuan: int64(pick(w, []int{20_000, 10_000, 10_000, 5_000, 5_000})), purpose: fund.PurposeHousingSubsidy, period: "2017"})
	}
	w.disburse(a, at, payable(dues, at), 0.04)
}

// raindrop: Shimen's raindrop plan from 2018, still running: a student's
// aid per term (the autumn term a further installment of the year), and a
// one-off training allowance for those with no student.
func (w *demoWorld) raindrop() {
	t := w.town("shimen")
	p := w.project("520526-2018-0006", "石门乡雨露计划（2018—2020）/ Shimen raindrop plan 2018–2020",
		"中职、高中学生每学期1500元，大学生每学期2500元；劳动力短期技能培训每天40元 / 1,500 yuan a term for secondary students, 2,500 for college; 40 yuan a day of short training",
		fund.KindEducation, t, t.villages, fund.StatusImplementing)
	a, started := w.launch(p, date(2018, 3, 12), 0.7, []string{"黔财农〔2018〕89号", "威慈〔2016〕9号"})
	term := func(h *demoHousehold) int64 {
		sec, col := h.students()
		return 1500*int64(sec) + 2500*int64(col)
	}
	terms := func(a *demoAlloc, year int, spring, autumn time.Time, first bool) {
		var dues []demoDue
		for _, h := range p.benef {
			switch {
			case term(h) > 0:
				dues = append(dues, demoDue{h: h, yuan: term(h), purpose: fund.PurposeEducationSubsidy, period: fmt.Sprint(year)})
			case first:
				dues = append(dues, demoDue{h: h, yuan: 40 * int64(w.between(10, 30)), purpose: fund.PurposeEducationSubsidy, period: fmt.Sprint(year)})
			}
		}
		paid := map[*demoHousehold]bool{}
		for _, pay := range w.disburse(a, spring, payable(dues, spring), 0.04) {
			paid[pay.h] = true
		}
		if autumn.IsZero() {
			return
		}
		var later []demoDue
		for _, d := range dues {
			if term(d.h) > 0 {
				d.install = paid[d.h]
				later = append(later, d)
			}
		}
		w.disburse(a, autumn, payable(later, autumn), 0.04)
	}
	terms(a, 2018, w.later(started, 5, 10), w.dayIn(date(2018, 9, 17), date(2018, 9, 28)), true)
	b := w.allocate(p, w.dayIn(date(2019, 4, 8), date(2019, 4, 12)), "财农〔2019〕18号")
	terms(b, 2019, w.dayIn(date(2019, 4, 22), date(2019, 4, 30)), w.dayIn(date(2019, 9, 16), date(2019, 9, 27)), false)
	c := w.allocate(p, w.dayIn(date(2020, 4, 7), date(2020, 4, 10)), "财农〔2020〕6号")
	terms(c, 2020, w.dayIn(date(2020, 4, 20), date(2020, 4, 30)), time.Time{}, false)
}

// relocation: Zhejue's households moved to the county town's resettlement
// site, half the award on moving in (2019), half on the old house's
// demolition (2020, some still at the bank when the demo ends). A villager
// objected during the publicity; the county dismissed it before the start.
func (w *demoWorld) relocation() {
	t := w.town("zhejue")
	p := w.project("520526-2019-0009", "哲觉镇2019年易地扶贫搬迁（五里岗安置点）/ Zhejue relocation to the Wuligang site 2019",
		"搬迁入住及拆旧复垦奖补每人4000元，分两期 / 4,000 yuan a person on moving in and on demolishing the old house, in two parts",
		fund.KindRelocation, t, t.villages, fund.StatusImplementing)
	proposed := w.workTime(date(2019, 3, 11))
	w.proposeProject(p, proposed)
	approved := w.later(proposed, 20, 25)
	w.approveProject(p, approved)
	a := w.allocate(p, w.later(approved, 5, 8), "财农〔2019〕18号", "黔财农〔2018〕89号")
	w.assignBeneficiaries(p, w.later(a.at, 1, 3), 0.5)
	start := w.later(a.at, 6, 8)
	end := w.publicizeProject(p, start, 10)
	raised := w.later(start, 3, 4)
	w.post(raised, p.actor, p.path("/objections"), fixed(map[string]any{"raisedBy": w.villager(),
		"statement": "搬迁名单中有一户在县城已有住房 / one household on the list already has a house in town"}), nil)
	resolved := w.later(end, 4, 8)
	w.post(resolved, w.pao, p.path("/objections/1/resolve"), fixed(map[string]any{"outcome": fund.OutcomeDismissed,
		"reason": "经住建、不动产登记核查，该房屋属已分户的子女所有 / the housing and property registers show the house is a married son's, a separate household"}), nil)
	started := w.later(resolved, 2, 5)
	w.startProject(p, started)
	persons := func(h *demoHousehold) int64 { return int64(1 + len(h.members)) }
	at := w.dayIn(date(2019, 10, 14), date(2019, 10, 25))
	var dues []demoDue
	for _, h := range p.benef {
		dues = append(dues, demoDue{h: h, yuan: 2000 * persons(h), purpose: fund.PurposeRelocation, period: "2019"})
	}
	paid := map[*demoHousehold]bool{}
	for _, pay := range w.disburse(a, at, payable(dues, at), 0.04) {
		paid[pay.h] = true
	}
	b := w.allocate(p, w.dayIn(date(2020, 4, 7), date(2020, 4, 10)), "财农〔2020〕6号")
	var rest []demoDue
	for _, d := range dues {
		if paid[d.h] {
			d.install = true
			rest = append(rest, d)
		}
	}
	if len(rest) > 0 { // the first demolished: instructed in April, never answered by the bank
		d := rest[0]
		w.instruct(b, &demoPay{h: d.h, yuan: d.yuan, purpose: d.purpose, period: d.period, install: true}, w.dayIn(date(2020, 4, 20), date(2020, 4, 24)))
		rest = rest[1:]
	}
	at = w.dayIn(date(2020, 6, 15), date(2020, 6, 17))
	rest = payable(rest, at)
	w.disburse(b, at, rest[:len(rest)/2], 0)
	last := w.dayIn(date(2020, 6, 26), date(2020, 6, 29))
	for _, d := range rest[len(rest)/2:] { // the last, still at the bank
		last = last.Add(time.Duration(2+w.rng.IntN(6)) * time.Minute)
		w.instruct(b, &demoPay{h: d.h, yuan: d.yuan, purpose: d.purpose, period: d.period, install: true}, last)
	}
}

// recentID is the number of a project proposed at at.
func recentID(at time.Time, n int) string { return fmt.Sprintf("520526-%d-%04d", at.Year(), n) }

// consolidationFunds are the documents of the consolidation years: the
// central fund for linking the consolidation of poverty alleviation with
// rural revitalisation (衔接推进乡村振兴补助资金), of 2021 (some of it
// idle) and of this year's spring, which the recent projects draw on.
func (w *demoWorld) consolidationFunds() {
	f := w.funds
	at := w.dayIn(w.today.AddDate(0, 0, -230), w.today.AddDate(0, 0, -220))
	docs := []demoAppropriation{
		{doc: "财农〔2021〕9号", year: 2021, level: fund.LevelCentral, at: date(2021, 3, 16), idle: 40_000,
			purpose: "2021年中央财政衔接推进乡村振兴补助资金 / central fund for consolidating poverty alleviation and rural revitalisation 2021"},
		{doc: fmt.Sprintf("财农〔%d〕11号", at.Year()), year: at.Year(), level: fund.LevelCentral, at: at,
			purpose: fmt.Sprintf("%d年中央财政衔接推进乡村振兴补助资金 / central fund for consolidating poverty alleviation and rural revitalisation %d", at.Year(), at.Year())},
	}
	for i := range docs {
		a := &docs[i]
		f.docs = append(f.docs, a)
		f.byDoc[a.doc] = a
	}
	f.recent = docs[1].doc
}

// consolidation: the industry awards of the consolidation years for the
// households still in the file and those that fell back: launched some
// months ago, paid twice since, implementing today with money left at the
// project for the next payment.
func (w *demoWorld) consolidation() {
	t := w.town("yina")
	proposed := w.ago(150, 155)
	p := w.project(recentID(proposed, 3), t.name+"巩固脱贫成果产业奖补项目 / Yina industry awards, consolidating the gains",
		"脱贫户、监测户发展种养业每户奖补1000至3000元 / 1,000–3,000 yuan a household for crops and livestock", fund.KindIndustry, t, t.villages, fund.StatusImplementing)
	a, started := w.launch(p, proposed, 0.9, []string{w.funds.recent})
	a.extra = 300_000 * demoYuan // the payments still to come
	w.funds.open = p
	at := w.later(started, 5, 10)
	period := fmt.Sprint(at.Year())
	var dues []demoDue
	for _, h := range p.benef {
		dues = append(dues, demoDue{h: h, yuan: 1000 * int64(w.between(1, 3)), purpose: fund.PurposeProductionSubsidy, period: period})
	}
	paid := map[*demoHousehold]bool{}
	for _, pay := range w.disburse(a, at, payable(dues, at), 0.04) {
		paid[pay.h] = true
	}
	at = w.ago(18, 24)
	var more []demoDue
	for _, d := range dues {
		if paid[d.h] {
			d.install, d.yuan = true, d.yuan/2
			more = append(more, d)
		}
	}
	w.disburse(a, at, payable(more, at), 0)
}

// ecommerce: proposed in the last weeks, not yet approved.
func (w *demoWorld) ecommerce() {
	t := w.town("yina")
	proposed := w.ago(8, 12)
	p := w.project(recentID(proposed, 2), "迤那镇农村电商服务站建设项目 / Yina rural e-commerce service stations",
		"每村建设电商服务站1个，带动贫困户网销马铃薯 / a station in each village, selling the households' potatoes online", fund.KindECommerce, t, t.villages, fund.StatusProposed)
	p.budget = 480_000 * demoYuan
	w.proposeProject(p, proposed)
}

// mushrooms: approved this year and allocated, waiting for its publicity.
func (w *demoWorld) mushrooms() {
	t := w.town("zhejue")
	v := t.villages[len(t.villages)-1]
	proposed := w.ago(70, 75)
	p := w.project(recentID(proposed, 5), v.name+"食用菌大棚项目 / mushroom greenhouses, "+v.pinyin,
		"建设食用菌大棚20个，贫困户入股分红 / 20 mushroom greenhouses; the households hold shares", fund.KindIndustry, t, []*demoVillage{v}, fund.StatusApproved)
	w.proposeProject(p, proposed)
	approved := w.later(proposed, 30, 40)
	w.approveProject(p, approved)
	a := w.allocate(p, w.later(approved, 10, 15), w.funds.recent)
	a.extra = 260_000 * demoYuan // twenty greenhouses, whatever the households
	w.assignBeneficiaries(p, w.later(a.at, 2, 5), 0.8)
}

// roxburgh: Shimen's Rosa roxburghii (刺梨) orchards, in publicity today.
func (w *demoWorld) roxburgh() {
	t := w.town("shimen")
	proposed := w.ago(75, 80)
	p := w.project(recentID(proposed, 8), "石门乡刺梨种植项目 / Shimen Rosa roxburghii orchards",
		"刺梨苗木每亩补助600元 / 600 yuan a mu for Rosa roxburghii saplings", fund.KindIndustry, t, t.villages, fund.StatusPublicized)
	w.proposeProject(p, proposed)
	approved := w.later(proposed, 28, 32)
	w.approveProject(p, approved)
	a := w.allocate(p, w.later(approved, 5, 8), w.funds.recent)
	a.extra = 180_000 * demoYuan
	assigned := w.later(a.at, 2, 4)
	w.assignBeneficiaries(p, assigned, 0.6)
	w.publicizeProject(p, w.ago(2, 4), 10)
}

// targeted makes sure no project pays every household of a village the
// same for a period (at least three of them): help is sized to the
// household, and a flat share is what auditors flag. Where the draws made
// one, the last household's amounts grow by a tenth.
func (w *demoWorld) targeted() {
	type group struct {
		amounts map[int64]bool
		last    *demoHousehold
		files   map[*demoHousehold]bool
	}
	groups := map[string]*group{}
	var keys []string
	key := func(pay *demoPay) string { return pay.p.id + "|" + pay.period + "|" + pay.h.v.code }
	wrong := map[string]bool{} // a household whose payment was keyed wrongly keeps its amount, which the reversal names
	for _, pay := range w.funds.pays {
		if pay.wrong {
			wrong[key(pay)+"|"+pay.h.file] = true
		}
	}
	for _, pay := range w.funds.pays {
		if pay.h == nil || pay.undone {
			continue
		}
		k := key(pay)
		g := groups[k]
		if g == nil {
			g = &group{amounts: map[int64]bool{}, files: map[*demoHousehold]bool{}}
			groups[k] = g
			keys = append(keys, k)
		}
		g.amounts[pay.yuan], g.files[pay.h] = true, true
		if !wrong[k+"|"+pay.h.file] {
			g.last = pay.h
		}
	}
	for _, k := range keys {
		g := groups[k]
		if len(g.files) < 3 || len(g.amounts) > 1 || g.last == nil {
			continue
		}
		for _, pay := range w.funds.pays {
			if pay.h == g.last && !pay.wrong && key(pay) == k {
				pay.yuan += max(100, pay.yuan/10/100*100)
			}
		}
	}
}

// acknowledgements: about half the settled household payments are signed
// or thumbprinted for in person, with a photograph of the receipt; three
// of them, in different projects, for less than was paid, which opens a
// complaint by itself. The desk takes up the first.
func (w *demoWorld) acknowledgements() {
	type ack struct {
		pay *demoPay
		at  time.Time
	}
	var acks []ack
	for _, pay := range w.funds.pays {
		if !pay.kept || pay.h == nil || !w.chance(0.5) {
			continue
		}
		at := w.later(pay.settled, 7, 45)
		if !at.Before(w.today) {
			continue
		}
		acks = append(acks, ack{pay, at})
	}
	short := map[*demoPay]int64{}
	projects := map[*demoProject]bool{}
	for _, i := range w.rng.Perm(len(acks)) {
		a := acks[i]
		if len(short) == 3 || projects[a.pay.p] || a.pay.yuan < 1000 {
			continue
		}
		projects[a.pay.p] = true
		short[a.pay] = min(a.pay.yuan/4, int64(pick(w, []int{200, 300, 500, 1000, 2000})))
	}
	var first *ack
	for i, a := range acks {
		pay, h := a.pay, a.pay.h
		got := pay.yuan - short[pay]
		kind := fund.EvidenceSignature
		if h.head.education == "illiterate" {
			kind = fund.EvidenceThumbprint
		}
		ref := fmt.Sprintf("领款签收单/%s/%s/%s", pay.p.id, h.file, a.at.Format("20060102"))
		sum := sha256.Sum256([]byte(ref + "/photo.jpg"))
		actor := pay.p.actor
		w.post(a.at, actor, pay.path("acknowledge"), fixed(map[string]any{"acknowledgedFen": got * demoYuan,
			"evidence": map[string]any{"kind": kind, "ref": ref, "photoSha256": hex.EncodeToString(sum[:])}}), nil)
		if short[pay] > 0 && (first == nil || a.at.Before(first.at)) {
			first = &acks[i]
		}
	}
	if first == nil {
		return
	}
	pay, town := first.pay, first.pay.h.v.town
	id := func(verb string) func() string {
		return func() string {
			c, err := fund.ComplaintID(pay.ref)
			if err != nil {
				panic(err)
			}
			return "/complaints/" + c.String() + "/" + verb
		}
	}
	at := w.later(first.at, 1, 1)
	w.post(at, w.desk, id("acknowledge"), fixed(map[string]any{}), nil)
	at = w.later(at, 1, 2)
	w.post(at, w.desk, id("assign"), fixed(map[string]any{"officerId": town.official.user, "unit": town.name + "人民政府"}), nil)
	w.post(w.later(at, 2, 4), town.official, id("notes"), fixed(map[string]any{
		"text": fmt.Sprintf("入户核实：农户称实收%d元，差额被村民小组长以“合作社入股”名义收取，无农户签字 / the household says it got %d yuan; the group leader took the rest as a 'cooperative share', with no signed consent",
			pay.yuan-short[pay], pay.yuan-short[pay])}), nil)
}

// amounts sizes every allocation to the payments it funds and every
// appropriation to what is drawn on it plus what lies idle.
func (w *demoWorld) amounts() {
	f := w.funds
	for _, p := range f.projects {
		var total int64
		for _, a := range p.allocs {
			var need int64
			var first []int64 // the payments that spend new money, in order
			for _, pay := range a.pays {
				if !pay.again {
					need += pay.yuan * demoYuan
					first = append(first, pay.yuan*demoYuan)
				}
			}
			need += a.extra
			a.amount = roundUp(need+max(need*3/100, 5_000*demoYuan), 1_000*demoYuan)
			if len(a.docs) == 2 && len(first) > 0 {
				m := len(first) / 2
				for _, x := range first[:m] {
					a.first += x
				}
				a.first += first[m] / 2
			}
			if len(a.docs) == 2 && (a.first <= 0 || a.first >= a.amount) {
				a.first = 0
			}
			if a.first > 0 {
				a.docs[0].drawn += a.first
				a.docs[1].drawn += a.amount - a.first
			} else {
				a.docs[0].drawn += a.amount
			}
			total += a.amount
		}
		if p.budget == 0 {
			p.budget = roundUp(total+total/10, demoWan)
		}
	}
	for _, a := range f.docs {
		idle := int64(math.Round(float64(a.idle)*f.scale)) * demoYuan
		a.amount = max(roundUp(a.drawn+idle, demoWan), demoWan)
	}
}

func roundUp(x, unit int64) int64 { return (x + unit - 1) / unit * unit }

// Money is the fund ledger as a load left it, read from the funds read
// model once it has caught up with the log.
type Money struct {
	Appropriations  int
	AppropriatedFen domain.Fen
	AllocatedFen    domain.Fen
	SettledFen      domain.Fen // with payees, not reversed
	InTransitFen    domain.Fen // at the bank
	ReturnedFen     domain.Fen // failed or returned by the bank
	ReversedFen     domain.Fen
	IdlePoolFen     domain.Fen // never allocated
	IdleProjectFen  domain.Fen // allocated, not yet paid out
	IdleOldFen      domain.Fen // idle, of appropriations received more than two years before the end
	// Payments counts every instruction; HouseholdPayments those to
	// households, of which Acknowledged were acknowledged in person and
	// Short for less than paid.
	Payments, HouseholdPayments, Acknowledged, Short int
	// Projects are the projects' statuses in the read model, Planned what
	// the plan meant them to be.
	Projects, Planned map[string]fund.ProjectStatus
	// Example is a household paid from two appropriation documents, Docs.
	Example     string
	ExampleDocs []string
}

// IdleFen is what is neither paid out nor at the bank.
func (m Money) IdleFen() domain.Fen { return m.IdlePoolFen + m.IdleProjectFen }

// money reads the ledger from the read model as of now, once it has applied
// every event in store.
func (w *demoWorld) money(ctx context.Context, store events.Store, v Ledger, now time.Time) (Money, error) {
	m := Money{Projects: map[string]fund.ProjectStatus{}, Planned: map[string]fund.ProjectStatus{}}
	head, err := store.Head(ctx)
	if err != nil {
		return m, err
	}
	if err := v.WaitFor(ctx, head); err != nil {
		return m, err
	}
	j, err := domain.ParseJurisdiction(demoCountyCode)
	if err != nil {
		return m, err
	}
	county, err := fund.ParseCounty(demoCountyCode)
	if err != nil {
		return m, err
	}
	pool, err := v.Pool(j, county, now)
	if err != nil {
		return m, err
	}
	m.Appropriations = len(pool.Appropriations)
	for _, a := range pool.Appropriations {
		m.AppropriatedFen += a.AmountFen
		m.AllocatedFen += a.AllocatedFen
		m.SettledFen += a.SettledFen
		m.InTransitFen += a.InTransitFen
		m.ReturnedFen += a.ReturnedFen
		m.ReversedFen += a.ReversedFen
		m.IdlePoolFen += a.InPoolFen
		m.IdleProjectFen += a.AtProjectFen
		if a.IdleDays > 2*365 {
			m.IdleOldFen += a.IdleFen
		}
	}
	for _, p := range w.funds.projects {
		s, err := v.Project(j, mustProject(p.id))
		if err != nil {
			return m, err
		}
		m.Projects[p.id], m.Planned[p.id] = s.Status, p.status
		m.Payments += s.Payments.Payments
	}
	files := make([]string, 0, len(w.households))
	for _, h := range w.households {
		files = append(files, h.file)
	}
	slices.Sort(files)
	var fallback string
	var fallbackDocs []string
	for _, file := range files {
		f, err := domain.ParseFileNumber(file)
		if err != nil {
			return m, err
		}
		t, err := v.DripTrail(j, f, 0, funds.PageLenMax)
		if err != nil {
			return m, err
		}
		m.HouseholdPayments += t.Totals.Payments
		for _, p := range t.Payments {
			if a := p.Acknowledged; a != nil {
				m.Acknowledged++
				if a.ShortfallFen > 0 {
					m.Short++
				}
			}
			if docs := lotDocuments(p.Lots); m.Example == "" && p.Status == fund.StatusSettled && len(docs) >= 2 {
				m.Example, m.ExampleDocs = file, docs
			}
		}
		var docs []string
		for _, d := range t.Documents {
			if d.ReceivedFen > 0 {
				docs = append(docs, d.Document)
			}
		}
		if fallback == "" && len(docs) >= 2 {
			fallback, fallbackDocs = file, docs
		}
	}
	if m.Example == "" {
		m.Example, m.ExampleDocs = fallback, fallbackDocs
	}
	return m, nil
}

// lotDocuments are the distinct documents of a payment's lots, in order.
func lotDocuments(lots []funds.LotTrail) []string {
	var out []string
	for _, l := range lots {
		if !slices.Contains(out, l.Document) {
			out = append(out, l.Document)
		}
	}
	return out
}

func (m Money) print(w io.Writer) {
	if m.Appropriations == 0 {
		return
	}
	fmt.Fprintf(w, "Money in pool %s: %d appropriation documents, %d projects, %d payments (%d to households), in yuan:\n",
		demoCountyCode, m.Appropriations, len(m.Projects), m.Payments, m.HouseholdPayments)
	row := func(name string, f domain.Fen, note string) {
		fmt.Fprintf(w, "  %-13s %15s", name, f.Grouped())
		if note != "" {
			fmt.Fprint(w, "  "+note)
		}
		fmt.Fprintln(w)
	}
	row("appropriated", m.AppropriatedFen, "")
	row("allocated", m.AllocatedFen, "to projects")
	row("paid", m.SettledFen+m.InTransitFen, "settled and in transit")
	row("settled", m.SettledFen, "credited to the payees' accounts")
	row("in transit", m.InTransitFen, "instructed, not yet answered by the bank")
	row("returned", m.ReturnedFen, "failed or returned by the bank, back at the project (and paid again)")
	row("reversed", m.ReversedFen, "an erroneous payment, taken back")
	row("idle", m.IdleFen(), fmt.Sprintf("%s in the pool, %s at projects; %s of it appropriated over two years ago",
		m.IdlePoolFen.Grouped(), m.IdleProjectFen.Grouped(), m.IdleOldFen.Grouped()))
	fmt.Fprintf(w, "Acknowledged in person: %d household payments, %d of them for less than paid (each opened a complaint).\n", m.Acknowledged, m.Short)
	by := CountBy(m.Projects)
	fmt.Fprint(w, "Projects by status:")
	for _, st := range ProjectStatuses {
		fmt.Fprintf(w, " %s %d", st, by[st])
	}
	fmt.Fprintln(w)
}

// ProjectStatuses are the project statuses in lifecycle order.
var ProjectStatuses = []fund.ProjectStatus{fund.StatusProposed, fund.StatusApproved, fund.StatusPublicized,
	fund.StatusImplementing, fund.StatusCompleted, fund.StatusAccepted}
