package fund_test

import (
	"context"
	"slices"
	"sync"
	"testing"

	"github.com/drip-ledger/drip/domain/fund"
)

// TestConcurrentPaymentsNeverOverdraw sends 100 payments at once against a
// project whose balance covers exactly 50 of them. Each is decided on the
// project's stream and appended at the version it read, so every loser of a
// race re-decides against the new balance: exactly 50 succeed, 50 are
// refused for insufficient funds, and the balance ends at exactly zero.
func TestConcurrentPaymentsNeverOverdraw(t *testing.T) {
	const (
		payments = 100
		covered  = 50
		each     = 1_000 // fen
	)
	ctx := context.Background()
	w := newWorld(t)
	w.x.RetriesMax = payments // every writer may lose to each other one once
	w.implementing(t)
	w.fund(t, doc1, covered*each)
	for i := 1; i <= payments; i++ {
		w.file(t, fileN(i), true, noTime)
		w.assign(t, fileN(i))
	}

	var wg sync.WaitGroup
	errs := make([]error, payments)
	for i := range payments {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, errs[i] = w.svc.HandleProject(ctx, finance, project, pay(fileN(i+1), each))
		}()
	}
	wg.Wait()

	ok, short := 0, 0
	for i, err := range errs {
		switch {
		case err == nil:
			ok++
		case slices.Equal(codesOf(err), []string{fund.CodeInsufficientFunds}):
			short++
		default:
			t.Errorf("payment %d: %v", i+1, err)
		}
	}
	p := w.project(t)
	if ok != covered || short != payments-covered {
		t.Fatalf("%d succeeded and %d were short, want %d and %d", ok, short, covered, payments-covered)
	}
	if p.BalanceFen() != 0 || p.TransitFen() != covered*each || len(p.Payments()) != covered || len(p.Lots()) != 0 {
		t.Fatalf("balance %d, transit %d, payments %d, lots %v", p.BalanceFen(), p.TransitFen(), len(p.Payments()), p.Lots())
	}
	for i, pm := range p.Payments() {
		if pm.Ref != fund.PaymentRef(project, i+1) || fund.SumLots(pm.Lots) != each {
			t.Fatalf("payment %d: %+v", i+1, pm)
		}
	}
}
