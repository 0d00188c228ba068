package complaint

// The stable codes of the rule violations this package reports (besides the
// value parsers' own codes, such as division_code_length or
// file_number_format, which pass through unchanged with the field named).
const (
	// State rules.
	CodeNotFound            = "complaint_not_found"
	CodeExists              = "complaint_exists"
	CodeWrongStatus         = "wrong_status"
	CodeAppealsExhausted    = "appeals_exhausted"
	CodeAlreadyAssigned     = "already_assigned"
	CodeBeforeReceived      = "before_received"
	CodeOutsideJurisdiction = "outside_jurisdiction"
	CodeRoleNotPermitted    = "role_not_permitted"

	// Input rules, reported per field.
	CodeIDFormat                 = "complaint_id_format"
	CodeAtRequired               = "at_required"
	CodeChannelUnknown           = "channel_unknown"
	CodeChannelReserved          = "channel_reserved"
	CodeCategoryUnknown          = "category_unknown"
	CodeSubjectKindUnknown       = "subject_kind_unknown"
	CodeSubjectRefInvalid        = "subject_ref_invalid"
	CodeSubjectOutsideDivision   = "subject_outside_division"
	CodeComplainantKindUnknown   = "complainant_kind_unknown"
	CodeComplainantKindReserved  = "complainant_kind_reserved"
	CodeNameRequired             = "name_required"
	CodePhoneRequired            = "phone_required"
	CodePhoneInvalid             = "phone_invalid"
	CodeAnonymousPersonalField   = "anonymous_personal_field"
	CodeTextRequired             = "text_required"
	CodeTextTooLong              = "text_too_long"
	CodeSystemComplaintShape     = "system_complaint_shape"
	CodeNoShortfall              = "no_shortfall"
	CodeEventIDRequired          = "event_id_required"
	CodeAssigneeRequired         = "assignee_required"
	CodeOutcomeUnknown           = "outcome_unknown"
	CodeUpheldWithoutCorrection  = "upheld_without_correction"
	CodeCorrectionWithoutUpheld  = "correction_without_upheld"
	CodeCorrectiveEventDuplicate = "corrective_event_duplicate"
	CodeCorrectiveEventsTooMany  = "corrective_events_too_many"
	CodeReasonRequired           = "reason_required"
	CodeReplyRequired            = "reply_required"
	CodeReplyMethodUnknown       = "reply_method_unknown"
	CodeReplyMethodRequired      = "reply_method_required"
	CodeDueDatesInvalid          = "due_dates_invalid"
	CodeDeadlineOutOfRange       = "deadline_out_of_range"
	CodeHolidayDate              = "holiday_date"
	CodeHolidaysTooMany          = "holidays_too_many"
)
