package redflags_test

import (
	"bytes"
	"context"
	"fmt"
	"math/rand/v2"
	"runtime"
	"slices"
	"sort"
	"sync"
	"testing"
	"time"

	"github.com/drip-ledger/drip/domain"
	"github.com/drip-ledger/drip/domain/fund"
	"github.com/drip-ledger/drip/domain/household"
	rt "github.com/drip-ledger/drip/domain/reconcile/reconciletest"
	"github.com/drip-ledger/drip/events"
	"github.com/drip-ledger/drip/projections/modelstore"
	"github.com/drip-ledger/drip/projections/redflags"
)

// sortedStoreForBench is an in-memory modelstore.Store for the benchmark:
// modelstore.Memory inserts each new key into a sorted slice, which a
// county of 100,000 payments (half a million keys) cannot afford; this one
// appends and sorts when next read in order. One model, no Drop.
type sortedStoreForBench struct {
	mu         sync.Mutex
	checkpoint uint64
	values     map[string][]byte
	keys       []string // sorted, with deleted keys until the next merge
	fresh      []string // new since the last merge, unsorted
}

var _ modelstore.Store = (*sortedStoreForBench)(nil)

func newSortedStoreForBench() *sortedStoreForBench {
	return &sortedStoreForBench{values: map[string][]byte{}}
}

func (s *sortedStoreForBench) Checkpoint(context.Context, string) (uint64, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.checkpoint, nil
}

func (s *sortedStoreForBench) Get(_ context.Context, _ string, key []byte) ([]byte, bool, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	v, ok := s.values[string(key)]
	return bytes.Clone(v), ok, nil
}

func (s *sortedStoreForBench) Scan(_ context.Context, _ string, from, to []byte, limit int, f func(k, v []byte) error) error {
	s.mu.Lock()
	if len(s.fresh) > 0 {
		slices.Sort(s.fresh)
		s.keys = append(s.keys, s.fresh...)
		slices.Sort(s.keys)
		s.keys = slices.Compact(s.keys)
		s.fresh = s.fresh[:0]
	}
	type kv struct{ k, v []byte }
	var page []kv
	for i := sort.SearchStrings(s.keys, string(from)); i < len(s.keys) && len(page) < limit; i++ {
		k := s.keys[i]
		if to != nil && k >= string(to) {
			break
		}
		if v, ok := s.values[k]; ok {
			page = append(page, kv{[]byte(k), v})
		}
	}
	s.mu.Unlock()
	for _, p := range page {
		if err := f(p.k, p.v); err != nil {
			return err
		}
	}
	return nil
}

func (s *sortedStoreForBench) Commit(_ context.Context, _ string, b *modelstore.Batch, checkpoint uint64) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if checkpoint <= s.checkpoint {
		return modelstore.ErrCheckpoint
	}
	s.checkpoint = checkpoint
	return b.Each(func(k, v []byte, del bool) error {
		if del {
			delete(s.values, string(k))
			return nil
		}
		if _, ok := s.values[string(k)]; !ok {
			s.fresh = append(s.fresh, string(k))
		}
		s.values[string(k)] = v
		return nil
	})
}

func (s *sortedStoreForBench) Drop(context.Context, string) error       { return nil }
func (s *sortedStoreForBench) Models(context.Context) ([]string, error) { return nil, nil }
func (s *sortedStoreForBench) Close() error                             { return nil }

// benchCounty is a county of households paid monthly by a few projects:
// about payments payments, most settled, some failed, a few households
// removed or exited (so there are flags to list).
func benchCounty(b *testing.B, households, payments int) []events.Event {
	b.Helper()
	h := &history{t: b, r: rand.New(rand.NewPCG(1, 2)), reg: rt.Registry(), versions: map[string]uint64{}}
	c := hCounties[0]
	var projects []fund.ProjectID
	for d := 0; d < 4; d++ {
		doc := fmt.Sprintf("财农〔2024〕%d号", d+1)
		fen := domain.Fen(100_000_000_000)
		h.add(fund.PoolStream(c), t0, false, &fund.AppropriationReceived{County: c, Document: doc, FiscalYear: 2024,
			Level: fund.LevelCentral, Purpose: "industry", AmountFen: fen,
			Transfer: fund.Transfer{DebitAccount: fund.SourceAccount(fund.LevelCentral), CreditAccount: fund.PoolAccount(c), AmountFen: fen}})
		id := must(fund.ParseProjectID(fmt.Sprintf("%s-2024-%04d", c, d+1)))
		h.add(fund.PoolStream(c), t0, false, &fund.Allocated{County: c, Ref: fmt.Sprintf("%s-AL-%06d", c, d+1), Project: id, AmountFen: fen,
			ApprovalRef: "fin [2024] 3", Draws: []fund.Draw{{Document: doc, AmountFen: fen}},
			Transfer: fund.Transfer{DebitAccount: fund.PoolAccount(c), CreditAccount: fund.ProjectAccount(id), AmountFen: fen}})
		h.add(fund.ProjectStream(id), t0, false, &fund.PublicityStarted{StartsAt: t0, EndsAt: t0.AddDate(0, 0, 10), Place: "board"})
		projects = append(projects, id)
	}
	var files []domain.FileNumber
	for n := 0; n < households; n++ {
		village := must(domain.ParseDivisionCode(fmt.Sprintf("520526%03d%03d", 100+n/2000, 200+(n/100)%20)))
		f := must(domain.NewFileNumber(village, n%100+1))
		rid := func(k int) string { return rt.ResidentID(fmt.Sprintf("520526197003%02d%02d%d", 1+n%28, n%100, k)) }
		evs, err := household.RegisterHousehold{FileNumber: f.String(), Village: village.String(),
			Head: household.MemberInput{Name: "Head " + f.String(), ResidentID: rid(1), BirthDate: fmt.Sprintf("1970-03-%02d", 1+n%28),
				Sex: "male", Education: "primary", Health: "healthy", LabourAbility: "full", Schooling: "not_in_school"},
			Account: &household.Account{Number: rt.Account(n), Bank: "RCC", HolderName: "Head " + f.String()},
		}.Decide(household.State{}, t0)
		if err != nil {
			b.Fatal(err)
		}
		h.add(household.Stream(f), t0, false, evs[0])
		h.add(household.Stream(f), t0.AddDate(0, 0, 1), false, &household.Enrolled{Year: 2024, TotalPoints: 45, NetIncomePerCapitaFen: 210_000,
			PovertyLineFen: 280_000, DecisionRef: "PAO [2024] 1"})
		if n%50 == 0 {
			h.add(household.Stream(f), t0.AddDate(0, 6, 0), false, &household.Removed{Reason: household.RemovalMovedAway, Explanation: "moved",
				ApprovedBy: "PAO", EvidenceRef: "R"})
		}
		files = append(files, f)
	}
	for i := 0; i < payments; i++ {
		n := i % households
		f, pr := files[n], projects[i%len(projects)]
		month := i / households
		at := t0.AddDate(0, 1+month, h.r.IntN(25))
		ref := fund.PaymentRef(pr, i+1)
		fen := domain.Fen(10_000 + 100*h.r.IntN(50))
		doc := fmt.Sprintf("财农〔2024〕%d号", i%len(projects)+1)
		lots := []fund.Lot{{Allocation: fmt.Sprintf("%s-AL-%06d", c, i%len(projects)+1), Document: doc, AmountFen: fen}}
		h.add(fund.ProjectStream(pr), at, false, &fund.PaymentInstructed{Project: pr, Ref: ref, Payee: fund.PayeeHousehold,
			Household: f, Account: fund.BankAccount{Number: rt.Account(n), Bank: "RCC", HolderName: "Head " + f.String()}, AmountFen: fen,
			Purpose: fund.PurposeProductionSubsidy, Period: at.Format("2006-01"), Lots: lots,
			Transfer: fund.Transfer{DebitAccount: fund.ProjectAccount(pr), CreditAccount: fund.TransitAccount(pr), AmountFen: fen}})
		switch k := h.r.IntN(20); {
		case k < 17:
			h.add(fund.ProjectStream(pr), at.AddDate(0, 0, 2), false, &fund.PaymentSettled{Project: pr, Ref: ref, BankRef: "B-" + ref,
				Transfer: fund.Transfer{DebitAccount: fund.TransitAccount(pr), CreditAccount: fund.HouseholdAccount(f), AmountFen: fen}})
		case k < 19:
			h.add(fund.ProjectStream(pr), at.AddDate(0, 0, 2), false, &fund.PaymentFailed{Project: pr, Ref: ref, Outcome: fund.StatusFailed,
				Reason: "closed account", Lots: lots,
				Transfer: fund.Transfer{DebitAccount: fund.TransitAccount(pr), CreditAccount: fund.ProjectAccount(pr), AmountFen: fen}})
		}
	}
	return h.evs
}

// BenchmarkRedFlags lists /redflags' first page (100 flags, every kind) of
// a county of 100,000 payments: the incremental view beside the old one
// that computed every flag per query, in the same run. A county's own
// listing, a village's (flags of the rest of the county skipped) and a
// listing of the time-relative kind payment_unreconciled.
//
//	go test ./projections/redflags/ -run '^$' -bench RedFlags -benchtime 20x -v
func BenchmarkRedFlags(b *testing.B) {
	const households, payments = 10_000, 100_000
	evs := benchCounty(b, households, payments)
	ctx := context.Background()
	old := redflags.NewOracle(rt.Registry(), redflags.DefaultConfig())
	start := time.Now()
	for _, ev := range evs {
		if err := old.Apply(ev); err != nil {
			b.Fatal(err)
		}
	}
	oldFold := time.Since(start)
	v, err := redflags.New(rt.Registry(), newSortedStoreForBench(), redflags.Name, nil, redflags.DefaultConfig())
	if err != nil {
		b.Fatal(err)
	}
	start = time.Now()
	const batch = 1_000
	for i := 0; i < len(evs); i += batch {
		if err := v.ApplyBatch(ctx, decoded(evs[i:min(i+batch, len(evs))])); err != nil {
			b.Fatal(err)
		}
	}
	b.Logf("%d events (%d payments): old fold %v, incremental fold in batches of %d %v", len(evs), payments, oldFold, batch, time.Since(start))
	now := t0.AddDate(1, 6, 0)
	queries := map[string]redflags.Query{
		"county":       {Within: must(domain.ParseJurisdiction("520526")), Now: now, Limit: 100},
		"village":      {Within: must(domain.ParseJurisdiction("520526100201")), Now: now, Limit: 100},
		"unreconciled": {Within: must(domain.ParseJurisdiction("520526")), Kind: redflags.KindUnreconciled, Now: now, Limit: 100},
	}
	impls := []struct {
		name string
		list func(redflags.Query) (redflags.Page, error)
	}{{"old", old.Flags}, {"incremental", func(q redflags.Query) (redflags.Page, error) { return v.Flags(ctx, q) }}}
	for i, impl := range impls {
		if i == 1 {
			// The old view's heap would tax the incremental queries' GC.
			old, impls[0].list = nil, nil
			runtime.GC()
		}
		for _, name := range []string{"county", "village", "unreconciled"} {
			q := queries[name]
			if _, err := impl.list(q); err != nil { // warm: the bench store sorts its keys when first scanned
				b.Fatal(err)
			}
			b.Run(name+"/"+impl.name, func(b *testing.B) {
				var got int
				lat := make([]time.Duration, 0, b.N)
				for b.Loop() {
					t := time.Now()
					p, err := impl.list(q)
					lat = append(lat, time.Since(t))
					if err != nil {
						b.Fatal(err)
					}
					got = len(p.Flags)
				}
				slices.Sort(lat)
				b.ReportMetric(float64(lat[len(lat)/2].Microseconds())/1000, "p50-ms")
				b.ReportMetric(float64(lat[len(lat)*99/100].Microseconds())/1000, "p99-ms")
				b.ReportMetric(float64(got), "flags")
			})
		}
	}
}
