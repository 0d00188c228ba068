package reconcile_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/drip-ledger/drip/domain"
	"github.com/drip-ledger/drip/domain/fund"
	"github.com/drip-ledger/drip/domain/reconcile"
	rt "github.com/drip-ledger/drip/domain/reconcile/reconciletest"
	"github.com/drip-ledger/drip/events"
)

// fakeDyingLog is a store that, once armed, lets budget appends through
// and fails every later one, as a process killed midway would: nothing the
// import writes after that reaches the log.
type fakeDyingLog struct {
	events.Store
	armed  atomic.Bool
	budget atomic.Int64
}

var errKilled = errors.New("fake: the process was killed")

func (f *fakeDyingLog) spend() error {
	if f.armed.Load() && f.budget.Add(-1) < 0 {
		return errKilled
	}
	return nil
}

func (f *fakeDyingLog) Append(ctx context.Context, stream string, expected events.Expected, evs ...events.Event) (events.AppendResult, error) {
	if err := f.spend(); err != nil {
		return events.AppendResult{}, err
	}
	return f.Store.Append(ctx, stream, expected, evs...)
}

func (f *fakeDyingLog) AppendMulti(ctx context.Context, parts ...events.StreamAppend) ([]events.AppendResult, error) {
	if err := f.spend(); err != nil {
		return nil, err
	}
	return f.Store.AppendMulti(ctx, parts...)
}

// dyingWorld is six payments of 1,200 yuan on a store that can be killed.
func dyingWorld(t *testing.T) (*rt.World, *fakeDyingLog, []string) {
	reg := rt.Registry()
	mem := events.NewMemoryStore(reg, nil)
	t.Cleanup(func() { mem.Close() })
	log := &fakeDyingLog{Store: mem}
	w := rt.NewOn(t, log, reg, 1_000_000)
	var refs []string
	for n := 1; n <= 6; n++ {
		refs = append(refs, w.Household(t, n, 120_000))
	}
	return w, log, refs
}

// closes counts, per payment reference, the events that settled or failed it.
func closes(t *testing.T, w *rt.World) map[string]int {
	t.Helper()
	evs, err := w.Store.ReadStream(context.Background(), fund.ProjectStream(w.Project), 1, events.Forwards, events.ReadEventsMax)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]int{}
	for _, ev := range evs {
		p, err := w.Reg.Decode(ev)
		if err != nil {
			t.Fatal(err)
		}
		switch e := p.(type) {
		case *fund.PaymentSettled:
			out[e.Ref]++
		case *fund.PaymentFailed:
			out[e.Ref]++
		}
	}
	return out
}

// Given six instructed payments, when the import of a file settling all
// six is killed after k of them, then the report says in progress, k of 6
// applied; when the same file is imported again, then it is imported with
// every line applied exactly once.
func TestAKilledImportIsInProgressUntilImportedAgain(t *testing.T) {
	for _, k := range []int{0, 1, 5} {
		t.Run(fmt.Sprint(k), func(t *testing.T) {
			w, log, refs := dyingWorld(t)
			ctx := context.Background()
			var lines []string
			for i, ref := range refs {
				lines = append(lines, rt.Line(ref, fmt.Sprintf("B%d", i+1), i+1, "1200.00", "settled", ""))
			}
			data := rt.CSV(lines...)
			hash := reconcile.Hash(data)
			log.budget.Store(int64(1 + k)) // FileStarted, then k settlements
			log.armed.Store(true)
			_, err := w.Reconcile.Import(ctx, rt.Finance(), "a.csv", data)
			if !errors.Is(err, errKilled) || !strings.Contains(err.Error(), fmt.Sprintf("in progress: %d of 6 lines applied", k)) {
				t.Fatalf("the killed import answered %v", err)
			}
			log.armed.Store(false)
			r, err := w.Reconcile.Report(ctx, rt.Finance(), hash)
			if err != nil {
				t.Fatal(err)
			}
			if r.Status != reconcile.StatusInProgress || r.Applied != k || r.ToApply != 6 || r.Lines != 6 ||
				r.Progress != fmt.Sprintf("in progress: %d of 6 lines applied; import the same file again to finish", k) {
				t.Errorf("the report is %s, %d of %d applied (%q)", r.Status, r.Applied, r.ToApply, r.Progress)
			}
			if n := len(closes(t, w)); n != k {
				t.Errorf("%d payments closed, want %d", n, k)
			}
			r, err = w.Reconcile.Import(ctx, rt.Finance(), "a.csv", data)
			if err != nil {
				t.Fatal(err)
			}
			if r.Status != reconcile.StatusImported || r.Applied != 6 || r.Replayed {
				t.Errorf("the second import is %s, %d applied, replayed %v", r.Status, r.Applied, r.Replayed)
			}
			got := closes(t, w)
			for _, ref := range refs {
				if got[ref] != 1 {
					t.Errorf("%s was closed %d times", ref, got[ref])
				}
			}
			if r, err := w.Reconcile.Report(ctx, rt.Finance(), hash); err != nil || r.Status != reconcile.StatusImported {
				t.Errorf("the report after finishing is %s (%v)", r.Status, err)
			}
		})
	}
}

// When the same file is uploaded several times at once, by the same clerk
// and by another, then every upload answers the file's report (imported,
// or replayed) or bank_file_in_progress, never a collision of keys; one
// only says it imported the file, and every payment is closed exactly once.
func TestTheSameFileImportedAtOnceAnswersTruthfully(t *testing.T) {
	for round := range 5 {
		w, refs := sixPayments(t)
		var lines []string
		for i, ref := range refs {
			lines = append(lines, rt.Line(ref, fmt.Sprintf("B%d", i+1), i+1, "1200.00", "settled", ""))
		}
		data := rt.CSV(lines...)
		const uploads = 4
		errs := make([]error, uploads)
		reports := make([]reconcile.Report, uploads)
		var start, done sync.WaitGroup
		start.Add(1)
		for i := range uploads {
			done.Add(1)
			go func() {
				defer done.Done()
				req := rt.Finance()
				if i%2 == 1 {
					req.Actor.ID = "another-clerk"
				}
				start.Wait()
				reports[i], errs[i] = w.Reconcile.Import(context.Background(), req, "a.csv", data)
			}()
		}
		start.Done()
		done.Wait()
		fresh := 0
		for i, err := range errs {
			switch {
			case err == nil:
				if !reports[i].Replayed {
					fresh++
				}
				if reports[i].Status != reconcile.StatusImported || reports[i].Applied != 6 {
					t.Errorf("round %d upload %d: %s, %d applied", round, i, reports[i].Status, reports[i].Applied)
				}
			case slices.Equal(domain.Codes(err), []string{reconcile.CodeInProgress}):
				if !strings.Contains(err.Error(), "being imported by another request") {
					t.Errorf("round %d upload %d: %v", round, i, err)
				}
			default:
				t.Errorf("round %d upload %d answered %v (%v)", round, i, domain.Codes(err), err)
			}
		}
		if fresh != 1 {
			t.Errorf("round %d: %d uploads say they imported the file", round, fresh)
		}
		// The file ends imported whatever the losers answered: the winner
		// finished it.
		if r, err := w.Reconcile.Report(context.Background(), rt.Finance(), reconcile.Hash(data)); err != nil || r.Status != reconcile.StatusImported {
			t.Errorf("round %d: the report is %s (%v)", round, r.Status, err)
		}
		got := closes(t, w)
		for _, ref := range refs {
			if got[ref] != 1 {
				t.Errorf("round %d: %s was closed %d times", round, ref, got[ref])
			}
		}
	}
}
