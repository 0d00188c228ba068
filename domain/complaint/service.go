package complaint

import (
	"context"
	"errors"

	"github.com/drip-ledger/drip/domain"
	"github.com/drip-ledger/drip/events"
)

// Service handles complaint commands: it checks who may act and where, then
// loads, decides and appends through domain.Execute. It holds no state of
// its own and is safe for concurrent use.
type Service struct {
	x     *domain.Executor
	rules Rules
	// Subjects, if set, is asked whether a new complaint's subject exists
	// and where it lies (see Subjects); cmd/drip always sets it.
	Subjects Subjects
}

// NewService checks its executor and rules.
func NewService(x *domain.Executor, rules Rules) (*Service, error) {
	var errs []error
	if x == nil {
		errs = append(errs, errors.New("complaint: NewService: executor is nil"))
	}
	if err := rules.Validate(); err != nil {
		errs = append(errs, err)
	}
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	return &Service{x: x, rules: rules}, nil
}

// Handle runs cmd on complaint id for req.Actor at req.At. Besides the
// command's own errors (see Command) it returns complaint_id_format for a
// malformed id, role_not_permitted when the actor's role may not issue cmd
// (Permissions), and outside_jurisdiction when the actor's jurisdiction does
// not contain the complaint's division — for a new complaint, the division
// it names.
func (s *Service) Handle(ctx context.Context, req domain.Request, id string, cmd Command) (domain.Result, error) {
	cid, err := ParseID(id)
	if err != nil {
		var ps domain.Problems
		ps.Add("complaintId", err)
		return domain.Result{}, ps.Err()
	}
	if !Allowed(domain.Role(req.Actor.Role), cmd.Name()) {
		return domain.Result{}, domain.Errorf(CodeRoleNotPermitted, "role %q may not %s a complaint", req.Actor.Role, cmd.Name())
	}
	j, err := domain.ParseJurisdiction(req.Actor.Jurisdiction)
	if err != nil {
		return domain.Result{}, domain.Errorf(CodeOutsideJurisdiction, "the actor's jurisdiction %q is not a division-code prefix: %v", req.Actor.Jurisdiction, err)
	}
	env := Env{ID: cid, At: req.At, Rules: s.rules}
	if r, ok := cmd.(Receive); ok && s.Subjects != nil {
		if env.Subject, err = s.lookup(ctx, r.Subject); err != nil {
			return domain.Result{}, err
		}
	}
	return domain.Execute(ctx, s.x, req, Stream(cid), Aggregate, func(st State) ([]events.Payload, error) {
		if place := placeOf(st, cmd); !place.IsZero() && !j.Contains(place) {
			return nil, domain.Errorf(CodeOutsideJurisdiction, "complaint %s concerns %s, outside jurisdiction %q", cid, place, j)
		}
		return cmd.Decide(st, env)
	})
}

// placeOf is the division the jurisdiction check applies to: the
// complaint's, or for a command that opens one, the division it names. It is
// zero when there is none to check (a bad division, a complaint not yet
// received): the decision then reports the problem itself.
func placeOf(st State, cmd Command) domain.DivisionCode {
	if st.Exists() {
		return st.division
	}
	var code string
	switch c := cmd.(type) {
	case Receive:
		code = c.Division
	case OpenAutomatically:
		if n, err := domain.ParseFileNumber(c.Shortfall.Household); err == nil {
			return n.Village()
		}
	}
	d, _ := domain.ParseDivisionCode(code)
	return d
}

// lookup asks Subjects about a subject whose reference has a valid shape;
// a malformed one is left to the decision, which names it.
func (s *Service) lookup(ctx context.Context, sub Subject) (SubjectFacts, error) {
	var ps domain.Problems
	checkSubject(&ps, sub, domain.DivisionCode{})
	if len(ps) > 0 || sub.Kind == SubjectVillage {
		return SubjectFacts{}, nil
	}
	places, found, err := s.Subjects.Places(ctx, sub)
	if err != nil {
		return SubjectFacts{}, err
	}
	return SubjectFacts{Checked: true, Found: found, Places: places}, nil
}
