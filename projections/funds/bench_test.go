package funds_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"
	"time"

	"github.com/drip-ledger/drip/domain"
	"github.com/drip-ledger/drip/domain/complaint"
	"github.com/drip-ledger/drip/domain/fund"
	"github.com/drip-ledger/drip/domain/household"
	"github.com/drip-ledger/drip/events"
	"github.com/drip-ledger/drip/projections"
	"github.com/drip-ledger/drip/projections/funds"
)

// benchLog writes a county of households paid monthly by one project
// from one appropriation: the events the rules would write, made by hand
// (the fund service re-folds a project's stream per command, too slow to
// write 100,000 payments).
func benchLog(b *testing.B, reg *events.Registry, households, payments int) ([]projections.Decoded, []domain.FileNumber) {
	b.Helper()
	r := rand.New(rand.NewPCG(1, 2))
	var out []projections.Decoded
	versions := map[string]uint64{}
	add := func(stream string, at time.Time, p events.Payload) events.Event {
		versions[stream]++
		ev, err := reg.Encode(events.DeriveID(events.NilID, fmt.Sprint(len(out)+1)), events.Metadata{ActorID: "t", Role: "county_finance", OccurredAt: at}, p)
		if err != nil {
			b.Fatalf("%T: %v", p, err)
		}
		ev.Stream, ev.Version, ev.Position, ev.RecordedAt = stream, versions[stream], uint64(len(out)+1), at
		out = append(out, projections.Decoded{Event: ev, Payload: p})
		return ev
	}
	const doc = "财农〔2024〕12号"
	const alloc = "520526-AL-000001"
	fen := domain.Fen(int64(payments) * 20_000)
	ps := fund.ProjectStream(project)
	add(ps, t0, &fund.ProjectProposed{Project: project, Name: "Walnuts", Kind: fund.KindIndustry, Villages: []domain.DivisionCode{village}, BudgetFen: fen})
	add(ps, t0, &fund.ProjectApproved{ApprovalRef: "fin [2024] 3"})
	add(fund.PoolStream(county), t0, &fund.AppropriationReceived{County: county, Document: doc, FiscalYear: 2024, Level: fund.LevelCentral,
		Purpose: "industry", AmountFen: fen, Transfer: fund.Transfer{DebitAccount: fund.SourceAccount(fund.LevelCentral), CreditAccount: fund.PoolAccount(county), AmountFen: fen}})
	al := add(fund.PoolStream(county), t0, &fund.Allocated{County: county, Ref: alloc, Project: project, AmountFen: fen, ApprovalRef: "fin [2024] 3",
		Draws: []fund.Draw{{Document: doc, AmountFen: fen}}, Transfer: fund.Transfer{DebitAccount: fund.PoolAccount(county), CreditAccount: fund.ProjectAccount(project), AmountFen: fen}})
	add(ps, t0, &fund.AllocationReceived{Project: project, Allocation: alloc, AllocationEventID: al.ID, AmountFen: fen,
		Lots: []fund.Lot{{Allocation: alloc, Document: doc, AmountFen: fen}}})
	files := make([]domain.FileNumber, households)
	for n := range households {
		f := must(domain.NewFileNumber(village, n+1))
		files[n] = f
		evs, err := household.RegisterHousehold{FileNumber: f.String(), Village: villageText,
			Head: household.MemberInput{Name: fmt.Sprintf("Head %d", n), ResidentID: residentID(fmt.Sprintf("520526197003%02d%03d", 1+n%28, n%500*2+1)),
				BirthDate: fmt.Sprintf("1970-03-%02d", 1+n%28), Sex: "male", Education: "primary", Health: "healthy", LabourAbility: "full", Schooling: "not_in_school"},
		}.Decide(household.State{}, t0)
		if err != nil {
			b.Fatal(err)
		}
		add(household.Stream(f), t0, evs[0])
	}
	for i := range payments {
		n := i % households
		at := t0.AddDate(0, 1+i/households, r.IntN(25))
		amount := domain.Fen(10_000 + 100*r.IntN(50))
		ref := fund.PaymentRef(project, i+1)
		add(ps, at, &fund.PaymentInstructed{Project: project, Ref: ref, Payee: fund.PayeeHousehold, Household: files[n],
			Account: fund.BankAccount{Number: fmt.Sprintf("6214%012d", n), Bank: "RCC", HolderName: fmt.Sprintf("Head %d", n)}, AmountFen: amount,
			Purpose: fund.PurposeProductionSubsidy, Period: at.Format("2006-01"), Lots: []fund.Lot{{Allocation: alloc, Document: doc, AmountFen: amount}},
			Transfer: fund.Transfer{DebitAccount: fund.ProjectAccount(project), CreditAccount: fund.TransitAccount(project), AmountFen: amount}})
		if r.IntN(10) > 0 {
			add(ps, at.AddDate(0, 0, 2), &fund.PaymentSettled{Project: project, Ref: ref, BankRef: "B-" + ref,
				Transfer: fund.Transfer{DebitAccount: fund.TransitAccount(project), CreditAccount: fund.HouseholdAccount(files[n]), AmountFen: amount}})
		}
	}
	return out, files
}

// BenchmarkDripTrail answers a household's drip trail (a page of 20 of its
// payments, with totals and documents) and a village's sums in a county of
// 100,000 payments, from the fund view (still folded in memory).
//
//	go test ./projections/funds/ -run '^$' -bench DripTrail -benchtime 2000x -v
func BenchmarkDripTrail(b *testing.B) {
	reg := events.NewRegistry()
	fund.Register(reg)
	household.Register(reg)
	complaint.Register(reg)
	evs, files := benchLog(b, reg, 10_000, 100_000)
	v := must(funds.New(reg, nil))
	start := time.Now()
	for i := 0; i < len(evs); i += 1_000 {
		if err := v.ApplyBatch(context.Background(), evs[i:min(i+1_000, len(evs))]); err != nil {
			b.Fatal(err)
		}
	}
	b.Logf("%d events folded in %v", len(evs), time.Since(start))
	j := must(domain.ParseJurisdiction("520526"))
	b.Run("trail", func(b *testing.B) {
		lat := make([]time.Duration, 0, b.N)
		i := 0
		for b.Loop() {
			t := time.Now()
			tr, err := v.DripTrail(j, files[i%len(files)], 0, 20)
			lat = append(lat, time.Since(t))
			if err != nil || len(tr.Payments) == 0 {
				b.Fatal(err, len(tr.Payments))
			}
			i += 7919
		}
		slices.Sort(lat)
		b.ReportMetric(float64(lat[len(lat)/2].Microseconds())/1000, "p50-ms")
		b.ReportMetric(float64(lat[len(lat)*99/100].Microseconds())/1000, "p99-ms")
	})
}
