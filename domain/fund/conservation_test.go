package fund_test

import (
	"context"
	"fmt"
	"math/rand"
	"testing"

	"github.com/drip-ledger/drip/domain"
	"github.com/drip-ledger/drip/domain/fund"
	"github.com/drip-ledger/drip/events"
)

// TestConservation runs random sequences of every money command (many of
// them refused by the rules) through the service over the memory store,
// then replays the whole log: after every event the balances of all
// accounts sum to zero and none but a source is negative; at the end each
// project's state agrees with the ledger, and its lots account for every
// fen it received.
func TestConservation(t *testing.T) {
	const (
		seeds      = 6
		operations = 300
		households = 6
	)
	for seed := int64(1); seed <= seeds; seed++ {
		t.Run(fmt.Sprint("seed ", seed), func(t *testing.T) {
			w := newWorld(t)
			projects := []fund.ProjectID{project, must(fund.ParseProjectID("520526-2026-0043")), must(fund.ParseProjectID("520526-2026-0044"))}
			for _, p := range projects {
				w.implement(t, p)
			}
			for i := 1; i <= households; i++ {
				w.file(t, fileN(i), true, noTime)
				for _, p := range projects {
					if _, err := w.svc.HandleProject(context.Background(), clerk, p, fund.AssignBeneficiary{Household: fileN(i).String()}); err != nil {
						t.Fatal(err)
					}
				}
			}
			r := rand.New(rand.NewSource(seed))
			refused := 0
			for op := range operations {
				err := w.randomOperation(t, r, projects, households)
				if err != nil && domain.Codes(err) == nil {
					t.Fatalf("operation %d: %v", op, err)
				}
				if err != nil {
					refused++
				}
			}
			t.Logf("%d of %d operations refused by the rules", refused, operations)
			if refused == operations {
				t.Fatal("every operation was refused")
			}
			ledger := w.replay(t)
			for _, p := range projects {
				w.agree(t, w.projectOf(t, p), ledger)
			}
		})
	}
}

// randomOperation issues one command chosen at random, with random
// amounts; it returns the command's error.
func (w *world) randomOperation(t *testing.T, r *rand.Rand, projects []fund.ProjectID, households int) error {
	ctx := context.Background()
	id := projects[r.Intn(len(projects))]
	amount := domain.Fen(1 + r.Intn(50_000))
	pool := func() fund.Pool {
		evs, err := w.store.ReadStream(ctx, fund.PoolStream(county), 1, events.Forwards, events.ReadEventsMax)
		if err != nil {
			return fund.EmptyPool(county)
		}
		return foldAll(t, fund.EmptyPool(county), fund.EvolvePool, evs)
	}
	pick := func(status fund.PaymentStatus) (fund.Payment, bool) {
		var ps []fund.Payment
		for _, p := range w.projectOf(t, id).Payments() {
			if p.Status == status {
				ps = append(ps, p)
			}
		}
		if len(ps) == 0 {
			return fund.Payment{}, false
		}
		return ps[r.Intn(len(ps))], true
	}
	switch r.Intn(8) {
	case 0:
		levels := fund.Levels()
		_, err := w.svc.HandlePool(ctx, finance, county, fund.RecordAppropriation{Document: fmt.Sprintf("doc-%d", r.Int63()),
			FiscalYear: 2026, Level: levels[r.Intn(len(levels))], Purpose: "random", AmountFen: amount * 4})
		return err
	case 1:
		as := pool().Appropriations()
		if len(as) == 0 {
			return nil
		}
		a := as[r.Intn(len(as))]
		_, err := w.svc.HandlePool(ctx, finance, county, fund.Allocate{Project: id, AmountFen: amount, ApprovalRef: "random",
			Draws: []fund.Draw{{Document: a.Document, AmountFen: amount}}})
		return err
	case 2, 3:
		c := pay(fileN(1+r.Intn(households)), amount)
		c.Period = []string{"2026", "2026-H1", "2026-H2"}[r.Intn(3)]
		c.Installment = r.Intn(4) == 0
		_, err := w.svc.HandleProject(ctx, finance, id, c)
		return err
	case 4:
		p, ok := pick(fund.StatusInstructed)
		if !ok {
			return nil
		}
		_, err := w.svc.HandleProject(ctx, finance, id, fund.SettlePayment{Ref: p.Ref, BankRef: "B-" + p.Ref})
		return err
	case 5:
		p, ok := pick(fund.StatusInstructed)
		if !ok {
			return nil
		}
		_, err := w.svc.HandleProject(ctx, finance, id, fund.FailPayment{Ref: p.Ref, Outcome: fund.StatusReturned, Reason: "random"})
		return err
	case 6:
		p, ok := pick(fund.StatusSettled)
		if !ok {
			return nil
		}
		_, err := w.svc.HandleProject(ctx, finance, id, fund.ReversePayment{Ref: p.Ref, Reason: "random"})
		return err
	default:
		p, ok := pick(fund.StatusSettled)
		if !ok || p.Acknowledgement != nil {
			return nil
		}
		_, err := w.svc.HandleProject(ctx, as(domain.RoleVillage, villageText, later), id, fund.AcknowledgePayment{Ref: p.Ref,
			AcknowledgedFen: p.AmountFen - domain.Fen(r.Intn(2))*domain.Fen(r.Int63n(int64(p.AmountFen)+1)), Evidence: evidence()})
		return err
	}
}

// replay folds every transfer in the log, in order, checking the ledger's
// invariants after each event, and returns the final balances.
func (w *world) replay(t *testing.T) map[fund.AccountID]domain.Fen {
	t.Helper()
	balances := map[fund.AccountID]domain.Fen{}
	moved := 0
	for from := uint64(1); ; {
		page, err := w.store.ReadAll(context.Background(), from, events.ReadEventsMax)
		if err != nil {
			t.Fatal(err)
		}
		for _, ev := range page {
			p, err := w.reg.Decode(ev)
			if err != nil {
				t.Fatal(err)
			}
			m, ok := p.(fund.Mover)
			if !ok {
				continue
			}
			moved++
			tr := m.Movement()
			balances[tr.DebitAccount] -= tr.AmountFen
			balances[tr.CreditAccount] += tr.AmountFen
			var total domain.Fen
			for a, b := range balances {
				total += b
				if b < 0 && !a.IsSource() {
					t.Fatalf("after %s at position %d: %s holds %d fen", ev.Type, ev.Position, a, b)
				}
			}
			if total != 0 {
				t.Fatalf("after %s at position %d: balances sum to %d fen", ev.Type, ev.Position, total)
			}
		}
		if len(page) < events.ReadEventsMax {
			break
		}
		from = page[len(page)-1].Position + 1
	}
	if moved == 0 {
		t.Fatal("no money moved")
	}
	t.Logf("%d transfers replayed", moved)
	return balances
}

// agree checks a project's state against the ledger: its spendable balance
// and its transit equal its accounts' balances (every allocation was
// received), and its lots — queued, and drawn by live payments — add up to
// what it received.
func (w *world) agree(t *testing.T, p fund.Project, ledger map[fund.AccountID]domain.Fen) {
	t.Helper()
	if got := ledger[fund.ProjectAccount(p.ID())]; got != p.BalanceFen() {
		t.Errorf("project %s: ledger balance %d, state %d", p.ID(), got, p.BalanceFen())
	}
	if got := ledger[fund.TransitAccount(p.ID())]; got != p.TransitFen() {
		t.Errorf("project %s: ledger transit %d, state %d", p.ID(), got, p.TransitFen())
	}
	lots := fund.SumLots(p.Lots())
	for _, pm := range p.Payments() {
		if pm.Status == fund.StatusInstructed || pm.Status == fund.StatusSettled {
			lots += fund.SumLots(pm.Lots)
		}
	}
	if lots != p.ReceivedFen() {
		t.Errorf("project %s: lots account for %d fen of the %d received", p.ID(), lots, p.ReceivedFen())
	}
}
