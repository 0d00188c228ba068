package events

import (
	"context"
	"fmt"
	"strconv"
	"strings"
)

// Importer is implemented by a Store that can take events with the places
// and times another store gave them, so that a log copied from one engine to
// another is the same log: the same positions, versions and recorded times,
// and so the same Merkle root (a migration, see events/migrate). Append
// cannot do that: the store assigns positions, versions and RecordedAt
// itself.
//
// It is an optional interface, like io.WriterTo: a caller checks for it with
// a type assertion.
type Importer interface {
	// Import writes evs, in order, at exactly the places they name. They
	// must continue the log: evs[0].Position is the head + 1 and positions
	// follow one another without gaps; each event's Version is its stream's
	// version + 1 at that point. Each event is validated as Append
	// validates it (type registered, payload, metadata, limits), and its
	// RecordedAt is kept (normalised by RecordedTime).
	//
	// evs may be up to ImportEventsMax events. Consecutive events of one
	// stream are written together, in appends of at most BatchEventsMax
	// events and BatchBytesMax bytes (see ImportRuns); an Import is not
	// atomic as a whole, but each of those appends is, so after an error
	// the log ends at an append boundary, the head says where, and a new
	// Import can go on from there. Imported events are durable, as appended
	// ones are, when Import returns nil.
	//
	// It returns an *InvalidError (ErrInvalid) for an event that Append
	// would refuse or whose place does not continue the log, naming every
	// problem at once; nothing is written then. It returns ErrIDConflict
	// for an ID already in the log. Import must not run concurrently with
	// Append or another Import on the same store: it is for filling a store
	// nobody else writes to yet.
	Import(ctx context.Context, evs []Event) error
}

// ImportEventsMax bounds the events of one Import, so that a migration
// holds a bounded number of events in memory at once.
const ImportEventsMax = ReadEventsMax

// ImportRuns splits evs into the appends an Importer writes them in:
// consecutive events of one stream with the same RecordedAt (as RecordedTime
// has it), each run at most BatchEventsMax events and BatchBytesMax bytes.
// A store that stamps one time per append can write each run as one append.
func ImportRuns(evs []Event) [][]Event {
	var runs [][]Event
	start, bytes := 0, 0
	for i, ev := range evs {
		size := ev.Size()
		if i > start {
			prev := evs[i-1]
			if ev.Stream != prev.Stream || !RecordedTime(ev.RecordedAt).Equal(RecordedTime(prev.RecordedAt)) ||
				i-start >= BatchEventsMax || bytes+size > BatchBytesMax {
				runs = append(runs, evs[start:i])
				start, bytes = i, 0
			}
		}
		bytes += size
	}
	if start < len(evs) {
		runs = append(runs, evs[start:])
	}
	return runs
}

// CheckImport checks what an Importer is given, before it writes anything:
// the number of events, that positions follow head without a gap, that each
// run's versions are consecutive, and each run as Append would (Registry.
// CheckAppend). It returns an *InvalidError naming every problem, or nil.
// Whether each run's first version follows its stream's version is for the
// store to check when it writes.
func (r *Registry) CheckImport(head uint64, evs []Event) error {
	var ps Problems
	if len(evs) == 0 || len(evs) > ImportEventsMax {
		ps = append(ps, Problem{Field: "events", Reason: fmt.Sprintf("%d events, want 1..%d", len(evs), ImportEventsMax), Cause: ErrLimit})
		return ps.Err()
	}
	at := 0
	for _, run := range ImportRuns(evs) {
		for i, ev := range run {
			f := fmt.Sprintf("events[%d]", at+i)
			if want := head + uint64(at+i) + 1; ev.Position != want {
				ps.Addf(f+".position", "is %d, want %d: an import continues the log without gaps", ev.Position, want)
			}
			if i > 0 && ev.Version != run[i-1].Version+1 {
				ps.Addf(f+".version", "is %d after version %d of stream %q", ev.Version, run[i-1].Version, ev.Stream)
			}
			if ev.Version == 0 {
				ps.Add(f+".version", "is 0; versions start at 1")
			}
		}
		if err := r.CheckAppend(run[0].Stream, run); err != nil {
			if inv, ok := err.(*InvalidError); ok {
				for _, p := range inv.Problems {
					p.Field = shiftField(p.Field, at)
					ps = append(ps, p)
				}
			} else {
				return err
			}
		}
		at += len(run)
	}
	return ps.Err()
}

// shiftField renumbers CheckAppend's "events[i]…" fields of a run that
// starts at index at of the import.
func shiftField(field string, at int) string {
	rest, ok := strings.CutPrefix(field, "events[")
	end := strings.IndexByte(rest, ']')
	if !ok || end < 0 {
		return field
	}
	i, err := strconv.Atoi(rest[:end])
	if err != nil {
		return field
	}
	return "events[" + strconv.Itoa(at+i) + "]" + rest[end+1:]
}
