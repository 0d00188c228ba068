package events

import "fmt"

// Lookup finds a stored event by ID; backends pass their ID index to
// CheckRetry through it.
type Lookup func(ID) (stored Event, found bool, err error)

// CheckRetry implements the idempotent-retry rule of Store.Append for every
// backend. Called under the backend's write lock, after CheckAppend and before
// the expected-version check, it returns:
//   - retry true and the earlier result, if every event is already stored at
//     the places this append would have given it, with the same content;
//   - ErrIDConflict, if any event's ID is stored elsewhere or with other
//     content;
//   - retry false and no error, if none of the IDs is stored: a fresh append.
func CheckRetry(stream string, expected Expected, evs []Event, lookup Lookup) (AppendResult, bool, error) {
	var prev, first Event
	found := 0
	for i, ev := range evs {
		stored, ok, err := lookup(ev.ID)
		if err != nil {
			return AppendResult{}, false, err
		}
		if !ok {
			if found > 0 {
				return AppendResult{}, false, idConflict(ev.ID, "part of this batch is already stored, part is not")
			}
			continue
		}
		if found != i {
			return AppendResult{}, false, idConflict(ev.ID, fmt.Sprintf("already stored in stream %q at version %d", stored.Stream, stored.Version))
		}
		found++
		switch {
		case stored.Stream != stream:
			return AppendResult{}, false, idConflict(ev.ID, fmt.Sprintf("already stored in stream %q", stored.Stream))
		case i > 0 && stored.Version != prev.Version+1:
			return AppendResult{}, false, idConflict(ev.ID, fmt.Sprintf("already stored at version %d", stored.Version))
		case i == 0 && expected >= 0 && stored.Version != uint64(expected)+1:
			return AppendResult{}, false, idConflict(ev.ID, fmt.Sprintf("already stored at version %d, not after expected version %d", stored.Version, expected))
		case !SameContent(stored, ev):
			return AppendResult{}, false, idConflict(ev.ID, "already stored with different content")
		}
		if i == 0 {
			first = stored
		}
		prev = stored
	}
	if found == 0 {
		return AppendResult{}, false, nil
	}
	return AppendResult{Version: prev.Version, Position: prev.Position, First: first.Position}, true, nil
}

func idConflict(id ID, why string) error {
	return fmt.Errorf("event %s %s: %w", id, why, ErrIDConflict)
}
