package fund_test

import (
	"errors"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/drip-ledger/drip/domain"
	"github.com/drip-ledger/drip/domain/complaint"
	"github.com/drip-ledger/drip/domain/fund"
	"github.com/drip-ledger/drip/domain/household"
	"github.com/drip-ledger/drip/events"
)

// cst is China Standard Time, the zone the programme's dates are in.
var cst = time.FixedZone("CST", 8*3600)

// t0 is when the stories begin; the project's publicity runs ten days from
// the next morning, and money may move from later on.
var (
	t0       = time.Date(2026, 3, 2, 9, 0, 0, 0, cst)
	pubStart = t0.AddDate(0, 0, 1)
	pubEnd   = pubStart.AddDate(0, 0, 10)
	later    = pubEnd.Add(24 * time.Hour)
)

const (
	countyText  = "520526" // Weining
	villageText = "520526104201"
	projectText = "520526-2026-0042"
	fileText    = "520526104201-0007"
	doc1        = "财农〔2026〕12号"
	doc2        = "黔财农〔2026〕3号"
	doc3        = "毕财农〔2026〕7号"
)

func must[T any](v T, err error) T {
	if err != nil {
		panic(err)
	}
	return v
}

var (
	county  = must(fund.ParseCounty(countyText))
	project = must(fund.ParseProjectID(projectText))
	village = must(domain.ParseDivisionCode(villageText))
	file    = must(domain.ParseFileNumber(fileText))
)

// fileN is the n-th household of the village.
func fileN(n int) domain.FileNumber { return must(domain.NewFileNumber(village, n)) }

func registry() *events.Registry {
	r := events.NewRegistry()
	fund.Register(r)
	household.Register(r)
	complaint.Register(r)
	return r
}

func env(at time.Time) fund.Env { return fund.Env{At: at, Config: fund.DefaultConfig()} }

func card() *fund.BankAccount {
	return &fund.BankAccount{Number: "6214123412341234", Bank: "Weining Rural Credit Cooperative", HolderName: "Zhang San"}
}

// enrolled are the facts of an enrolled household with a bank card.
func enrolled(f domain.FileNumber) fund.HouseholdFacts {
	return fund.HouseholdFacts{File: f, Status: household.StatusEnrolled, Account: card()}
}

// The project's history, step by step.
func proposedP() []events.Payload {
	return []events.Payload{&fund.ProjectProposed{Project: project, Name: "Walnut orchards", Kind: fund.KindIndustry,
		Villages: []domain.DivisionCode{village}, BudgetFen: 50_000_000}}
}
func approvedP() []events.Payload {
	return append(proposedP(), &fund.ProjectApproved{ApprovalRef: "Weining PAO [2026] 9"})
}
func publicizedP() []events.Payload {
	return append(approvedP(), &fund.PublicityStarted{StartsAt: pubStart, EndsAt: pubEnd, Place: "village notice board"})
}
func implementingP() []events.Payload {
	return append(publicizedP(), &fund.ImplementationStarted{PublicityEndedAt: pubEnd})
}

var allocNS = events.MustParseID("1d7e9a3c-5b2f-4e61-8c0d-2a4b6c8e0f13")

// received is the project's receipt of allocation n, with lots from the
// given documents and amounts.
func received(n int, lots ...fund.Lot) *fund.AllocationReceived {
	ref := fund.AllocationRef(county, n)
	var sum domain.Fen
	for i := range lots {
		lots[i].Allocation = ref
		sum += lots[i].AmountFen
	}
	return &fund.AllocationReceived{Project: project, Allocation: ref, AllocationEventID: events.DeriveID(allocNS, ref),
		AmountFen: sum, Lots: lots}
}

func lot(doc string, fen domain.Fen) fund.Lot { return fund.Lot{Document: doc, AmountFen: fen} }

func assigned(f domain.FileNumber) *fund.BeneficiaryAssigned {
	return &fund.BeneficiaryAssigned{Household: f, HouseholdStatus: string(household.StatusEnrolled)}
}

// funded is an implementing project holding 1,000 yuan (two lots) with
// household file assigned.
func funded() []events.Payload {
	return append(implementingP(), received(1, lot(doc1, 60_000), lot(doc2, 40_000)), assigned(file))
}

var ns = events.MustParseID("6a0c8f86-8d7c-4a43-9f0b-0d3c5a3e6b21")

// eventsOf encodes payloads as stored events through the registry (so a
// fixture that would not validate fails the test), one an hour from t0.
func eventsOf(t testing.TB, stream string, ps []events.Payload) []events.Event {
	t.Helper()
	reg := registry()
	out := make([]events.Event, len(ps))
	for i, p := range ps {
		ev, err := reg.Encode(events.DeriveID(ns, fmt.Sprint(stream, i)), events.Metadata{ActorID: "clerk-1",
			Role: "county_finance", Jurisdiction: countyText, OccurredAt: t0.Add(time.Duration(i) * time.Hour)}, p)
		if err != nil {
			t.Fatalf("given event %d (%T): %v", i, p, err)
		}
		ev.Stream, ev.Version, ev.Position = stream, uint64(i+1), uint64(i+1)
		out[i] = ev
	}
	return out
}

// foldAll decodes evs as a store returns them and folds them into s.
func foldAll[S any](t testing.TB, s S, evolve func(S, events.Event, events.Payload) (S, error), evs []events.Event) S {
	t.Helper()
	reg := registry()
	for _, ev := range evs {
		p, err := reg.Decode(ev)
		if err != nil {
			t.Fatalf("decode %s: %v", ev.Type, err)
		}
		if s, err = evolve(s, ev, p); err != nil {
			t.Fatalf("evolve %s: %v", ev.Type, err)
		}
	}
	return s
}

func givenProject(t testing.TB, ps []events.Payload) fund.Project {
	t.Helper()
	return foldAll(t, fund.EmptyProject(project), fund.EvolveProject, eventsOf(t, fund.ProjectStream(project), ps))
}

func givenPool(t testing.TB, ps []events.Payload) fund.Pool {
	t.Helper()
	return foldAll(t, fund.EmptyPool(county), fund.EvolvePool, eventsOf(t, fund.PoolStream(county), ps))
}

// decision is the expected outcome of a command: events, or error codes.
type decision struct {
	events []events.Payload
	codes  []string // "code", or "field code" for a problem with a field
}

func then(ps ...events.Payload) decision { return decision{events: ps} }
func refused(codes ...string) decision   { return decision{codes: codes} }
func nothing() decision                  { return decision{events: []events.Payload{}} }

var opts = cmp.AllowUnexported(fund.ProjectID{}, fund.County{}, domain.Jurisdiction{}, domain.FileNumber{}, domain.DivisionCode{})

func check(t testing.TB, got []events.Payload, err error, want decision) {
	t.Helper()
	if len(want.codes) > 0 {
		if gotCodes := codesOf(err); !slices.Equal(gotCodes, want.codes) {
			t.Fatalf("error codes = %q, want %q (err: %v)", gotCodes, want.codes, err)
		}
		if got != nil {
			t.Fatalf("refused command returned events %v", got)
		}
		return
	}
	if err != nil {
		t.Fatalf("unexpected error: %v (codes %q)", err, codesOf(err))
	}
	if want.events != nil {
		if len(want.events) == 0 && len(got) == 0 {
			return
		}
		if d := cmp.Diff(want.events, got, opts); d != "" {
			t.Fatalf("events (-want +got):\n%s", d)
		}
	}
	for _, p := range got {
		if err := p.Validate(); err != nil {
			t.Fatalf("decided an invalid %T: %v", p, err)
		}
	}
}

func codesOf(err error) []string {
	var inv *events.InvalidError
	if errors.As(err, &inv) {
		var out []string
		for _, p := range inv.Problems {
			var de *domain.Error
			code := domain.CodeInvalid
			if errors.As(p.Cause, &de) {
				code = de.Code
			}
			out = append(out, p.Field+" "+code)
		}
		return out
	}
	return domain.Codes(err)
}
