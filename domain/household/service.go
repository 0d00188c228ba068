package household

import (
	"context"
	"errors"

	"github.com/drip-ledger/drip/domain"
	"github.com/drip-ledger/drip/events"
)

// Service runs household commands against the log: it checks the actor's
// jurisdiction, then loads, decides and appends through domain.Execute. It
// does not check roles; the API does, with Permissions.
type Service struct {
	x *domain.Executor
	// Bounds bound the business times commands carry (see Decide); the
	// zero value means domain.DefaultTimeBounds.
	Bounds domain.TimeBounds
}

// NewService returns a Service that executes with x.
func NewService(x *domain.Executor) (*Service, error) {
	if x == nil {
		return nil, errors.New("household: NewService: executor is nil")
	}
	return &Service{x: x}, nil
}

// Handle runs c on the household filed as file. The actor's jurisdiction
// must contain the household's village (outside_jurisdiction); the village
// is read from the file number, which registration made equal to the
// household's village, so the check needs no read and reveals nothing about
// households elsewhere.
func (s *Service) Handle(ctx context.Context, req domain.Request, file domain.FileNumber, c Command) (domain.Result, error) {
	if file.IsZero() {
		return domain.Result{}, errorf(CodeRequired, "a file number is required")
	}
	j, err := domain.ParseJurisdiction(req.Actor.Jurisdiction)
	if err != nil || !j.Contains(file.Village()) {
		return domain.Result{}, errorf(CodeOutsideJurisdiction, "household %s is outside the jurisdiction %q of %s",
			file, req.Actor.Jurisdiction, req.Actor.ID)
	}
	w := When{At: req.At, Backfill: req.Backfill, Bounds: s.Bounds}
	if rc, ok := c.(RegisterHousehold); ok {
		return s.register(ctx, req, file, rc, w) // a rule across streams: resident.go
	}
	if ac, ok := c.(AssignCadre); ok {
		return s.assignCadre(ctx, req, file, ac, w) // a rule across streams: cadre.go
	}
	return domain.Execute(ctx, s.x, req, Stream(file), Aggregate, func(st State) ([]events.Payload, error) {
		return Decide(c, st, w)
	})
}

// Register registers a household. A malformed file number is reported with
// every other bad field of the command.
func (s *Service) Register(ctx context.Context, req domain.Request, c RegisterHousehold) (domain.Result, error) {
	file, err := domain.ParseFileNumber(c.FileNumber)
	if err != nil {
		_, err = c.Decide(State{}, req.At)
		return domain.Result{}, err
	}
	return s.Handle(ctx, req, file, c)
}

// Assess records a survey or a reassessment.
func (s *Service) Assess(ctx context.Context, req domain.Request, file domain.FileNumber, c Assess) (domain.Result, error) {
	return s.Handle(ctx, req, file, c)
}

// Propose records the village's appraisal and proposal.
func (s *Service) Propose(ctx context.Context, req domain.Request, file domain.FileNumber, c Propose) (domain.Result, error) {
	return s.Handle(ctx, req, file, c)
}

// StartPublicity posts the household for enrollment or exit.
func (s *Service) StartPublicity(ctx context.Context, req domain.Request, file domain.FileNumber, c StartPublicity) (domain.Result, error) {
	return s.Handle(ctx, req, file, c)
}

// RaiseObjection records an objection.
func (s *Service) RaiseObjection(ctx context.Context, req domain.Request, file domain.FileNumber, c RaiseObjection) (domain.Result, error) {
	return s.Handle(ctx, req, file, c)
}

// ResolveObjection settles an objection.
func (s *Service) ResolveObjection(ctx context.Context, req domain.Request, file domain.FileNumber, c ResolveObjection) (domain.Result, error) {
	return s.Handle(ctx, req, file, c)
}

// Review records the township's review.
func (s *Service) Review(ctx context.Context, req domain.Request, file domain.FileNumber, c Review) (domain.Result, error) {
	return s.Handle(ctx, req, file, c)
}

// Enroll records the county's enrollment.
func (s *Service) Enroll(ctx context.Context, req domain.Request, file domain.FileNumber, c Enroll) (domain.Result, error) {
	return s.Handle(ctx, req, file, c)
}

// Reject records the county's rejection.
func (s *Service) Reject(ctx context.Context, req domain.Request, file domain.FileNumber, c Reject) (domain.Result, error) {
	return s.Handle(ctx, req, file, c)
}

// AssignCadre assigns the helping cadre. The caller fills c.HelpedCount
// with the number of other households the cadre helps, from a projection;
// the capacity rule is checked against it (see CadreCapacity).
func (s *Service) AssignCadre(ctx context.Context, req domain.Request, file domain.FileNumber, c AssignCadre) (domain.Result, error) {
	return s.Handle(ctx, req, file, c)
}

// PlanMeasure plans a support measure.
func (s *Service) PlanMeasure(ctx context.Context, req domain.Request, file domain.FileNumber, c PlanMeasure) (domain.Result, error) {
	return s.Handle(ctx, req, file, c)
}

// RecordVisit records a visit.
func (s *Service) RecordVisit(ctx context.Context, req domain.Request, file domain.FileNumber, c RecordVisit) (domain.Result, error) {
	return s.Handle(ctx, req, file, c)
}

// ProposeExit proposes the household's exit.
func (s *Service) ProposeExit(ctx context.Context, req domain.Request, file domain.FileNumber, c ProposeExit) (domain.Result, error) {
	return s.Handle(ctx, req, file, c)
}

// AppraiseExit records the village's appraisal of the exit.
func (s *Service) AppraiseExit(ctx context.Context, req domain.Request, file domain.FileNumber, c AppraiseExit) (domain.Result, error) {
	return s.Handle(ctx, req, file, c)
}

// VerifyExit records the verification of the exit indicators.
func (s *Service) VerifyExit(ctx context.Context, req domain.Request, file domain.FileNumber, c VerifyExit) (domain.Result, error) {
	return s.Handle(ctx, req, file, c)
}

// SignExitAgreement records the household's agreement to exit.
func (s *Service) SignExitAgreement(ctx context.Context, req domain.Request, file domain.FileNumber, c SignExitAgreement) (domain.Result, error) {
	return s.Handle(ctx, req, file, c)
}

// ApproveExit records the county's approval of the exit.
func (s *Service) ApproveExit(ctx context.Context, req domain.Request, file domain.FileNumber, c ApproveExit) (domain.Result, error) {
	return s.Handle(ctx, req, file, c)
}

// WithdrawExit abandons an exit procedure.
func (s *Service) WithdrawExit(ctx context.Context, req domain.Request, file domain.FileNumber, c WithdrawExit) (domain.Result, error) {
	return s.Handle(ctx, req, file, c)
}

// ReturnToPoverty re-enrolls an exited household.
func (s *Service) ReturnToPoverty(ctx context.Context, req domain.Request, file domain.FileNumber, c ReturnToPoverty) (domain.Result, error) {
	return s.Handle(ctx, req, file, c)
}

// Remove takes the household off the file.
func (s *Service) Remove(ctx context.Context, req domain.Request, file domain.FileNumber, c Remove) (domain.Result, error) {
	return s.Handle(ctx, req, file, c)
}

// RecordDeath records a member's death.
func (s *Service) RecordDeath(ctx context.Context, req domain.Request, file domain.FileNumber, c RecordDeath) (domain.Result, error) {
	return s.Handle(ctx, req, file, c)
}

// Correct records a correction.
func (s *Service) Correct(ctx context.Context, req domain.Request, file domain.FileNumber, c Correct) (domain.Result, error) {
	return s.Handle(ctx, req, file, c)
}
