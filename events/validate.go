package events

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
)

// ValidStream reports why a stream name is unacceptable, or "" if it is fine.
// Names are 1..StreamBytesMax bytes of ASCII letters, digits and ".-_:";
// a leading "$" is reserved for the backends' own streams (as in KurrentDB).
func ValidStream(s string) string {
	switch {
	case s == "":
		return "is empty"
	case len(s) > StreamBytesMax:
		return fmt.Sprintf("is %d bytes, above the limit of %d", len(s), StreamBytesMax)
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		ok := c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' ||
			c == '.' || c == '-' || c == '_' || c == ':'
		if !ok {
			return fmt.Sprintf("has %q at byte %d; use letters, digits and . - _ :", c, i)
		}
	}
	return ""
}

// CheckAppend validates the arguments of an Append against the registry and
// the limits, and returns an *InvalidError naming every problem, or nil. Every
// backend calls it before writing anything, so all of them accept and refuse
// exactly the same input.
//
// It is on every append's path, so the happy path formats nothing and
// allocates nothing: field names are built only for the problems found, and
// the payload of an event sealed by this registry's Encode is not decoded
// again (see Registry.Encode for the exact rule).
func (r *Registry) CheckAppend(stream string, evs []Event) error {
	var ps problemList
	if why := ValidStream(stream); why != "" {
		var cause error
		if len(stream) > StreamBytesMax {
			cause = ErrLimit
		}
		ps.add("stream", why, cause)
	}
	switch {
	case len(evs) == 0:
		ps.add("events", "no events to append", nil)
	case len(evs) > BatchEventsMax:
		ps.add("events", fmt.Sprintf("%d events, above the limit of %d per append", len(evs), BatchEventsMax), ErrLimit)
	}
	total := 0
	var seen map[ID]int // only for batches above dupScanMax
	if len(evs) > dupScanMax {
		seen = make(map[ID]int, len(evs))
	}
	for i := range evs {
		ev := &evs[i]
		switch {
		case ev.ID.IsZero():
			ps.add(evField(i, ".id"), "is missing", nil)
		case seen != nil:
			if j, dup := seen[ev.ID]; dup {
				ps.add(evField(i, ".id"), fmt.Sprintf("repeats events[%d].id", j), nil)
			} else {
				seen[ev.ID] = i
			}
		default:
			for j := range i {
				if evs[j].ID == ev.ID {
					ps.add(evField(i, ".id"), fmt.Sprintf("repeats events[%d].id", j), nil)
					break
				}
			}
		}
		// The limit counts the stream the event goes to, whatever the field says.
		size := ev.Size() - len(ev.Stream) + len(stream)
		total += size
		if size > EventBytesMax {
			ps.add(evField(i, ""), fmt.Sprintf("is %d bytes, above the limit of %d", size, EventBytesMax), ErrLimit)
		}
		checkMeta(i, &ev.Meta, &ps)
		r.checkPayload(i, ev, &ps)
	}
	if total > BatchBytesMax {
		ps.add("events", fmt.Sprintf("%d bytes in all, above the limit of %d per append", total, BatchBytesMax), ErrLimit)
	}
	if len(ps) > 0 {
		return &InvalidError{Problems: []Problem(ps)}
	}
	return nil
}

// dupScanMax is the largest batch whose IDs CheckAppend compares pairwise
// instead of through a map: below it, the scan is cheaper than the map.
const dupScanMax = 16

// problemList collects CheckAppend's problems.
type problemList []Problem

func (ps *problemList) add(field, reason string, cause error) {
	*ps = append(*ps, Problem{Field: field, Reason: reason, Cause: cause})
}

// evField names a field of the i-th event ("events[3].meta.role"); it is
// called only when a problem is found.
func evField(i int, suffix string) string {
	return "events[" + strconv.Itoa(i) + "]" + suffix
}

func (r *Registry) checkPayload(i int, ev *Event, ps *problemList) {
	// A registered name is a well-formed one (Register checks), so the
	// regular expression runs only for names the registry does not know.
	switch {
	case r.Known(ev.Type):
	case !ValidTypeName(ev.Type):
		ps.add(evField(i, ".type"), fmt.Sprintf("%q is not a type name like area.fact.v1", ev.Type), nil)
		return
	default:
		ps.add(evField(i, ".type"), fmt.Sprintf("%q is not a registered event type", ev.Type), ErrUnknownType)
		return
	}
	switch {
	case len(ev.Data) > EventBytesMax:
		return // already reported as too large; do not decode it
	case r.sealed(ev.Type, ev.Data):
		return // validated by Encode, and unchanged since
	}
	if _, err := r.decodeCurrent(ev.Type, ev.Data); err != nil {
		var inv *InvalidError
		if errors.As(err, &inv) {
			for _, p := range inv.Problems {
				ps.add(evField(i, strings.TrimSuffix(".data."+p.Field, ".")), p.Reason, p.Cause)
			}
			return
		}
		ps.add(evField(i, ".data"), err.Error(), nil)
	}
}

// metaFieldNames are the JSON names of Metadata's string fields, in the order
// checkMeta reads them.
var metaFieldNames = [...]string{"actorId", "role", "jurisdiction", "idempotencyKey", "correlationId", "causationId"}

func checkMeta(i int, m *Metadata, ps *problemList) {
	vals := [...]string{m.ActorID, m.Role, m.Jurisdiction, m.IdempotencyKey, m.CorrelationID, m.CausationID}
	for k, v := range vals {
		switch {
		case len(v) > MetaFieldBytesMax:
			ps.add(evField(i, ".meta."+metaFieldNames[k]), fmt.Sprintf("is %d bytes, above the limit of %d", len(v), MetaFieldBytesMax), ErrLimit)
		case v == "":
		default:
			if _, why := TextProblem(v, false); why != "" {
				ps.add(evField(i, ".meta."+metaFieldNames[k]), why, nil)
			}
		}
	}
	if m.ActorID == "" {
		ps.add(evField(i, ".meta.actorId"), "is missing: every event names who caused it", nil)
	}
	if m.OccurredAt.IsZero() {
		ps.add(evField(i, ".meta.occurredAt"), "is missing: every event says when it happened", nil)
	}
	for k := 0; k < len(m.Jurisdiction); k++ {
		if c := m.Jurisdiction[k]; c < '0' || c > '9' {
			ps.add(evField(i, ".meta.jurisdiction"), fmt.Sprintf("%q is not a division-code prefix (digits only)", m.Jurisdiction), nil)
			break
		}
	}
}

// Problems is a helper for Payload.Validate implementations: collect problems
// with Add, then return Err.
type Problems []Problem

// Add records that field is wrong for reason.
func (ps *Problems) Add(field, reason string) {
	*ps = append(*ps, Problem{Field: field, Reason: reason})
}

// Addf is Add with formatting.
func (ps *Problems) Addf(field, format string, args ...any) {
	ps.Add(field, fmt.Sprintf(format, args...))
}

// Err returns nil if no problem was added, else an *InvalidError with all of
// them.
func (ps Problems) Err() error {
	if len(ps) == 0 {
		return nil
	}
	return &InvalidError{Problems: ps}
}
