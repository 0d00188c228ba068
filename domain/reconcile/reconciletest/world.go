// Package reconciletest builds, for tests, a ledger with a funded project
// in Weining county and payments instructed to its households, through the
// real fund and household rules, and writes bank files about them.
package reconciletest

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/drip-ledger/drip/domain"
	"github.com/drip-ledger/drip/domain/complaint"
	"github.com/drip-ledger/drip/domain/fund"
	"github.com/drip-ledger/drip/domain/household"
	"github.com/drip-ledger/drip/domain/reconcile"
	"github.com/drip-ledger/drip/events"
)

// CST is China Standard Time.
var CST = time.FixedZone("CST", 8*3600)

// The story's times: the project is proposed at T0, publicized for ten days
// and pays from Later; bank files are imported at Import.
var (
	T0       = time.Date(2026, 11, 2, 9, 0, 0, 0, CST)
	pubStart = T0.AddDate(0, 0, 1)
	pubEnd   = pubStart.AddDate(0, 0, 10)
	Later    = pubEnd.Add(24 * time.Hour)
	Import   = time.Date(2026, 11, 28, 10, 0, 0, 0, CST)
)

// Places and numbers.
const (
	County  = "520526"
	Village = "520526104201"
	Project = "520526-2026-0042"
)

// Registry holds every type the tests need.
func Registry() *events.Registry {
	r := events.NewRegistry()
	fund.Register(r)
	household.Register(r)
	complaint.Register(r)
	reconcile.Register(r)
	return r
}

// World is a memory store with the services over it.
type World struct {
	Store     events.Store
	Reg       *events.Registry
	Fund      *fund.Service
	Reconcile *reconcile.Service
	Project   fund.ProjectID
	// X is the services' executor (a benchmark turns its cache off).
	X *domain.Executor
}

// As is a request by role in the county at t.
func As(role domain.Role, at time.Time) domain.Request {
	return domain.Request{Actor: domain.Actor{ID: string(role) + "-1", Role: string(role), Jurisdiction: County}, At: at}
}

// Finance is the county finance bureau importing at Import.
func Finance() domain.Request { return As(domain.RoleCountyFinance, Import) }

// New builds the world on a memory store, with an implementing project
// holding fen.
func New(t testing.TB, fen domain.Fen) *World {
	t.Helper()
	reg := Registry()
	store := events.NewMemoryStore(reg, nil)
	t.Cleanup(func() { store.Close() })
	return NewOn(t, store, reg, fen)
}

// NewOn builds the world on store, whose registry reg must hold Registry's
// types; the caller closes the store.
func NewOn(t testing.TB, store events.Store, reg *events.Registry, fen domain.Fen) *World {
	t.Helper()
	x, err := domain.NewExecutor(store, reg, func() (events.ID, error) { return events.NewID(nil) })
	if err != nil {
		t.Fatal(err)
	}
	cs, err := complaint.NewService(x, complaint.Rules{})
	if err != nil {
		t.Fatal(err)
	}
	fs, err := fund.NewService(x, cs, fund.DefaultConfig())
	if err != nil {
		t.Fatal(err)
	}
	rs, err := reconcile.NewService(store, reg, fs)
	if err != nil {
		t.Fatal(err)
	}
	p, _ := fund.ParseProjectID(Project)
	w := &World{Store: store, Reg: reg, Fund: fs, Reconcile: rs, Project: p, X: x}
	w.implement(t, fen)
	return w
}

func (w *World) implement(t testing.TB, fen domain.Fen) {
	t.Helper()
	ctx := context.Background()
	county, _ := fund.ParseCounty(County)
	village := As(domain.RoleVillage, T0)
	village.Actor.Jurisdiction = Village
	steps := []struct {
		req domain.Request
		cmd fund.ProjectCommand
	}{
		{village, fund.Propose{ProjectName: "Walnut orchards", Kind: fund.KindIndustry, Villages: []string{Village}, BudgetFen: 50_000_000}},
		{As(domain.RoleCountyPAO, T0), fund.Approve{ApprovalRef: "Weining PAO [2026] 9"}},
		{As(domain.RoleCountyPAO, T0), fund.StartPublicity{StartsAt: pubStart, EndsAt: pubEnd, Place: "village notice board"}},
		{As(domain.RoleCountyPAO, Later), fund.StartImplementation{}},
	}
	for _, s := range steps {
		if _, err := w.Fund.HandleProject(ctx, s.req, w.Project, s.cmd); err != nil {
			t.Fatalf("%s: %v", s.cmd.Name(), err)
		}
	}
	fin := As(domain.RoleCountyFinance, Later)
	doc := "财农〔2026〕12号"
	if _, err := w.Fund.HandlePool(ctx, fin, county, fund.RecordAppropriation{Document: doc, FiscalYear: 2026,
		Level: fund.LevelCentral, Purpose: "industry support", AmountFen: fen}); err != nil {
		t.Fatal(err)
	}
	if _, err := w.Fund.HandlePool(ctx, fin, county, fund.Allocate{Project: w.Project, AmountFen: fen,
		ApprovalRef: "Weining finance [2026] 31", Draws: []fund.Draw{{Document: doc, AmountFen: fen}}}); err != nil {
		t.Fatal(err)
	}
}

// File is the n-th household's file number.
func File(n int) domain.FileNumber {
	v, _ := domain.ParseDivisionCode(Village)
	f, _ := domain.NewFileNumber(v, n)
	return f
}

// Account is the n-th household's card number.
func Account(n int) string { return fmt.Sprintf("62141234%08d", n) }

// Holder is the n-th household head's name.
func Holder(n int) string { return fmt.Sprintf("Zhang %d", n) }

// ResidentID makes a valid resident identity number from 17 digits.
func ResidentID(first17 string) string {
	c, err := domain.ResidentIDCheck(first17)
	if err != nil {
		panic(err)
	}
	return first17 + string(c)
}

// Household registers and enrolls household n with its card, assigns it to
// the project and instructs a payment of fen to it; it returns the payment
// reference.
func (w *World) Household(t testing.TB, n int, fen domain.Fen) string {
	t.Helper()
	ctx := context.Background()
	f := File(n)
	evs, err := household.RegisterHousehold{FileNumber: f.String(), Village: Village,
		Head: household.MemberInput{Name: Holder(n), ResidentID: ResidentID(fmt.Sprintf("52052619700302%03d", n)), BirthDate: "1970-03-02",
			Sex: sex(n), Education: "primary", Health: "healthy", LabourAbility: "full", Schooling: "not_in_school"},
		Account: &household.Account{Number: Account(n), Bank: "Weining Rural Credit Cooperative", HolderName: Holder(n)},
	}.Decide(household.State{}, T0)
	if err != nil {
		t.Fatal(err)
	}
	evs = append(evs, &household.Enrolled{Year: 2026, TotalPoints: 45, NetIncomePerCapitaFen: 210_000,
		PovertyLineFen: 280_000, DecisionRef: "Weining PAO [2026] 12"})
	batch := make([]events.Event, len(evs))
	for i, p := range evs {
		id, _ := events.NewID(nil)
		if batch[i], err = w.Reg.Encode(id, events.Metadata{ActorID: "pao-1", Role: "county_pao", Jurisdiction: County,
			OccurredAt: T0.AddDate(-1, 0, i)}, p); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := w.Store.Append(ctx, household.Stream(f), events.NoStream, batch...); err != nil {
		t.Fatal(err)
	}
	village := As(domain.RoleVillage, Later)
	village.Actor.Jurisdiction = Village
	if _, err := w.Fund.HandleProject(ctx, village, w.Project, fund.AssignBeneficiary{Household: f.String()}); err != nil {
		t.Fatalf("assign %s: %v", f, err)
	}
	res, err := w.Fund.HandleProject(ctx, As(domain.RoleCountyFinance, Later), w.Project, fund.InstructPayment{Payee: fund.PayeeHousehold,
		Household: f.String(), AmountFen: fen, Purpose: fund.PurposeProductionSubsidy, Period: "2026"})
	if err != nil {
		t.Fatalf("pay %s: %v", f, err)
	}
	p, err := w.Reg.Decode(res.Events[0])
	if err != nil {
		t.Fatal(err)
	}
	return p.(*fund.PaymentInstructed).Ref
}

// sex agrees with the resident ID's sequence digit: odd is male.
func sex(n int) string {
	if n%2 == 1 {
		return "male"
	}
	return "female"
}

// Payment is the payment ref as its project's stream says now.
func (w *World) Payment(t testing.TB, ref string) fund.Payment {
	t.Helper()
	evs, err := w.Store.ReadStream(context.Background(), fund.ProjectStream(w.Project), 1, events.Forwards, events.ReadEventsMax)
	if err != nil {
		t.Fatal(err)
	}
	s := fund.EmptyProject(w.Project)
	for _, ev := range evs {
		p, err := w.Reg.Decode(ev)
		if err != nil {
			t.Fatal(err)
		}
		if s, err = fund.EvolveProject(s, ev, p); err != nil {
			t.Fatal(err)
		}
	}
	p, ok := s.Payment(ref)
	if !ok {
		t.Fatalf("no payment %s", ref)
	}
	return p
}

// Head is the log's head.
func (w *World) Head(t testing.TB) uint64 {
	t.Helper()
	h, err := w.Store.Head(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return h
}

// CSV joins a header and lines into a bank file.
func CSV(lines ...string) []byte {
	return []byte(strings.Join(append([]string{strings.Join(reconcile.Columns, ",")}, lines...), "\n") + "\n")
}

// Line is a bank line for household n's payment ref.
func Line(ref, bankRef string, n int, yuan, status, reason string) string {
	return strings.Join([]string{ref, bankRef, Account(n), Holder(n), yuan, status, "2026-11-27", reason}, ",")
}
