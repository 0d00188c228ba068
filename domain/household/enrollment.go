package household

import (
	"time"

	"github.com/drip-ledger/drip/domain"
	"github.com/drip-ledger/drip/events"
)

// Propose records the village's democratic appraisal of a surveyed household
// and its proposal for enrollment, with the causes of its poverty.
type Propose struct {
	Appraisal Appraisal `json:"appraisal"`
	Causes    CauseList `json:"causes"`
}

func (Propose) Name() string { return "propose" }

// Decide needs a surveyed household (assessment_missing if it has not been
// surveyed yet) and an appraisal that passed (appraisal_failed).
func (c Propose) Decide(s State, _ time.Time) ([]events.Payload, error) {
	if s.Status() == StatusRegistered {
		return nil, errorf(CodeAssessmentMissing, "propose: the household has not been surveyed and scored")
	}
	if err := requireStatus("propose", s.Status(), StatusSurveyed); err != nil {
		return nil, err
	}
	ev := &Proposed{Appraisal: c.Appraisal, Causes: c.Causes}
	if err := ev.Validate(); err != nil {
		return nil, err
	}
	if !c.Appraisal.Passed() {
		return nil, errorf(CodeAppraisalFailed, "the appraisal voted %d for and %d against", c.Appraisal.VotesFor, c.Appraisal.VotesAgainst)
	}
	return []events.Payload{ev}, nil
}

// Review records the township's review of a publicized proposal.
type Review struct {
	Passed  bool   `json:"passed"`
	Opinion string `json:"opinion"`
}

func (Review) Name() string { return "review" }

// Decide needs a household publicized for enrollment whose publicity has
// ended (publicity_open) with every objection settled (objection_open) and
// none upheld (objection_upheld).
func (c Review) Decide(s State, at time.Time) ([]events.Payload, error) {
	if err := requireStatus("review", s.Status(), StatusPublicized); err != nil {
		return nil, err
	}
	if err := publicityDone(s, at); err != nil {
		return nil, err
	}
	return validated(&Reviewed{Passed: c.Passed, Opinion: c.Opinion})
}

// Enroll is the county's approval: the household is filed as poor.
type Enroll struct {
	DecisionRef string              `json:"decisionRef"`
	Lines       domain.PovertyLines `json:"-"` // configuration, passed in
}

func (Enroll) Name() string { return "enroll" }

// Decide needs a publicized household whose publicity is done (see Review),
// a passed township review (review_missing), and a latest assessment that
// passes PoorTest (not_poor; poverty_line_unknown without the year's line).
func (c Enroll) Decide(s State, at time.Time) ([]events.Payload, error) {
	if err := requireStatus("enroll", s.Status(), StatusPublicized); err != nil {
		return nil, err
	}
	if err := publicityDone(s, at); err != nil {
		return nil, err
	}
	if s.review == nil || !s.review.Passed {
		return nil, errorf(CodeReviewMissing, "enroll: the township has not passed the household in review")
	}
	a, ok := s.LatestAssessment()
	if !ok {
		return nil, errorf(CodeAssessmentMissing, "enroll: the household has no assessment")
	}
	poor, line, err := PoorTest(a.Assessed, c.Lines)
	if err != nil {
		return nil, err
	}
	if !poor {
		return nil, errorf(CodeNotPoor, "the %d assessment scored %d (poor below %d) with a per-capita income of %s yuan (line %s): not poor",
			a.Year, a.TotalPoints, PoorPointsBelow, a.NetIncomePerCapitaFen, line)
	}
	return validated(&Enrolled{Year: a.Year, TotalPoints: a.TotalPoints, NetIncomePerCapitaFen: a.NetIncomePerCapitaFen,
		PovertyLineFen: line, DecisionRef: c.DecisionRef})
}

// Reject is the county's (or township's) refusal to enroll, with reasons.
type Reject struct {
	Reasons []string `json:"reasons"`
}

func (Reject) Name() string { return "reject" }

// Decide needs a proposed or publicized household and at least one reason.
func (c Reject) Decide(s State, _ time.Time) ([]events.Payload, error) {
	if err := requireStatus("reject", s.Status(), StatusProposed, StatusPublicized); err != nil {
		return nil, err
	}
	return validated(&Rejected{Reasons: c.Reasons})
}
