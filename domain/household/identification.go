package household

import (
	"time"

	"github.com/drip-ledger/drip/domain"
)

// Event types of registration and identification (DOMAIN.md §3).
const (
	TypeHouseholdRegistered        = "household.registered.v1"
	TypeHouseholdAssessed          = "household.assessed.v1"
	TypeHouseholdProposed          = "household.proposed.v1"
	TypeHouseholdPublicityStarted  = "household.publicity_started.v1"
	TypeHouseholdObjectionRaised   = "household.objection_raised.v1"
	TypeHouseholdObjectionResolved = "household.objection_resolved.v1"
	TypeHouseholdReviewed          = "household.reviewed.v1"
	TypeHouseholdEnrolled          = "household.enrolled.v1"
	TypeHouseholdRejected          = "household.rejected.v1"
)

// Registered is the first event of every household: who it is, where, and
// the card subsidies will be paid to.
type Registered struct {
	FileNumber domain.FileNumber   `json:"fileNumber"`
	Village    domain.DivisionCode `json:"village"`
	Head       Member              `json:"head"`
	Members    []Member            `json:"members,omitempty"` // besides the head
	Account    *Account            `json:"account,omitempty"`
}

func (*Registered) EventType() string { return TypeHouseholdRegistered }

func (e *Registered) Validate() error {
	var ps domain.Problems
	checkFile(&ps, e.FileNumber, e.Village)
	others := make([]MemberInput, len(e.Members))
	for i, m := range e.Members {
		others[i] = m.input()
	}
	h, ms := checkMembers(&ps, e.Head.input(), others, time.Time{})
	checkAccount(&ps, e.Account, memberNames(h, ms))
	return ps.Err()
}

func checkFile(ps *domain.Problems, file domain.FileNumber, village domain.DivisionCode) {
	if file.IsZero() {
		ps.Addf("fileNumber", CodeRequired, "is required")
	}
	switch {
	case village.IsZero():
		ps.Addf("village", CodeRequired, "is required")
	case !file.IsZero() && file.Village() != village:
		ps.Addf("village", CodeVillageMismatch, "%s is not the village of file number %s", village, file)
	}
}

func memberNames(head Member, others []Member) []string {
	names := []string{head.Name}
	for _, m := range others {
		names = append(names, m.Name)
	}
	return names
}

// Assessment kinds: the survey that identifies a household, and the
// year-end reassessment of one already identified (DOMAIN.md §3).
const (
	KindInitial      = "initial"
	KindReassessment = "reassessment"
)

// ItemPoints is the points one scorecard item gave.
type ItemPoints struct {
	Item   string `json:"item"`
	Points int    `json:"points"`
}

// Assessed records a survey scored against a scorecard. It holds everything
// needed to recompute the score later: the card's id and version, the raw
// answers, each item's points and the total.
type Assessed struct {
	Kind        string            `json:"kind"`
	Year        int               `json:"year"`
	CardID      string            `json:"cardId"`
	CardVersion int               `json:"cardVersion"`
	Answers     map[string]string `json:"answers"`
	Items       []ItemPoints      `json:"items"`
	TotalPoints int               `json:"totalPoints"`
	// NetIncomePerCapitaFen is the household's per-capita net income over
	// Year, the figure compared with that year's poverty line.
	NetIncomePerCapitaFen domain.Fen `json:"netIncomePerCapitaFen"`
}

func (*Assessed) EventType() string { return TypeHouseholdAssessed }

func (e *Assessed) Validate() error {
	var ps domain.Problems
	oneOf(&ps, "kind", e.Kind, []string{KindInitial, KindReassessment})
	checkYear(&ps, "year", e.Year)
	checkScore(&ps, Score{CardID: e.CardID, CardVersion: e.CardVersion, Items: e.Items, TotalPoints: e.TotalPoints})
	if len(e.Answers) > AnswersMax {
		ps.Addf("answers", CodeTooMany, "has %d answers, above the limit of %d", len(e.Answers), AnswersMax)
	}
	if e.NetIncomePerCapitaFen < 0 {
		ps.Addf("netIncomePerCapitaFen", CodeNegative, "is negative")
	}
	return ps.Err()
}

func checkYear(ps *domain.Problems, field string, y int) {
	if y < domain.PovertyLineYearMin || y > domain.PovertyLineYearMax {
		ps.Addf(field, CodeValueUnknown, "%d is outside %d–%d", y, domain.PovertyLineYearMin, domain.PovertyLineYearMax)
	}
}

// Appraisal is a village's democratic appraisal (民主评议) of a proposal:
// the meeting, its vote and where its minutes are kept.
type Appraisal struct {
	HeldAt       time.Time `json:"heldAt"`
	Participants int       `json:"participants"`
	VotesFor     int       `json:"votesFor"`
	VotesAgainst int       `json:"votesAgainst"`
	MinutesRef   string    `json:"minutesRef"`
}

// Passed reports whether more votes were cast for than against.
func (a Appraisal) Passed() bool { return a.VotesFor > a.VotesAgainst }

func (a Appraisal) check(ps *domain.Problems, field string) {
	requireTime(ps, field+".heldAt", a.HeldAt)
	if a.Participants < 1 {
		ps.Addf(field+".participants", CodeRequired, "an appraisal has at least one participant")
	}
	if a.VotesFor < 0 || a.VotesAgainst < 0 {
		ps.Addf(field+".votesFor", CodeNegative, "votes are not negative")
	} else if a.VotesFor+a.VotesAgainst > a.Participants {
		ps.Addf(field+".votesFor", CodeTooMany, "%d votes from %d participants", a.VotesFor+a.VotesAgainst, a.Participants)
	}
	requireText(ps, field+".minutesRef", a.MinutesRef, EvidenceRunesMax)
}

// CauseList is why a household is poor: a main cause and others, each from
// Causes.
type CauseList struct {
	Main   string   `json:"main"`
	Others []string `json:"others,omitempty"`
}

// Proposed records that the village, after its democratic appraisal,
// proposes the household for enrollment, and why it is poor.
type Proposed struct {
	Appraisal Appraisal `json:"appraisal"`
	Causes    CauseList `json:"causes"`
}

func (*Proposed) EventType() string { return TypeHouseholdProposed }

func (e *Proposed) Validate() error {
	var ps domain.Problems
	e.Appraisal.check(&ps, "appraisal")
	checkCauses(&ps, "causes", e.Causes)
	return ps.Err()
}

// Publicity stages: the same notice period (公示) precedes enrollment and
// exit.
const (
	StageEnrollment = "enrollment"
	StageExit       = "exit"
)

// PublicityDaysMin is the shortest publicity: seven full days.
const PublicityDaysMin = 7

// PublicityStarted records that a list naming the household was posted for
// anyone to see and object to, from StartsAt to EndsAt.
type PublicityStarted struct {
	Stage    string    `json:"stage"`
	StartsAt time.Time `json:"startsAt"`
	EndsAt   time.Time `json:"endsAt"`
	// Place is where the list was posted (village notice board, …).
	Place string `json:"place"`
}

func (*PublicityStarted) EventType() string { return TypeHouseholdPublicityStarted }

func (e *PublicityStarted) Validate() error {
	var ps domain.Problems
	oneOf(&ps, "stage", e.Stage, []string{StageEnrollment, StageExit})
	requireTime(&ps, "startsAt", e.StartsAt)
	requireTime(&ps, "endsAt", e.EndsAt)
	if !e.StartsAt.IsZero() && !e.EndsAt.IsZero() && e.EndsAt.Sub(e.StartsAt) < PublicityDaysMin*24*time.Hour {
		ps.Addf("endsAt", CodePublicityTooShort, "publicity from %s to %s is shorter than %d days",
			e.StartsAt.Format(time.RFC3339), e.EndsAt.Format(time.RFC3339), PublicityDaysMin)
	}
	requireText(&ps, "place", e.Place, TextRunesMax)
	return ps.Err()
}

// ObjectionRaised records an objection to the current publicity. Anyone may
// object; the official who records it is in the metadata, the objector here.
type ObjectionRaised struct {
	// Number is the objection's place in the household's objections,
	// from 1; ResolveObjection names it.
	Number    int    `json:"number"`
	RaisedBy  string `json:"raisedBy"`
	Statement string `json:"statement"`
}

func (*ObjectionRaised) EventType() string { return TypeHouseholdObjectionRaised }

func (e *ObjectionRaised) Validate() error {
	var ps domain.Problems
	checkNumber(&ps, "number", e.Number)
	requireText(&ps, "raisedBy", e.RaisedBy, NameRunesMax)
	requireText(&ps, "statement", e.Statement, TextRunesMax)
	return ps.Err()
}

func checkNumber(ps *domain.Problems, field string, n int) {
	if n < 1 {
		ps.Addf(field, CodeRequired, "is a number from 1")
	}
}

// Objection outcomes.
const (
	OutcomeUpheld    = "upheld"
	OutcomeDismissed = "dismissed"
)

// ObjectionResolved records how an objection was settled. An upheld
// objection blocks approval of the stage it was raised in.
type ObjectionResolved struct {
	Number  int    `json:"number"`
	Outcome string `json:"outcome"`
	Reason  string `json:"reason"`
}

func (*ObjectionResolved) EventType() string { return TypeHouseholdObjectionResolved }

func (e *ObjectionResolved) Validate() error {
	var ps domain.Problems
	checkNumber(&ps, "number", e.Number)
	oneOf(&ps, "outcome", e.Outcome, []string{OutcomeUpheld, OutcomeDismissed})
	requireText(&ps, "reason", e.Reason, TextRunesMax)
	return ps.Err()
}

// Reviewed records the township's review of a publicized proposal.
type Reviewed struct {
	Passed  bool   `json:"passed"`
	Opinion string `json:"opinion"`
}

func (*Reviewed) EventType() string { return TypeHouseholdReviewed }

func (e *Reviewed) Validate() error {
	var ps domain.Problems
	requireText(&ps, "opinion", e.Opinion, TextRunesMax)
	return ps.Err()
}

// Enrolled records the county's approval: the household is filed as poor.
// It keeps the figures the poor test compared, so an auditor need not
// recompute which assessment and line were used.
type Enrolled struct {
	Year                  int        `json:"year"`
	TotalPoints           int        `json:"totalPoints"`
	NetIncomePerCapitaFen domain.Fen `json:"netIncomePerCapitaFen"`
	PovertyLineFen        domain.Fen `json:"povertyLineFen"`
	DecisionRef           string     `json:"decisionRef"`
}

func (*Enrolled) EventType() string { return TypeHouseholdEnrolled }

func (e *Enrolled) Validate() error {
	var ps domain.Problems
	checkYear(&ps, "year", e.Year)
	if e.PovertyLineFen <= 0 {
		ps.Addf("povertyLineFen", CodeRequired, "is a positive amount")
	}
	requireText(&ps, "decisionRef", e.DecisionRef, EvidenceRunesMax)
	return ps.Err()
}

// Rejected records the county's refusal to enroll, with its reasons.
type Rejected struct {
	Reasons []string `json:"reasons"`
}

func (*Rejected) EventType() string { return TypeHouseholdRejected }

func (e *Rejected) Validate() error {
	var ps domain.Problems
	textList(&ps, "reasons", e.Reasons, 1)
	return ps.Err()
}
