package reconcile_test

import (
	"context"
	"errors"
	"slices"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/drip-ledger/drip/domain"
	"github.com/drip-ledger/drip/domain/fund"
	"github.com/drip-ledger/drip/domain/reconcile"
	rt "github.com/drip-ledger/drip/domain/reconcile/reconciletest"
	"github.com/drip-ledger/drip/events"
)

// sixPayments is a world with payments of 1,200 yuan to households 1–6.
func sixPayments(t *testing.T) (*rt.World, []string) {
	w := rt.New(t, 1_000_000)
	var refs []string
	for n := 1; n <= 6; n++ {
		refs = append(refs, w.Household(t, n, 120_000))
	}
	return w, refs
}

func outcomes(r reconcile.Report) map[reconcile.Outcome][2]int64 {
	out := map[reconcile.Outcome][2]int64{}
	for _, t := range r.Tallies {
		if t.Lines > 0 {
			out[t.Outcome] = [2]int64{int64(t.Lines), int64(t.AmountFen)}
		}
	}
	return out
}

func TestImportDecidesEveryOutcome(t *testing.T) {
	w, refs := sixPayments(t)
	data := rt.CSV(
		rt.Line(refs[0], "B1", 1, "1200.00", "settled", ""),
		rt.Line(refs[1], "B2", 2, "1200.00", "returned", "account closed"),
		rt.Line(refs[2], "B3", 3, "1200.00", "failed", "name does not match"),
		rt.Line(refs[3], "B4", 4, "1020.00", "settled", ""),
		rt.Line(refs[4], "B5", 5, "1200.00", "settled", ""),
		rt.Line(refs[4], "B5b", 5, "1200.00", "settled", ""),
		rt.Line("520526-2026-0042-PAY-000099", "B9", 9, "800.00", "settled", ""),
		rt.Line("520526-2026-0077-PAY-000001", "B10", 10, "50.00", "settled", ""),
	)
	r, err := w.Reconcile.Import(context.Background(), rt.Finance(), "weining.csv", data)
	if err != nil {
		t.Fatal(err)
	}
	// Line 6 settles refs[4]; line 7 repeats it.
	want := map[reconcile.Outcome][2]int64{
		reconcile.OutcomeSettled:    {2, 240_000},
		reconcile.OutcomeReturned:   {1, 120_000},
		reconcile.OutcomeFailed:     {1, 120_000},
		reconcile.OutcomeMismatched: {1, 102_000},
		reconcile.OutcomeUnknown:    {2, 85_000},
		reconcile.OutcomeDuplicated: {1, 120_000},
	}
	if d := cmp.Diff(want, outcomes(r)); d != "" {
		t.Error(d)
	}
	var lines []string
	for _, x := range r.Exceptions {
		lines = append(lines, string(x.Outcome)+" "+x.PaymentRef)
	}
	wantLines := []string{"returned " + refs[1], "failed " + refs[2], "mismatched " + refs[3], "duplicated " + refs[4],
		"unknown 520526-2026-0042-PAY-000099", "unknown 520526-2026-0077-PAY-000001"}
	if d := cmp.Diff(wantLines, lines); d != "" {
		t.Error(d)
	}
	statuses := map[string]fund.PaymentStatus{refs[0]: fund.StatusSettled, refs[1]: fund.StatusReturned,
		refs[2]: fund.StatusFailed, refs[3]: fund.StatusInstructed, refs[4]: fund.StatusSettled, refs[5]: fund.StatusInstructed}
	for ref, st := range statuses {
		if p := w.Payment(t, ref); p.Status != st {
			t.Errorf("%s is %s, want %s", ref, p.Status, st)
		}
	}
	if p := w.Payment(t, refs[0]); p.BankRef != "B1" {
		t.Errorf("bank ref %q", p.BankRef)
	}
	if r.Exceptions[0].PaymentEventID.IsZero() {
		t.Error("a returned line names no fund event")
	}
}

func TestReimportChangesNothing(t *testing.T) {
	w, refs := sixPayments(t)
	data := rt.CSV(rt.Line(refs[0], "B1", 1, "1200.00", "settled", ""), rt.Line(refs[1], "B2", 2, "1200.00", "failed", "closed"))
	first, err := w.Reconcile.Import(context.Background(), rt.Finance(), "a.csv", data)
	if err != nil {
		t.Fatal(err)
	}
	head := w.Head(t)
	other := rt.Finance()
	other.Actor.ID = "another-clerk"
	again, err := w.Reconcile.Import(context.Background(), other, "renamed.csv", data)
	if err != nil {
		t.Fatal(err)
	}
	if h := w.Head(t); h != head {
		t.Errorf("the head moved from %d to %d", head, h)
	}
	if !again.Replayed || first.Replayed {
		t.Errorf("replayed: first %v, again %v", first.Replayed, again.Replayed)
	}
	again.Replayed = false
	if d := cmp.Diff(first, again); d != "" {
		t.Error(d)
	}
}

func TestALaterFileReportingTheSamePaymentIsDuplicated(t *testing.T) {
	w, refs := sixPayments(t)
	ctx := context.Background()
	if _, err := w.Reconcile.Import(ctx, rt.Finance(), "a.csv", rt.CSV(rt.Line(refs[0], "B1", 1, "1200.00", "settled", ""))); err != nil {
		t.Fatal(err)
	}
	r, err := w.Reconcile.Import(ctx, rt.Finance(), "b.csv", rt.CSV(rt.Line(refs[0], "B1-again", 1, "1200.00", "settled", "")))
	if err != nil {
		t.Fatal(err)
	}
	if got := outcomes(r); !cmp.Equal(got, map[reconcile.Outcome][2]int64{reconcile.OutcomeDuplicated: {1, 120_000}}) {
		t.Errorf("got %v", got)
	}
	if x := r.Exceptions[0]; x.Detail != "already settled before this file (bank reference B1)" {
		t.Errorf("detail %q", x.Detail)
	}
}

func TestAMalformedFileWritesNothing(t *testing.T) {
	w, refs := sixPayments(t)
	head := w.Head(t)
	data := rt.CSV(rt.Line(refs[0], "B1", 1, "1200.00", "settled", ""), rt.Line(refs[1], "B2", 2, "12.345", "settled", ""))
	_, err := w.Reconcile.Import(context.Background(), rt.Finance(), "bad.csv", data)
	if got := problems(t, err); !slices.Equal(got, []string{"lines[3].amount_yuan fen_precision"}) {
		t.Errorf("got %v", got)
	}
	if h := w.Head(t); h != head {
		t.Errorf("the head moved from %d to %d", head, h)
	}
	if p := w.Payment(t, refs[0]); p.Status != fund.StatusInstructed {
		t.Errorf("the good line was applied: %s", p.Status)
	}
}

func TestALineOutsideTheJurisdictionRefusesTheFile(t *testing.T) {
	w, refs := sixPayments(t)
	head := w.Head(t)
	data := rt.CSV(rt.Line(refs[0], "B1", 1, "1200.00", "settled", ""), rt.Line("520527-2026-0001-PAY-000001", "B2", 2, "1.00", "settled", ""))
	_, err := w.Reconcile.Import(context.Background(), rt.Finance(), "x.csv", data)
	if got := problems(t, err); !slices.Equal(got, []string{"lines[3].payment_ref outside_jurisdiction"}) {
		t.Errorf("got %v", got)
	}
	if h := w.Head(t); h != head {
		t.Errorf("the head moved from %d to %d", head, h)
	}
}

func TestOnlyCountyFinanceImports(t *testing.T) {
	w, refs := sixPayments(t)
	_, err := w.Reconcile.Import(context.Background(), rt.As(domain.RoleAuditor, rt.Import), "a.csv",
		rt.CSV(rt.Line(refs[0], "B1", 1, "1200.00", "settled", "")))
	if got := domain.Codes(err); !slices.Equal(got, []string{reconcile.CodeRoleNotPermitted}) {
		t.Errorf("got %v (%v)", got, err)
	}
}

// flaky fails the n-th payment command, as a crash midway would.
type flaky struct {
	reconcile.Payments
	calls, failAt int
}

func (f *flaky) HandleProject(ctx context.Context, req domain.Request, id fund.ProjectID, cmd fund.ProjectCommand) (domain.Result, error) {
	f.calls++
	if f.calls == f.failAt {
		return domain.Result{}, errors.New("connection lost")
	}
	return f.Payments.HandleProject(ctx, req, id, cmd)
}

func TestAnImportCutShortIsFinishedByImportingAgain(t *testing.T) {
	w, refs := sixPayments(t)
	ctx := context.Background()
	data := rt.CSV(
		rt.Line(refs[0], "B1", 1, "1200.00", "settled", ""),
		rt.Line(refs[1], "B2", 2, "1200.00", "returned", "closed"),
		rt.Line(refs[2], "B3", 3, "1200.00", "settled", ""),
		rt.Line("520526-2026-0042-PAY-000099", "B9", 9, "800.00", "settled", ""),
	)
	cut, err := reconcile.NewService(w.Store, w.Reg, &flaky{Payments: w.Fund, failAt: 3})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := cut.Import(ctx, rt.Finance(), "a.csv", data); err == nil {
		t.Fatal("the cut import succeeded")
	}
	if r, err := w.Reconcile.Report(ctx, rt.Finance(), reconcile.Hash(data)); err != nil || r.Status != reconcile.StatusInProgress || r.Applied != 2 || r.ToApply != 3 {
		t.Errorf("an incomplete import reads %s, %d of %d applied (%v), want in progress, 2 of 3", r.Status, r.Applied, r.ToApply, err)
	}
	if p := w.Payment(t, refs[1]); p.Status != fund.StatusReturned {
		t.Fatalf("the first two lines were not applied: %s", p.Status)
	}
	other := rt.Finance()
	other.Actor.ID = "another-clerk"
	r, err := w.Reconcile.Import(ctx, other, "a.csv", data)
	if err != nil {
		t.Fatal(err)
	}
	want := map[reconcile.Outcome][2]int64{reconcile.OutcomeSettled: {2, 240_000}, reconcile.OutcomeReturned: {1, 120_000},
		reconcile.OutcomeUnknown: {1, 80_000}}
	if d := cmp.Diff(want, outcomes(r)); d != "" {
		t.Error(d)
	}
	for _, ref := range []string{refs[0], refs[2]} {
		if p := w.Payment(t, ref); p.Status != fund.StatusSettled {
			t.Errorf("%s is %s", ref, p.Status)
		}
	}
	// Exactly one failure event for refs[1], the one the report names.
	evs, _ := w.Store.ReadStream(ctx, fund.ProjectStream(w.Project), 1, events.Forwards, events.ReadEventsMax)
	n := 0
	for _, ev := range evs {
		if ev.Type == fund.TypePaymentFailed {
			n++
			if r.Exceptions[0].PaymentEventID != ev.ID {
				t.Errorf("the report names %s, the log has %s", r.Exceptions[0].PaymentEventID, ev.ID)
			}
		}
	}
	if n != 1 {
		t.Errorf("%d failure events", n)
	}
}

func TestBatchSumsItsFiles(t *testing.T) {
	a := reconcile.Report{Lines: 2, Tallies: []reconcile.Tally{{Outcome: reconcile.OutcomeSettled, Lines: 2, AmountFen: 300}}}
	b := reconcile.Report{Lines: 1, Tallies: []reconcile.Tally{{Outcome: reconcile.OutcomeSettled, Lines: 1, AmountFen: 50}}}
	got := reconcile.NewBatch(a, b)
	if got.Lines != 3 || got.Tallies[0].Lines != 3 || got.Tallies[0].AmountFen != 350 {
		t.Errorf("got %+v", got)
	}
}
