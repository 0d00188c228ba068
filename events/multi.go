package events

import (
	"fmt"
	"strings"
)

// CheckAppendMulti validates the arguments of an AppendMulti as CheckAppend
// validates an Append's, and the limits of the call as a whole: 1 to
// MultiStreamsMax parts, distinct streams, and all the events within
// BatchEventsMax and BatchBytesMax. Fields are named parts[i].stream,
// parts[i].events[j].id, ....
func (r *Registry) CheckAppendMulti(parts []StreamAppend) error {
	var ps problemList
	switch {
	case len(parts) == 0:
		ps.add("parts", "no streams to append to", nil)
	case len(parts) > MultiStreamsMax:
		ps.add("parts", fmt.Sprintf("%d streams, above the limit of %d per append", len(parts), MultiStreamsMax), ErrLimit)
	}
	seen := make(map[string]int, len(parts))
	ids := map[ID]string{}
	total, bytes := 0, 0
	for i, p := range parts {
		prefix := fmt.Sprintf("parts[%d].", i)
		if j, dup := seen[p.Stream]; dup {
			ps.add(prefix+"stream", fmt.Sprintf("repeats parts[%d].stream; one part per stream", j), nil)
		}
		seen[p.Stream] = i
		if err := r.CheckAppend(p.Stream, p.Events); err != nil {
			if inv, ok := err.(*InvalidError); ok {
				for _, q := range inv.Problems {
					ps.add(prefix+q.Field, q.Reason, q.Cause)
				}
			} else {
				return err
			}
		}
		for j, ev := range p.Events {
			field := fmt.Sprintf("%sevents[%d].id", prefix, j)
			if other, dup := ids[ev.ID]; dup && !ev.ID.IsZero() && !strings.HasPrefix(other, prefix) {
				ps.add(field, "repeats "+other, nil)
			}
			ids[ev.ID] = field
			bytes += ev.Size()
		}
		total += len(p.Events)
	}
	if total > BatchEventsMax {
		ps.add("parts", fmt.Sprintf("%d events in all, above the limit of %d per append", total, BatchEventsMax), ErrLimit)
	}
	if bytes > BatchBytesMax {
		ps.add("parts", fmt.Sprintf("%d bytes in all, above the limit of %d per append", bytes, BatchBytesMax), ErrLimit)
	}
	if len(ps) == 0 {
		return nil
	}
	return &InvalidError{Problems: ps}
}

// CheckRetryMulti is CheckRetry for an AppendMulti: retry true and the
// earlier results if every part is stored where this call would have put
// it; ErrIDConflict if only some parts are (an atomic call is never half
// stored) or any part conflicts; retry false and no error for a fresh call.
func CheckRetryMulti(parts []StreamAppend, lookup Lookup) ([]AppendResult, bool, error) {
	res := make([]AppendResult, len(parts))
	stored := 0
	for i, p := range parts {
		r, retry, err := CheckRetry(p.Stream, p.Expected, p.Events, lookup)
		if err != nil {
			return nil, false, fmt.Errorf("parts[%d]: %w", i, err)
		}
		if retry {
			res[i] = r
			stored++
		}
	}
	switch stored {
	case 0:
		return nil, false, nil
	case len(parts):
		return res, true, nil
	}
	return nil, false, fmt.Errorf("%d of the %d streams of this append are already stored with its events, the others not: %w", stored, len(parts), ErrIDConflict)
}
