package fund_test

import (
	"context"
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/drip-ledger/drip/domain"
	"github.com/drip-ledger/drip/domain/complaint"
	"github.com/drip-ledger/drip/domain/fund"
	"github.com/drip-ledger/drip/events"
)

func TestServiceChecksRoleAndJurisdiction(t *testing.T) {
	ctx := context.Background()
	w := newWorld(t)
	w.implementing(t)
	w.fund(t, doc1, 100_000)
	w.file(t, file, true, noTime)
	w.assign(t, file)
	record := fund.RecordAppropriation{Document: doc2, FiscalYear: 2026, Level: fund.LevelCounty, Purpose: "x", AmountFen: 1}
	tests := []struct {
		name string
		run  func() error
		want []string
	}{
		{"an auditor moves no money", func() error {
			_, err := w.svc.HandleProject(ctx, as(domain.RoleAuditor, countyText, later), project, pay(file, 1))
			return err
		}, []string{fund.CodeRoleNotPermitted}},
		{"an admin moves no money", func() error {
			_, err := w.svc.HandlePool(ctx, as(domain.RoleAdmin, "", later), county, record)
			return err
		}, []string{fund.CodeRoleNotPermitted}},
		{"the poverty office approves but does not pay", func() error {
			_, err := w.svc.HandleProject(ctx, as(domain.RoleCountyPAO, countyText, later), project, pay(file, 1))
			return err
		}, []string{fund.CodeRoleNotPermitted}},
		{"finance does not approve projects", func() error {
			_, err := w.svc.HandleProject(ctx, finance, project, fund.Approve{ApprovalRef: "x"})
			return err
		}, []string{fund.CodeRoleNotPermitted}},
		{"another county's finance bureau cannot touch this pool", func() error {
			_, err := w.svc.HandlePool(ctx, as(domain.RoleCountyFinance, "520527", later), county, record)
			return err
		}, []string{fund.CodeOutsideJurisdiction}},
		{"another county's finance bureau cannot pay from this project", func() error {
			_, err := w.svc.HandleProject(ctx, as(domain.RoleCountyFinance, "520527", later), project, pay(file, 1))
			return err
		}, []string{fund.CodeOutsideJurisdiction}},
		{"a malformed jurisdiction is refused", func() error {
			_, err := w.svc.HandlePool(ctx, as(domain.RoleCountyFinance, "52x", later), county, record)
			return err
		}, []string{fund.CodeOutsideJurisdiction}},
		{"another village's clerk cannot propose here", func() error {
			_, err := w.svc.HandleProject(ctx, as(domain.RoleVillage, "520526104202", t0), must(fund.ParseProjectID("520526-2026-0100")),
				fund.Propose{ProjectName: "Road", Kind: fund.KindInfrastructure, Villages: []string{villageText}, BudgetFen: 1})
			return err
		}, []string{fund.CodeOutsideJurisdiction}},
		{"the township proposes for its village", func() error {
			_, err := w.svc.HandleProject(ctx, as(domain.RoleTownship, "520526104", t0), must(fund.ParseProjectID("520526-2026-0101")),
				fund.Propose{ProjectName: "Road", Kind: fund.KindInfrastructure, Villages: []string{villageText}, BudgetFen: 1})
			return err
		}, nil},
		{"the prefecture's finance bureau may act on the county's pool", func() error {
			_, err := w.svc.HandlePool(ctx, as(domain.RoleCountyFinance, "5205", later), county, record)
			return err
		}, nil},
		{"the county's finance bureau pays", func() error {
			_, err := w.svc.HandleProject(ctx, finance, project, pay(file, 1))
			return err
		}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := domain.Codes(tt.run()); !slices.Equal(got, tt.want) {
				t.Fatalf("codes = %q, want %q", got, tt.want)
			}
		})
	}
}

func TestServiceRecordsTheAllocationOnTheProject(t *testing.T) {
	ctx := context.Background()
	w := newWorld(t)
	w.implementing(t)
	if _, err := w.svc.HandlePool(ctx, finance, county, fund.RecordAppropriation{Document: doc1, FiscalYear: 2026,
		Level: fund.LevelCentral, Purpose: "industry", AmountFen: 300_000}); err != nil {
		t.Fatal(err)
	}
	res, err := w.svc.HandlePool(ctx, finance, county, fund.Allocate{Project: project, AmountFen: 200_000,
		ApprovalRef: "Weining finance [2026] 31", Draws: []fund.Draw{{Document: doc1, AmountFen: 200_000}}})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Events) != 2 || res.Events[0].Type != fund.TypeAllocated || res.Events[1].Type != fund.TypeAllocationReceived ||
		res.Position != res.Events[1].Position {
		t.Fatalf("result %+v", res)
	}
	p := w.project(t)
	if p.BalanceFen() != 200_000 || !p.Received(fund.AllocationRef(county, 1)) {
		t.Fatalf("project balance %d, lots %v", p.BalanceFen(), p.Lots())
	}
	again, err := w.svc.ReceiveAllocation(ctx, finance, county, fund.AllocationRef(county, 1))
	if err != nil || len(again.Events) != 0 || w.project(t).Version() != p.Version() {
		t.Fatalf("receiving again: %+v, %v", again, err)
	}
	if _, err := w.svc.ReceiveAllocation(ctx, finance, county, fund.AllocationRef(county, 2)); !slices.Equal(domain.Codes(err), []string{fund.CodeAllocationNotFound}) {
		t.Fatalf("an allocation never made: %v", err)
	}
	// A project not in the database is refused before the pool pays.
	_, err = w.svc.HandlePool(ctx, finance, county, fund.Allocate{Project: must(fund.ParseProjectID("520526-2026-0999")), AmountFen: 1,
		ApprovalRef: "x", Draws: []fund.Draw{{Document: doc1, AmountFen: 1}}})
	if !slices.Equal(domain.Codes(err), []string{fund.CodeProjectNotFound}) {
		t.Fatalf("allocation to an unknown project: %v", err)
	}
}

func TestServiceReadsTheHouseholdFile(t *testing.T) {
	ctx := context.Background()
	w := newWorld(t)
	w.implementing(t)
	w.fund(t, doc1, 100_000)
	registered, recent, long := fileN(1), fileN(2), fileN(3)
	w.file(t, registered, false, noTime)
	w.file(t, recent, true, later.AddDate(-1, 0, 0))
	w.file(t, long, true, later.AddDate(-4, 0, 0))
	tests := []struct {
		name string
		file domain.FileNumber
		want []string
	}{
		{"a household registered but not enrolled", registered, []string{fund.CodeHouseholdNotEligible}},
		{"a household not in the file at all", fileN(9), []string{fund.CodeHouseholdNotEligible}},
		{"a household exited a year ago", recent, nil},
		{"a household exited four years ago", long, []string{fund.CodeHouseholdNotEligible}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			// Facts a caller sets are replaced by the file's.
			c := fund.AssignBeneficiary{Household: tt.file.String(), Facts: enrolled(tt.file)}
			_, err := w.svc.HandleProject(ctx, as(domain.RoleCountyPAO, countyText, later), project, c)
			if got := domain.Codes(err); !slices.Equal(got, tt.want) {
				t.Fatalf("codes = %q, want %q (%v)", got, tt.want, err)
			}
		})
	}
	c := pay(recent, 5_000)
	c.Facts = fund.HouseholdFacts{}
	if _, err := w.svc.HandleProject(ctx, finance, project, c); err != nil {
		t.Fatal(err)
	}
	p, _ := w.project(t).Payment(ref1)
	if p.Account != *card() || p.Household != recent {
		t.Fatalf("the payment recorded account %+v for %s", p.Account, p.Household)
	}
}

// complaintsSpy counts the complaints the ledger asks to open and can fail.
type complaintsSpy struct {
	inner fund.Complaints
	calls int
	fail  error
}

func (c *complaintsSpy) Handle(ctx context.Context, req domain.Request, id string, cmd complaint.Command) (domain.Result, error) {
	c.calls++
	if c.fail != nil {
		return domain.Result{}, c.fail
	}
	return c.inner.Handle(ctx, req, id, cmd)
}

func TestShortfallOpensOneComplaint(t *testing.T) {
	ctx := context.Background()
	w := newWorld(t)
	spy := &complaintsSpy{inner: w.complaints, fail: errors.New("desk unreachable")}
	svc, err := fund.NewService(w.x, spy, fund.DefaultConfig())
	if err != nil {
		t.Fatal(err)
	}
	w.svc = svc
	w.implementing(t)
	w.fund(t, doc1, 100_000)
	w.file(t, file, true, noTime)
	w.assign(t, file)
	for _, c := range []fund.ProjectCommand{pay(file, 10_000), fund.SettlePayment{Ref: ref1, BankRef: "RCC-1"}} {
		if _, err := svc.HandleProject(ctx, finance, project, c); err != nil {
			t.Fatal(err)
		}
	}
	village := as(domain.RoleVillage, villageText, later.Add(48*time.Hour))
	ack := fund.AcknowledgePayment{Ref: ref1, AcknowledgedFen: 8_000, Evidence: evidence()}

	// The desk is down: the acknowledgement stands, the error says so.
	if _, err := svc.HandleProject(ctx, village, project, ack); err == nil {
		t.Fatal("a complaint that was not opened went unreported")
	}
	// The retry records no second acknowledgement but opens the complaint
	// (its answer names the complaint's event, so ?position= covers it); a
	// third attempt finds it open and records nothing.
	spy.fail = nil
	res, err := svc.HandleProject(ctx, village, project, ack)
	if err != nil || len(res.Events) != 1 || res.Events[0].Type != complaint.TypeComplaintReceived || res.Position != res.Events[0].Position {
		t.Fatalf("retry: %+v, %v", res, err)
	}
	if res, err := svc.HandleProject(ctx, village, project, ack); err != nil || len(res.Events) != 0 {
		t.Fatalf("third attempt: %+v, %v", res, err)
	}
	id := must(fund.ComplaintID(ref1))
	evs, err := w.store.ReadStream(ctx, complaint.Stream(id), 1, events.Forwards, 10)
	if err != nil || len(evs) != 1 || evs[0].Type != complaint.TypeComplaintReceived {
		t.Fatalf("complaint stream: %v, %v", evs, err)
	}
	p, _ := w.project(t).Payment(ref1)
	if evs[0].Meta.CausationID != p.AcknowledgedEvent.String() || evs[0].Meta.Role != string(domain.RoleCountyFinance) ||
		p.Acknowledgement.ComplaintID != id.String() || spy.calls != 3 {
		t.Fatalf("complaint meta %+v, payment %+v, calls %d", evs[0].Meta, p, spy.calls)
	}
}

func TestFullAcknowledgementOpensNoComplaint(t *testing.T) {
	ctx := context.Background()
	w := newWorld(t)
	w.implementing(t)
	w.fund(t, doc1, 100_000)
	w.file(t, file, true, noTime)
	w.assign(t, file)
	for _, c := range []fund.ProjectCommand{pay(file, 10_000), fund.SettlePayment{Ref: ref1, BankRef: "RCC-1"}} {
		if _, err := w.svc.HandleProject(ctx, finance, project, c); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := w.svc.HandleProject(ctx, as(domain.RoleTownship, "520526104", later), project,
		fund.AcknowledgePayment{Ref: ref1, AcknowledgedFen: 10_000, Evidence: evidence()}); err != nil {
		t.Fatal(err)
	}
	if _, err := w.store.ReadStream(ctx, complaint.Stream(must(fund.ComplaintID(ref1))), 1, events.Forwards, 10); !errors.Is(err, events.ErrStreamNotFound) {
		t.Fatalf("a complaint was opened: %v", err)
	}
}

func TestPermissions(t *testing.T) {
	perms := fund.Permissions()
	for cmd, roles := range perms {
		if slices.Contains(roles, domain.RoleAuditor) || slices.Contains(roles, domain.RoleAdmin) {
			t.Errorf("%s is open to auditors or admins: %v", cmd, roles)
		}
	}
	money := []string{fund.RecordAppropriation{}.Name(), fund.Allocate{}.Name(), fund.InstructPayment{}.Name(),
		fund.SettlePayment{}.Name(), fund.FailPayment{}.Name(), fund.ReversePayment{}.Name()}
	for _, cmd := range money {
		if !slices.Equal(perms[cmd], []domain.Role{domain.RoleCountyFinance}) {
			t.Errorf("%s: %v, want county finance only", cmd, perms[cmd])
		}
	}
	if !fund.Allowed(domain.RoleCountyPAO, fund.Approve{}.Name()) || !fund.Allowed(domain.RoleVillage, fund.Propose{}.Name()) ||
		fund.Allowed(domain.RoleCountyFinance, "no_such_command") {
		t.Error("the approval and proposal roles are wrong")
	}
	perms[fund.Approve{}.Name()] = nil
	if !fund.Allowed(domain.RoleCountyPAO, fund.Approve{}.Name()) {
		t.Error("Permissions returned the table itself")
	}
}

func TestNewServiceChecksItsArguments(t *testing.T) {
	_, err := fund.NewService(nil, nil, fund.Config{ExitSupportYears: -1})
	if err == nil {
		t.Fatal("NewService accepted nothing")
	}
}
