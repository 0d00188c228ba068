package fund_test

import (
	"context"
	"testing"
	"time"

	"github.com/drip-ledger/drip/domain"
	"github.com/drip-ledger/drip/domain/complaint"
	"github.com/drip-ledger/drip/domain/fund"
	"github.com/drip-ledger/drip/domain/household"
	"github.com/drip-ledger/drip/events"
)

// world is a memory store with the fund, household and complaint services
// over it.
type world struct {
	store      *events.MemoryStore
	reg        *events.Registry
	x          *domain.Executor
	svc        *fund.Service
	complaints *complaint.Service
}

func newWorld(t testing.TB) *world {
	t.Helper()
	reg := registry()
	store := events.NewMemoryStore(reg, nil)
	t.Cleanup(func() { store.Close() })
	x, err := domain.NewExecutor(store, reg, func() (events.ID, error) { return events.NewID(nil) })
	if err != nil {
		t.Fatal(err)
	}
	cs, err := complaint.NewService(x, complaint.Rules{})
	if err != nil {
		t.Fatal(err)
	}
	svc, err := fund.NewService(x, cs, fund.DefaultConfig())
	if err != nil {
		t.Fatal(err)
	}
	return &world{store: store, reg: reg, x: x, svc: svc, complaints: cs}
}

func as(role domain.Role, jurisdiction string, at time.Time) domain.Request {
	return domain.Request{Actor: domain.Actor{ID: string(role) + "-1", Role: string(role), Jurisdiction: jurisdiction}, At: at}
}

var (
	finance = as(domain.RoleCountyFinance, countyText, later)
	pao     = as(domain.RoleCountyPAO, countyText, t0)
	clerk   = as(domain.RoleVillage, villageText, t0)
)

// residentID makes a valid resident identity number from 17 digits.
func residentID(first17 string) string {
	c, err := domain.ResidentIDCheck(first17)
	if err != nil {
		panic(err)
	}
	return first17 + string(c)
}

// file puts household f on file and gives it the statuses' events: always
// registered, then enrolled, then exited at exitedAt if it is not zero.
// The household's own procedure is its package's business; these are just
// the facts the fund ledger reads.
func (w *world) file(t testing.TB, f domain.FileNumber, enroll bool, exitedAt time.Time) {
	t.Helper()
	reg, err := household.RegisterHousehold{FileNumber: f.String(), Village: villageText,
		Head: household.MemberInput{Name: "Zhang San", ResidentID: residentID("52052619700302011"), BirthDate: "1970-03-02",
			Sex: "male", Education: "primary", Health: "healthy", LabourAbility: "full", Schooling: "not_in_school"},
		Account: &household.Account{Number: "6214123412341234", Bank: "Weining Rural Credit Cooperative", HolderName: "Zhang San"},
	}.Decide(household.State{}, t0)
	if err != nil {
		t.Fatal(err)
	}
	ps := reg
	times := []time.Time{t0.AddDate(-3, 0, 0)}
	if enroll {
		ps = append(ps, &household.Enrolled{Year: 2023, TotalPoints: 45, NetIncomePerCapitaFen: 210_000,
			PovertyLineFen: 280_000, DecisionRef: "Weining PAO [2023] 12"})
		times = append(times, t0.AddDate(-3, 0, 1))
	}
	if !exitedAt.IsZero() {
		ps = append(ps, &household.Exited{DecisionRef: "Weining PAO exit [2024] 3"})
		times = append(times, exitedAt)
	}
	evs := make([]events.Event, len(ps))
	for i, p := range ps {
		id, _ := events.NewID(nil)
		if evs[i], err = w.reg.Encode(id, events.Metadata{ActorID: "pao-1", Role: "county_pao", Jurisdiction: countyText,
			OccurredAt: times[i]}, p); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := w.store.Append(context.Background(), household.Stream(f), events.NoStream, evs...); err != nil {
		t.Fatal(err)
	}
}

// implementing runs the project through proposal, approval and publicity
// to implementation.
func (w *world) implementing(t testing.TB) { w.implement(t, project) }

func (w *world) implement(t testing.TB, id fund.ProjectID) {
	t.Helper()
	ctx := context.Background()
	steps := []struct {
		req domain.Request
		cmd fund.ProjectCommand
	}{
		{clerk, fund.Propose{ProjectName: "Walnut orchards", Kind: fund.KindIndustry, Villages: []string{villageText}, BudgetFen: 50_000_000}},
		{pao, fund.Approve{ApprovalRef: "Weining PAO [2026] 9"}},
		{pao, fund.StartPublicity{StartsAt: pubStart, EndsAt: pubEnd, Place: "village notice board"}},
		{as(domain.RoleCountyPAO, countyText, later), fund.StartImplementation{}},
	}
	for _, s := range steps {
		if _, err := w.svc.HandleProject(ctx, s.req, id, s.cmd); err != nil {
			t.Fatalf("%s: %v", s.cmd.Name(), err)
		}
	}
}

// fund appropriates fen to the pool and allocates it all to the project.
func (w *world) fund(t testing.TB, doc string, fen domain.Fen) {
	t.Helper()
	ctx := context.Background()
	if _, err := w.svc.HandlePool(ctx, finance, county, fund.RecordAppropriation{Document: doc, FiscalYear: 2026,
		Level: fund.LevelCentral, Purpose: "industry support", AmountFen: fen}); err != nil {
		t.Fatal(err)
	}
	if _, err := w.svc.HandlePool(ctx, finance, county, fund.Allocate{Project: project, AmountFen: fen,
		ApprovalRef: "Weining finance [2026] 31", Draws: []fund.Draw{{Document: doc, AmountFen: fen}}}); err != nil {
		t.Fatal(err)
	}
}

func (w *world) assign(t testing.TB, f domain.FileNumber) {
	t.Helper()
	if _, err := w.svc.HandleProject(context.Background(), clerk, project, fund.AssignBeneficiary{Household: f.String()}); err != nil {
		t.Fatalf("assign %s: %v", f, err)
	}
}

func (w *world) project(t testing.TB) fund.Project { return w.projectOf(t, project) }

func (w *world) projectOf(t testing.TB, id fund.ProjectID) fund.Project {
	t.Helper()
	evs, err := w.store.ReadStream(context.Background(), fund.ProjectStream(id), 1, events.Forwards, events.ReadEventsMax)
	if err != nil {
		t.Fatal(err)
	}
	return foldAll(t, fund.EmptyProject(id), fund.EvolveProject, evs)
}

func pay(f domain.FileNumber, fen domain.Fen) fund.InstructPayment {
	return fund.InstructPayment{Payee: fund.PayeeHousehold, Household: f.String(), AmountFen: fen,
		Purpose: fund.PurposeProductionSubsidy, Period: "2026"}
}

var noTime time.Time
