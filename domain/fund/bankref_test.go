package fund_test

import (
	"context"
	"errors"
	"slices"
	"sync"
	"testing"

	"github.com/drip-ledger/drip/domain"
	"github.com/drip-ledger/drip/domain/fund"
	"github.com/drip-ledger/drip/events"
)

// instructed sets up n households, each with one instructed payment of the
// project, and returns the payments' refs.
func withInstructed(t *testing.T, w *world, n int) []string {
	t.Helper()
	ctx := context.Background()
	w.implementing(t)
	w.fund(t, doc1, domain.Fen(n)*1_000)
	for i := 1; i <= n; i++ {
		w.file(t, fileN(i), true, noTime)
		w.assign(t, fileN(i))
		if _, err := w.svc.HandleProject(ctx, finance, project, pay(fileN(i), 1_000)); err != nil {
			t.Fatal(err)
		}
	}
	var refs []string
	for _, p := range w.project(t).Payments() {
		refs = append(refs, p.Ref)
	}
	return refs
}

// Given a payment settled by bank reference B, when another payment is
// settled with B, then it is refused with bank_ref_used, and the same
// settlement of the first payment again still records nothing new.
func TestOneBankRefSettlesOnePayment(t *testing.T) {
	ctx := context.Background()
	w := newWorld(t)
	refs := withInstructed(t, w, 2)
	if _, err := w.svc.HandleProject(ctx, finance, project, fund.SettlePayment{Ref: refs[0], BankRef: "RCC-1"}); err != nil {
		t.Fatal(err)
	}
	_, err := w.svc.HandleProject(ctx, finance, project, fund.SettlePayment{Ref: refs[1], BankRef: "RCC-1"})
	if got := codesOf(err); !slices.Equal(got, []string{fund.CodeBankRefUsed}) {
		t.Fatalf("second payment with the same bankRef: codes %q (%v); want %s", got, err, fund.CodeBankRefUsed)
	}
	res, err := w.svc.HandleProject(ctx, finance, project, fund.SettlePayment{Ref: refs[0], BankRef: "RCC-1"})
	if err != nil || len(res.Events) != 0 {
		t.Fatalf("the same settlement again = %d events, %v; want nothing, nil", len(res.Events), err)
	}
	if _, err := w.svc.HandleProject(ctx, finance, project, fund.SettlePayment{Ref: refs[1], BankRef: "RCC-2"}); err != nil {
		t.Fatalf("another bankRef: %v", err)
	}
}

// 100 payments racing to settle with one bank reference: exactly one does.
func TestRacingSettlementsWithOneBankRefSettleOnePayment(t *testing.T) {
	const payments = 100
	w := newWorld(t)
	w.x.RetriesMax = 2 * payments
	refs := withInstructed(t, w, payments)
	var wg sync.WaitGroup
	errs := make([]error, len(refs))
	for i, ref := range refs {
		wg.Go(func() {
			_, errs[i] = w.svc.HandleProject(context.Background(), finance, project, fund.SettlePayment{Ref: ref, BankRef: "RCC-dup"})
		})
	}
	wg.Wait()
	wins := 0
	for i, err := range errs {
		switch {
		case err == nil:
			wins++
		case slices.Equal(codesOf(err), []string{fund.CodeBankRefUsed}), errors.Is(err, events.ErrConcurrency):
		default:
			t.Errorf("settlement %d: %v", i, err)
		}
	}
	settled := 0
	for _, p := range w.project(t).Payments() {
		if p.Status == fund.StatusSettled {
			settled++
		}
	}
	if wins != 1 || settled != 1 {
		t.Fatalf("%d settlements succeeded, %d payments settled; want exactly 1 and 1", wins, settled)
	}
}
