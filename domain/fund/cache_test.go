package fund_test

import (
	"context"
	"fmt"
	"math/rand"
	"reflect"
	"sync"
	"testing"

	"github.com/drip-ledger/drip/domain"
	"github.com/drip-ledger/drip/domain/fund"
	"github.com/drip-ledger/drip/events"
)

// cachedProject is project id as the executor's cache loads it.
// cachedProject returns the cached project's state; the caller must not run
// commands on it meanwhile (it shares what the cache changes in place).
func cachedProject(t testing.TB, x *domain.Executor, id fund.ProjectID) fund.Project {
	t.Helper()
	var p fund.Project
	if err := domain.Read(context.Background(), x, fund.ProjectStream(id), fund.ProjectAggregate, func(s fund.Project, _ uint64) error {
		p = s
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	return p
}

// otherProcess is a second fund service over w's store, as another process
// sharing the store runs it: its own executor and a cache too small to keep
// a project for long.
func (w *world) otherProcess(t testing.TB) *fund.Service {
	t.Helper()
	x, err := domain.NewExecutor(w.store, w.reg, func() (events.ID, error) { return events.NewID(nil) })
	if err != nil {
		t.Fatal(err)
	}
	x.Cache, x.RetriesMax = domain.NewCache(1, 50), w.x.RetriesMax
	svc, err := fund.NewService(x, w.complaints, fund.DefaultConfig())
	if err != nil {
		t.Fatal(err)
	}
	return svc
}

// For random sequences of every money command, run by two processes, the
// project a cached executor loads equals the full fold of its stream after
// every command (compared field by field, unexported ones included: a
// test-only check of the whole state).
func TestCachedProjectEqualsFullFold(t *testing.T) {
	for seed := int64(1); seed <= 3; seed++ {
		t.Run(fmt.Sprint("seed ", seed), func(t *testing.T) {
			w := newWorld(t)
			projects := []fund.ProjectID{project, must(fund.ParseProjectID("520526-2026-0043"))}
			for _, p := range projects {
				w.implement(t, p)
			}
			for i := 1; i <= 4; i++ {
				w.file(t, fileN(i), true, noTime)
				for _, p := range projects {
					if _, err := w.svc.HandleProject(context.Background(), clerk, p, fund.AssignBeneficiary{Household: fileN(i).String()}); err != nil {
						t.Fatal(err)
					}
				}
			}
			mine, other := w.svc, w.otherProcess(t)
			r := rand.New(rand.NewSource(seed))
			for op := range 120 {
				w.svc = mine
				if r.Intn(3) == 0 {
					w.svc = other
				}
				if err := w.randomOperation(t, r, projects, 4); err != nil && domain.Codes(err) == nil {
					t.Fatalf("operation %d: %v", op, err)
				}
				for _, id := range projects {
					if got, want := cachedProject(t, w.x, id), w.projectOf(t, id); !reflect.DeepEqual(got, want) {
						t.Fatalf("operation %d: project %s: the cached state at version %d differs from the full fold at %d",
							op, id, got.Version(), want.Version())
					}
				}
			}
		})
	}
}

// Payments instructed, settled (a rule across the project's and the bank
// reference's streams), failed and acknowledged at once on one project, by
// two processes, with the project read meanwhile: under -race no two
// commands evolve one cached project; the money adds up, and the cached
// project equals the full fold.
func TestRacingCommandsOnACachedProject(t *testing.T) {
	const payments, each = 40, 1_000
	ctx := context.Background()
	w := newWorld(t)
	w.x.RetriesMax = 4 * payments
	w.implementing(t)
	w.fund(t, doc1, payments*each)
	for i := 1; i <= payments; i++ {
		w.file(t, fileN(i), true, noTime)
		w.assign(t, fileN(i))
	}
	other := w.otherProcess(t)
	var wg sync.WaitGroup
	for i := range payments {
		wg.Go(func() {
			svc := w.svc
			if i%4 == 3 {
				svc = other
			}
			res, err := svc.HandleProject(ctx, finance, project, pay(fileN(i+1), each))
			if err != nil {
				t.Errorf("payment %d: %v", i+1, err)
				return
			}
			ref := fund.PaymentRef(project, int(res.Version)) // not the payment's number: read it back
			// Inside Read's callback only: the cached state is changed in
			// place by the next command once the callback returns.
			if err := domain.Read(ctx, w.x, fund.ProjectStream(project), fund.ProjectAggregate, func(s fund.Project, _ uint64) error {
				for _, p := range s.Payments() {
					if p.InstructedEventID == res.Events[0].ID {
						ref = p.Ref
					}
				}
				return nil
			}); err != nil {
				t.Errorf("payment %d: %v", i+1, err)
				return
			}
			if i%3 == 0 {
				_, err = svc.HandleProject(ctx, finance, project, fund.FailPayment{Ref: ref, Outcome: fund.StatusReturned, Reason: "closed account"})
			} else {
				_, err = svc.HandleProject(ctx, finance, project, fund.SettlePayment{Ref: ref, BankRef: "B-" + ref})
				if err == nil && i%3 == 1 {
					_, err = svc.HandleProject(ctx, as(domain.RoleVillage, villageText, later), project,
						fund.AcknowledgePayment{Ref: ref, AcknowledgedFen: each, Evidence: evidence()})
				}
			}
			if err != nil {
				t.Errorf("payment %s: %v", ref, err)
			}
		})
	}
	wg.Wait()
	want := w.project(t)
	if got := cachedProject(t, w.x, project); !reflect.DeepEqual(got, want) {
		t.Fatalf("the cached project at version %d differs from the full fold at %d", got.Version(), want.Version())
	}
	failed := (payments + 2) / 3
	if want.BalanceFen() != domain.Fen(failed*each) || want.TransitFen() != 0 || len(want.Payments()) != payments {
		t.Errorf("balance %d, transit %d, %d payments; want %d, 0, %d", want.BalanceFen(), want.TransitFen(), len(want.Payments()), failed*each, payments)
	}
}
