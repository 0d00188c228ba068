package redflags_test

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/drip-ledger/drip/domain"
	"github.com/drip-ledger/drip/domain/fund"
	"github.com/drip-ledger/drip/domain/household"
	"github.com/drip-ledger/drip/domain/reconcile"
	rt "github.com/drip-ledger/drip/domain/reconcile/reconciletest"
	"github.com/drip-ledger/drip/events"
	"github.com/drip-ledger/drip/projections"
	"github.com/drip-ledger/drip/projections/modelstore"
	"github.com/drip-ledger/drip/projections/redflags"
)

var (
	cst     = time.FixedZone("CST", 8*3600)
	t0      = time.Date(2024, 3, 1, 9, 0, 0, 0, cst)
	county  = must(fund.ParseCounty("520526"))
	project = must(fund.ParseProjectID("520526-2024-0042"))
	village = "520526104201"
	doc     = "财农〔2024〕12号"
)

func must[T any](v T, err error) T {
	if err != nil {
		panic(err)
	}
	return v
}

// ledger feeds hand-made events to a view, as the runner would; the events
// need not obey the rules (a migrated log, a backdated correction), which
// is what red flags are for.
type ledger struct {
	t        *testing.T
	reg      *events.Registry
	v        *redflags.View
	pos      uint64
	versions map[string]uint64
	payments int
}

func newLedger(t *testing.T) *ledger {
	reg := rt.Registry()
	v, err := redflags.New(reg, &modelstore.Memory{}, redflags.Name, nil, redflags.DefaultConfig())
	if err != nil {
		t.Fatal(err)
	}
	return &ledger{t: t, reg: reg, v: v, versions: map[string]uint64{}}
}

func (l *ledger) add(stream string, at time.Time, p events.Payload) uint64 {
	l.t.Helper()
	l.pos++
	l.versions[stream]++
	ev, err := l.reg.Encode(events.DeriveID(events.NilID, fmt.Sprint(l.pos)), events.Metadata{ActorID: "t", OccurredAt: at}, p)
	if err != nil {
		l.t.Fatal(err)
	}
	ev.Stream, ev.Version, ev.Position, ev.RecordedAt = stream, l.versions[stream], l.pos, at
	if err := applyOne(l.v, ev); err != nil {
		l.t.Fatal(err)
	}
	return l.pos
}

// applyOne folds one event as a batch of its own, as the runner may.
func applyOne(v *redflags.View, ev events.Event) error {
	return v.ApplyBatch(context.Background(), []projections.Decoded{{Event: ev}})
}

func file(n int) domain.FileNumber {
	return must(domain.NewFileNumber(must(domain.ParseDivisionCode(village)), n))
}

func head(n int) string { return fmt.Sprintf("Zhang %d", n) }

func spouseID(n int) string { return rt.ResidentID(fmt.Sprintf("52052619720505%03d", 2*n)) }

// household registers household n (head and a spouse, the card in the
// head's name) at t0 and enrolls it the next day.
func (l *ledger) household(n int) uint64 {
	l.t.Helper()
	sex := map[bool]string{true: "male", false: "female"}[n%2 == 1]
	evs, err := household.RegisterHousehold{FileNumber: file(n).String(), Village: village,
		Head: household.MemberInput{Name: head(n), ResidentID: rt.ResidentID(fmt.Sprintf("52052619700302%03d", n)), BirthDate: "1970-03-02",
			Sex: sex, Education: "primary", Health: "healthy", LabourAbility: "full", Schooling: "not_in_school"},
		Members: []household.MemberInput{{Name: fmt.Sprintf("Li %d", n), ResidentID: spouseID(n), BirthDate: "1972-05-05", Relation: "spouse",
			Sex: "female", Education: "primary", Health: "healthy", LabourAbility: "full", Schooling: "not_in_school"}},
		Account: &household.Account{Number: rt.Account(n), Bank: "Weining RCC", HolderName: head(n)},
	}.Decide(household.State{}, t0)
	if err != nil {
		l.t.Fatal(err)
	}
	pos := l.add(household.Stream(file(n)), t0, evs[0])
	l.add(household.Stream(file(n)), t0.AddDate(0, 0, 1), &household.Enrolled{Year: 2024, TotalPoints: 45,
		NetIncomePerCapitaFen: 210_000, PovertyLineFen: 280_000, DecisionRef: "PAO [2024] 1"})
	return pos
}

// project records an appropriation of fen, its allocation, and the
// project's proposal and publicity (ten days from t0).
func (l *ledger) project(fen domain.Fen, publicity bool) (approp uint64) {
	approp = l.add(fund.PoolStream(county), t0, &fund.AppropriationReceived{County: county, Document: doc, FiscalYear: 2024,
		Level: fund.LevelCentral, Purpose: "industry", AmountFen: fen,
		Transfer: fund.Transfer{DebitAccount: fund.SourceAccount(fund.LevelCentral), CreditAccount: fund.PoolAccount(county), AmountFen: fen}})
	l.add(fund.PoolStream(county), t0, &fund.Allocated{County: county, Ref: "520526-AL-000001", Project: project, AmountFen: fen,
		ApprovalRef: "fin [2024] 3", Draws: []fund.Draw{{Document: doc, AmountFen: fen}},
		Transfer: fund.Transfer{DebitAccount: fund.PoolAccount(county), CreditAccount: fund.ProjectAccount(project), AmountFen: fen}})
	ps := fund.ProjectStream(project)
	l.add(ps, t0, &fund.ProjectProposed{Project: project, Name: "Walnuts", Kind: fund.KindIndustry,
		Villages: []domain.DivisionCode{must(domain.ParseDivisionCode(village))}, BudgetFen: fen})
	if publicity {
		l.add(ps, t0, &fund.PublicityStarted{StartsAt: t0, EndsAt: t0.AddDate(0, 0, 10), Place: "notice board"})
	}
	return approp
}

// pay instructs a payment of fen to household n at at, to account (holder).
func (l *ledger) pay(n int, fen domain.Fen, at time.Time, account, holder string) (string, uint64) {
	l.payments++
	ref := fund.PaymentRef(project, l.payments)
	pos := l.add(fund.ProjectStream(project), at, &fund.PaymentInstructed{Project: project, Ref: ref, Payee: fund.PayeeHousehold,
		Household: file(n), Account: fund.BankAccount{Number: account, Bank: "Weining RCC", HolderName: holder}, AmountFen: fen,
		Purpose: fund.PurposeProductionSubsidy, Period: "2024", Installment: true,
		Lots:     []fund.Lot{{Allocation: "520526-AL-000001", Document: doc, AmountFen: fen}},
		Transfer: fund.Transfer{DebitAccount: fund.ProjectAccount(project), CreditAccount: fund.TransitAccount(project), AmountFen: fen}})
	return ref, pos
}

func (l *ledger) payOwn(n int, fen domain.Fen, at time.Time) (string, uint64) {
	return l.pay(n, fen, at, rt.Account(n), head(n))
}

func (l *ledger) settle(ref string, fen domain.Fen, n int, at time.Time) uint64 {
	return l.add(fund.ProjectStream(project), at, &fund.PaymentSettled{Project: project, Ref: ref, BankRef: "B-" + ref,
		Transfer: fund.Transfer{DebitAccount: fund.TransitAccount(project), CreditAccount: fund.HouseholdAccount(file(n)), AmountFen: fen}})
}

var paid = t0.AddDate(0, 1, 0) // after the publicity

// flags lists the flags of kind at now, as "subject positions".
func (l *ledger) flags(kind redflags.Kind, now time.Time) []string {
	l.t.Helper()
	page, err := l.v.Flags(context.Background(), redflags.Query{Within: must(domain.ParseJurisdiction("520526")), Kind: kind, Now: now, Limit: 100})
	if err != nil {
		l.t.Fatal(err)
	}
	var out []string
	for _, f := range page.Flags {
		out = append(out, fmt.Sprint(f.Subject, " ", f.Positions))
	}
	return out
}

func expect(t *testing.T, got []string, want ...string) {
	t.Helper()
	if !slices.Equal(got, want) {
		t.Errorf("got %q, want %q", got, want)
	}
}

func TestFundsIdle(t *testing.T) {
	l := newLedger(t)
	approp := l.project(1_000_000, true)
	l.household(1)
	_, pay := l.payOwn(1, 400_000, paid)
	allocated := approp + 1
	expect(t, l.flags(redflags.KindFundsIdle1Y, t0.AddDate(0, 11, 0)))
	expect(t, l.flags(redflags.KindFundsIdle1Y, t0.AddDate(1, 1, 0)), fmt.Sprint(doc, " ", []uint64{approp, allocated}))
	expect(t, l.flags(redflags.KindFundsIdle2Y, t0.AddDate(1, 1, 0)))
	expect(t, l.flags(redflags.KindFundsIdle2Y, t0.AddDate(2, 1, 0)), fmt.Sprint(doc, " ", []uint64{approp, allocated}))
	_ = pay
}

func TestFundsFullySpentAreNotIdle(t *testing.T) {
	l := newLedger(t)
	l.project(400_000, true)
	l.household(1)
	ref, _ := l.payOwn(1, 400_000, paid)
	l.settle(ref, 400_000, 1, paid)
	expect(t, l.flags(redflags.KindFundsIdle1Y, t0.AddDate(3, 0, 0)))
	expect(t, l.flags(redflags.KindFundsIdle2Y, t0.AddDate(3, 0, 0)))
}

func TestPaymentToIneligibleHousehold(t *testing.T) {
	l := newLedger(t)
	l.project(10_000_000, true)
	l.household(1)
	l.household(2)
	l.household(3)
	removed := l.add(household.Stream(file(1)), paid.AddDate(0, 0, -2), &household.Removed{Reason: household.RemovalMovedAway,
		Explanation: "moved to Guiyang", ApprovedBy: "PAO", EvidenceRef: "R-1"})
	exited := l.add(household.Stream(file(2)), t0.AddDate(0, 0, 2), &household.Exited{DecisionRef: "exit 1"})
	refRemoved, p1 := l.payOwn(1, 10_000, paid)
	refExited, p2 := l.payOwn(2, 10_000, t0.AddDate(3, 0, 3)) // support ended after three years
	l.payOwn(3, 10_000, paid)                                 // enrolled: not flagged
	// Removed later in the log but dated before the payment: flagged too.
	l.household(4)
	ref4, p4 := l.payOwn(4, 10_000, paid)
	removed4 := l.add(household.Stream(file(4)), paid.AddDate(0, 0, -1), &household.Removed{Reason: household.RemovalMisidentified,
		Explanation: "not poor", ApprovedBy: "PAO", EvidenceRef: "R-4"})
	expect(t, l.flags(redflags.KindIneligiblePayee, paid),
		fmt.Sprint(refRemoved, " ", []uint64{removed, p1}), fmt.Sprint(refExited, " ", []uint64{exited, p2}),
		fmt.Sprint(ref4, " ", []uint64{p4, removed4}))
}

func TestPaymentWithinTheExitSupportPeriodIsNotFlagged(t *testing.T) {
	l := newLedger(t)
	l.project(10_000_000, true)
	l.household(1)
	l.add(household.Stream(file(1)), t0.AddDate(0, 0, 2), &household.Exited{DecisionRef: "exit 1"})
	// Removed after the payment: it was eligible when paid.
	l.payOwn(1, 10_000, t0.AddDate(2, 11, 0))
	l.add(household.Stream(file(1)), t0.AddDate(2, 11, 1), &household.Removed{Reason: household.RemovalMovedAway,
		Explanation: "moved", ApprovedBy: "PAO", EvidenceRef: "R-1"})
	expect(t, l.flags(redflags.KindIneligiblePayee, paid))
}

func TestPaymentAfterDeath(t *testing.T) {
	l := newLedger(t)
	l.project(10_000_000, true)
	l.household(1)
	l.household(2)
	died := l.add(household.Stream(file(1)), paid.AddDate(0, 0, -10), &household.MemberDied{
		ResidentID: must(domain.ParseResidentID(spouseID(1), time.Time{})), DiedOn: paid.AddDate(0, 0, -12).Format(time.DateOnly), EvidenceRef: "D-1"})
	ref, p := l.pay(1, 10_000, paid, rt.Account(1), "Li 1") // to the dead spouse's name
	// Household 2's spouse died, but the card is the living head's.
	l.add(household.Stream(file(2)), paid.AddDate(0, 0, -10), &household.MemberDied{
		ResidentID: must(domain.ParseResidentID(spouseID(2), time.Time{})), DiedOn: paid.AddDate(0, 0, -12).Format(time.DateOnly), EvidenceRef: "D-2"})
	l.payOwn(2, 10_000, paid)
	expect(t, l.flags(redflags.KindPaidAfterDeath, paid), fmt.Sprint(ref, " ", []uint64{died, p}))
}

func TestPaymentBeforeTheDeathIsNotFlagged(t *testing.T) {
	l := newLedger(t)
	l.project(10_000_000, true)
	l.household(1)
	l.pay(1, 10_000, paid, rt.Account(1), "Li 1")
	l.add(household.Stream(file(1)), paid.AddDate(0, 1, 0), &household.MemberDied{
		ResidentID: must(domain.ParseResidentID(spouseID(1), time.Time{})), DiedOn: paid.AddDate(0, 0, 20).Format(time.DateOnly), EvidenceRef: "D-1"})
	expect(t, l.flags(redflags.KindPaidAfterDeath, paid.AddDate(0, 2, 0)))
}

func TestSharedBankAccount(t *testing.T) {
	l := newLedger(t)
	l.project(10_000_000, true)
	l.household(1)
	l.household(2)
	l.household(3)
	_, p1 := l.payOwn(1, 10_000, paid)
	_, p2 := l.pay(2, 10_000, paid, rt.Account(1), head(2)) // household 1's card
	l.payOwn(3, 10_000, paid)
	expect(t, l.flags(redflags.KindSharedAccount, paid), fmt.Sprint(rt.Account(1), " ", []uint64{p1, p2}))
}

func TestOneAccountPaidTwiceForOneHouseholdIsNotShared(t *testing.T) {
	l := newLedger(t)
	l.project(10_000_000, true)
	l.household(1)
	l.household(2)
	l.payOwn(1, 10_000, paid)
	l.payOwn(1, 20_000, paid)
	// A failed payment to another household's card is no receipt.
	ref, _ := l.pay(2, 10_000, paid, rt.Account(1), head(2))
	l.add(fund.ProjectStream(project), paid, &fund.PaymentFailed{Project: project, Ref: ref, Outcome: fund.StatusFailed, Reason: "name",
		Lots:     []fund.Lot{{Allocation: "520526-AL-000001", Document: doc, AmountFen: 10_000}},
		Transfer: fund.Transfer{DebitAccount: fund.TransitAccount(project), CreditAccount: fund.ProjectAccount(project), AmountFen: 10_000}})
	expect(t, l.flags(redflags.KindSharedAccount, paid))
}

func TestPayeeNotMember(t *testing.T) {
	l := newLedger(t)
	l.project(10_000_000, true)
	reg := l.household(1)
	ref, p := l.pay(1, 10_000, paid, rt.Account(1), "Wang Cadre")
	l.pay(1, 10_000, paid, rt.Account(1), " Li 1 ") // the spouse, spaced: a member
	expect(t, l.flags(redflags.KindPayeeNotMember, paid), fmt.Sprint(ref, " ", []uint64{reg, p}))
}

func TestIdenticalAmountsInVillage(t *testing.T) {
	l := newLedger(t)
	l.project(10_000_000, true)
	var ps []uint64
	for n := 1; n <= 3; n++ {
		l.household(n)
		_, p := l.payOwn(n, 50_000, paid)
		ps = append(ps, p)
	}
	expect(t, l.flags(redflags.KindIdenticalAmounts, paid), fmt.Sprint(project.String()+"|2024|"+village, " ", ps))
}

func TestTwoHouseholdsOrDifferentAmountsAreNotIdentical(t *testing.T) {
	l := newLedger(t)
	l.project(10_000_000, true)
	for n := 1; n <= 2; n++ {
		l.household(n)
		l.payOwn(n, 50_000, paid)
	}
	expect(t, l.flags(redflags.KindIdenticalAmounts, paid))
	l.household(3)
	l.payOwn(3, 48_000, paid)
	expect(t, l.flags(redflags.KindIdenticalAmounts, paid))
}

func TestPaidWithoutPublicity(t *testing.T) {
	l := newLedger(t)
	l.project(10_000_000, false)
	l.household(1)
	ref, p := l.payOwn(1, 10_000, paid)
	expect(t, l.flags(redflags.KindNoPublicity, paid), fmt.Sprint(ref, " ", []uint64{p}))
}

func TestPaidAfterPublicityIsNotFlagged(t *testing.T) {
	l := newLedger(t)
	l.project(10_000_000, true)
	l.household(1)
	l.payOwn(1, 10_000, paid)
	expect(t, l.flags(redflags.KindNoPublicity, paid))
	// But paid during the publicity is.
	ref, p := l.payOwn(1, 10_000, t0.AddDate(0, 0, 5))
	got := l.flags(redflags.KindNoPublicity, paid)
	if len(got) != 1 || !strings.HasPrefix(got[0], ref) || !strings.Contains(got[0], fmt.Sprint(p)) {
		t.Errorf("got %q", got)
	}
}

func TestPaymentUnreconciled(t *testing.T) {
	l := newLedger(t)
	l.project(10_000_000, true)
	l.household(1)
	l.household(2)
	ref, p := l.payOwn(1, 10_000, paid)
	ref2, _ := l.payOwn(2, 10_000, paid)
	l.settle(ref2, 10_000, 2, paid.AddDate(0, 0, 2))
	mis := l.add(reconcile.Stream(strings.Repeat("a", 64)), paid.AddDate(0, 0, 3), &reconcile.LineMismatched{
		BankLine: reconcile.BankLine{Line: 2, PaymentRef: ref, BankRef: "B", Account: rt.Account(1), PayeeName: head(1), AmountFen: 9_000,
			Status: "settled", ValueDate: "2024-04-03"}, ExpectedFen: 10_000, ExpectedAccount: rt.Account(1), Fields: []string{"amount_yuan"}})
	expect(t, l.flags(redflags.KindUnreconciled, paid.AddDate(0, 0, 29)))
	expect(t, l.flags(redflags.KindUnreconciled, paid.AddDate(0, 0, 31)), fmt.Sprint(ref, " ", []uint64{p, mis}))
	page, err := l.v.Unreconciled(context.Background(), redflags.UnreconciledQuery{Within: must(domain.ParseJurisdiction("520526")), Now: paid.AddDate(0, 0, 4),
		OlderThanDays: 3, Limit: 10})
	if err != nil {
		t.Fatal(err)
	}
	if len(page.Payments) != 1 || page.Payments[0].Ref != ref || page.Payments[0].Mismatch == nil || page.Payments[0].Mismatch.Line != 2 {
		t.Errorf("got %+v", page)
	}
	page, _ = l.v.Unreconciled(context.Background(), redflags.UnreconciledQuery{Within: must(domain.ParseJurisdiction("520526")), Now: paid.AddDate(0, 0, 2),
		OlderThanDays: 3, Limit: 10})
	if len(page.Payments) != 0 {
		t.Errorf("too young, got %+v", page)
	}
}

func TestAcknowledgedLessThanPaid(t *testing.T) {
	l := newLedger(t)
	l.project(10_000_000, true)
	l.household(1)
	l.household(2)
	ack := func(n int, ref string, got domain.Fen) uint64 {
		a := &fund.PaymentAcknowledged{Project: project, Ref: ref, Household: file(n), PaidFen: 10_000, AcknowledgedFen: got,
			ShortfallFen: 10_000 - got, Evidence: fund.Evidence{Kind: fund.EvidenceThumbprint, Ref: "E", PhotoSHA256: strings.Repeat("b", 64)}}
		if got < 10_000 {
			a.ComplaintID = must(fund.ComplaintID(ref)).String()
		}
		return l.add(fund.ProjectStream(project), paid.AddDate(0, 0, 5), a)
	}
	ref, p := l.payOwn(1, 10_000, paid)
	l.settle(ref, 10_000, 1, paid)
	a := ack(1, ref, 8_000)
	ref2, _ := l.payOwn(2, 10_000, paid)
	l.settle(ref2, 10_000, 2, paid)
	ack(2, ref2, 10_000)
	expect(t, l.flags(redflags.KindAcknowledgedLess, paid.AddDate(0, 0, 6)), fmt.Sprint(ref, " ", []uint64{p, a}))
}

func TestFlagsAreFilteredByJurisdictionAndPaged(t *testing.T) {
	l := newLedger(t)
	l.project(10_000_000, false)
	for n := 1; n <= 3; n++ {
		l.household(n)
		l.payOwn(n, 10_000, paid)
	}
	q := redflags.Query{Within: must(domain.ParseJurisdiction("520527")), Now: paid, Limit: 10}
	if page, _ := l.v.Flags(context.Background(), q); len(page.Flags) != 0 {
		t.Errorf("another county sees %d flags", len(page.Flags))
	}
	q.Within, q.Kind, q.Limit = must(domain.ParseJurisdiction("5205")), redflags.KindNoPublicity, 2
	page, _ := l.v.Flags(context.Background(), q)
	if len(page.Flags) != 2 || page.Next == "" {
		t.Fatalf("got %+v", page)
	}
	q.After = page.Next
	page, _ = l.v.Flags(context.Background(), q)
	if len(page.Flags) != 1 || page.Next != "" {
		t.Errorf("second page %+v", page)
	}
}

// TestBackfilledRecordsAreFlagged: given a household's publicity entered as
// an explicit backfill and a fund event entered normally, when the flags
// are listed, then the backfilled event, and only it, is flagged in the
// household's village.
func TestBackfilledRecordsAreFlagged(t *testing.T) {
	l := newLedger(t)
	l.household(1)
	l.project(100_000, true)
	stream := household.Stream(file(1))
	l.pos++
	l.versions[stream]++
	ev, err := l.reg.Encode(events.DeriveID(events.NilID, "backfilled"), events.Metadata{ActorID: "archive.li",
		OccurredAt: t0, Backfill: true}, &household.ObjectionRaised{Number: 1, RaisedBy: "Wang Wu", Statement: "paper of 2019"})
	if err != nil {
		t.Fatal(err)
	}
	ev.Stream, ev.Version, ev.Position, ev.RecordedAt = stream, l.versions[stream], l.pos, t0.AddDate(1, 0, 0)
	if err := applyOne(l.v, ev); err != nil {
		t.Fatal(err)
	}
	expect(t, l.flags(redflags.KindBackfilled, t0.AddDate(1, 0, 0)), fmt.Sprint(ev.ID, " [", ev.Position, "]"))
	page, err := l.v.Flags(context.Background(), redflags.Query{Within: must(domain.ParseJurisdiction(village)), Kind: redflags.KindBackfilled,
		Now: t0.AddDate(1, 0, 0), Limit: 10})
	if err != nil || len(page.Flags) != 1 || page.Flags[0].Place != village {
		t.Fatalf("the village's own listing %+v (%v)", page, err)
	}
}
