package domain

import (
	"fmt"
	"time"
)

// TimeBounds bound a business time (when a caller says a thing happened)
// against the recorded time (the store's clock when the command is
// decided): never in the future beyond SkewMax, the clocks' allowed
// disagreement, and never older than LagMax unless the request is an
// explicit backfill of older paper records.
type TimeBounds struct{ SkewMax, LagMax time.Duration }

// Defaults of TimeBounds.
const (
	SkewMaxDefault = 10 * time.Minute
	LagMaxDefault  = 31 * 24 * time.Hour
)

// DefaultTimeBounds are SkewMaxDefault and LagMaxDefault.
func DefaultTimeBounds() TimeBounds {
	return TimeBounds{SkewMax: SkewMaxDefault, LagMax: LagMaxDefault}
}

// Codes of Check's errors.
const (
	CodeTimeInFuture     = "time_in_future"
	CodeBackfillRequired = "backfill_required"
	// CodeTimeOrder: a fact would come before one it follows
	// (settled >= instructed >= allocated >= appropriated).
	CodeTimeOrder = "time_order"
)

// Check returns a *Error for field: time_in_future if business is after
// recorded+SkewMax (always refused, even in a backfill), backfill_required
// if business is before recorded-LagMax and backfill is false.
func (b TimeBounds) Check(field string, business, recorded time.Time, backfill bool) error {
	if business.After(recorded.Add(b.SkewMax)) {
		return &Error{Code: CodeTimeInFuture, Field: field,
			Message: fmt.Sprintf("%s is after the recorded time %s (allowed skew %s)", business.Format(time.RFC3339), recorded.Format(time.RFC3339), b.SkewMax)}
	}
	if !backfill && business.Before(recorded.Add(-b.LagMax)) {
		return &Error{Code: CodeBackfillRequired, Field: field,
			Message: fmt.Sprintf("%s is more than %s before the recorded time %s: older records are entered as a backfill", business.Format(time.RFC3339), b.LagMax, recorded.Format(time.RFC3339))}
	}
	return nil
}
