package domain

import (
	"errors"
	"fmt"
	"strings"

	"github.com/drip-ledger/drip/events"
)

// Error is a broken rule that a user sees: a stable Code for programs (API
// clients, tests, translations; snake_case, never reworded once published)
// and a Message for people. Field names the input at fault
// ("members[2].residentId") when the error is one of several found in one
// input; a value parser leaves it empty and its caller names the field.
type Error struct {
	Code    string `json:"code"`
	Field   string `json:"field,omitempty"`
	Message string `json:"message"`
}

// Errorf returns an *Error with code and a formatted message.
func Errorf(code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

func (e *Error) Error() string {
	if e.Field != "" {
		return e.Field + ": " + e.Message + " (" + e.Code + ")"
	}
	return e.Message + " (" + e.Code + ")"
}

// Problems collects every rule one input breaks, so that the caller can fix
// them all at once. Collect with Add or Addf and return Err.
//
// It reuses the log's shape: Err returns an *events.InvalidError (so
// errors.Is(err, events.ErrInvalid) holds and an event payload's Validate can
// return it as is), and each events.Problem carries its *Error, with the code,
// as Cause. Codes reads the codes back.
type Problems []events.Problem

// Add records err against field. An *Error keeps its code; an
// *events.InvalidError (from a nested check) is flattened, each of its
// problems' fields prefixed with field; any other error is recorded with the
// code "invalid".
func (ps *Problems) Add(field string, err error) {
	var inv *events.InvalidError
	if errors.As(err, &inv) {
		for _, p := range inv.Problems {
			var de *Error
			if errors.As(p.Cause, &de) {
				c := *de
				c.Field = joinField(field, de.Field)
				*ps = append(*ps, events.Problem{Field: c.Field, Reason: c.Message, Cause: &c})
				continue
			}
			*ps = append(*ps, events.Problem{Field: joinField(field, p.Field), Reason: p.Reason, Cause: p.Cause})
		}
		return
	}
	var de *Error
	if !errors.As(err, &de) {
		de = &Error{Code: CodeInvalid, Message: err.Error()}
	}
	c := *de
	c.Field = joinField(field, de.Field)
	*ps = append(*ps, events.Problem{Field: c.Field, Reason: c.Message, Cause: &c})
}

// Addf records a new *Error with code against field.
func (ps *Problems) Addf(field, code, format string, args ...any) {
	ps.Add(field, Errorf(code, format, args...))
}

// Err returns nil if nothing was added, else an *events.InvalidError naming
// every problem.
func (ps Problems) Err() error {
	if len(ps) == 0 {
		return nil
	}
	return &events.InvalidError{Problems: append([]events.Problem(nil), ps...)}
}

// CodeInvalid is the code of a problem that came without one.
const CodeInvalid = "invalid"

// Codes returns the stable codes an error carries, in order: one for an
// *Error, one per problem for an *events.InvalidError (CodeInvalid where a
// problem has none), nil for nil or any other error.
func Codes(err error) []string {
	var inv *events.InvalidError
	if errors.As(err, &inv) {
		codes := make([]string, len(inv.Problems))
		for i, p := range inv.Problems {
			codes[i] = CodeInvalid
			var de *Error
			if errors.As(p.Cause, &de) {
				codes[i] = de.Code
			}
		}
		return codes
	}
	var de *Error
	if errors.As(err, &de) {
		return []string{de.Code}
	}
	return nil
}

// joinField joins a parent field path and a child one: "members[2]" and
// "residentId" give "members[2].residentId"; an index child is appended
// without a dot.
func joinField(parent, child string) string {
	switch {
	case parent == "":
		return child
	case child == "":
		return parent
	case strings.HasPrefix(child, "["):
		return parent + child
	}
	return parent + "." + child
}
