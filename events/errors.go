package events

import (
	"errors"
	"fmt"
	"strings"
)

// Sentinel errors. Callers branch on them with errors.Is; backends wrap them
// with detail (typed errors below) but never return a different error for
// the same condition.
var (
	// ErrConcurrency is returned by Append when the stream's version is not
	// what the caller expected: someone else appended first (or the stream
	// does not exist where StreamExists was expected, or exists where
	// NoStream was). Nothing was written. The caller reloads the stream,
	// decides again and retries with the new version, a bounded number of
	// times. The concrete error is a *ConcurrencyError.
	ErrConcurrency = errors.New("events: wrong expected version")

	// ErrStreamNotFound is returned by ReadStream when the stream has no
	// events at all. A read past the end of an existing stream is not an
	// error: it returns no events.
	ErrStreamNotFound = errors.New("events: stream not found")

	// ErrIDConflict is returned by Append when an event ID is already in the
	// log with different content or at a different place (another stream or
	// version). A retry of the same append with the same IDs and content is
	// not a conflict: it returns the earlier result.
	ErrIDConflict = errors.New("events: event id already used for a different event")

	// ErrInvalid is returned by Append when an event or its arguments are
	// malformed: an empty or badly formed stream name, a missing ID, a
	// malformed type name, a payload that is not a JSON object or fails its
	// type's validation. The concrete error is an *InvalidError listing every
	// problem at once. Nothing was written.
	ErrInvalid = errors.New("events: invalid input")

	// ErrUnknownType is returned (inside an *InvalidError on Append) when an
	// event's type is not in the store's Registry, and by Registry.Decode when
	// a stored type has neither a payload nor an upcaster.
	ErrUnknownType = errors.New("events: unknown event type")

	// ErrLimit is returned (inside an *InvalidError) when an input exceeds one
	// of the limits in limits.go.
	ErrLimit = errors.New("events: limit exceeded")

	// ErrCorrupt is returned when stored data fails its checksum or cannot be
	// decoded. The concrete error is a *CorruptError naming the file (or
	// table) and the offset or position. A store that meets it refuses to
	// guess: it reports, it does not skip or truncate acknowledged data.
	ErrCorrupt = errors.New("events: stored data is damaged")

	// ErrClosed is returned by every method called after Close.
	ErrClosed = errors.New("events: store closed")
)

// ConcurrencyError details ErrConcurrency.
type ConcurrencyError struct {
	Stream   string
	Expected Expected
	// Actual is the stream's version when the append was refused (0: no
	// stream).
	Actual uint64
}

func (e *ConcurrencyError) Error() string {
	return fmt.Sprintf("events: stream %q: expected version %s, actual %d", e.Stream, e.Expected, e.Actual)
}

// Is makes errors.Is(err, ErrConcurrency) true.
func (e *ConcurrencyError) Is(target error) bool { return target == ErrConcurrency }

// Problem is one thing wrong with an input, named by its field path
// ("events[2].type", "stream").
type Problem struct {
	Field  string `json:"field"`
	Reason string `json:"reason"`
	// Cause is ErrLimit or ErrUnknownType where one applies.
	Cause error `json:"-"`
}

// InvalidError details ErrInvalid with every problem found, not just the
// first, so a caller can fix them all at once.
type InvalidError struct {
	Problems []Problem
}

func (e *InvalidError) Error() string {
	parts := make([]string, len(e.Problems))
	for i, p := range e.Problems {
		parts[i] = p.Field + ": " + p.Reason
	}
	return "events: invalid input: " + strings.Join(parts, "; ")
}

// Is makes errors.Is true for ErrInvalid, and for ErrLimit or ErrUnknownType
// when any problem has that cause.
func (e *InvalidError) Is(target error) bool {
	if target == ErrInvalid {
		return true
	}
	for _, p := range e.Problems {
		if p.Cause != nil && p.Cause == target {
			return true
		}
	}
	return false
}

// CorruptError details ErrCorrupt.
type CorruptError struct {
	// File is the damaged file's path, or a table name for a database.
	File string
	// Offset is the byte offset of the damaged record in File, or -1.
	Offset int64
	// Position is the global position of the damaged event, or 0 if unknown.
	Position uint64
	Reason   string
}

func (e *CorruptError) Error() string {
	return fmt.Sprintf("events: damaged data in %s at offset %d (position %d): %s", e.File, e.Offset, e.Position, e.Reason)
}

// Is makes errors.Is(err, ErrCorrupt) true.
func (e *CorruptError) Is(target error) bool { return target == ErrCorrupt }
