package main

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"errors"
	"io"
	"log/slog"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/drip-ledger/drip/api"
	"github.com/drip-ledger/drip/domain"
	"github.com/drip-ledger/drip/domain/complaint"
	"github.com/drip-ledger/drip/domain/fund"
	"github.com/drip-ledger/drip/domain/household"
	"github.com/drip-ledger/drip/domain/reconcile"
	"github.com/drip-ledger/drip/events"
	"github.com/drip-ledger/drip/events/embedded"
	"github.com/drip-ledger/drip/internal/demo"
	"github.com/drip-ledger/drip/projections"
	"github.com/drip-ledger/drip/projections/modelstore"
	"github.com/drip-ledger/drip/projections/redflags"
	"github.com/google/go-cmp/cmp"
)

const demoTestHouseholds = 40

func loadTestDemo(t *testing.T, dir string, seed uint64) demo.Summary {
	t.Helper()
	sum, err := loadDemo(context.Background(), demoConfig{DataDir: dir, Households: demoTestHouseholds, Seed: seed,
		Log: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	return sum
}

// demoLog is the whole log of the store in dir, read after it was closed.
func demoLog(t *testing.T, dir string) []events.Event {
	t.Helper()
	store, err := embedded.Open(dir, registry(), embedded.Options{Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	var all []events.Event
	for from := uint64(1); ; {
		page, err := store.ReadAll(context.Background(), from, 1000)
		if err != nil {
			t.Fatal(err)
		}
		all = append(all, page...)
		if len(page) < 1000 {
			return all
		}
		from = page[len(page)-1].Position + 1
	}
}

func TestDemoLoadsEveryStatusThroughTheAPIAndOnlyIntoAnEmptyStore(t *testing.T) {
	dir := t.TempDir()
	sum := loadTestDemo(t, dir, 7)
	log := demoLog(t, dir)
	if uint64(len(log)) != sum.Events || len(sum.Files) != demoTestHouseholds {
		t.Fatalf("summary says %d events and %d households; the log has %d events", sum.Events, len(sum.Files), len(log))
	}

	// Fold every household from the log itself, as an auditor would.
	reg := registry()
	streams := map[string][]events.Event{}
	types := map[string]int{}
	last := demo.Start
	for _, ev := range log {
		streams[ev.Stream] = append(streams[ev.Stream], ev)
		types[ev.Type]++
		if ev.RecordedAt.Before(last) || ev.RecordedAt.After(sum.End) || ev.Meta.ActorID == "" {
			t.Fatalf("event %d at %s by %q: not in order within %s..%s, or no actor", ev.Position, ev.RecordedAt, ev.Meta.ActorID, demo.Start, sum.End)
		}
		last = ev.RecordedAt
	}
	statuses := map[household.Status]int{}
	helping := map[string]int{}
	capacity := map[string]int{}
	for name, evs := range streams {
		if !strings.HasPrefix(name, household.StreamPrefix) {
			continue
		}
		s, err := household.StateAt(reg, evs, sum.End)
		if err != nil {
			t.Fatal(err)
		}
		statuses[s.Status()]++
		if c, ok := s.Cadre(); ok && s.Status() != household.StatusExited && s.Status() != household.StatusRemoved {
			helping[c.ID]++
			capacity[c.ID] = household.CadreCapacity(c.Rank)
		}
	}
	for _, st := range demo.HouseholdStatuses {
		if statuses[st] == 0 {
			t.Errorf("no household is %s: %v", st, statuses)
		}
	}
	for id, n := range helping {
		if n > capacity[id] {
			t.Errorf("cadre %s helps %d households, above the 4321 rule's %d", id, n, capacity[id])
		}
	}
	complaints := demo.CountBy(sum.Complaints)
	for _, st := range demo.ComplaintStatuses {
		if complaints[st] == 0 {
			t.Errorf("no complaint is %s: %v", st, complaints)
		}
	}
	for _, typ := range []string{household.TypeHouseholdCorrected, household.TypeHouseholdMemberDied, household.TypeHouseholdVisited,
		household.TypeHouseholdObjectionResolved, household.TypeHouseholdMonitoringStarted, household.TypeHouseholdReturned,
		household.TypeHouseholdExitWithdrawn, complaint.TypeComplaintAppealed} {
		if types[typ] == 0 {
			t.Errorf("the demo records no %s", typ)
		}
	}

	_, err := loadDemo(context.Background(), demoConfig{DataDir: dir, Households: demoTestHouseholds, Seed: 8, Log: slog.New(slog.DiscardHandler)})
	if !errors.Is(err, errStoreNotEmpty) {
		t.Fatalf("a second load into the same directory = %v, want it refused", err)
	}
	if n := len(demoLog(t, dir)); n != len(log) {
		t.Fatalf("the refused load changed the log from %d to %d events", len(log), n)
	}

	t.Run("serve --demo on a loaded directory serves it and prints working tokens", func(t *testing.T) {
		var out bytes.Buffer
		if err := demoBeforeServe(context.Background(), dir, "127.0.0.1:8080", demoTestHouseholds, &out, io.Discard); err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(out.String(), "serving them as they are") {
			t.Errorf("output does not say the data is served as it is:\n%s", out.String())
		}
		key, err := loadOrCreateKey(filepath.Join(dir, tokenKeyFile))
		if err != nil {
			t.Fatal(err)
		}
		toks := regexp.MustCompile(`export [A-Z_]+=(\S+)`).FindAllStringSubmatch(out.String(), -1)
		if len(toks) != len(demo.TokenUsers) {
			t.Fatalf("%d tokens printed, want %d:\n%s", len(toks), len(demo.TokenUsers), out.String())
		}
		for _, m := range toks {
			c, err := api.VerifyToken(key.Public().(ed25519.PublicKey), m[1], time.Now().Add(23*time.Hour))
			if err != nil || c.Jurisdiction != demo.CountyCode {
				t.Errorf("token %s…: %+v, %v", m[1][:20], c, err)
			}
		}
	})

	t.Run("the same seed loads the same county", func(t *testing.T) {
		again := loadTestDemo(t, t.TempDir(), 7)
		if d := cmp.Diff(sum.Files, again.Files); d != "" {
			t.Errorf("households differ (-first +second):\n%s", d)
		}
		if d := cmp.Diff(sum.Complaints, again.Complaints); d != "" {
			t.Errorf("complaints differ (-first +second):\n%s", d)
		}
		if d := cmp.Diff(sum.Money, again.Money); d != "" {
			t.Errorf("money differs (-first +second):\n%s", d)
		}
		if sum.Events != again.Events || sum.Requests != again.Requests {
			t.Errorf("first %d events from %d requests, second %d from %d", sum.Events, sum.Requests, again.Events, again.Requests)
		}
	})
}

func TestDemoRefusesTooFewHouseholds(t *testing.T) {
	_, err := loadDemo(context.Background(), demoConfig{DataDir: t.TempDir(), Households: demo.HouseholdsMin - 1, Log: slog.New(slog.DiscardHandler)})
	if err == nil || !strings.Contains(err.Error(), "households") {
		t.Fatalf("too few households = %v", err)
	}
}

// TestDemoMoneyKeepsEveryRule: the demo's fund ledger, checked from the log
// itself. Folding every transfer, no account but a source is ever below
// zero and the balances sum to zero; every project ends where the plan
// meant; a settled payment traces to two appropriation documents; the
// short acknowledgements opened their complaints; and the audit's red
// flags show only what the demo left for them (idle money, a payment long
// at the bank, the short acknowledgements), never a broken rule.
func TestDemoMoneyKeepsEveryRule(t *testing.T) {
	dir := t.TempDir()
	sum := loadTestDemo(t, dir, 11)
	checkDemoMoney(t, sum, demoLog(t, dir))
}

func checkDemoMoney(t *testing.T, sum demo.Summary, log []events.Event) {
	t.Helper()
	reg := registry()
	if !reg.Known(reconcile.TypeLineMismatched) {
		reconcile.Register(reg)
	}
	flags, err := redflags.New(reg, &modelstore.Memory{}, redflags.Name, nil, redflags.DefaultConfig())
	if err != nil {
		t.Fatal(err)
	}

	balances := map[fund.AccountID]domain.Fen{}
	status := map[string]fund.PaymentStatus{}
	var twoDocs []string
	var short []*fund.PaymentAcknowledged
	for _, ev := range log {
		p, err := reg.Decode(ev)
		if err != nil {
			t.Fatal(err)
		}
		if err := flags.ApplyBatch(context.Background(), []projections.Decoded{{Event: ev, Payload: p}}); err != nil {
			t.Fatalf("red flags at %d: %v", ev.Position, err)
		}
		if m, ok := p.(fund.Mover); ok {
			tr := m.Movement()
			balances[tr.DebitAccount] -= tr.AmountFen
			balances[tr.CreditAccount] += tr.AmountFen
			if b := balances[tr.DebitAccount]; b < 0 && !tr.DebitAccount.IsSource() {
				t.Fatalf("event %d (%s) overdraws %s to %d fen", ev.Position, ev.Type, tr.DebitAccount, b)
			}
		}
		switch e := p.(type) {
		case *fund.PaymentInstructed:
			status[e.Ref] = fund.StatusInstructed
			if docs := map[string]bool{}; e.Payee == fund.PayeeHousehold {
				for _, l := range e.Lots {
					docs[l.Document] = true
				}
				if len(docs) >= 2 {
					twoDocs = append(twoDocs, e.Ref)
				}
			}
		case *fund.PaymentSettled:
			status[e.Ref] = fund.StatusSettled
		case *fund.PaymentAcknowledged:
			if e.ShortfallFen > 0 {
				short = append(short, e)
			}
		}
	}
	var total, sources domain.Fen
	for id, b := range balances {
		total += b
		if id.IsSource() {
			sources += b
		}
	}
	if total != 0 || -sources != sum.Money.AppropriatedFen || sum.Money.AppropriatedFen <= 0 {
		t.Errorf("balances sum to %d fen; the sources paid in %d, the summary says %d appropriated", total, -sources, sum.Money.AppropriatedFen)
	}
	if m := sum.Money; m.SettledFen <= 0 || m.InTransitFen <= 0 || m.ReturnedFen <= 0 || m.ReversedFen <= 0 || m.IdleOldFen <= 0 ||
		m.AllocatedFen+m.IdlePoolFen != m.AppropriatedFen || m.IdleProjectFen+m.SettledFen+m.InTransitFen != m.AllocatedFen {
		t.Errorf("money summary does not add up, or misses a part: %+v", m)
	}

	if d := cmp.Diff(sum.Money.Planned, sum.Money.Projects); d != "" || len(sum.Money.Projects) < 8 {
		t.Errorf("projects are not where the plan left them (-planned +read):\n%s", d)
	}
	planned := demo.CountBy(sum.Money.Planned)
	for _, st := range demo.ProjectStatuses {
		if planned[st] == 0 {
			t.Errorf("the plan leaves no project %s: %v", st, planned)
		}
	}

	settledTwice := slices.ContainsFunc(twoDocs, func(ref string) bool { return status[ref] == fund.StatusSettled })
	if !settledTwice || sum.Money.Example == "" || len(sum.Money.ExampleDocs) < 2 {
		t.Errorf("no settled payment traces to two documents (%v), or no example household (%q from %v)", twoDocs, sum.Money.Example, sum.Money.ExampleDocs)
	}

	if len(short) < 2 || len(short) > 3 || sum.Money.Short != len(short) {
		t.Errorf("%d short acknowledgements in the log, the summary says %d; want 2 or 3", len(short), sum.Money.Short)
	}
	for _, a := range short {
		id, err := fund.ComplaintID(a.Ref)
		if err != nil || a.ComplaintID != id.String() {
			t.Fatalf("acknowledgement of %s names complaint %q (%v)", a.Ref, a.ComplaintID, err)
		}
		if _, ok := sum.Complaints[id.String()]; !ok {
			t.Errorf("the shortfall on %s opened no complaint %s", a.Ref, id)
		}
	}

	j, _ := domain.ParseJurisdiction(demo.CountyCode)
	kinds := map[redflags.Kind]int{}
	for after := ""; ; {
		page, err := flags.Flags(context.Background(), redflags.Query{Within: j, Now: sum.End, After: after, Limit: redflags.PageLenMax})
		if err != nil {
			t.Fatal(err)
		}
		for _, f := range page.Flags {
			kinds[f.Kind]++
			switch f.Kind {
			case redflags.KindFundsIdle1Y, redflags.KindFundsIdle2Y, redflags.KindUnreconciled, redflags.KindAcknowledgedLess:
			default:
				t.Errorf("red flag the demo should not raise: %s %s: %s", f.Kind, f.Subject, f.Detail)
			}
		}
		if after = page.Next; after == "" {
			break
		}
	}
	for _, k := range []redflags.Kind{redflags.KindFundsIdle2Y, redflags.KindUnreconciled, redflags.KindAcknowledgedLess} {
		if kinds[k] == 0 {
			t.Errorf("no %s red flag for the audit to show: %v", k, kinds)
		}
	}
}
