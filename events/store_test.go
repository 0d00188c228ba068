package events_test

import (
	"errors"
	"fmt"
	"math"
	"testing"

	"github.com/drip-ledger/drip/events"
)

func TestExpectedCheck(t *testing.T) {
	tests := []struct {
		name     string
		expected events.Expected
		actual   uint64
		ok       bool
	}{
		{"AnyAcceptsNoStream", events.Any, 0, true},
		{"AnyAcceptsAnyVersion", events.Any, 7, true},
		{"NoStreamAcceptsNoStream", events.NoStream, 0, true},
		{"NoStreamRefusesAStream", events.NoStream, 1, false},
		{"StreamExistsAcceptsVersionOne", events.StreamExists, 1, true},
		{"StreamExistsAcceptsALaterVersion", events.StreamExists, 9, true},
		{"StreamExistsRefusesNoStream", events.StreamExists, 0, false},
		{"ExactZeroIsNoStream", events.Exact(0), 0, true},
		{"ExactAcceptsThatVersion", events.Exact(5), 5, true},
		{"ExactRefusesAnOlderVersion", events.Exact(5), 4, false},
		{"ExactRefusesANewerVersion", events.Exact(5), 6, false},
		{"ExactRefusesNoStream", events.Exact(1), 0, false},
		{"ExactLargeVersion", events.Exact(math.MaxInt64), math.MaxInt64, true},
		{"UnknownNegativeModeRefusesEverything", events.Expected(-3), 0, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.expected.Check("s-1", tt.actual)
			if tt.ok {
				if err != nil {
					t.Errorf("Check(%d) = %v; want nil", tt.actual, err)
				}
				return
			}
			if !errors.Is(err, events.ErrConcurrency) {
				t.Fatalf("Check(%d) = %v; want ErrConcurrency", tt.actual, err)
			}
			var ce *events.ConcurrencyError
			if !errors.As(err, &ce) {
				t.Fatalf("%v is not a *ConcurrencyError", err)
			}
			if want := (events.ConcurrencyError{Stream: "s-1", Expected: tt.expected, Actual: tt.actual}); *ce != want {
				t.Errorf("ConcurrencyError = %+v; want %+v", *ce, want)
			}
		})
	}
}

func TestNoStreamIsExactZero(t *testing.T) {
	if events.NoStream != events.Exact(0) {
		t.Errorf("NoStream = %d; Exact(0) = %d", events.NoStream, events.Exact(0))
	}
}

func TestExpectedString(t *testing.T) {
	tests := []struct {
		e    events.Expected
		want string
	}{
		{events.Any, "any"},
		{events.StreamExists, "stream-exists"},
		{events.NoStream, "no-stream"},
		{events.Exact(12), "12"},
	}
	for _, tt := range tests {
		if got := tt.e.String(); got != tt.want {
			t.Errorf("Expected(%d).String() = %q; want %q", int64(tt.e), got, tt.want)
		}
	}
}

func TestErrorsMatchTheirSentinels(t *testing.T) {
	inv := &events.InvalidError{Problems: []events.Problem{
		{Field: "stream", Reason: "is empty"},
		{Field: "events", Reason: "too many", Cause: events.ErrLimit},
	}}
	wrapped := fmt.Errorf("append: %w", inv)
	tests := []struct {
		name   string
		err    error
		target error
		is     bool
	}{
		{"InvalidIsErrInvalid", wrapped, events.ErrInvalid, true},
		{"InvalidWithALimitCauseIsErrLimit", wrapped, events.ErrLimit, true},
		{"InvalidWithoutThatCauseIsNotErrUnknownType", wrapped, events.ErrUnknownType, false},
		{"InvalidIsNotErrConcurrency", wrapped, events.ErrConcurrency, false},
		{"ProblemsWithoutCausesAreNotErrLimit", &events.InvalidError{Problems: []events.Problem{{Field: "a", Reason: "b"}}}, events.ErrLimit, false},
		{"ConcurrencyIsErrConcurrency", fmt.Errorf("x: %w", &events.ConcurrencyError{}), events.ErrConcurrency, true},
		{"ConcurrencyIsNotErrInvalid", &events.ConcurrencyError{}, events.ErrInvalid, false},
		{"CorruptIsErrCorrupt", fmt.Errorf("x: %w", &events.CorruptError{}), events.ErrCorrupt, true},
		{"CorruptIsNotErrClosed", &events.CorruptError{}, events.ErrClosed, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := errors.Is(tt.err, tt.target); got != tt.is {
				t.Errorf("errors.Is(%v, %v) = %v; want %v", tt.err, tt.target, got, tt.is)
			}
		})
	}
}

func TestErrorMessagesNameTheDetails(t *testing.T) {
	tests := []struct {
		err  error
		want string
	}{
		{&events.InvalidError{Problems: []events.Problem{{Field: "stream", Reason: "is empty"}, {Field: "events[0].id", Reason: "is missing"}}},
			"events: invalid input: stream: is empty; events[0].id: is missing"},
		{&events.ConcurrencyError{Stream: "s-1", Expected: events.NoStream, Actual: 3},
			`events: stream "s-1": expected version no-stream, actual 3`},
		{&events.CorruptError{File: "seg-1", Offset: 4096, Position: 17, Reason: "bad checksum"},
			"events: damaged data in seg-1 at offset 4096 (position 17): bad checksum"},
	}
	for _, tt := range tests {
		if got := tt.err.Error(); got != tt.want {
			t.Errorf("Error() = %q; want %q", got, tt.want)
		}
	}
}
