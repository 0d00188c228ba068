package domain

import (
	"fmt"
	"time"
)

// Business time (when a thing happened, sent by the caller: heldAt,
// visitedAt, valueDate...) is kept beside recorded time (the store's clock,
// Request.At), but only recorded time is an authority: a caller could
// otherwise date a fact into the future or into a past nobody can check.
// TimeBounds is how far a business time may stray from the recorded time.
const (
	// BusinessSkewMaxDefault tolerates clocks a little ahead of the
	// store's (a phone, a laptop in a village office).
	BusinessSkewMaxDefault = 10 * time.Minute
	// BusinessLagMaxDefault is how old a fact may be when it is entered
	// without an explicit backfill: a month covers paper forms brought to
	// the township at the next monthly meeting.
	BusinessLagMaxDefault = 31 * 24 * time.Hour
)

// TimeBounds bounds a business time against the recorded time. The zero
// value means the defaults.
type TimeBounds struct {
	// SkewMax is how far a business time may lie after the recorded time.
	SkewMax time.Duration
	// LagMax is how far a business time may lie before the recorded time
	// unless the request is an explicit backfill of older paper records.
	LagMax time.Duration
}

// DefaultTimeBounds returns the default bounds.
func DefaultTimeBounds() TimeBounds {
	return TimeBounds{SkewMax: BusinessSkewMaxDefault, LagMax: BusinessLagMaxDefault}
}

// Codes of TimeBounds.Check.
const (
	CodeTimeInFuture     = "time_in_future"
	CodeBackfillRequired = "backfill_required"
	// CodeTimeOrder: a fact would come before one it follows
	// (settled >= instructed >= allocated >= appropriated; an appraisal
	// after the survey).
	CodeTimeOrder = "time_order"
)

// Check returns nil if business may be recorded at recorded, or an *Error
// whose message names field (its Field is left empty, so that
// Problems.Add(field, err) names it once): time_in_future if business lies more than SkewMax after
// recorded (refused even in a backfill: nobody enters tomorrow's paper), and
// backfill_required if it lies more than LagMax before recorded and backfill
// is false. A zero business time is not checked: whether a time is required
// is the command's own rule.
func (b TimeBounds) Check(field string, business, recorded time.Time, backfill bool) error {
	if business.IsZero() {
		return nil
	}
	b = b.withDefaults()
	if business.After(recorded.Add(b.SkewMax)) {
		return &Error{Code: CodeTimeInFuture, Message: fmt.Sprintf(
			"%s is %s, after the recorded time %s by more than %s",
			field, business.UTC().Format(time.RFC3339), recorded.UTC().Format(time.RFC3339), b.SkewMax)}
	}
	if !backfill && business.Before(recorded.Add(-b.LagMax)) {
		return &Error{Code: CodeBackfillRequired, Message: fmt.Sprintf(
			"%s is %s, more than %s before the recorded time %s: entering older records needs an explicit backfill",
			field, business.UTC().Format(time.RFC3339), b.LagMax, recorded.UTC().Format(time.RFC3339))}
	}
	return nil
}

func (b TimeBounds) withDefaults() TimeBounds {
	if b.SkewMax <= 0 {
		b.SkewMax = BusinessSkewMaxDefault
	}
	if b.LagMax <= 0 {
		b.LagMax = BusinessLagMaxDefault
	}
	return b
}

// CodeBackfillNotPermitted is the code of a backfill asked for without the
// permission. Backfill is a separate permission from a role's commands
// (entering older paper records bypasses the lag bound): the API grants it
// per user in the token (its "bf" claim, issued for the weeks an archive is
// being entered), and a request asks for it explicitly (the header
// Drip-Backfill: true); the event records it (events.Metadata.Backfill) and
// the audit lists it as a red flag.
const CodeBackfillNotPermitted = "backfill_not_permitted"

// Bounds of the bounds: a skew above an hour is no longer a clock's drift,
// and a lag of more than a year without a backfill would make the backfill
// permission meaningless.
const (
	BusinessSkewMaxMax = time.Hour
	BusinessLagMaxMin  = 24 * time.Hour
	BusinessLagMaxMax  = 366 * 24 * time.Hour
)

// Validate reports every bound outside its range (zero means the default).
func (b TimeBounds) Validate() error {
	var ps Problems
	if b.SkewMax < 0 || b.SkewMax > BusinessSkewMaxMax {
		ps.Addf("skewMax", "out_of_range", "%s is outside 0..%s", b.SkewMax, BusinessSkewMaxMax)
	}
	if b.LagMax != 0 && (b.LagMax < BusinessLagMaxMin || b.LagMax > BusinessLagMaxMax) {
		ps.Addf("lagMax", "out_of_range", "%s is outside %s..%s", b.LagMax, BusinessLagMaxMin, BusinessLagMaxMax)
	}
	return ps.Err()
}
