package fund

import (
	"fmt"
	"time"

	"github.com/drip-ledger/drip/domain"
	"github.com/drip-ledger/drip/events"
)

// Event types of a project's lifecycle, on the project's stream.
const (
	TypeProjectProposed       = "fund.project_proposed.v1"
	TypeProjectApproved       = "fund.project_approved.v1"
	TypePublicityStarted      = "fund.project_publicity_started.v1"
	TypeObjectionRaised       = "fund.project_objection_raised.v1"
	TypeObjectionResolved     = "fund.project_objection_resolved.v1"
	TypeImplementationStarted = "fund.project_implementation_started.v1"
	TypeProjectCompleted      = "fund.project_completed.v1"
	TypeProjectAccepted       = "fund.project_accepted.v1"
	TypeBeneficiaryAssigned   = "fund.beneficiary_assigned.v1"
)

// ProjectProposed: a village (or township) proposed a project for the
// county project database.
type ProjectProposed struct {
	Project     ProjectID             `json:"project"`
	Name        string                `json:"name"`
	Kind        ProjectKind           `json:"kind"`
	Villages    []domain.DivisionCode `json:"villages"`
	BudgetFen   domain.Fen            `json:"budgetFen"`
	Description string                `json:"description,omitempty"`
}

func (*ProjectProposed) EventType() string { return TypeProjectProposed }

func (p *ProjectProposed) Validate() error {
	var ps domain.Problems
	if p.Project.IsZero() {
		ps.Addf("project", CodeRequired, "is required")
	}
	requireText(&ps, "name", p.Name, NameRunesMax)
	oneOf(&ps, "kind", p.Kind, ProjectKinds())
	if len(p.Villages) == 0 || len(p.Villages) > VillagesMax {
		ps.Addf("villages", CodeRequired, "a project names 1 to %d villages, not %d", VillagesMax, len(p.Villages))
	}
	seen := map[domain.DivisionCode]bool{}
	for i, v := range p.Villages {
		f := fmt.Sprintf("villages[%d]", i)
		switch {
		case v.IsZero() || v.Level() != domain.LevelVillage:
			ps.Addf(f, CodeVillageOutside, "%q is not a village's code", v)
		case !p.Project.IsZero() && !p.Project.County().Contains(v):
			ps.Addf(f, CodeVillageOutside, "village %s is not in county %s", v, p.Project.County())
		case seen[v]:
			ps.Addf(f, CodeDrawDuplicate, "village %s is named twice", v)
		}
		seen[v] = true
	}
	domain.CheckAmount(&ps, "budgetFen", p.BudgetFen, domain.AllocationFenMax)
	optionalText(&ps, "description", p.Description, TextRunesMax)
	return ps.Err()
}

// ProjectApproved: the county approved the project (after the township's
// review), by the decision ApprovalRef.
type ProjectApproved struct {
	ApprovalRef string `json:"approvalRef"`
}

func (*ProjectApproved) EventType() string { return TypeProjectApproved }

func (p *ProjectApproved) Validate() error {
	var ps domain.Problems
	requireText(&ps, "approvalRef", p.ApprovalRef, RefRunesMax)
	return ps.Err()
}

// PublicityStarted: the project, its budget and beneficiaries were posted
// (公告公示) from StartsAt to EndsAt.
type PublicityStarted struct {
	StartsAt time.Time `json:"startsAt"`
	EndsAt   time.Time `json:"endsAt"`
	Place    string    `json:"place"`
}

func (*PublicityStarted) EventType() string { return TypePublicityStarted }

func (p *PublicityStarted) Validate() error {
	var ps domain.Problems
	requireTime(&ps, "startsAt", p.StartsAt)
	requireTime(&ps, "endsAt", p.EndsAt)
	if !p.EndsAt.After(p.StartsAt) {
		ps.Addf("endsAt", CodePublicityTooShort, "the publicity ends at %s, not after it starts", p.EndsAt.Format(time.RFC3339))
	}
	requireText(&ps, "place", p.Place, NameRunesMax)
	return ps.Err()
}

// ObjectionRaised: someone objected to the project during its publicity.
type ObjectionRaised struct {
	Number    int    `json:"number"`
	RaisedBy  string `json:"raisedBy"`
	Statement string `json:"statement"`
}

func (*ObjectionRaised) EventType() string { return TypeObjectionRaised }

func (p *ObjectionRaised) Validate() error {
	var ps domain.Problems
	if p.Number < 1 {
		ps.Addf("number", CodeRequired, "is required")
	}
	requireText(&ps, "raisedBy", p.RaisedBy, NameRunesMax)
	requireText(&ps, "statement", p.Statement, TextRunesMax)
	return ps.Err()
}

// Objection outcomes.
const (
	OutcomeUpheld    = "upheld"    // the project was changed to meet it
	OutcomeDismissed = "dismissed" // found groundless
)

// ObjectionResolved: the county settled an objection, with its reason.
type ObjectionResolved struct {
	Number  int    `json:"number"`
	Outcome string `json:"outcome"`
	Reason  string `json:"reason"`
}

func (*ObjectionResolved) EventType() string { return TypeObjectionResolved }

func (p *ObjectionResolved) Validate() error {
	var ps domain.Problems
	if p.Number < 1 {
		ps.Addf("number", CodeRequired, "is required")
	}
	oneOf(&ps, "outcome", p.Outcome, []string{OutcomeUpheld, OutcomeDismissed})
	requireText(&ps, "reason", p.Reason, TextRunesMax)
	return ps.Err()
}

// ImplementationStarted: the publicity closed with no objection open and
// the project began; from now on it may pay.
type ImplementationStarted struct {
	PublicityEndedAt time.Time `json:"publicityEndedAt"`
}

func (*ImplementationStarted) EventType() string { return TypeImplementationStarted }

func (p *ImplementationStarted) Validate() error {
	var ps domain.Problems
	requireTime(&ps, "publicityEndedAt", p.PublicityEndedAt)
	return ps.Err()
}

// ProjectCompleted: the works or the programme were finished.
type ProjectCompleted struct {
	ReportRef string `json:"reportRef"`
}

func (*ProjectCompleted) EventType() string { return TypeProjectCompleted }

func (p *ProjectCompleted) Validate() error {
	var ps domain.Problems
	requireText(&ps, "reportRef", p.ReportRef, RefRunesMax)
	return ps.Err()
}

// ProjectAccepted: the county inspected and accepted the project (验收).
// Payments may follow ("build first, subsidize after").
type ProjectAccepted struct {
	AcceptanceRef string `json:"acceptanceRef"`
}

func (*ProjectAccepted) EventType() string { return TypeProjectAccepted }

func (p *ProjectAccepted) Validate() error {
	var ps domain.Problems
	requireText(&ps, "acceptanceRef", p.AcceptanceRef, RefRunesMax)
	return ps.Err()
}

// BeneficiaryAssigned: a household was assigned to the project as a
// beneficiary. HouseholdStatus is its status in the file at that moment.
type BeneficiaryAssigned struct {
	Household       domain.FileNumber `json:"household"`
	HouseholdStatus string            `json:"householdStatus"`
}

func (*BeneficiaryAssigned) EventType() string { return TypeBeneficiaryAssigned }

func (p *BeneficiaryAssigned) Validate() error {
	var ps domain.Problems
	if p.Household.IsZero() {
		ps.Addf("household", CodeRequired, "is required")
	}
	requireText(&ps, "householdStatus", p.HouseholdStatus, NameRunesMax)
	return ps.Err()
}

// ProjectCommand is a command on a project: Name is its key in
// Permissions, Decide its pure rule.
type ProjectCommand interface {
	Name() string
	Decide(s Project, e Env) ([]events.Payload, error)
}

// one validates ev and returns it alone.
func one(ev events.Payload) ([]events.Payload, error) {
	if err := ev.Validate(); err != nil {
		return nil, err
	}
	return []events.Payload{ev}, nil
}

func (s Project) require(action string, allowed ...ProjectStatus) error {
	if s.status == StatusNone {
		return errorf(CodeProjectNotFound, "project %s is not in the project database", s.id)
	}
	for _, a := range allowed {
		if s.status == a {
			return nil
		}
	}
	return errorf(CodeWrongStatus, "cannot %s project %s: it is %s, not %v", action, s.id, s.status, allowed)
}

// Propose records a proposed project.
type Propose struct {
	ProjectName string      `json:"name"`
	Kind        ProjectKind `json:"kind"`
	Villages    []string    `json:"villages"`
	BudgetFen   domain.Fen  `json:"budgetFen"`
	Description string      `json:"description,omitempty"`
}

func (Propose) Name() string { return "propose_project" }

// Decide refuses a project number already in the database (project_exists)
// and villages outside the project's county.
func (c Propose) Decide(s Project, _ Env) ([]events.Payload, error) {
	if s.status != StatusNone {
		return nil, errorf(CodeProjectExists, "project %s was already proposed", s.id)
	}
	ev := &ProjectProposed{Project: s.id, Name: c.ProjectName, Kind: c.Kind, BudgetFen: c.BudgetFen, Description: c.Description}
	var ps domain.Problems
	for i, v := range c.Villages {
		code, err := domain.ParseDivisionCode(v)
		if err != nil {
			ps.Add(fmt.Sprintf("villages[%d]", i), err)
			continue
		}
		ev.Villages = append(ev.Villages, code)
	}
	if err := ps.Err(); err != nil {
		return nil, err
	}
	return one(ev)
}

// Approve records the county's approval.
type Approve struct {
	ApprovalRef string `json:"approvalRef"`
}

func (Approve) Name() string { return "approve_project" }

// Decide needs a proposed project.
func (c Approve) Decide(s Project, _ Env) ([]events.Payload, error) {
	if err := s.require("approve", StatusProposed); err != nil {
		return nil, err
	}
	return one(&ProjectApproved{ApprovalRef: c.ApprovalRef})
}

// StartPublicity posts an approved project.
type StartPublicity struct {
	StartsAt time.Time `json:"startsAt"`
	EndsAt   time.Time `json:"endsAt"`
	Place    string    `json:"place"`
}

func (StartPublicity) Name() string { return "start_project_publicity" }

// Decide needs an approved project and a publicity of at least
// Config.PublicityDaysMin days (publicity_too_short) measured on recorded
// time: from the later of StartsAt and the time it is recorded, so a window
// that starts in the past is not credited with days nobody could see it.
func (c StartPublicity) Decide(s Project, e Env) ([]events.Payload, error) {
	if err := s.require("publicize", StatusApproved); err != nil {
		return nil, err
	}
	ev := &PublicityStarted{StartsAt: c.StartsAt, EndsAt: c.EndsAt, Place: c.Place}
	if err := ev.Validate(); err != nil {
		return nil, err
	}
	if from := laterOf(c.StartsAt, e.At); c.EndsAt.Before(from.AddDate(0, 0, e.Config.PublicityDaysMin)) {
		return nil, errorf(CodePublicityTooShort, "a project's publicity runs at least %d days from when it is posted; %s to %s is shorter",
			e.Config.PublicityDaysMin, from.Format(time.RFC3339), c.EndsAt.Format(time.RFC3339))
	}
	return []events.Payload{ev}, nil
}

// RaiseObjection records an objection to a publicized project.
type RaiseObjection struct {
	RaisedBy  string `json:"raisedBy"`
	Statement string `json:"statement"`
}

func (RaiseObjection) Name() string { return "raise_project_objection" }

// Decide needs a publicized project and the act within the publicity
// (publicity_closed); later objections go to the complaint desk.
func (c RaiseObjection) Decide(s Project, e Env) ([]events.Payload, error) {
	if err := s.require("object to", StatusPublicized); err != nil {
		return nil, err
	}
	from, until := s.publicityWindow(e.Config)
	if e.At.Before(from) || !e.At.Before(until) {
		return nil, errorf(CodePublicityClosed, "the publicity runs from %s to %s; %s is outside it",
			from.Format(time.RFC3339), until.Format(time.RFC3339), e.At.Format(time.RFC3339))
	}
	return one(&ObjectionRaised{Number: len(s.objections) + 1, RaisedBy: c.RaisedBy, Statement: c.Statement})
}

// ResolveObjection settles an open objection.
type ResolveObjection struct {
	Number  int    `json:"number"`
	Outcome string `json:"outcome"`
	Reason  string `json:"reason"`
}

func (ResolveObjection) Name() string { return "resolve_project_objection" }

// Decide needs an open objection of that number (objection_not_found).
func (c ResolveObjection) Decide(s Project, _ Env) ([]events.Payload, error) {
	if err := s.require("resolve an objection to", StatusPublicized, StatusImplementing, StatusCompleted); err != nil {
		return nil, err
	}
	if c.Number < 1 || c.Number > len(s.objections) || !s.objections[c.Number-1].Open() {
		return nil, errorf(CodeObjectionNotFound, "project %s has no open objection number %d", s.id, c.Number)
	}
	return one(&ObjectionResolved{Number: c.Number, Outcome: c.Outcome, Reason: c.Reason})
}

// StartImplementation begins a publicized project.
type StartImplementation struct{}

func (StartImplementation) Name() string { return "start_project_implementation" }

// Decide needs a publicized project whose publicity has ended
// (publicity_open) with no objection open (objection_open).
func (c StartImplementation) Decide(s Project, e Env) ([]events.Payload, error) {
	if err := s.require("start", StatusPublicized); err != nil {
		return nil, err
	}
	if err := s.releasable(e); err != nil {
		return nil, err
	}
	return one(&ImplementationStarted{PublicityEndedAt: s.publicity.EndsAt})
}

// releasable is the publicity rule for releasing money: the window has
// closed and no objection is open.
func (s Project) releasable(e Env) error {
	if s.publicity == nil {
		return errorf(CodePublicityOpen, "project %s has not been publicized", s.id)
	}
	if _, until := s.publicityWindow(e.Config); e.At.Before(until) {
		return errorf(CodePublicityOpen, "the publicity of project %s runs until %s", s.id, until.Format(time.RFC3339))
	}
	for _, o := range s.objections {
		if o.Open() {
			return errorf(CodeObjectionOpen, "objection %d to project %s (by %s) is not resolved", o.Number, s.id, o.RaisedBy)
		}
	}
	return nil
}

// Complete records that the project was finished.
type Complete struct {
	ReportRef string `json:"reportRef"`
}

func (Complete) Name() string { return "complete_project" }

// Decide needs an implementing project.
func (c Complete) Decide(s Project, _ Env) ([]events.Payload, error) {
	if err := s.require("complete", StatusImplementing); err != nil {
		return nil, err
	}
	return one(&ProjectCompleted{ReportRef: c.ReportRef})
}

// Accept records the county's acceptance (验收).
type Accept struct {
	AcceptanceRef string `json:"acceptanceRef"`
}

func (Accept) Name() string { return "accept_project" }

// Decide needs a completed project.
func (c Accept) Decide(s Project, _ Env) ([]events.Payload, error) {
	if err := s.require("accept", StatusCompleted); err != nil {
		return nil, err
	}
	return one(&ProjectAccepted{AcceptanceRef: c.AcceptanceRef})
}

// AssignBeneficiary assigns a household to the project.
type AssignBeneficiary struct {
	Household string `json:"household"` // file number
	// Facts are filled by the caller from the household's stream.
	Facts HouseholdFacts `json:"-"`
}

func (AssignBeneficiary) Name() string { return "assign_beneficiary" }

// Decide needs a project not yet completed, a household of one of its
// villages (household_outside_project) that may be helped now
// (household_not_eligible) and is not already assigned (already_assigned).
func (c AssignBeneficiary) Decide(s Project, e Env) ([]events.Payload, error) {
	file, err := domain.ParseFileNumber(c.Household)
	if err != nil {
		var ps domain.Problems
		ps.Add("household", err)
		return nil, ps.Err()
	}
	if err := s.require("assign beneficiaries to", StatusProposed, StatusApproved, StatusPublicized, StatusImplementing); err != nil {
		return nil, err
	}
	if !s.hasVillage(file.Village()) {
		return nil, errorf(CodeHouseholdOutsideProject, "household %s is not in a village of project %s", file, s.id)
	}
	if err := c.Facts.eligible(file, e); err != nil {
		return nil, err
	}
	if _, dup := s.beneficiaries[file]; dup {
		return nil, errorf(CodeAlreadyAssigned, "household %s is already assigned to project %s", file, s.id)
	}
	return one(&BeneficiaryAssigned{Household: file, HouseholdStatus: string(c.Facts.Status)})
}

// publicityWindow is the publicity as villagers could see it, on recorded
// time: from the later of its StartsAt and when it was recorded, to the
// later of its EndsAt and Config.PublicityDaysMin days after that start.
// Decide refuses a shorter window; this also holds for events recorded
// before that rule, so no history can shorten the window.
func (s Project) publicityWindow(c Config) (from, until time.Time) {
	from = laterOf(s.publicity.StartsAt, s.publicizedAt)
	return from, laterOf(s.publicity.EndsAt, from.AddDate(0, 0, c.PublicityDaysMin))
}

func laterOf(a, b time.Time) time.Time {
	if b.After(a) {
		return b
	}
	return a
}
