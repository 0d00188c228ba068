package fund

import (
	"context"
	"errors"
	"fmt"
	"slices"

	"github.com/drip-ledger/drip/domain"
	"github.com/drip-ledger/drip/domain/complaint"
	"github.com/drip-ledger/drip/domain/household"
	"github.com/drip-ledger/drip/events"
)

// Complaints is what the fund ledger needs of the complaint desk: to open a
// complaint itself. *complaint.Service satisfies it. Handle must be safe for
// concurrent use; it returns a *domain.Error with complaint.CodeExists when
// the complaint number is taken.
type Complaints interface {
	Handle(ctx context.Context, req domain.Request, id string, cmd complaint.Command) (domain.Result, error)
}

// Service runs fund commands against the log: it checks the actor's role
// (Permissions) and jurisdiction, reads the facts a decision needs from
// other streams (a project's status for an allocation, a household's file
// for an assignment or a payment), and loads, decides and appends through
// domain.Execute. It holds no state of its own and is safe for concurrent
// use.
//
// A busy project's stream is contended: commands of one process take turns
// on its cached aggregate (domain.Cache), but each writer that loses to
// another process re-decides against the new balance, so the executor's
// RetriesMax should be at least the number of payments expected to race on
// one project.
type Service struct {
	x          *domain.Executor
	complaints Complaints
	cfg        Config
}

// NewService checks its collaborators and configuration.
func NewService(x *domain.Executor, complaints Complaints, cfg Config) (*Service, error) {
	var errs []error
	if x == nil {
		errs = append(errs, errors.New("fund: NewService: executor is nil"))
	}
	if complaints == nil {
		errs = append(errs, errors.New("fund: NewService: complaints is nil"))
	}
	if err := cfg.Validate(); err != nil {
		errs = append(errs, err)
	}
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	return &Service{x: x, complaints: complaints, cfg: cfg}, nil
}

func (s *Service) env(req domain.Request) Env {
	return Env{At: req.At, Config: s.cfg, Bounds: domain.DefaultTimeBounds(), Backfill: req.Backfill}
}

// authorize checks the actor's role and parses its jurisdiction.
func authorize(req domain.Request, command string) (domain.Jurisdiction, error) {
	if !Allowed(domain.Role(req.Actor.Role), command) {
		return domain.Jurisdiction{}, errorf(CodeRoleNotPermitted, "role %q may not %s", req.Actor.Role, command)
	}
	j, err := domain.ParseJurisdiction(req.Actor.Jurisdiction)
	if err != nil {
		return domain.Jurisdiction{}, errorf(CodeOutsideJurisdiction, "the actor's jurisdiction %q is not a division-code prefix", req.Actor.Jurisdiction)
	}
	return j, nil
}

// HandlePool runs cmd on the pool of county. The actor's jurisdiction must
// contain the county. For Allocate it reads the project's status first, and
// after the pool has paid it records the receipt on the project's stream;
// the result is then the allocation's, with the receipt's events appended
// and its position (so that a read of the project's balance waits for it).
func (s *Service) HandlePool(ctx context.Context, req domain.Request, county County, cmd PoolCommand) (domain.Result, error) {
	j, err := authorize(req, cmd.Name())
	if err != nil {
		return domain.Result{}, err
	}
	if county.IsZero() || !j.Contains(county.Code()) {
		return domain.Result{}, errorf(CodeOutsideJurisdiction, "pool %s is outside the jurisdiction %q of %s", county, j, req.Actor.ID)
	}
	if c, ok := cmd.(Allocate); ok && !c.Project.IsZero() {
		err := domain.Read(ctx, s.x, ProjectStream(c.Project), ProjectAggregate, func(proj Project, _ uint64) error {
			c.ProjectFacts = ProjectFacts{Status: proj.Status()}
			return nil
		})
		if err != nil {
			return domain.Result{}, err
		}
		cmd = c
	}
	res, err := domain.Execute(ctx, s.x, req, PoolStream(county), PoolAggregate, func(p Pool) ([]events.Payload, error) {
		if p.county.IsZero() {
			p.county = county
		}
		return cmd.Decide(p, s.env(req))
	})
	if err != nil {
		return res, err
	}
	for _, ev := range res.Events {
		if ev.Type != TypeAllocated {
			continue
		}
		rec, err := s.recordOf(ev)
		if err != nil {
			return res, err
		}
		got, err := s.receive(ctx, req, rec)
		if err != nil {
			return res, fmt.Errorf("fund: allocation %s was made; receiving it on the project failed (retry with ReceiveAllocation): %w", rec.Ref, err)
		}
		res.Events = append(res.Events, got.Events...)
		res.Position = max(res.Position, got.Position)
	}
	return res, nil
}

func (s *Service) recordOf(ev events.Event) (AllocationRecord, error) {
	p, err := s.x.Registry.Decode(ev)
	if err != nil {
		return AllocationRecord{}, err
	}
	a, ok := p.(*Allocated)
	if !ok {
		return AllocationRecord{}, fmt.Errorf("fund: event %s is a %T, not an allocation", ev.ID, p)
	}
	return AllocationRecord{Allocated: *a, EventID: ev.ID, OccurredAt: ev.Meta.OccurredAt}, nil
}

// ReceiveAllocation records on the project's stream an allocation the pool
// of county made (ref), if it is not there yet. HandlePool does this itself;
// this is for finishing the job after a failure between the two appends.
func (s *Service) ReceiveAllocation(ctx context.Context, req domain.Request, county County, ref string) (domain.Result, error) {
	j, err := authorize(req, ReceiveAllocation{}.Name())
	if err != nil {
		return domain.Result{}, err
	}
	if county.IsZero() || !j.Contains(county.Code()) {
		return domain.Result{}, errorf(CodeOutsideJurisdiction, "pool %s is outside the jurisdiction %q of %s", county, j, req.Actor.ID)
	}
	var rec AllocationRecord
	var ok bool
	err = domain.Read(ctx, s.x, PoolStream(county), PoolAggregate, func(pool Pool, _ uint64) error {
		rec, ok = pool.Allocation(ref)
		return nil
	})
	if err != nil {
		return domain.Result{}, err
	}
	if !ok {
		return domain.Result{}, errorf(CodeAllocationNotFound, "pool %s made no allocation %q", county, ref)
	}
	return s.receive(ctx, req, rec)
}

func (s *Service) receive(ctx context.Context, req domain.Request, rec AllocationRecord) (domain.Result, error) {
	cmd := ReceiveAllocation{Allocation: rec}
	return domain.Execute(ctx, s.x, req, ProjectStream(rec.Project), ProjectAggregate, func(p Project) ([]events.Payload, error) {
		return cmd.Decide(p, s.env(req))
	})
}

// HandleProject runs cmd on project id. The actor's jurisdiction must
// contain the project's county, or every village of the project (a village
// or township proposing or assigning in its own villages). Household facts
// are read from the household's stream for AssignBeneficiary and for
// InstructPayment to a household, replacing whatever the caller put there.
// After an AcknowledgePayment that records a shortfall, it opens the
// complaint (see ComplaintID) through Complaints; if that fails the
// acknowledgement stands and the same AcknowledgePayment may be retried,
// which records nothing again and opens the complaint.
func (s *Service) HandleProject(ctx context.Context, req domain.Request, id ProjectID, cmd ProjectCommand) (domain.Result, error) {
	if id.IsZero() {
		return domain.Result{}, errorf(CodeProjectIDFormat, "a project number is required")
	}
	j, err := authorize(req, cmd.Name())
	if err != nil {
		return domain.Result{}, err
	}
	if cmd, err = s.withFacts(ctx, cmd); err != nil {
		return domain.Result{}, err
	}
	decide := func(p Project) ([]events.Payload, error) {
		if p.id.IsZero() {
			p.id = id
		}
		if !within(j, p, cmd) {
			return nil, errorf(CodeOutsideJurisdiction, "project %s is outside the jurisdiction %q of %s", id, j, req.Actor.ID)
		}
		return cmd.Decide(p, s.env(req))
	}
	if c, ok := cmd.(SettlePayment); ok && c.BankRef != "" {
		return s.settle(ctx, req, id, c, decide) // a rule across streams: bankref.go
	}
	res, err := domain.Execute(ctx, s.x, req, ProjectStream(id), ProjectAggregate, decide)
	if err != nil {
		return res, err
	}
	if c, ok := cmd.(AcknowledgePayment); ok {
		opened, err := s.openComplaint(ctx, req, id, c.Ref)
		// The answer's position covers the complaint too, so a reader that
		// waits for it (?position=) sees the complaint the shortfall opened.
		res.Position = max(res.Position, opened.Position)
		res.Events = append(res.Events, opened.Events...)
		return res, err
	}
	return res, nil
}

// within reports whether jurisdiction j may act on project p: it contains
// the county, or every village of the project (for a new project, of the
// proposal). A household's acknowledgement of a payment is the business of
// the household's own village, so there the payee's village is enough: a
// village cadre sits with their households even when the project serves
// several villages.
func within(j domain.Jurisdiction, p Project, cmd ProjectCommand) bool {
	if j.Contains(p.id.County().Code()) {
		return true
	}
	if c, ok := cmd.(AcknowledgePayment); ok {
		if pay, found := p.byRef[c.Ref]; found && pay.Payee == PayeeHousehold && !pay.Household.IsZero() {
			return j.Contains(pay.Household.Village())
		}
	}
	villages := p.Villages()
	if c, ok := cmd.(Propose); ok && !p.Exists() {
		for _, v := range c.Villages {
			if code, err := domain.ParseDivisionCode(v); err == nil {
				villages = append(villages, code)
			}
		}
	}
	return len(villages) > 0 && !slices.ContainsFunc(villages, func(v domain.DivisionCode) bool { return !j.Contains(v) })
}

// withFacts fills a command's household facts from the household's stream.
func (s *Service) withFacts(ctx context.Context, cmd ProjectCommand) (ProjectCommand, error) {
	var file string
	switch c := cmd.(type) {
	case AssignBeneficiary:
		file = c.Household
	case InstructPayment:
		if c.Payee == PayeeHousehold {
			file = c.Household
		}
	}
	n, err := domain.ParseFileNumber(file)
	if err != nil {
		return cmd, nil // the decision reports it
	}
	var facts HouseholdFacts
	err = domain.Read(ctx, s.x, household.Stream(n), household.Aggregate, func(hh household.State, _ uint64) error {
		facts = HouseholdFactsOf(hh)
		return nil
	})
	if err != nil {
		return nil, err
	}
	switch c := cmd.(type) {
	case AssignBeneficiary:
		c.Facts = facts
		return c, nil
	case InstructPayment:
		c.Facts = facts
		return c, nil
	}
	return cmd, nil
}

// openComplaint opens the complaint about payment ref's shortfall, if its
// acknowledgement recorded one. The complaint's number comes from the
// payment, so a complaint that exists already is this one.
func (s *Service) openComplaint(ctx context.Context, req domain.Request, id ProjectID, ref string) (domain.Result, error) {
	var p Payment
	var ok bool
	err := domain.Read(ctx, s.x, ProjectStream(id), ProjectAggregate, func(proj Project, _ uint64) error {
		p, ok = proj.Payment(ref)
		return nil
	})
	if err != nil {
		return domain.Result{}, err
	}
	if !ok || p.Acknowledgement == nil || p.Acknowledgement.ShortfallFen <= 0 {
		return domain.Result{}, nil
	}
	a := p.Acknowledgement
	sys := domain.Request{
		Actor: domain.Actor{ID: s.cfg.SystemActorID, Role: string(domain.RoleCountyFinance), Jurisdiction: id.County().String()},
		At:    req.At, CorrelationID: req.CorrelationID, CausationID: p.AcknowledgedEvent.String(),
	}
	opened, err := s.complaints.Handle(ctx, sys, a.ComplaintID, complaint.OpenAutomatically{PaymentRef: ref,
		Shortfall: complaint.Shortfall{Household: p.Household.String(), PaidFen: a.PaidFen, AcknowledgedFen: a.AcknowledgedFen,
			PaymentEventID: p.SettledEventID, AcknowledgementEventID: p.AcknowledgedEvent}})
	if slices.Contains(domain.Codes(err), complaint.CodeExists) {
		return domain.Result{}, nil
	}
	if err != nil {
		return domain.Result{}, fmt.Errorf("fund: payment %s: the acknowledgement was recorded but complaint %s was not opened (retry the acknowledgement): %w", ref, a.ComplaintID, err)
	}
	return opened, nil
}
