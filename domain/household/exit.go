package household

import (
	"slices"
	"time"

	"github.com/drip-ledger/drip/domain"
	"github.com/drip-ledger/drip/events"
)

// Event types of exit (DOMAIN.md §8).
const (
	TypeHouseholdExitProposed  = "household.exit_proposed.v1"
	TypeHouseholdExitAppraised = "household.exit_appraised.v1"
	TypeHouseholdExitVerified  = "household.exit_verified.v1"
	TypeHouseholdExitAgreed    = "household.exit_agreed.v1"
	TypeHouseholdExited        = "household.exited.v1"
	TypeHouseholdExitWithdrawn = "household.exit_withdrawn.v1"
)

// The twelve household exit indicators (Gansu's household goals, DOMAIN.md
// §8). Verification records each as met or not, with evidence.
const (
	IndicatorIncome              = "income_above_line_and_province_average"
	IndicatorHousing             = "safe_housing_30m2_per_person"
	IndicatorDrinkingWater       = "safe_drinking_water"
	IndicatorCompulsoryEducation = "nine_year_compulsory_education"
	IndicatorLabourTrained       = "main_labourer_trained"
	IndicatorIncomeSource        = "income_source"
	IndicatorMedicalInsurance    = "rural_cooperative_medical_insurance"
	IndicatorPensionInsurance    = "rural_pension_insurance"
	IndicatorToilet              = "toilet"
	IndicatorCommunications      = "communications"
	IndicatorNoDebt              = "no_illness_or_marriage_debt"
	IndicatorConsumption         = "consumption_above_standard"
)

// ExitIndicators lists the twelve indicators in DOMAIN.md's order.
func ExitIndicators() []string {
	return []string{IndicatorIncome, IndicatorHousing, IndicatorDrinkingWater, IndicatorCompulsoryEducation,
		IndicatorLabourTrained, IndicatorIncomeSource, IndicatorMedicalInsurance, IndicatorPensionInsurance,
		IndicatorToilet, IndicatorCommunications, IndicatorNoDebt, IndicatorConsumption}
}

// Codes of exit.
const (
	CodeExitScoreTooLow         = "exit_score_too_low"
	CodeExitIndicatorMissing    = "exit_indicator_missing"
	CodeExitIndicatorUnmet      = "exit_indicator_unmet"
	CodeExitVerificationMissing = "exit_verification_missing"
	CodeExitAgreementMissing    = "exit_agreement_missing"
	CodeMemberUnknown           = "member_unknown"
	CodeMemberDeceased          = "member_deceased"
)

// ExitProposed records the village's proposal that the household exit,
// on the strength of a reassessment above ExitPointsAbove.
type ExitProposed struct {
	AssessmentEventID events.ID `json:"assessmentEventId"`
	TotalPoints       int       `json:"totalPoints"`
	Reason            string    `json:"reason"`
}

func (*ExitProposed) EventType() string { return TypeHouseholdExitProposed }

func (e *ExitProposed) Validate() error {
	var ps domain.Problems
	if e.AssessmentEventID.IsZero() {
		ps.Addf("assessmentEventId", CodeRequired, "is required")
	}
	requireText(&ps, "reason", e.Reason, TextRunesMax)
	return ps.Err()
}

// ExitAppraised records the village's democratic appraisal of the exit.
type ExitAppraised struct {
	Appraisal Appraisal `json:"appraisal"`
}

func (*ExitAppraised) EventType() string { return TypeHouseholdExitAppraised }

func (e *ExitAppraised) Validate() error {
	var ps domain.Problems
	e.Appraisal.check(&ps, "appraisal")
	return ps.Err()
}

// IndicatorCheck is one exit indicator as verified.
type IndicatorCheck struct {
	Indicator   string `json:"indicator"`
	Met         bool   `json:"met"`
	EvidenceRef string `json:"evidenceRef"`
}

// ExitVerified records the verification of all twelve exit indicators, met
// or not: an unmet one is a fact too, and it blocks the exit.
type ExitVerified struct {
	Indicators []IndicatorCheck `json:"indicators"`
}

func (*ExitVerified) EventType() string { return TypeHouseholdExitVerified }

func (e *ExitVerified) Validate() error {
	var ps domain.Problems
	seen := map[string]bool{}
	if len(e.Indicators) > len(ExitIndicators()) {
		ps.Addf("indicators", CodeTooMany, "has %d entries; there are %d indicators", len(e.Indicators), len(ExitIndicators()))
		return ps.Err()
	}
	for i, c := range e.Indicators {
		f := index("indicators", i)
		oneOf(&ps, f+".indicator", c.Indicator, ExitIndicators())
		if seen[c.Indicator] {
			ps.Addf(f+".indicator", CodeValueRepeated, "%q is verified twice", c.Indicator)
		}
		seen[c.Indicator] = true
		requireText(&ps, f+".evidenceRef", c.EvidenceRef, EvidenceRunesMax)
	}
	for _, ind := range ExitIndicators() {
		if !seen[ind] {
			ps.Addf("indicators", CodeExitIndicatorMissing, "%s is not verified", ind)
		}
	}
	return ps.Err()
}

// unmet lists the indicators not met.
func (e *ExitVerified) unmet() []string {
	var out []string
	for _, c := range e.Indicators {
		if !c.Met {
			out = append(out, c.Indicator)
		}
	}
	return out
}

// ExitAgreed records the household's signed agreement to its exit.
type ExitAgreed struct {
	SignedBy     domain.ResidentID `json:"signedBy"`
	SignatureRef string            `json:"signatureRef"`
}

func (*ExitAgreed) EventType() string { return TypeHouseholdExitAgreed }

func (e *ExitAgreed) Validate() error {
	var ps domain.Problems
	if e.SignedBy.IsZero() {
		ps.Addf("signedBy", CodeRequired, "is required")
	}
	requireText(&ps, "signatureRef", e.SignatureRef, EvidenceRunesMax)
	return ps.Err()
}

// Exited records the county's approval of the exit.
type Exited struct {
	DecisionRef string `json:"decisionRef"`
}

func (*Exited) EventType() string { return TypeHouseholdExited }

func (e *Exited) Validate() error {
	var ps domain.Problems
	requireText(&ps, "decisionRef", e.DecisionRef, EvidenceRunesMax)
	return ps.Err()
}

// ExitWithdrawn records that an exit procedure was abandoned (an indicator
// unmet, an objection upheld); the household is poor as before.
type ExitWithdrawn struct {
	Reason string `json:"reason"`
}

func (*ExitWithdrawn) EventType() string { return TypeHouseholdExitWithdrawn }

func (e *ExitWithdrawn) Validate() error {
	var ps domain.Problems
	requireText(&ps, "reason", e.Reason, TextRunesMax)
	return ps.Err()
}

// exit is the current exit procedure.
type exit struct {
	from         Status // the poor status the procedure began in
	proposal     *ExitProposed
	appraisal    *Appraisal
	verification *ExitVerified
	agreement    *ExitAgreed
}

// ExitVerification is the latest verification of the exit indicators.
func (s State) ExitVerification() (ExitVerified, bool) {
	if s.exit.verification == nil {
		return ExitVerified{}, false
	}
	return *s.exit.verification, true
}

func (s State) applyExit(e entry) (State, bool) {
	switch p := e.payload.(type) {
	case *ExitProposed:
		pr := *p
		s.exit = exit{from: s.status, proposal: &pr}
		s.setStatus(e, StatusExitProposed)
	case *ExitAppraised:
		a := p.Appraisal
		s.exit.appraisal = &a
	case *ExitVerified:
		v := *p
		s.exit.verification = &v
	case *ExitAgreed:
		a := *p
		s.exit.agreement = &a
	case *Exited:
		s.setStatus(e, StatusExited)
	case *ExitWithdrawn:
		from := s.exit.from
		s.exit = exit{}
		s.setStatus(e, from)
	default:
		return s.applyLifecycle(e)
	}
	return s, true
}

func isExited(st Status) bool { return slices.Contains(exitedStatuses, st) }

// ProposeExit is the village's proposal that a poor household exit.
type ProposeExit struct {
	Reason string `json:"reason"`
}

func (ProposeExit) Name() string { return "propose_exit" }

// Decide needs an enrolled or returned household whose latest assessment is
// a reassessment (assessment_missing) scoring above ExitPointsAbove
// (exit_score_too_low).
func (c ProposeExit) Decide(s State, _ time.Time) ([]events.Payload, error) {
	if err := requireStatus("propose exit", s.Status(), poorStatuses...); err != nil {
		return nil, err
	}
	a, ok := s.LatestAssessment()
	if !ok || a.Kind != KindReassessment {
		return nil, errorf(CodeAssessmentMissing, "propose exit: the household has not been reassessed")
	}
	if a.TotalPoints <= ExitPointsAbove {
		return nil, errorf(CodeExitScoreTooLow, "the %d reassessment scored %d; exit needs more than %d", a.Year, a.TotalPoints, ExitPointsAbove)
	}
	return validated(&ExitProposed{AssessmentEventID: a.EventID, TotalPoints: a.TotalPoints, Reason: c.Reason})
}

// AppraiseExit records the village's democratic appraisal of the exit.
type AppraiseExit struct {
	Appraisal Appraisal `json:"appraisal"`
}

func (AppraiseExit) Name() string { return "appraise_exit" }

// Decide needs an exit-proposed household and an appraisal that passed
// (appraisal_failed).
func (c AppraiseExit) Decide(s State, _ time.Time) ([]events.Payload, error) {
	if err := requireStatus("appraise exit", s.Status(), StatusExitProposed); err != nil {
		return nil, err
	}
	ev := &ExitAppraised{Appraisal: c.Appraisal}
	if err := ev.Validate(); err != nil {
		return nil, err
	}
	if !c.Appraisal.Passed() {
		return nil, errorf(CodeAppraisalFailed, "the appraisal voted %d for and %d against", c.Appraisal.VotesFor, c.Appraisal.VotesAgainst)
	}
	return []events.Payload{ev}, nil
}

// VerifyExit records the verification of the twelve exit indicators.
type VerifyExit struct {
	Indicators []IndicatorCheck `json:"indicators"`
}

func (VerifyExit) Name() string { return "verify_exit" }

// Decide needs a household whose exit publicity is done (publicity_open,
// objection_open, objection_upheld) and every indicator exactly once with
// evidence (exit_indicator_missing). Unmet indicators are recorded; they
// block ApproveExit.
func (c VerifyExit) Decide(s State, at time.Time) ([]events.Payload, error) {
	if err := requireStatus("verify exit", s.Status(), StatusExitPublicized); err != nil {
		return nil, err
	}
	if err := publicityDone(s, at); err != nil {
		return nil, err
	}
	return validated(&ExitVerified{Indicators: c.Indicators})
}

// SignExitAgreement records the household's signed agreement to its exit.
type SignExitAgreement struct {
	// SignedBy is the resident ID of the member who signed.
	SignedBy     string `json:"signedBy"`
	SignatureRef string `json:"signatureRef"`
}

func (SignExitAgreement) Name() string { return "sign_exit_agreement" }

// Decide needs a verification with every indicator met
// (exit_verification_missing, exit_indicator_unmet) and a living member as
// signatory (member_unknown, member_deceased).
func (c SignExitAgreement) Decide(s State, _ time.Time) ([]events.Payload, error) {
	if err := requireStatus("sign exit agreement", s.Status(), StatusExitPublicized); err != nil {
		return nil, err
	}
	if err := verifiedAllMet(s); err != nil {
		return nil, err
	}
	id, err := livingMember(s, "signedBy", c.SignedBy)
	if err != nil {
		return nil, err
	}
	return validated(&ExitAgreed{SignedBy: id, SignatureRef: c.SignatureRef})
}

func verifiedAllMet(s State) error {
	v := s.exit.verification
	if v == nil {
		return errorf(CodeExitVerificationMissing, "the exit indicators have not been verified")
	}
	if unmet := v.unmet(); len(unmet) > 0 {
		return errorf(CodeExitIndicatorUnmet, "exit needs all %d indicators met; not met: %v", len(ExitIndicators()), unmet)
	}
	return nil
}

// livingMember finds the member with the resident ID typed as raw.
func livingMember(s State, field, raw string) (domain.ResidentID, error) {
	id, err := domain.ParseResidentID(raw, time.Time{})
	if err != nil {
		var ps domain.Problems
		ps.Add(field, err)
		return domain.ResidentID{}, ps.Err()
	}
	for _, m := range s.Members() {
		if m.ResidentID != id {
			continue
		}
		if d, dead := s.deaths[id.String()]; dead {
			return id, errorf(CodeMemberDeceased, "%s died on %s", m.Name, d)
		}
		return id, nil
	}
	return id, errorf(CodeMemberUnknown, "%s is not a member of the household", id.Masked())
}

// ApproveExit is the county's approval of the exit.
type ApproveExit struct {
	DecisionRef string `json:"decisionRef"`
}

func (ApproveExit) Name() string { return "approve_exit" }

// Decide needs the exit publicity done, every indicator verified met
// (exit_verification_missing, exit_indicator_unmet) and the household's
// agreement (exit_agreement_missing).
func (c ApproveExit) Decide(s State, at time.Time) ([]events.Payload, error) {
	if err := requireStatus("approve exit", s.Status(), StatusExitPublicized); err != nil {
		return nil, err
	}
	if err := publicityDone(s, at); err != nil {
		return nil, err
	}
	if err := verifiedAllMet(s); err != nil {
		return nil, err
	}
	if s.exit.agreement == nil {
		return nil, errorf(CodeExitAgreementMissing, "the household has not signed its exit agreement")
	}
	return validated(&Exited{DecisionRef: c.DecisionRef})
}

// WithdrawExit abandons an exit procedure.
type WithdrawExit struct {
	Reason string `json:"reason"`
}

func (WithdrawExit) Name() string { return "withdraw_exit" }

// Decide needs an exit in progress (exit proposed or publicized).
func (c WithdrawExit) Decide(s State, _ time.Time) ([]events.Payload, error) {
	if err := requireStatus("withdraw exit", s.Status(), StatusExitProposed, StatusExitPublicized); err != nil {
		return nil, err
	}
	return validated(&ExitWithdrawn{Reason: c.Reason})
}
