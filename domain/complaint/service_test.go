package complaint_test

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/drip-ledger/drip/domain"
	"github.com/drip-ledger/drip/domain/complaint"
	"github.com/drip-ledger/drip/events"
)

func registry() *events.Registry {
	r := events.NewRegistry()
	complaint.Register(r)
	return r
}

func newService(t *testing.T) (*complaint.Service, events.Store) {
	t.Helper()
	reg := registry()
	store := events.NewMemoryStore(reg, nil)
	t.Cleanup(func() { store.Close() })
	x, err := domain.NewExecutor(store, reg, func() (events.ID, error) { return events.NewID(nil) })
	if err != nil {
		t.Fatal(err)
	}
	svc, err := complaint.NewService(x, complaint.Rules{})
	if err != nil {
		t.Fatal(err)
	}
	return svc, store
}

func request(role domain.Role, jurisdiction string, when time.Time) domain.Request {
	return domain.Request{Actor: domain.Actor{ID: string(role) + "-1", Role: string(role), Jurisdiction: jurisdiction}, At: when}
}

func TestServiceRunsTheLifecycleThroughTheLog(t *testing.T) {
	svc, store := newService(t)
	ctx := context.Background()
	desk := func(when time.Time) domain.Request { return request(domain.RoleComplaintDesk, "5205", when) }
	steps := []struct {
		req domain.Request
		cmd complaint.Command
	}{
		{desk(friday), receive(t)},
		{request(domain.RoleTownship, "520526104", at(2026, 3, 9, 9, 0)), complaint.Acknowledge{}},
		{request(domain.RoleCountyPAO, "520526", at(2026, 3, 9, 10, 0)), complaint.Assign{Assignee: complaint.Assignee{Unit: "Hele township"}}},
		{request(domain.RoleTownship, "520526104", at(2026, 3, 12, 16, 0)), complaint.AddNote{Text: "Visited."}},
		{request(domain.RoleCountyPAO, "520526", at(2026, 3, 18, 11, 0)), resolve(upheld())},
		{desk(at(2026, 3, 18, 15, 0)), complaint.Close{ReplyMethod: complaint.ReplyPhone}},
		{desk(at(2026, 3, 20, 9, 0)), complaint.Appeal{Reason: "Half arrived."}},
		{request(domain.RoleCountyPAO, "", at(2026, 3, 25, 9, 0)), resolve(upheld())},
	}
	for i, st := range steps {
		res, err := svc.Handle(ctx, st.req, number, st.cmd)
		if err != nil {
			t.Fatalf("step %d (%s): %v", i+1, st.cmd.Name(), err)
		}
		if res.Version != uint64(i+1) {
			t.Fatalf("step %d: version %d", i+1, res.Version)
		}
	}
	stored, err := store.ReadStream(ctx, "complaint-"+number, 1, events.Forwards, 100)
	if err != nil || len(stored) != len(steps) {
		t.Fatalf("read %d events, %v", len(stored), err)
	}
	// Every stored event decodes (the check on the way out) and carries who
	// acted, in their role, at the business time.
	var types []string
	for i, ev := range stored {
		if _, err := registry().Decode(ev); err != nil {
			t.Errorf("event %d: %v", i+1, err)
		}
		if ev.Meta.Role != steps[i].req.Actor.Role || !ev.Meta.OccurredAt.Equal(steps[i].req.At) {
			t.Errorf("event %d meta = %+v", i+1, ev.Meta)
		}
		types = append(types, ev.Type)
	}
	want := []string{complaint.TypeComplaintReceived, complaint.TypeComplaintAcknowledged, complaint.TypeComplaintAssigned,
		complaint.TypeComplaintInvestigationNoted, complaint.TypeComplaintResolved, complaint.TypeComplaintClosed,
		complaint.TypeComplaintAppealed, complaint.TypeComplaintResolved}
	if diff := cmp.Diff(want, types); diff != "" {
		t.Errorf("types (-want +got):\n%s", diff)
	}
}

func TestServiceRefusals(t *testing.T) {
	tests := []struct {
		name string
		id   string
		req  domain.Request
		cmd  complaint.Command
		code string
	}{
		{name: "malformed complaint number", id: "123", req: request(domain.RoleComplaintDesk, "52", friday), cmd: receive(t),
			code: complaint.CodeIDFormat},
		{name: "auditor may not receive", id: number, req: request(domain.RoleAuditor, "52", friday), cmd: receive(t),
			code: complaint.CodeRoleNotPermitted},
		{name: "admin may not resolve", id: number, req: request(domain.RoleAdmin, "", friday), cmd: resolve(upheld()),
			code: complaint.CodeRoleNotPermitted},
		{name: "township may not open a complaint in the fund ledger's name", id: number,
			req: request(domain.RoleTownship, "520526104", friday), cmd: complaint.OpenAutomatically{PaymentRef: "P-1", Shortfall: shortfall()},
			code: complaint.CodeRoleNotPermitted},
		{name: "a desk of another county may not receive a complaint about this one", id: number,
			req: request(domain.RoleComplaintDesk, "520525", friday), cmd: receive(t), code: complaint.CodeOutsideJurisdiction},
		{name: "a neighbouring township may not take it in", id: number,
			req: request(domain.RoleTownship, "520526105", friday), cmd: receive(t), code: complaint.CodeOutsideJurisdiction},
		{name: "finance of another county may not open one for this county's household", id: number,
			req: request(domain.RoleCountyFinance, "520525", friday), cmd: complaint.OpenAutomatically{PaymentRef: "P-1", Shortfall: shortfall()},
			code: complaint.CodeOutsideJurisdiction},
		{name: "a malformed jurisdiction grants nothing", id: number,
			req: request(domain.RoleComplaintDesk, "5200", friday), cmd: receive(t), code: complaint.CodeOutsideJurisdiction},
		{name: "a complaint not received is not found", id: "12317-2026-000999",
			req: request(domain.RoleComplaintDesk, "52", friday), cmd: complaint.Acknowledge{}, code: complaint.CodeNotFound},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			svc, store := newService(t)
			_, err := svc.Handle(context.Background(), tt.req, tt.id, tt.cmd)
			if c := domain.Codes(err); len(c) != 1 || c[0] != tt.code {
				t.Fatalf("err = %v, want %s", err, tt.code)
			}
			if head, _ := store.Head(context.Background()); head != 0 {
				t.Fatalf("a refused command wrote %d events", head)
			}
		})
	}
}

func TestServiceChecksJurisdictionAgainstTheRecordedDivision(t *testing.T) {
	svc, _ := newService(t)
	ctx := context.Background()
	if _, err := svc.Handle(ctx, request(domain.RoleComplaintDesk, "", friday), number, receive(t)); err != nil {
		t.Fatal(err)
	}
	_, err := svc.Handle(ctx, request(domain.RoleTownship, "520526105", friday.Add(time.Hour)), number, complaint.Acknowledge{})
	if !hasCode(err, complaint.CodeOutsideJurisdiction) {
		t.Fatalf("another township acknowledged it: %v", err)
	}
	if _, err := svc.Handle(ctx, request(domain.RoleTownship, "520526104", friday.Add(time.Hour)), number, complaint.Acknowledge{}); err != nil {
		t.Fatalf("its own township could not acknowledge it: %v", err)
	}
}

func TestServiceOpensShortfallComplaints(t *testing.T) {
	svc, store := newService(t)
	cmd := complaint.OpenAutomatically{PaymentRef: "PAY-520526-2026-0042", Shortfall: shortfall()}
	if _, err := svc.Handle(context.Background(), request(domain.RoleCountyFinance, "520526", friday), "00000-2026-000001", cmd); err != nil {
		t.Fatal(err)
	}
	evs, _ := store.ReadStream(context.Background(), "complaint-00000-2026-000001", 1, events.Forwards, 10)
	p, err := registry().Decode(evs[0])
	if err != nil {
		t.Fatal(err)
	}
	if r := p.(*complaint.Received); r.Channel != complaint.ChannelSystem || r.Shortfall.PaidFen != 100_000 {
		t.Errorf("received = %+v", r)
	}
}

func TestNewServiceChecksItsArguments(t *testing.T) {
	_, err := complaint.NewService(nil, complaint.Rules{Deadlines: complaint.Deadlines{"other": {}}})
	if err == nil {
		t.Fatal("NewService accepted a nil executor and bad deadlines")
	}
	if c := domain.Codes(err); len(c) != 1 || c[0] != complaint.CodeCategoryUnknown {
		t.Errorf("codes = %v", c)
	}
}

// TestEventsRoundTripThroughTheRegistry encodes each event type and decodes
// it again: the JSON names are stable and the payloads validate both ways.
func TestEventsRoundTripThroughTheRegistry(t *testing.T) {
	reg := registry()
	sf := shortfall()
	system := &complaint.Received{ComplaintID: number, Channel: complaint.ChannelSystem, Category: complaint.CategoryMoneyDeducted,
		Subject: complaint.Subject{Kind: complaint.SubjectPayment, Ref: "P-1"}, Division: village,
		Complainant: complaint.Complainant{Kind: complaint.ComplainantSystem}, Text: "shortfall", ReceivedAt: friday,
		AcknowledgeBy: ackBy, ResolveBy: resolveB, Shortfall: &sf}
	for _, p := range []events.Payload{received(t), anonymous(received(t)), system, acknowledged(), assigned(), noted(), upheld(),
		&complaint.Resolved{Outcome: complaint.OutcomeNotUpheld, Reason: "r", Reply: "x", ResolvedAt: friday}, closed(), appealed()} {
		ev, err := reg.Encode(events.MustParseID("11111111-2222-4333-8444-555555555555"), events.Metadata{}, p)
		if err != nil {
			t.Fatalf("%s: %v", p.EventType(), err)
		}
		back, err := reg.Decode(ev)
		if err != nil {
			t.Fatalf("%s: %v", p.EventType(), err)
		}
		if diff := cmp.Diff(p, back); diff != "" {
			t.Errorf("%s (-sent +read):\n%s", p.EventType(), diff)
		}
	}
	// An anonymous complaint's JSON holds no personal key at all.
	ev, _ := reg.Encode(events.MustParseID("11111111-2222-4333-8444-555555555555"), events.Metadata{}, anonymous(received(t)))
	var raw struct{ Complainant map[string]any }
	if err := json.Unmarshal(ev.Data, &raw); err != nil || len(raw.Complainant) != 1 {
		t.Errorf("anonymous complainant stored as %v (%v)", raw.Complainant, err)
	}
}

func TestPermissions(t *testing.T) {
	all := []string{complaint.CommandReceive, complaint.CommandOpenAutomatically, complaint.CommandAcknowledge,
		complaint.CommandAssign, complaint.CommandAddNote, complaint.CommandResolve, complaint.CommandClose, complaint.CommandAppeal}
	table := complaint.Permissions()
	if len(table) != len(all) {
		t.Errorf("the table has %d commands, want %d", len(table), len(all))
	}
	for _, c := range all {
		if len(table[c]) == 0 {
			t.Errorf("no role may %s", c)
		}
		for _, r := range []domain.Role{domain.RoleAuditor, domain.RoleAdmin, domain.RoleVillage, domain.RoleEnumerator} {
			if complaint.Allowed(r, c) {
				t.Errorf("%s may %s", r, c)
			}
		}
	}
	table[complaint.CommandResolve] = append(table[complaint.CommandResolve], domain.RoleAuditor)
	if complaint.Allowed(domain.RoleAuditor, complaint.CommandResolve) {
		t.Error("changing the returned table changed the permissions")
	}
	if complaint.Allowed(domain.RoleComplaintDesk, "delete") {
		t.Error("an unknown command is allowed")
	}
}
