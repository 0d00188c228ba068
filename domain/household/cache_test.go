package household_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"reflect"
	"sync"
	"testing"

	"github.com/drip-ledger/drip/domain"
	"github.com/drip-ledger/drip/domain/household"
	"github.com/drip-ledger/drip/events"
)

// process is one process's household service and executor over a shared
// store.
type process struct {
	x   *domain.Executor
	svc *household.Service
}

func newProcess(t *testing.T, store events.Store, cache *domain.Cache) process {
	t.Helper()
	x, err := domain.NewExecutor(store, registry(), func() (events.ID, error) { return events.NewID(nil) })
	if err != nil {
		t.Fatal(err)
	}
	x.Cache, x.RetriesMax = cache, 200
	svc, err := household.NewService(x)
	if err != nil {
		t.Fatal(err)
	}
	return process{x: x, svc: svc}
}

// stateIn is the household as x loads it; with a nil cache, the full fold.
func stateIn(t *testing.T, x *domain.Executor, f domain.FileNumber) household.State {
	t.Helper()
	var out household.State
	if err := domain.Read(t.Context(), x, household.Stream(f), household.Aggregate, func(s household.State, _ uint64) error {
		out = s
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	return out
}

var cadres = []household.Cadre{
	{ID: "cadre-wang", Name: "Wang", Rank: household.RankGeneral},
	{ID: "cadre-li", Name: "Li", Rank: household.RankBelowSection},
	{ID: "cadre-zhao", Name: "Zhao", Rank: household.RankSection},
}

func visit() household.RecordVisit {
	return household.RecordVisit{Seen: household.Seen{Crops: "potatoes", House: "grade C", Labour: "one", Students: "none"},
		HandbookFilled: true, NetIncomePerCapitaFen: 250000,
		Signatures: household.Signatures{CadreRef: "handbook/p1", HouseholdRef: "handbook/p1"}}
}

// householdOperation runs one random command on one of files: an
// assignment (a rule across the household's and the cadres' streams), a
// visit, a member's death, or a read.
func householdOperation(ctx context.Context, p process, r *rand.Rand, files []domain.FileNumber) error {
	f := files[r.IntN(len(files))]
	req := countyRequest()
	if r.IntN(4) == 0 {
		req.IdempotencyKey, req.Fingerprint = fmt.Sprint("k-", r.IntN(6)), "same"
	}
	var err error
	switch r.IntN(5) {
	case 0:
		_, err = p.svc.AssignCadre(ctx, req, f, household.AssignCadre{Cadre: cadres[r.IntN(len(cadres))]})
	case 1, 2:
		v := visit()
		v.CadreID = cadres[r.IntN(len(cadres))].ID // the household's, or refused
		_, err = p.svc.RecordVisit(ctx, req, f, v)
	case 3:
		_, err = p.svc.RecordDeath(ctx, req, f, household.RecordDeath{ResidentID: wifeInput().ResidentID, DiedOn: "2014-03-01", EvidenceRef: "certificate 123"})
	default:
		err = domain.Read(ctx, p.x, household.Stream(f), household.Aggregate, func(s household.State, v uint64) error {
			if s.Version() != v || s.Status() == household.StatusNone {
				return fmt.Errorf("household at version %d with status %s, read at %d", s.Version(), s.Status(), v)
			}
			return nil
		})
	}
	if c := domain.Codes(err); len(c) > 0 && c[0] != domain.CodeInvalid {
		return nil // a rule refused it: expected of random commands
	}
	return err
}

// For random sequences of household commands run by two processes (one
// with a cache too small to keep every household), the household a cached
// executor loads equals the full fold of its stream after every command.
func TestCachedHouseholdEqualsFullFold(t *testing.T) {
	for seed := range uint64(4) {
		t.Run(fmt.Sprint("seed ", seed), func(t *testing.T) {
			store := events.NewMemoryStore(registry(), nil)
			t.Cleanup(func() { store.Close() })
			files := enrolledFiles(t, store, 3)
			mine, other := newProcess(t, store, domain.NewCache(100, 10_000)), newProcess(t, store, domain.NewCache(1, 20))
			full := newProcess(t, store, nil)
			r := rand.New(rand.NewPCG(seed, 11))
			for op := range 150 {
				p := mine
				if r.IntN(3) == 0 {
					p = other
				}
				if err := householdOperation(t.Context(), p, r, files); err != nil {
					t.Fatalf("operation %d: %v", op, err)
				}
				for _, f := range files {
					if got, want := stateIn(t, mine.x, f), stateIn(t, full.x, f); !reflect.DeepEqual(got, want) {
						t.Fatalf("operation %d: household %s: cached at version %d differs from the full fold at %d", op, f, got.Version(), want.Version())
					}
				}
			}
		})
	}
}

// Commands and reads racing on a few households and the cadres' streams,
// by two processes: under -race no two of them evolve one cached
// household; afterwards each cached household equals the full fold.
func TestRacingCommandsOnCachedHouseholds(t *testing.T) {
	store := events.NewMemoryStore(registry(), nil)
	t.Cleanup(func() { store.Close() })
	files := enrolledFiles(t, store, 3)
	mine, other := newProcess(t, store, domain.NewCache(100, 10_000)), newProcess(t, store, domain.NewCache(2, 50))
	var wg sync.WaitGroup
	for w := range 12 {
		wg.Go(func() {
			p := mine
			if w%3 == 2 {
				p = other
			}
			r := rand.New(rand.NewPCG(uint64(w), 3))
			for range 25 {
				if err := householdOperation(t.Context(), p, r, files); err != nil {
					t.Error(err)
				}
			}
		})
	}
	wg.Wait()
	full := newProcess(t, store, nil)
	for _, f := range files {
		got, want := stateIn(t, mine.x, f), stateIn(t, full.x, f)
		if len(want.Visits()) == 0 {
			t.Errorf("household %s: no visit was recorded: the race tested nothing", f)
		}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("household %s: cached at version %d differs from the full fold at %d", f, got.Version(), want.Version())
		}
	}
}
