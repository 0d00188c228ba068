package fund

import "github.com/drip-ledger/drip/domain"

// The stable codes of the rule violations this package reports. Value
// parsers' own codes (division_code_length, file_number_format …) pass
// through unchanged with the field named.
const (
	// Money rules.
	CodeInsufficientFunds    = "insufficient_funds"
	CodeHouseholdNotEligible = "household_not_eligible"
	CodeHouseholdNotAssigned = "household_not_assigned"
	CodePublicityOpen        = "publicity_open"
	CodeObjectionOpen        = "objection_open"
	CodeDuplicatePayment     = "duplicate_payment"

	// State rules.
	CodeOutsideJurisdiction   = "outside_jurisdiction"
	CodeRoleNotPermitted      = "role_not_permitted"
	CodeWrongStatus           = "wrong_status"
	CodeProjectNotFound       = "project_not_found"
	CodeProjectExists         = "project_exists"
	CodeProjectOutsidePool    = "project_outside_pool"
	CodeAppropriationExists   = "appropriation_exists"
	CodeAppropriationNotFound = "appropriation_not_found"
	// CodeCorrectionAboveRemaining: a correction would take back more of
	// an appropriation than is still in the pool.
	CodeCorrectionAboveRemaining = "correction_above_remaining"
	CodeAllocationNotFound       = "allocation_not_found"
	CodePaymentNotFound          = "payment_not_found"
	CodePaymentNotPending        = "payment_not_pending"
	CodePaymentNotSettled        = "payment_not_settled"
	CodeAlreadyAcknowledged      = "already_acknowledged"
	CodeAcknowledgedAbovePaid    = "acknowledged_above_paid"
	CodeNotAHouseholdPayment     = "not_a_household_payment"
	CodeHouseholdOutsideProject  = "household_outside_project"
	CodeAlreadyAssigned          = "already_assigned"
	CodeBankAccountMissing       = "bank_account_missing"
	CodeObjectionNotFound        = "objection_not_found"
	CodePublicityClosed          = "publicity_closed"
	CodePublicityTooShort        = "publicity_too_short"
	CodeLimit                    = "limit_exceeded"

	// Input rules, reported per field.
	CodeRequired          = "required"
	CodeTooLong           = "too_long"
	CodeValueUnknown      = "value_unknown"
	CodeAmountNotPositive = "amount_not_positive"
	CodeDrawsMismatch     = "draws_mismatch"
	CodeDrawDuplicate     = "draw_duplicate"
	CodeProjectIDFormat   = "project_id_format"
	CodeCountyFormat      = "county_format"
	CodeFiscalYearRange   = "fiscal_year_range"
	CodePeriodFormat      = "period_format"
	CodeRefFormat         = "ref_format"
	CodeAccountFormat     = "account_format"
	CodeHashFormat        = "hash_format"
	CodeTransferMismatch  = "transfer_mismatch"
	CodeVillageOutside    = "village_outside_county"
	CodeDateFormat        = "date_format"
	// CodeValueDateBeforeInstruction: a bank dates a settlement or failure
	// before the payment was instructed.
	CodeValueDateBeforeInstruction = "value_date_before_instruction"
)

func errorf(code, format string, args ...any) *domain.Error {
	return domain.Errorf(code, format, args...)
}
