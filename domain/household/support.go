package household

import (
	"slices"
	"time"

	"github.com/drip-ledger/drip/domain"
	"github.com/drip-ledger/drip/events"
)

// Event types of help (DOMAIN.md §4, §7).
const (
	TypeHouseholdCadreAssigned  = "household.cadre_assigned.v1"
	TypeHouseholdMeasurePlanned = "household.measure_planned.v1"
	TypeHouseholdVisited        = "household.visited.v1"
)

// Cadre ranks of the "4321" rule (Weining).
const (
	RankSection       = "section"        // 正科: helps 4 households
	RankDeputySection = "deputy_section" // 副科: 3
	RankBelowSection  = "below_section"  // lower ranks: 2
	RankGeneral       = "general"        // a general cadre: 1
)

// CadreCapacity is how many households a cadre of rank may help at once
// under the "4321" rule; 0 for an unknown rank.
//
// A cadre's households are counted on the cadre's own stream, appended in
// the same atomic commit as the assignment (cadre.go), so racing
// assignments can never exceed this capacity.
func CadreCapacity(rank string) int {
	return map[string]int{RankSection: 4, RankDeputySection: 3, RankBelowSection: 2, RankGeneral: 1}[rank]
}

var ranks = []string{RankSection, RankDeputySection, RankBelowSection, RankGeneral}

// Codes of help.
const (
	CodeCadreAtCapacity = "cadre_at_capacity"
	CodeCadreAssigned   = "cadre_already_assigned"
	CodeMeasureExists   = "measure_exists"
	CodeVisitUnsigned   = "visit_unsigned"
	// CodeCadreNotAssigned: a visit is by the household's helping cadre.
	CodeCadreNotAssigned = "cadre_not_assigned"
)

// Cadre is a helping official.
type Cadre struct {
	ID   string `json:"id"`
	Name string `json:"name"`
	Rank string `json:"rank"`
}

func (c Cadre) check(ps *domain.Problems, field string) {
	requireText(ps, field+".id", c.ID, NameRunesMax)
	requireText(ps, field+".name", c.Name, NameRunesMax)
	oneOf(ps, field+".rank", c.Rank, ranks)
}

// CadreAssigned records the household's helping cadre; it replaces any
// earlier one (every poor household has one helping cadre).
type CadreAssigned struct {
	Cadre Cadre `json:"cadre"`
	// ReplacesID is the cadre this one takes over from, if any.
	ReplacesID string `json:"replacesId,omitempty"`
}

func (*CadreAssigned) EventType() string { return TypeHouseholdCadreAssigned }

func (e *CadreAssigned) Validate() error {
	var ps domain.Problems
	e.Cadre.check(&ps, "cadre")
	optionalText(&ps, "replacesId", e.ReplacesID, NameRunesMax)
	return ps.Err()
}

// Measure kinds: the "four batches" and education support.
const (
	MeasureProduction = "production_employment"
	MeasureRelocation = "relocation"
	MeasureLivelihood = "minimum_living_security" // 低保
	MeasureMedical    = "medical_assistance"
	MeasureEducation  = "education_support"
)

var measureKinds = []string{MeasureProduction, MeasureRelocation, MeasureLivelihood, MeasureMedical, MeasureEducation}

// MeasurePlanned records a support measure planned for the household.
type MeasurePlanned struct {
	MeasureID   string `json:"measureId"` // unique within the household
	Kind        string `json:"kind"`
	Description string `json:"description"`
	// ProjectRef names the county project that delivers it, if any.
	ProjectRef string `json:"projectRef,omitempty"`
}

func (*MeasurePlanned) EventType() string { return TypeHouseholdMeasurePlanned }

func (e *MeasurePlanned) Validate() error {
	var ps domain.Problems
	requireText(&ps, "measureId", e.MeasureID, NameRunesMax)
	oneOf(&ps, "kind", e.Kind, measureKinds)
	requireText(&ps, "description", e.Description, TextRunesMax)
	optionalText(&ps, "projectRef", e.ProjectRef, EvidenceRunesMax)
	return ps.Err()
}

// Seen is what a visitor looked at (看): crops, house, labour, students.
type Seen struct {
	Crops    string `json:"crops"`
	House    string `json:"house"`
	Labour   string `json:"labour"`
	Students string `json:"students"`
}

// Help kinds a visit may give (帮).
var helpKinds = []string{"water", "power", "road", "housing", "services"}

// Help is one thing a visitor helped with.
type Help struct {
	Kind        string `json:"kind"`
	Description string `json:"description"`
}

// Signatures are the visit's two signatures (签), as references to the
// signed handbook page or its scan.
type Signatures struct {
	CadreRef     string `json:"cadreRef"`
	HouseholdRef string `json:"householdRef"`
}

// Visited records a visit with Weiyuan's "seven words": visit (访), see
// (看), fill in the handbook (填), calculate income (算), listen (听), help
// (帮), sign (签).
type Visited struct {
	VisitedAt      time.Time `json:"visitedAt"`
	CadreID        string    `json:"cadreId"`
	Seen           Seen      `json:"seen"`
	HandbookFilled bool      `json:"handbookFilled"`
	// NetIncomePerCapitaFen is the income the visitor calculated with the
	// household.
	NetIncomePerCapitaFen domain.Fen `json:"netIncomePerCapitaFen"`
	Concerns              []string   `json:"concerns,omitempty"`
	Help                  []Help     `json:"help,omitempty"`
	Signatures            Signatures `json:"signatures"`
}

func (*Visited) EventType() string { return TypeHouseholdVisited }

func (e *Visited) Validate() error {
	var ps domain.Problems
	requireTime(&ps, "visitedAt", e.VisitedAt)
	requireText(&ps, "cadreId", e.CadreID, NameRunesMax)
	requireText(&ps, "seen.crops", e.Seen.Crops, TextRunesMax)
	requireText(&ps, "seen.house", e.Seen.House, TextRunesMax)
	requireText(&ps, "seen.labour", e.Seen.Labour, TextRunesMax)
	requireText(&ps, "seen.students", e.Seen.Students, TextRunesMax)
	if e.NetIncomePerCapitaFen < 0 {
		ps.Addf("netIncomePerCapitaFen", CodeNegative, "is negative")
	}
	textList(&ps, "concerns", e.Concerns, 0)
	if len(e.Help) > ListItemsMax {
		ps.Addf("help", CodeTooMany, "has %d entries, above the limit of %d", len(e.Help), ListItemsMax)
	} else {
		for i, h := range e.Help {
			oneOf(&ps, index("help", i)+".kind", h.Kind, helpKinds)
			requireText(&ps, index("help", i)+".description", h.Description, TextRunesMax)
		}
	}
	if e.Signatures.CadreRef == "" || e.Signatures.HouseholdRef == "" {
		ps.Addf("signatures", CodeVisitUnsigned, "a visit is signed by the cadre and by the household")
	}
	optionalText(&ps, "signatures.cadreRef", e.Signatures.CadreRef, EvidenceRunesMax)
	optionalText(&ps, "signatures.householdRef", e.Signatures.HouseholdRef, EvidenceRunesMax)
	return ps.Err()
}

// support is the help a household is given.
type support struct {
	cadre    *Cadre
	measures []MeasurePlanned
	visits   []Visited
}

// Cadre is the household's helping cadre, if one is assigned.
func (s State) Cadre() (Cadre, bool) {
	if s.cadre == nil {
		return Cadre{}, false
	}
	return *s.cadre, true
}

// Measures returns the support measures planned, oldest first.
func (s State) Measures() []MeasurePlanned { return slices.Clone(s.measures) }

// Visits returns the visits recorded, oldest first.
func (s State) Visits() []Visited { return slices.Clone(s.visits) }

func (s State) applySupport(e entry) (State, bool) {
	switch p := e.payload.(type) {
	case *CadreAssigned:
		c := p.Cadre
		s.cadre = &c
	case *MeasurePlanned:
		s.measures = append(s.measures, *p)
	case *Visited:
		s.visits = append(s.visits, *p)
	default:
		return s, false
	}
	return s, true
}

// AssignCadre assigns the household's helping cadre.
type AssignCadre struct {
	Cadre Cadre `json:"cadre"`
	// HelpedCount is how many other households the cadre helps now, read by
	// the caller from a projection (see CadreCapacity).
	HelpedCount int `json:"-"`
}

func (AssignCadre) Name() string { return "assign_cadre" }

// Decide needs a household being helped (enrolled, returned, exiting, or
// exited, since help continues for a while); refuses the cadre it already
// has (cadre_already_assigned) and a cadre whose HelpedCount has reached
// CadreCapacity (cadre_at_capacity).
func (c AssignCadre) Decide(s State, _ time.Time) ([]events.Payload, error) {
	if err := requireStatus("assign cadre", s.Status(), helpedStatuses...); err != nil {
		return nil, err
	}
	ev := &CadreAssigned{Cadre: c.Cadre}
	if s.cadre != nil {
		ev.ReplacesID = s.cadre.ID
	}
	if err := ev.Validate(); err != nil {
		return nil, err
	}
	if s.cadre != nil && s.cadre.ID == c.Cadre.ID {
		return nil, errorf(CodeCadreAssigned, "%s already helps this household", c.Cadre.Name)
	}
	if n := CadreCapacity(c.Cadre.Rank); c.HelpedCount >= n {
		return nil, errorf(CodeCadreAtCapacity, "a %s cadre helps at most %d households; %s already helps %d", c.Cadre.Rank, n, c.Cadre.Name, c.HelpedCount)
	}
	return []events.Payload{ev}, nil
}

// PlanMeasure plans a support measure for the household.
type PlanMeasure struct {
	MeasureID   string `json:"measureId"`
	Kind        string `json:"kind"`
	Description string `json:"description"`
	ProjectRef  string `json:"projectRef,omitempty"`
}

func (PlanMeasure) Name() string { return "plan_measure" }

// Decide needs a household being helped and a measure ID it has not used
// (measure_exists), below MeasuresMax measures.
func (c PlanMeasure) Decide(s State, _ time.Time) ([]events.Payload, error) {
	if err := requireStatus("plan measure", s.Status(), helpedStatuses...); err != nil {
		return nil, err
	}
	ev := &MeasurePlanned{MeasureID: c.MeasureID, Kind: c.Kind, Description: c.Description, ProjectRef: c.ProjectRef}
	if err := ev.Validate(); err != nil {
		return nil, err
	}
	for _, m := range s.measures {
		if m.MeasureID == c.MeasureID {
			return nil, errorf(CodeMeasureExists, "measure %q is already planned", c.MeasureID)
		}
	}
	if len(s.measures) >= MeasuresMax {
		return nil, errorf(CodeTooMany, "the household already has %d measures, the limit", MeasuresMax)
	}
	return []events.Payload{ev}, nil
}

// RecordVisit records a cadre's visit; at is when the visit took place.
type RecordVisit struct {
	CadreID               string     `json:"cadreId"`
	Seen                  Seen       `json:"seen"`
	HandbookFilled        bool       `json:"handbookFilled"`
	NetIncomePerCapitaFen domain.Fen `json:"netIncomePerCapitaFen"`
	Concerns              []string   `json:"concerns,omitempty"`
	Help                  []Help     `json:"help,omitempty"`
	Signatures            Signatures `json:"signatures"`
}

func (RecordVisit) Name() string { return "record_visit" }

// Decide needs a household being helped and a visit signed by both the
// cadre and the household (visit_unsigned), with the four things seen.
func (c RecordVisit) Decide(s State, at time.Time) ([]events.Payload, error) {
	if err := requireStatus("record visit", s.Status(), helpedStatuses...); err != nil {
		return nil, err
	}
	var ps domain.Problems
	checkIncome(&ps, "netIncomePerCapitaFen", c.NetIncomePerCapitaFen)
	if s.cadre == nil {
		ps.Addf("cadreId", CodeCadreNotAssigned, "the household has no helping cadre assigned yet")
	} else if c.CadreID != "" && c.CadreID != s.cadre.ID {
		ps.Addf("cadreId", CodeCadreNotAssigned, "%q is not the household's helping cadre (%s)", c.CadreID, s.cadre.ID)
	}
	if err := ps.Err(); err != nil {
		return nil, err
	}
	return validated(&Visited{VisitedAt: at, CadreID: c.CadreID, Seen: c.Seen, HandbookFilled: c.HandbookFilled,
		NetIncomePerCapitaFen: c.NetIncomePerCapitaFen, Concerns: c.Concerns, Help: c.Help, Signatures: c.Signatures})
}
