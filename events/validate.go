package events

import (
	"errors"
	"fmt"
	"unicode/utf8"
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
func (r *Registry) CheckAppend(stream string, evs []Event) error {
	var ps []Problem
	add := func(field, reason string, cause error) {
		ps = append(ps, Problem{Field: field, Reason: reason, Cause: cause})
	}
	if why := ValidStream(stream); why != "" {
		var cause error
		if len(stream) > StreamBytesMax {
			cause = ErrLimit
		}
		add("stream", why, cause)
	}
	switch {
	case len(evs) == 0:
		add("events", "no events to append", nil)
	case len(evs) > BatchEventsMax:
		add("events", fmt.Sprintf("%d events, above the limit of %d per append", len(evs), BatchEventsMax), ErrLimit)
	}
	total := 0
	seen := make(map[ID]int, len(evs))
	for i, ev := range evs {
		f := fmt.Sprintf("events[%d]", i)
		if ev.ID.IsZero() {
			add(f+".id", "is missing", nil)
		} else if j, dup := seen[ev.ID]; dup {
			add(f+".id", fmt.Sprintf("repeats events[%d].id", j), nil)
		} else {
			seen[ev.ID] = i
		}
		ev.Stream = stream // the limit counts the stream the event goes to, whatever the field says
		size := ev.Size()
		total += size
		if size > EventBytesMax {
			add(f, fmt.Sprintf("is %d bytes, above the limit of %d", size, EventBytesMax), ErrLimit)
		}
		r.checkMeta(f+".meta", ev.Meta, add)
		r.checkPayload(f, ev, add)
	}
	if total > BatchBytesMax {
		add("events", fmt.Sprintf("%d bytes in all, above the limit of %d per append", total, BatchBytesMax), ErrLimit)
	}
	if len(ps) > 0 {
		return &InvalidError{Problems: ps}
	}
	return nil
}

func (r *Registry) checkPayload(f string, ev Event, add func(string, string, error)) {
	switch {
	case !ValidTypeName(ev.Type):
		add(f+".type", fmt.Sprintf("%q is not a type name like area.fact.v1", ev.Type), nil)
		return
	case !r.Known(ev.Type):
		add(f+".type", fmt.Sprintf("%q is not a registered event type", ev.Type), ErrUnknownType)
		return
	case len(ev.Data) > EventBytesMax:
		return // already reported as too large; do not decode it
	}
	if _, err := r.decodeCurrent(ev.Type, ev.Data); err != nil {
		var inv *InvalidError
		if errors.As(err, &inv) {
			for _, p := range inv.Problems {
				add(f+".data."+p.Field, p.Reason, p.Cause)
			}
			return
		}
		add(f+".data", err.Error(), nil)
	}
}

func (r *Registry) checkMeta(f string, m Metadata, add func(string, string, error)) {
	fields := []struct{ name, v string }{
		{"actorId", m.ActorID}, {"role", m.Role}, {"jurisdiction", m.Jurisdiction},
		{"idempotencyKey", m.IdempotencyKey}, {"correlationId", m.CorrelationID}, {"causationId", m.CausationID},
	}
	for _, fl := range fields {
		switch {
		case len(fl.v) > MetaFieldBytesMax:
			add(f+"."+fl.name, fmt.Sprintf("is %d bytes, above the limit of %d", len(fl.v), MetaFieldBytesMax), ErrLimit)
		case !utf8.ValidString(fl.v):
			add(f+"."+fl.name, "is not valid UTF-8", nil)
		}
	}
	if m.ActorID == "" {
		add(f+".actorId", "is missing: every event names who caused it", nil)
	}
	if m.OccurredAt.IsZero() {
		add(f+".occurredAt", "is missing: every event says when it happened", nil)
	}
	for i := 0; i < len(m.Jurisdiction); i++ {
		if c := m.Jurisdiction[i]; c < '0' || c > '9' {
			add(f+".jurisdiction", fmt.Sprintf("%q is not a division-code prefix (digits only)", m.Jurisdiction), nil)
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
