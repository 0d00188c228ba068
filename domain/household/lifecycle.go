package household

import (
	"time"

	"github.com/drip-ledger/drip/domain"
	"github.com/drip-ledger/drip/events"
)

// Event types of the dynamic file after exit, and of the file's end
// (DOMAIN.md §6).
const (
	TypeHouseholdMonitoringStarted = "household.monitoring_started.v1"
	TypeHouseholdMonitoringEnded   = "household.monitoring_ended.v1"
	TypeHouseholdReturned          = "household.returned.v1"
	TypeHouseholdRemoved           = "household.removed.v1"
	TypeHouseholdMemberDied        = "household.member_died.v1"
)

// Risk is the figures a monitoring decision compared.
type Risk struct {
	Year                  int        `json:"year"`
	TotalPoints           int        `json:"totalPoints"`
	NetIncomePerCapitaFen domain.Fen `json:"netIncomePerCapitaFen"`
	PovertyLineFen        domain.Fen `json:"povertyLineFen"`
}

func (r Risk) check(ps *domain.Problems) {
	checkYear(ps, "year", r.Year)
	if r.PovertyLineFen <= 0 {
		ps.Addf("povertyLineFen", CodeRequired, "is a positive amount")
	}
}

// MonitoringStarted records that an exited household is at risk of falling
// back (see AtRisk) and is tracked.
type MonitoringStarted struct{ Risk }

func (*MonitoringStarted) EventType() string { return TypeHouseholdMonitoringStarted }

func (e *MonitoringStarted) Validate() error {
	var ps domain.Problems
	e.check(&ps)
	return ps.Err()
}

// MonitoringEnded records that a monitored household is no longer at risk.
type MonitoringEnded struct{ Risk }

func (*MonitoringEnded) EventType() string { return TypeHouseholdMonitoringEnded }

func (e *MonitoringEnded) Validate() error {
	var ps domain.Problems
	e.check(&ps)
	return ps.Err()
}

// monitoring decides, for a reassessment a of an exited or monitored
// household, whether its monitoring starts or ends.
func monitoring(s State, a Assessed, lines domain.PovertyLines) ([]events.Payload, error) {
	risky, err := AtRisk(a, lines)
	if err != nil {
		return nil, err
	}
	line, _ := lines.Line(a.Year)
	r := Risk{Year: a.Year, TotalPoints: a.TotalPoints, NetIncomePerCapitaFen: a.NetIncomePerCapitaFen, PovertyLineFen: line}
	switch {
	case risky && s.Status() == StatusExited:
		return []events.Payload{&MonitoringStarted{r}}, nil
	case !risky && s.Status() == StatusMonitored:
		return []events.Payload{&MonitoringEnded{r}}, nil
	}
	return nil, nil
}

// Returned records that an exited household fell back into poverty and is
// enrolled again, with the causes.
type Returned struct {
	Causes                CauseList  `json:"causes"`
	Year                  int        `json:"year"`
	TotalPoints           int        `json:"totalPoints"`
	NetIncomePerCapitaFen domain.Fen `json:"netIncomePerCapitaFen"`
	PovertyLineFen        domain.Fen `json:"povertyLineFen"`
	DecisionRef           string     `json:"decisionRef"`
}

func (*Returned) EventType() string { return TypeHouseholdReturned }

func (e *Returned) Validate() error {
	var ps domain.Problems
	checkCauses(&ps, "causes", e.Causes)
	checkYear(&ps, "year", e.Year)
	if e.PovertyLineFen <= 0 {
		ps.Addf("povertyLineFen", CodeRequired, "is a positive amount")
	}
	requireText(&ps, "decisionRef", e.DecisionRef, EvidenceRunesMax)
	return ps.Err()
}

// Removal reasons.
const (
	RemovalMisidentified = "mis_identified"
	RemovalDeceased      = "deceased"
	RemovalMovedAway     = "moved_away"
)

// Removed records that the household was taken off the file.
type Removed struct {
	Reason      string `json:"reason"`
	Explanation string `json:"explanation"`
	// ApprovedBy names the official who approved the removal (the actor who
	// recorded it is in the metadata).
	ApprovedBy  string `json:"approvedBy"`
	EvidenceRef string `json:"evidenceRef"`
}

func (*Removed) EventType() string { return TypeHouseholdRemoved }

func (e *Removed) Validate() error {
	var ps domain.Problems
	oneOf(&ps, "reason", e.Reason, []string{RemovalMisidentified, RemovalDeceased, RemovalMovedAway})
	requireText(&ps, "explanation", e.Explanation, TextRunesMax)
	requireText(&ps, "approvedBy", e.ApprovedBy, NameRunesMax)
	requireText(&ps, "evidenceRef", e.EvidenceRef, EvidenceRunesMax)
	return ps.Err()
}

// MemberDied records a member's death. The fund ledger flags payments to a
// household made in a deceased member's name after the date.
type MemberDied struct {
	ResidentID  domain.ResidentID `json:"residentId"`
	DiedOn      string            `json:"diedOn"` // YYYY-MM-DD
	EvidenceRef string            `json:"evidenceRef"`
}

func (*MemberDied) EventType() string { return TypeHouseholdMemberDied }

func (e *MemberDied) Validate() error {
	var ps domain.Problems
	if e.ResidentID.IsZero() {
		ps.Addf("residentId", CodeRequired, "is required")
	}
	if d, ok := civilDate(e.DiedOn); !ok {
		ps.Addf("diedOn", CodeDateInvalid, "%q is not a date written YYYY-MM-DD", e.DiedOn)
	} else if !e.ResidentID.IsZero() && d.Before(e.ResidentID.BirthDate()) {
		ps.Addf("diedOn", CodeDateInvalid, "%s is before the birth date", e.DiedOn)
	}
	requireText(&ps, "evidenceRef", e.EvidenceRef, EvidenceRunesMax)
	return ps.Err()
}

// Removal is why the household left the file, if it did.
func (s State) Removal() (Removed, bool) {
	if s.removal == nil {
		return Removed{}, false
	}
	return *s.removal, true
}

func (s State) applyLifecycle(e entry) (State, bool) {
	switch p := e.payload.(type) {
	case *MonitoringStarted:
		s.setStatus(e, StatusMonitored)
	case *MonitoringEnded:
		s.setStatus(e, StatusExited)
	case *Returned:
		s.causes = p.Causes
		s.exit = exit{}
		s.setStatus(e, StatusReturned)
	case *Removed:
		r := *p
		s.removal = &r
		s.setStatus(e, StatusRemoved)
	case *MemberDied:
		deaths := make(map[string]string, len(s.deaths)+1)
		for k, v := range s.deaths {
			deaths[k] = v
		}
		deaths[p.ResidentID.String()] = p.DiedOn
		s.deaths = deaths
	default:
		return s, false
	}
	return s, true
}

// ReturnToPoverty re-enrolls an exited household that fell back.
type ReturnToPoverty struct {
	Causes      CauseList           `json:"causes"`
	DecisionRef string              `json:"decisionRef"`
	Lines       domain.PovertyLines `json:"-"`
}

func (ReturnToPoverty) Name() string { return "return_to_poverty" }

// Decide needs an exited or monitored household whose latest assessment
// (the reassessment that found it fallen back) passes PoorTest (not_poor),
// and the causes.
func (c ReturnToPoverty) Decide(s State, _ time.Time) ([]events.Payload, error) {
	if err := requireStatus("return to poverty", s.Status(), exitedStatuses...); err != nil {
		return nil, err
	}
	a, _ := s.LatestAssessment() // an exited household has been reassessed
	ev := &Returned{Causes: c.Causes, Year: a.Year, TotalPoints: a.TotalPoints,
		NetIncomePerCapitaFen: a.NetIncomePerCapitaFen, DecisionRef: c.DecisionRef, PovertyLineFen: 1}
	if err := ev.Validate(); err != nil {
		return nil, err
	}
	poor, line, err := PoorTest(a.Assessed, c.Lines)
	if err != nil {
		return nil, err
	}
	if !poor {
		return nil, errorf(CodeNotPoor, "the latest (%d) assessment scored %d with a per-capita income of %s yuan (line %s): not poor",
			a.Year, a.TotalPoints, a.NetIncomePerCapitaFen, line)
	}
	ev.PovertyLineFen = line
	return []events.Payload{ev}, nil
}

// Remove takes a household off the file.
type Remove struct {
	Reason      string `json:"reason"`
	Explanation string `json:"explanation"`
	ApprovedBy  string `json:"approvedBy"`
	EvidenceRef string `json:"evidenceRef"`
}

func (Remove) Name() string { return "remove" }

// Decide needs a registered household not already removed.
func (c Remove) Decide(s State, _ time.Time) ([]events.Payload, error) {
	if err := requireStatus("remove", s.Status(), liveStatuses...); err != nil {
		return nil, err
	}
	return validated(&Removed{Reason: c.Reason, Explanation: c.Explanation, ApprovedBy: c.ApprovedBy, EvidenceRef: c.EvidenceRef})
}

// RecordDeath records a member's death.
type RecordDeath struct {
	ResidentID  string `json:"residentId"`
	DiedOn      string `json:"diedOn"`
	EvidenceRef string `json:"evidenceRef"`
}

func (RecordDeath) Name() string { return "record_death" }

// Decide needs a household on file (removed included: a death learnt late
// still matters to the fund ledger), a living member (member_unknown,
// member_deceased), and a date not after at's date (date_invalid).
func (c RecordDeath) Decide(s State, at time.Time) ([]events.Payload, error) {
	if err := requireStatus("record death", s.Status(), append(liveStatuses, StatusRemoved)...); err != nil {
		return nil, err
	}
	id, err := livingMember(s, "residentId", c.ResidentID)
	if err != nil {
		return nil, err
	}
	ev := &MemberDied{ResidentID: id, DiedOn: c.DiedOn, EvidenceRef: c.EvidenceRef}
	if err := ev.Validate(); err != nil {
		return nil, err
	}
	if d, _ := civilDate(c.DiedOn); d.After(civilDay(at)) {
		return nil, errorf(CodeDateInvalid, "a death on %s is after %s", c.DiedOn, civilDay(at).Format(time.DateOnly))
	}
	return []events.Payload{ev}, nil
}

// civilDay is at's calendar date, at midnight UTC like civilDate's.
func civilDay(at time.Time) time.Time {
	y, m, d := at.Date()
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
}
