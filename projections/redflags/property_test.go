package redflags_test

import (
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
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

// history writes a random fund history: households of two villages of
// two counties (enrolled or not, removed, exited, members dying),
// appropriations and their corrections, projects with and without
// publicity, payments to own, shared and strangers' accounts, of a few
// amounts, and the bank's and the households' answers, mismatching lines
// and backfills. The events need not obey the rules (red flags are for
// logs that do not).
type history struct {
	t        testing.TB
	r        *rand.Rand
	reg      *events.Registry
	evs      []events.Event
	versions map[string]uint64
	pays     []histPay
	n        int
}

type histPay struct {
	ref     string
	project fund.ProjectID
	alloc   string
	doc     string
	file    domain.FileNumber
	fen     domain.Fen
	status  fund.PaymentStatus
	settled events.ID
}

var (
	hCounties = []fund.County{must(fund.ParseCounty("520526")), must(fund.ParseCounty("520527"))}
	hVillages = [][]string{{"520526104201", "520526104202"}, {"520527100201"}}
)

func (h *history) add(stream string, at time.Time, backfill bool, p events.Payload) events.Event {
	h.t.Helper()
	h.versions[stream]++
	pos := uint64(len(h.evs) + 1)
	ev, err := h.reg.Encode(events.DeriveID(events.NilID, fmt.Sprint(pos)), events.Metadata{ActorID: "t", OccurredAt: at, Backfill: backfill}, p)
	if err != nil {
		h.t.Fatalf("%T: %v", p, err)
	}
	ev.Stream, ev.Version, ev.Position, ev.RecordedAt = stream, h.versions[stream], pos, at
	h.evs = append(h.evs, ev)
	return ev
}

func (h *history) when() time.Time {
	return t0.Add(time.Duration(h.r.Int64N(int64(3 * 365 * 24 * time.Hour))))
}

func randomHistory(t testing.TB, seed uint64, steps int) []events.Event {
	h := &history{t: t, r: rand.New(rand.NewPCG(seed, seed^0x9e37)), reg: rt.Registry(), versions: map[string]uint64{}}
	type proj struct {
		id    fund.ProjectID
		alloc string
		doc   string
	}
	var projects []proj
	var files []domain.FileNumber
	for ci, c := range hCounties {
		for d := 0; d < 2; d++ {
			doc := fmt.Sprintf("财农〔2024〕%d号", d+1)
			at := t0.Add(time.Duration(h.r.IntN(400)) * 24 * time.Hour)
			fen := domain.Fen(1_000_000_000)
			h.add(fund.PoolStream(c), at, false, &fund.AppropriationReceived{County: c, Document: doc, FiscalYear: 2024,
				Level: fund.LevelCentral, Purpose: "industry", AmountFen: fen,
				Transfer: fund.Transfer{DebitAccount: fund.SourceAccount(fund.LevelCentral), CreditAccount: fund.PoolAccount(c), AmountFen: fen}})
			id := must(fund.ParseProjectID(fmt.Sprintf("%s-2024-%04d", c, d+1)))
			alloc := fmt.Sprintf("%s-AL-%06d", c, d+1)
			if h.r.IntN(4) > 0 {
				draw := domain.Fen(500_000_000)
				h.add(fund.PoolStream(c), at, false, &fund.Allocated{County: c, Ref: alloc, Project: id, AmountFen: draw,
					ApprovalRef: "fin [2024] 3", Draws: []fund.Draw{{Document: doc, AmountFen: draw}},
					Transfer: fund.Transfer{DebitAccount: fund.PoolAccount(c), CreditAccount: fund.ProjectAccount(id), AmountFen: draw}})
			}
			vs := []domain.DivisionCode{}
			for _, v := range hVillages[ci] {
				vs = append(vs, must(domain.ParseDivisionCode(v)))
			}
			h.add(fund.ProjectStream(id), at, false, &fund.ProjectProposed{Project: id, Name: "Walnuts", Kind: fund.KindIndustry,
				Villages: vs, BudgetFen: 500_000_000})
			projects = append(projects, proj{id, alloc, doc})
		}
		for _, v := range hVillages[ci] {
			for n := 1; n <= 4; n++ {
				files = append(files, must(domain.NewFileNumber(must(domain.ParseDivisionCode(v)), n)))
			}
		}
	}
	registered := map[domain.FileNumber]bool{}
	rid := func(f domain.FileNumber, k int) string {
		return rt.ResidentID(fmt.Sprintf("%s19700302%02d%d", f.Village().String()[:6], f.Sequence(), k))
	}
	for i := 0; i < steps; i++ {
		f := files[h.r.IntN(len(files))]
		pr := projects[h.r.IntN(len(projects))]
		backfill := h.r.IntN(25) == 0
		switch op := h.r.IntN(20); {
		case op < 3 && !registered[f]:
			registered[f] = true
			evs, err := household.RegisterHousehold{FileNumber: f.String(), Village: f.Village().String(),
				Head: household.MemberInput{Name: "Head " + f.String(), ResidentID: rid(f, 1), BirthDate: "1970-03-02",
					Sex: "male", Education: "primary", Health: "healthy", LabourAbility: "full", Schooling: "not_in_school"},
				Members: []household.MemberInput{{Name: "Spouse " + f.String(), ResidentID: rid(f, 2), BirthDate: "1970-03-02", Relation: "spouse",
					Sex: "female", Education: "primary", Health: "healthy", LabourAbility: "full", Schooling: "not_in_school"}},
				Account: &household.Account{Number: rt.Account(int(f.Sequence())), Bank: "RCC", HolderName: "Head " + f.String()},
			}.Decide(household.State{}, t0)
			if err != nil {
				t.Fatal(err)
			}
			h.add(household.Stream(f), h.when(), backfill, evs[0])
		case op < 5 && registered[f]:
			var p events.Payload
			switch h.r.IntN(4) {
			case 0:
				p = &household.Enrolled{Year: 2024, TotalPoints: 45, NetIncomePerCapitaFen: 210_000, PovertyLineFen: 280_000, DecisionRef: "PAO [2024] 1"}
			case 1:
				p = &household.Removed{Reason: household.RemovalMovedAway, Explanation: "moved", ApprovedBy: "PAO", EvidenceRef: "R"}
			case 2:
				p = &household.Exited{DecisionRef: "exit 1"}
			default:
				at := h.when()
				p = &household.MemberDied{ResidentID: must(domain.ParseResidentID(rid(f, 1+h.r.IntN(2)), time.Time{})),
					DiedOn: at.Format(time.DateOnly), EvidenceRef: "D"}
			}
			h.add(household.Stream(f), h.when(), backfill, p)
		case op == 5:
			at := h.when()
			h.add(fund.ProjectStream(pr.id), at, backfill, &fund.PublicityStarted{StartsAt: at, EndsAt: at.AddDate(0, 0, 10), Place: "board"})
		case op == 6:
			c := pr.id.County()
			fen := domain.Fen(1_000 * (1 + h.r.IntN(3)))
			h.add(fund.PoolStream(c), h.when(), backfill, &fund.AppropriationCorrected{County: c, Document: pr.doc, Corrects: events.DeriveID(events.NilID, "1"),
				Level: fund.LevelCentral, AmountFen: fen, Reason: "mistyped",
				Transfer: fund.Transfer{DebitAccount: fund.PoolAccount(c), CreditAccount: fund.SourceAccount(fund.LevelCentral), AmountFen: fen}})
		case op < 12:
			// Payments go to the project's own county's households.
			var mine []domain.FileNumber
			for _, x := range files {
				if strings.HasPrefix(x.String(), pr.id.County().String()) {
					mine = append(mine, x)
				}
			}
			f = mine[h.r.IntN(len(mine))]
			h.n++
			ref := fund.PaymentRef(pr.id, h.n)
			fen := domain.Fen(10_000 * (1 + h.r.IntN(2)))
			account, holder := rt.Account(int(f.Sequence())), "Head "+f.String()
			switch h.r.IntN(5) {
			case 0:
				account = rt.Account(1) // shared
			case 1:
				holder = "Spouse " + f.String()
			case 2:
				holder = "Stranger"
			}
			h.add(fund.ProjectStream(pr.id), h.when(), backfill, &fund.PaymentInstructed{Project: pr.id, Ref: ref, Payee: fund.PayeeHousehold,
				Household: f, Account: fund.BankAccount{Number: account, Bank: "RCC", HolderName: holder}, AmountFen: fen,
				Purpose: fund.PurposeProductionSubsidy, Period: fmt.Sprint(2024 + h.r.IntN(2)), Installment: true,
				Lots:     []fund.Lot{{Allocation: pr.alloc, Document: pr.doc, AmountFen: fen}},
				Transfer: fund.Transfer{DebitAccount: fund.ProjectAccount(pr.id), CreditAccount: fund.TransitAccount(pr.id), AmountFen: fen}})
			h.pays = append(h.pays, histPay{ref: ref, project: pr.id, alloc: pr.alloc, doc: pr.doc, file: f, fen: fen, status: fund.StatusInstructed})
		case len(h.pays) > 0:
			p := &h.pays[h.r.IntN(len(h.pays))]
			ps := fund.ProjectStream(p.project)
			lots := []fund.Lot{{Allocation: p.alloc, Document: p.doc, AmountFen: p.fen}}
			switch k := h.r.IntN(5); {
			case k == 0 && p.status == fund.StatusInstructed:
				ev := h.add(ps, h.when(), backfill, &fund.PaymentSettled{Project: p.project, Ref: p.ref, BankRef: "B-" + p.ref,
					Transfer: fund.Transfer{DebitAccount: fund.TransitAccount(p.project), CreditAccount: fund.HouseholdAccount(p.file), AmountFen: p.fen}})
				p.status, p.settled = fund.StatusSettled, ev.ID
			case k == 1 && p.status == fund.StatusInstructed:
				h.add(ps, h.when(), backfill, &fund.PaymentFailed{Project: p.project, Ref: p.ref, Outcome: fund.StatusFailed, Reason: "closed account", Lots: lots,
					Transfer: fund.Transfer{DebitAccount: fund.TransitAccount(p.project), CreditAccount: fund.ProjectAccount(p.project), AmountFen: p.fen}})
				p.status = fund.StatusFailed
			case k == 2 && p.status == fund.StatusSettled:
				h.add(ps, h.when(), backfill, &fund.PaymentReversed{Project: p.project, Ref: p.ref, Reverses: p.settled, Reason: "paid twice", Lots: lots,
					Transfer: fund.Transfer{DebitAccount: fund.HouseholdAccount(p.file), CreditAccount: fund.ProjectAccount(p.project), AmountFen: p.fen}})
				p.status = fund.StatusReversed
			case k == 3 && p.status == fund.StatusSettled:
				got := p.fen - domain.Fen(h.r.IntN(2)*1_000)
				a := &fund.PaymentAcknowledged{Project: p.project, Ref: p.ref, Household: p.file, PaidFen: p.fen, AcknowledgedFen: got,
					ShortfallFen: p.fen - got, Evidence: fund.Evidence{Kind: fund.EvidenceThumbprint, Ref: "E", PhotoSHA256: strings.Repeat("b", 64)}}
				if got < p.fen {
					a.ComplaintID = must(fund.ComplaintID(p.ref)).String()
				}
				h.add(ps, h.when(), backfill, a)
			case k == 4:
				h.add(reconcile.Stream(strings.Repeat("a", 64)), h.when(), false, &reconcile.LineMismatched{
					BankLine: reconcile.BankLine{Line: 2 + i, PaymentRef: p.ref, BankRef: "B", Account: rt.Account(1), PayeeName: "X", AmountFen: 9_000,
						Status: "settled", ValueDate: "2024-04-03"}, ExpectedFen: p.fen, ExpectedAccount: rt.Account(1), Fields: []string{"amount_yuan"}})
			}
		}
	}
	return h.evs
}

// fold folds evs into a new view on ms, in batches of size (0: all).
func foldBatches(t testing.TB, ms modelstore.Store, evs []events.Event, size int) *redflags.View {
	t.Helper()
	v, err := redflags.New(rt.Registry(), ms, redflags.Name, nil, redflags.DefaultConfig())
	if err != nil {
		t.Fatal(err)
	}
	if size == 0 {
		size = len(evs)
	}
	for i := 0; i < len(evs); i += size {
		batch := make([]projections.Decoded, 0, size)
		for _, ev := range evs[i:min(i+size, len(evs))] {
			batch = append(batch, projections.Decoded{Event: ev})
		}
		if err := v.ApplyBatch(context.Background(), batch); err != nil {
			t.Fatal(err)
		}
	}
	return v
}

var (
	hNows = []time.Time{t0.AddDate(0, 2, 0), t0.AddDate(1, 1, 0), t0.AddDate(2, 6, 0), t0.AddDate(4, 0, 0)}
	hJurs = []string{"", "52", "520526", "520527", "520526104", "520526104201", "520526104202", "520527100201"}
	// hCountyFilters are the Query.County of the listings compared.
	hCountyFilters = []string{"", "520526", "520527"}
)

// allFlags lists every flag for q, page by page (of 3: the cursors are
// exercised), as JSON sorted by ID.
func allFlags(t testing.TB, list func(redflags.Query) (redflags.Page, error), q redflags.Query, pageLen int) []string {
	t.Helper()
	q.Limit = pageLen
	var out []string
	for pages := 0; ; pages++ {
		p, err := list(q)
		if err != nil {
			t.Fatal(err)
		}
		for _, f := range p.Flags {
			b, _ := json.Marshal(f)
			out = append(out, string(b))
		}
		if p.Next == "" {
			break
		}
		if pages > 10_000 {
			t.Fatal("the pages do not end")
		}
		q.After = p.Next
	}
	slices.Sort(out)
	return out
}

// answers is every answer the view gives, as text, for comparison.
func answers(t testing.TB, v *redflags.View) []string {
	ctx := context.Background()
	var out []string
	for _, now := range hNows {
		for _, j := range hJurs {
			for _, k := range append([]redflags.Kind{""}, redflags.Kinds()...) {
				for _, c := range hCountyFilters {
					q := redflags.Query{Within: must(domain.ParseJurisdiction(j)), Kind: k, County: c, Now: now}
					out = append(out, fmt.Sprint(now, j, k, c, allFlags(t, func(q redflags.Query) (redflags.Page, error) { return v.Flags(ctx, q) }, q, 3)))
				}
			}
			for _, days := range []int{0, 3, 30} {
				out = append(out, fmt.Sprint(now, j, days, unreconciled(t, v, redflags.UnreconciledQuery{Within: must(domain.ParseJurisdiction(j)), Now: now, OlderThanDays: days})))
			}
			if len(j) == 6 && now.Equal(hNows[0]) {
				checkCounts(t, v, j)
			}
		}
	}
	return out
}

func unreconciled(t testing.TB, v *redflags.View, q redflags.UnreconciledQuery) []string {
	q.Limit = 2
	var out []string
	for {
		p, err := v.Unreconciled(context.Background(), q)
		if err != nil {
			t.Fatal(err)
		}
		for _, it := range p.Payments {
			b, _ := json.Marshal(it)
			out = append(out, fmt.Sprintf("%020d %s", it.Position, b))
		}
		if p.Next == "" {
			break
		}
		q.After = p.Next
	}
	slices.Sort(out)
	return out
}

// TestIncrementalFlagsEqualTheFullRecomputation: given random fund
// histories, when they are folded incrementally (in batches of 1, 7 and
// all) and into the old view that computed every flag per query, then
// every listing — each clock, jurisdiction and kind, page by page — and
// every unreconciled list is the same.
func TestIncrementalFlagsEqualTheFullRecomputation(t *testing.T) {
	for seed := uint64(1); seed <= 3; seed++ {
		evs := randomHistory(t, seed, 250)
		o := redflags.NewOracle(rt.Registry(), redflags.DefaultConfig())
		for _, ev := range evs {
			if err := o.Apply(ev); err != nil {
				t.Fatal(err)
			}
		}
		var want []string
		for _, now := range hNows {
			for _, j := range hJurs {
				for _, k := range append([]redflags.Kind{""}, redflags.Kinds()...) {
					for _, c := range hCountyFilters {
						q := redflags.Query{Within: must(domain.ParseJurisdiction(j)), Kind: k, County: c, Now: now}
						want = append(want, fmt.Sprint(now, j, k, c, allFlags(t, o.Flags, q, redflags.PageLenMax)))
					}
				}
				for _, days := range []int{0, 3, 30} {
					ps, err := o.Unreconciled(redflags.UnreconciledQuery{Within: must(domain.ParseJurisdiction(j)), Now: now, OlderThanDays: days})
					if err != nil {
						t.Fatal(err)
					}
					var got []string
					for _, it := range ps {
						b, _ := json.Marshal(it)
						got = append(got, fmt.Sprintf("%020d %s", it.Position, b))
					}
					slices.Sort(got)
					want = append(want, fmt.Sprint(now, j, days, got))
				}
			}
		}
		flags := 0
		for _, w := range want {
			flags += strings.Count(w, `"id":`)
		}
		for _, size := range []int{1, 7, 0} {
			got := answers(t, foldBatches(t, &modelstore.Memory{}, evs, size))
			for i := range want {
				if got[i] != want[i] {
					g, w := strings.Split(got[i], "} "), strings.Split(want[i], "} ")
					for j := range min(len(g), len(w)) {
						if g[j] != w[j] {
							t.Fatalf("seed %d, batches of %d: answer %d (%d vs %d items), item %d\n got %s\nwant %s", seed, size, i, len(g), len(w), j, g[j], w[j])
						}
					}
					t.Fatalf("seed %d, batches of %d: answer %d: %d items, want %d", seed, size, i, len(g), len(w))
				}
			}
		}
		t.Logf("seed %d: %d events, %d flags listed", seed, len(evs), flags)
	}
}

// checkCounts holds the view's counters to its listings: a county's count
// of each standing kind is the number of flags of that kind it lists.
func checkCounts(t testing.TB, v *redflags.View, county string) {
	t.Helper()
	counts, err := v.Counts(context.Background(), county)
	if err != nil {
		t.Fatal(err)
	}
	for _, k := range redflags.Kinds() {
		switch k {
		case redflags.KindFundsIdle1Y, redflags.KindFundsIdle2Y, redflags.KindUnreconciled:
			continue
		}
		q := redflags.Query{Within: must(domain.ParseJurisdiction(county)), Kind: k, Now: hNows[0]}
		if n := len(allFlags(t, func(q redflags.Query) (redflags.Page, error) { return v.Flags(context.Background(), q) }, q, redflags.PageLenMax)); n != counts[k] {
			t.Errorf("county %s, %s: counted %d, listed %d", county, k, counts[k], n)
		}
	}
}
