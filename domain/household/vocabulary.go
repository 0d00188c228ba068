package household

import (
	"slices"
	"strings"

	"github.com/drip-ledger/drip/domain"
)

// Status is where a household stands in the file (DOMAIN.md §6).
type Status string

// The statuses. StatusRegistered (on file, not yet surveyed) precedes the
// domain's list, which starts at surveyed: registration records who the
// household is before anyone scores it.
const (
	StatusNone           Status = "" // the stream does not exist
	StatusRegistered     Status = "registered"
	StatusSurveyed       Status = "surveyed"
	StatusProposed       Status = "proposed"
	StatusPublicized     Status = "publicized"
	StatusEnrolled       Status = "enrolled"
	StatusRejected       Status = "rejected"
	StatusExitProposed   Status = "exit_proposed"
	StatusExitPublicized Status = "exit_publicized"
	StatusExited         Status = "exited"
	StatusMonitored      Status = "monitored"
	StatusReturned       Status = "returned"
	StatusRemoved        Status = "removed"
)

// Groups of statuses that rules share.
var (
	// poorStatuses are the households counted as poor and helped.
	poorStatuses = []Status{StatusEnrolled, StatusReturned}
	// helpedStatuses may be assigned cadres, measures and visits: help goes
	// on during exit and, by policy, for a while after it.
	helpedStatuses = []Status{StatusEnrolled, StatusReturned, StatusExitProposed, StatusExitPublicized,
		StatusExited, StatusMonitored}
	// exitedStatuses are out of poverty, tracked or not.
	exitedStatuses = []Status{StatusExited, StatusMonitored}
	// liveStatuses are every status of an existing, not removed household.
	liveStatuses = []Status{StatusRegistered, StatusSurveyed, StatusProposed, StatusPublicized,
		StatusEnrolled, StatusRejected, StatusExitProposed, StatusExitPublicized, StatusExited,
		StatusMonitored, StatusReturned}
)

// Causes of poverty (DOMAIN.md §3): the fixed list a main cause and others
// are chosen from.
const (
	CauseIllness    = "illness"
	CauseDisability = "disability"
	CauseEducation  = "education_costs"
	CauseDisaster   = "disaster"
	CauseLand       = "lack_of_land"
	CauseWater      = "lack_of_water"
	CauseSkills     = "lack_of_skills"
	CauseLabour     = "lack_of_labour"
	CauseCapital    = "lack_of_capital"
	CauseTransport  = "poor_transport"
	CauseMarriage   = "marriage_costs"
	CauseMotivation = "lack_of_motivation"
)

// Causes lists every cause of poverty.
func Causes() []string {
	return []string{CauseIllness, CauseDisability, CauseEducation, CauseDisaster, CauseLand, CauseWater,
		CauseSkills, CauseLabour, CauseCapital, CauseTransport, CauseMarriage, CauseMotivation}
}

// Members' attributes. Each list is closed: a value outside it is refused
// with CodeValueUnknown, so read models can count by them.
var (
	relations = []string{"head", "spouse", "child", "child_in_law", "grandchild", "parent",
		"parent_in_law", "grandparent", "sibling", "other"}
	educations = []string{"preschool", "illiterate", "primary", "junior_middle", "senior_middle",
		"vocational", "college"}
	healths       = []string{"healthy", "chronic_illness", "serious_illness", "disabled"}
	labourAbility = []string{LabourFull, LabourPartial, LabourNone}
	schoolings    = []string{"not_in_school", "preschool", "primary", "junior_middle", "senior_middle",
		"vocational", "college", "dropped_out"}
)

// Labour abilities.
const (
	LabourFull    = "full"
	LabourPartial = "partial"
	LabourNone    = "none"
)

// RelationHead is the head's relation to the head.
const RelationHead = "head"

// Codes of the errors this package returns besides those of package domain
// (resident_id_*, poverty_line_unknown). They are stable: API clients and
// translations key on them.
const (
	CodeRequired            = "required"
	CodeTooLong             = "too_long"
	CodeTooMany             = "too_many"
	CodeValueUnknown        = "value_unknown"
	CodeValueRepeated       = "value_repeated"
	CodeNegative            = "negative"
	CodeDateInvalid         = "date_invalid"
	CodeHouseholdExists     = "household_exists"
	CodeHouseholdUnknown    = "household_unknown"
	CodeWrongStatus         = "wrong_status"
	CodeOutsideJurisdiction = "outside_jurisdiction"
	CodeVillageMismatch     = "village_mismatch"
	CodeBirthDateMismatch   = "birth_date_mismatch"
	CodeSexMismatch         = "sex_mismatch"
	CodeResidentIDDuplicate = "resident_id_duplicate"
	CodeAccountNumber       = "account_number_invalid"
	CodeAccountHolder       = "account_holder_not_member"
	CodeScoreInvalid        = "score_invalid"
	CodeAssessmentMissing   = "assessment_missing"
	CodeAppraisalFailed     = "appraisal_failed"
	CodeAppraisalMissing    = "appraisal_missing"
	CodePublicityTooShort   = "publicity_too_short"
	CodePublicityOpen       = "publicity_open"
	CodePublicityClosed     = "publicity_closed"
	CodeObjectionOpen       = "objection_open"
	CodeObjectionUpheld     = "objection_upheld"
	CodeObjectionUnknown    = "objection_unknown"
	CodeObjectionResolved   = "objection_resolved"
	CodeReviewMissing       = "review_missing"
	CodeNotPoor             = "not_poor"
)

// statusError is the error of a command issued in the wrong status: it
// names the current status and the ones the command needs.
func statusError(command string, current Status, required []Status) error {
	if current == StatusNone {
		return errorf(CodeHouseholdUnknown, "%s: no household is registered under this file number", command)
	}
	names := make([]string, len(required))
	for i, r := range required {
		names[i] = string(r)
	}
	return errorf(CodeWrongStatus, "%s: the household is %s; it must be %s", command, current, strings.Join(names, " or "))
}

// requireStatus returns a statusError unless s is one of allowed.
func requireStatus(command string, s Status, allowed ...Status) error {
	if slices.Contains(allowed, s) {
		return nil
	}
	return statusError(command, s, allowed)
}

func errorf(code, format string, args ...any) error {
	return domain.Errorf(code, format, args...)
}
