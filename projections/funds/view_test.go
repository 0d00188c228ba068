package funds_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/drip-ledger/drip/domain"
	"github.com/drip-ledger/drip/domain/complaint"
	"github.com/drip-ledger/drip/domain/fund"
	"github.com/drip-ledger/drip/domain/household"
	"github.com/drip-ledger/drip/events"
	"github.com/drip-ledger/drip/projections/funds"
)

var (
	cst      = time.FixedZone("CST", 8*3600)
	t0       = time.Date(2026, 3, 2, 9, 0, 0, 0, cst)
	pubStart = t0.AddDate(0, 0, 1)
	pubEnd   = pubStart.AddDate(0, 0, 10)
	later    = pubEnd.Add(24 * time.Hour)
)

const (
	countyText  = "520526"
	villageText = "520526104201"
	projectText = "520526-2026-0042"
	doc1        = "财农〔2026〕12号"
	doc2        = "黔财农〔2026〕3号 补充"
)

func must[T any](v T, err error) T {
	if err != nil {
		panic(err)
	}
	return v
}

var (
	county  = must(fund.ParseCounty(countyText))
	project = must(fund.ParseProjectID(projectText))
	village = must(domain.ParseDivisionCode(villageText))
	nation  = must(domain.ParseJurisdiction(""))
	inCty   = must(domain.ParseJurisdiction(countyText))
)

func fileN(n int) domain.FileNumber { return must(domain.NewFileNumber(village, n)) }

func as(role domain.Role, jur string, at time.Time) domain.Request {
	return domain.Request{Actor: domain.Actor{ID: string(role) + "-1", Role: string(role), Jurisdiction: jur}, At: at}
}

var (
	finance = as(domain.RoleCountyFinance, countyText, later)
	pao     = as(domain.RoleCountyPAO, countyText, t0)
	clerk   = as(domain.RoleVillage, villageText, t0)
)

// world is the fund, household and complaint services over a memory
// store: the view is tested on the events the rules really write.
type world struct {
	t     *testing.T
	reg   *events.Registry
	store *events.MemoryStore
	svc   *fund.Service
}

func newWorld(t *testing.T) *world {
	t.Helper()
	reg := events.NewRegistry()
	fund.Register(reg)
	household.Register(reg)
	complaint.Register(reg)
	store := events.NewMemoryStore(reg, nil)
	t.Cleanup(func() { store.Close() })
	x := must(domain.NewExecutor(store, reg, func() (events.ID, error) { return events.NewID(nil) }))
	cs := must(complaint.NewService(x, complaint.Rules{}))
	return &world{t: t, reg: reg, store: store, svc: must(fund.NewService(x, cs, fund.DefaultConfig()))}
}

func residentID(first17 string) string {
	return first17 + string(must(domain.ResidentIDCheck(first17)))
}

// enrolled files household n, headed by name, as enrolled with a bank card.
func (w *world) enrolled(n int, name, birth string) domain.FileNumber {
	w.t.Helper()
	f := fileN(n)
	ps, err := household.RegisterHousehold{FileNumber: f.String(), Village: villageText,
		Head: household.MemberInput{Name: name, ResidentID: residentID("520526" + birth + "011"), BirthDate: birth[:4] + "-" + birth[4:6] + "-" + birth[6:],
			Sex: "male", Education: "primary", Health: "healthy", LabourAbility: "full", Schooling: "not_in_school"},
		Account: &household.Account{Number: "62141234123412" + birth[6:], Bank: "Weining Rural Credit Cooperative", HolderName: name},
	}.Decide(household.State{}, t0)
	if err != nil {
		w.t.Fatal(err)
	}
	ps = append(ps, &household.Enrolled{Year: 2025, TotalPoints: 45, NetIncomePerCapitaFen: 210_000, PovertyLineFen: 280_000, DecisionRef: "Weining PAO [2025] 12"})
	evs := make([]events.Event, len(ps))
	for i, p := range ps {
		evs[i] = must(w.reg.Encode(must(events.NewID(nil)), events.Metadata{ActorID: "pao-1", Role: "county_pao", OccurredAt: t0.AddDate(-1, 0, 0)}, p))
	}
	if _, err := w.store.Append(context.Background(), household.Stream(f), events.NoStream, evs...); err != nil {
		w.t.Fatal(err)
	}
	return f
}

func (w *world) pool(req domain.Request, cmd fund.PoolCommand) domain.Result {
	w.t.Helper()
	res, err := w.svc.HandlePool(context.Background(), req, county, cmd)
	if err != nil {
		w.t.Fatalf("%s: %v", cmd.Name(), err)
	}
	return res
}

func (w *world) project(req domain.Request, cmd fund.ProjectCommand) domain.Result {
	w.t.Helper()
	res, err := w.svc.HandleProject(context.Background(), req, project, cmd)
	if err != nil {
		w.t.Fatalf("%s: %v", cmd.Name(), err)
	}
	return res
}

// fold applies the whole log to a fresh view, as the runner would.
func (w *world) fold() *funds.View {
	w.t.Helper()
	v := must(funds.New(w.reg, w.store))
	evs, err := w.store.ReadAll(context.Background(), 1, events.ReadEventsMax)
	if err != nil {
		w.t.Fatal(err)
	}
	for _, ev := range evs {
		if err := v.Apply(context.Background(), ev); err != nil {
			w.t.Fatal(err)
		}
	}
	return v
}

// story: two appropriations, one allocation citing both, a project through
// its publicity, Zhang San paid 1,200.00 yuan (800.00 from the first
// document, 400.00 from the second) who acknowledges 1,000.00; Li Si's
// payment fails, is paid again and then reversed; a contractor is paid.
func story(t *testing.T) (*world, domain.FileNumber, domain.FileNumber) {
	w := newWorld(t)
	zhang := w.enrolled(7, "Zhang San", "19700302")
	li := w.enrolled(8, "Li Si", "19720815")
	w.project(clerk, fund.Propose{ProjectName: "Walnut orchards", Kind: fund.KindIndustry, Villages: []string{villageText}, BudgetFen: 50_000_000})
	w.project(pao, fund.Approve{ApprovalRef: "Weining PAO [2026] 9"})
	w.project(clerk, fund.AssignBeneficiary{Household: zhang.String()})
	w.project(clerk, fund.AssignBeneficiary{Household: li.String()})
	w.project(pao, fund.StartPublicity{StartsAt: pubStart, EndsAt: pubEnd, Place: "village notice board"})
	w.project(as(domain.RoleCountyPAO, countyText, later), fund.StartImplementation{})
	w.pool(finance, fund.RecordAppropriation{Document: doc1, FiscalYear: 2026, Level: fund.LevelCentral, Purpose: "industry", AmountFen: 80_000})
	w.pool(finance, fund.RecordAppropriation{Document: doc2, FiscalYear: 2026, Level: fund.LevelProvincial, Purpose: "industry", AmountFen: 1_000_000})
	w.pool(finance, fund.Allocate{Project: project, AmountFen: 580_000, ApprovalRef: "Weining finance [2026] 31",
		Draws: []fund.Draw{{Document: doc1, AmountFen: 80_000}, {Document: doc2, AmountFen: 500_000}}})

	pay := func(f domain.FileNumber, fen domain.Fen, purpose fund.Purpose) {
		w.project(finance, fund.InstructPayment{Payee: fund.PayeeHousehold, Household: f.String(), AmountFen: fen, Purpose: purpose, Period: "2026"})
	}
	pay(zhang, 120_000, fund.PurposeProductionSubsidy) // PAY-000001
	w.project(finance, fund.SettlePayment{Ref: fund.PaymentRef(project, 1), BankRef: "RCC-0001"})
	w.project(as(domain.RoleVillage, villageText, later.Add(48*time.Hour)), fund.AcknowledgePayment{Ref: fund.PaymentRef(project, 1), AcknowledgedFen: 100_000,
		Evidence: fund.Evidence{Kind: fund.EvidenceThumbprint, Ref: "receipt/0007", PhotoSHA256: strings.Repeat("ab", 32)}})
	pay(li, 50_000, fund.PurposeProductionSubsidy) // PAY-000002
	w.project(finance, fund.FailPayment{Ref: fund.PaymentRef(project, 2), Outcome: fund.StatusFailed, Reason: "card closed"})
	pay(li, 50_000, fund.PurposeProductionSubsidy) // PAY-000003
	w.project(finance, fund.SettlePayment{Ref: fund.PaymentRef(project, 3), BankRef: "RCC-0003"})
	w.project(finance, fund.ReversePayment{Ref: fund.PaymentRef(project, 3), Reason: "paid twice by the township"})
	w.project(finance, fund.InstructPayment{Payee: fund.PayeeContractor, Contractor: "91520526MA6X", ContractorName: "Weining Walnut Co-op",
		ContractorAccount: &fund.BankAccount{Number: "6228480000001234", Bank: "ABC Weining", HolderName: "Weining Walnut Co-op"},
		AmountFen:         200_000, Purpose: fund.PurposeWorks, Period: "2026-H1"}) // PAY-000004
	w.project(finance, fund.SettlePayment{Ref: fund.PaymentRef(project, 4), BankRef: "ABC-0004"})
	pay(zhang, 30_000, fund.PurposeHousingSubsidy) // PAY-000005, in transit
	return w, zhang, li
}

func balance(t *testing.T, v *funds.View, id fund.AccountID) domain.Fen {
	t.Helper()
	a, err := v.Account(nation, id)
	if err != nil {
		t.Fatalf("%s: %v", id, err)
	}
	return a.BalanceFen
}

func TestBalancesSumToZeroAfterARealisticFlow(t *testing.T) {
	w, zhang, li := story(t)
	v := w.fold()
	sum, overdrawn := v.Conservation()
	if sum != 0 || len(overdrawn) != 0 {
		t.Fatalf("sum %d, overdrawn %v", sum, overdrawn)
	}
	want := map[fund.AccountID]domain.Fen{
		fund.SourceAccount(fund.LevelCentral):    -80_000,
		fund.SourceAccount(fund.LevelProvincial): -1_000_000,
		fund.PoolAccount(county):                 500_000,
		fund.ProjectAccount(project):             580_000 - 120_000 - 200_000 - 30_000,
		fund.TransitAccount(project):             30_000,
		fund.HouseholdAccount(zhang):             120_000,
		fund.HouseholdAccount(li):                0,
		fund.ContractorAccount("91520526MA6X"):   200_000,
	}
	for id, fen := range want {
		if got := balance(t, v, id); got != fen {
			t.Errorf("%s = %d fen, want %d", id, got, fen)
		}
	}
	p, err := v.Project(inCty, project)
	if err != nil {
		t.Fatal(err)
	}
	wantTotals := funds.Totals{Payments: 5, InstructedFen: 450_000, InTransitFen: 30_000, ReceivedFen: 320_000,
		AcknowledgedFen: 100_000, ShortfallFen: 20_000, ReturnedFen: 50_000, ReversedFen: 50_000}
	if diff := cmp.Diff(wantTotals, p.Payments); diff != "" {
		t.Errorf("project totals (-want +got):\n%s", diff)
	}
	if p.ReceivedFen != 580_000 || p.BalanceFen != 230_000 || p.PendingFen != 0 || p.Beneficiaries != 2 || p.Status != fund.StatusImplementing {
		t.Errorf("project %+v", p)
	}
}

func TestDripTrailTracesEachFenToBothDocuments(t *testing.T) {
	w, zhang, _ := story(t)
	v := w.fold()
	tr, err := v.DripTrail(must(domain.ParseJurisdiction(villageText)), zhang, 0, 1)
	if err != nil {
		t.Fatal(err)
	}
	if tr.HeadName != "Zhang San" || len(tr.Payments) != 1 || tr.Next == 0 {
		t.Fatalf("trail %+v", tr)
	}
	p := tr.Payments[0]
	type lot struct {
		Document      string
		ID            string
		Fen, AckedFen domain.Fen
		Level         fund.Level
		Approval      string
		By            string
	}
	var got []lot
	for _, l := range p.Lots {
		got = append(got, lot{l.Document, l.AppropriationID, l.AmountFen, l.AcknowledgedFen, l.Level, l.ApprovalRef, l.Allocated.ActorID})
	}
	want := []lot{
		{doc1, funds.AppropriationID(countyText, doc1), 80_000, 80_000, fund.LevelCentral, "Weining finance [2026] 31", "county_finance-1"},
		{doc2, funds.AppropriationID(countyText, doc2), 40_000, 20_000, fund.LevelProvincial, "Weining finance [2026] 31", "county_finance-1"},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("lots of the 1,200.00 yuan (-want +got):\n%s", diff)
	}
	if p.AmountFen != 120_000 || p.Status != fund.StatusSettled || p.Settled == nil || p.Settled.BankRef != "RCC-0001" ||
		p.BankAccount.HolderName != "Zhang San" || p.Instructed.ActorID != "county_finance-1" || p.ProjectApproval == nil ||
		p.ProjectApproval.ApprovalRef != "Weining PAO [2026] 9" || p.ProjectApproval.ActorID != "county_pao-1" {
		t.Errorf("payment %+v", p)
	}
	a := p.Acknowledged
	if a == nil || a.AcknowledgedFen != 100_000 || a.ShortfallFen != 20_000 || a.ComplaintID == "" || a.Evidence.Ref != "receipt/0007" || a.Role != "village" {
		t.Errorf("acknowledgement %+v", a)
	}
	docs := []funds.DocumentShare{
		{AppropriationID: funds.AppropriationID(countyText, doc1), County: countyText, Document: doc1, FiscalYear: 2026, Level: fund.LevelCentral, ReceivedFen: 80_000},
		{AppropriationID: funds.AppropriationID(countyText, doc2), County: countyText, Document: doc2, FiscalYear: 2026, Level: fund.LevelProvincial, ReceivedFen: 40_000, InTransitFen: 30_000},
	}
	if diff := cmp.Diff(docs, tr.Documents); diff != "" {
		t.Errorf("documents (-want +got):\n%s", diff)
	}
	next, err := v.DripTrail(nation, zhang, tr.Next, 10)
	if err != nil || len(next.Payments) != 1 || next.Payments[0].Status != fund.StatusInstructed || next.Next != 0 {
		t.Fatalf("second page %+v %v", next, err)
	}
	if _, err := v.DripTrail(must(domain.ParseJurisdiction("520526104202")), zhang, 0, 10); !hasCode(err, funds.CodeOutsideJurisdiction) {
		t.Errorf("another village's trail: %v", err)
	}
}

func hasCode(err error, code string) bool {
	for _, c := range domain.Codes(err) {
		if c == code {
			return true
		}
	}
	return false
}

func TestAppropriationTrailSaysWhereEveryFenWentAndWhatIsIdle(t *testing.T) {
	w, _, li := story(t)
	v := w.fold()
	now := later.AddDate(0, 0, 30)
	a, err := v.Appropriation(inCty, funds.AppropriationID(countyText, doc2), now, 0, 50)
	if err != nil {
		t.Fatal(err)
	}
	// doc2 gave 500,000 to the project: Zhang 40,000 (+30,000 in transit),
	// Li 50,000 failed then 50,000 reversed, the contractor 200,000.
	want := funds.Flow{AtProjectFen: 500_000 - 40_000 - 30_000 - 200_000, InstructedFen: 40_000 + 50_000 + 50_000 + 200_000 + 30_000,
		InTransitFen: 30_000, SettledFen: 240_000, AcknowledgedFen: 20_000, ReturnedFen: 50_000, ReversedFen: 50_000}
	if diff := cmp.Diff(want, a.Flow); diff != "" {
		t.Errorf("flow (-want +got):\n%s", diff)
	}
	if a.AllocatedFen != 500_000 || a.InPoolFen != 500_000 || a.IdleFen != 500_000+230_000 || a.IdleDays != 30 {
		t.Errorf("allocated %d, in pool %d, idle %d for %d days", a.AllocatedFen, a.InPoolFen, a.IdleFen, a.IdleDays)
	}
	if a.AmountFen != a.InPoolFen+a.AtProjectFen+a.InTransitFen+a.SettledFen {
		t.Errorf("%d fen appropriated, %d accounted for", a.AmountFen, a.InPoolFen+a.AtProjectFen+a.InTransitFen+a.SettledFen)
	}
	if len(a.Allocations) != 1 || a.Allocations[0].ProjectName != "Walnut orchards" || !a.Allocations[0].Received || a.Recorded.Role != "county_finance" {
		t.Errorf("allocations %+v", a.Allocations)
	}
	var toLi []fund.PaymentStatus
	for _, p := range a.Payments {
		if p.Household == li.String() {
			toLi = append(toLi, p.Status)
		}
	}
	if diff := cmp.Diff([]fund.PaymentStatus{fund.StatusFailed, fund.StatusReversed}, toLi); diff != "" || len(a.Payments) != 5 {
		t.Errorf("%d payments; Li's (-want +got):\n%s", len(a.Payments), diff)
	}
	d1, err := v.Appropriation(inCty, funds.AppropriationID(countyText, doc1), now, 0, 50)
	if err != nil || d1.IdleFen != 0 || d1.IdleDays != 0 || d1.SettledFen != 80_000 || d1.AcknowledgedFen != 80_000 {
		t.Errorf("doc1 %+v %v", d1, err)
	}
	pool, err := v.Pool(inCty, county, now)
	if err != nil || pool.BalanceFen != 500_000 || len(pool.Appropriations) != 2 || pool.Appropriations[1].ID != a.ID {
		t.Errorf("pool %+v %v", pool, err)
	}
	if _, err := v.Appropriation(must(domain.ParseJurisdiction("520527")), a.ID, now, 0, 50); !hasCode(err, funds.CodeOutsideJurisdiction) {
		t.Errorf("another county: %v", err)
	}
}

func TestVillageSumsAndPublicityMasksIdentityNumbers(t *testing.T) {
	w, zhang, li := story(t)
	v := w.fold()
	vf, err := v.Village(inCty, village, "", 50)
	if err != nil {
		t.Fatal(err)
	}
	if vf.Households != 2 || vf.Totals.ReceivedFen != 120_000 || vf.Totals.InTransitFen != 30_000 || vf.Totals.ReversedFen != 50_000 ||
		len(vf.Projects) != 1 || len(vf.Lines) != 2 || vf.Lines[0].HeadName != "Zhang San" || vf.Lines[0].ReceivedFen != 120_000 {
		t.Errorf("village %+v", vf)
	}
	pub, err := v.Publicity(project, "", 1)
	if err != nil {
		t.Fatal(err)
	}
	if len(pub.Beneficiaries) != 1 || pub.Next != zhang.String() {
		t.Fatalf("publicity page %+v", pub)
	}
	b := pub.Beneficiaries[0]
	if b.HeadName != "Zhang San" || b.HeadResidentID != residentID("52052619700302011")[:6]+"********"+residentID("52052619700302011")[14:] || b.PaidFen != 120_000 {
		t.Errorf("beneficiary %+v", b)
	}
	rest, err := v.Publicity(project, pub.Next, 10)
	if err != nil || len(rest.Beneficiaries) != 1 || rest.Beneficiaries[0].Household != li.String() || rest.Beneficiaries[0].PaidFen != 0 {
		t.Errorf("second page %+v %v", rest, err)
	}
}

func TestImpossibleEventStopsTheViewThere(t *testing.T) {
	w, _, _ := story(t)
	v := w.fold()
	bogus := &fund.PaymentSettled{Project: project, Ref: fund.PaymentRef(project, 99), BankRef: "X",
		Transfer: fund.Transfer{DebitAccount: fund.TransitAccount(project), CreditAccount: fund.HouseholdAccount(fileN(7)), AmountFen: 1}}
	ev := must(w.reg.Encode(must(events.NewID(nil)), events.Metadata{ActorID: "x", OccurredAt: later}, bogus))
	ev.Stream, ev.Position = fund.ProjectStream(project), v.Position()+1
	if err := v.Apply(context.Background(), ev); err == nil {
		t.Fatal("a settlement of a payment never instructed was applied")
	}
	if v.Position() == ev.Position {
		t.Error("the view moved past the impossible event")
	}
	note := ev
	note.Stream, note.Position = "other-1", ev.Position+1
	if err := v.Apply(context.Background(), note); err == nil {
		t.Error("the view went on after an impossible event")
	}
	if sum, _ := v.Conservation(); sum != 0 {
		t.Errorf("sum %d", sum)
	}
}
