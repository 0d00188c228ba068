// Package migrate copies a whole log from one events.Store to another, so a
// deployment can move between engines (the embedded store, PostgreSQL, ...)
// and keep the same log: the same positions, stream versions, IDs, metadata,
// recorded times and payload bytes, hence the same Merkle root. It depends
// on events only; cmd/drip wires the stores and checks the roots.
package migrate

import (
	"context"
	"errors"
	"fmt"

	"github.com/drip-ledger/drip/events"
)

// Errors Copy returns before it writes anything.
var (
	// ErrNotEmpty: the target already holds events. A migration fills an
	// empty store; it never merges two logs.
	ErrNotEmpty = errors.New("migrate: the target store is not empty")
	// ErrNoImport: the target cannot write events at their original places
	// and times (it does not implement events.Importer), so the copy would
	// not be the same log.
	ErrNoImport = errors.New("migrate: the target store cannot import events with their positions and times (no events.Importer)")
)

// Options tunes Copy. Zero fields take their defaults.
type Options struct {
	// BatchEvents is how many events are read and imported at a time
	// (default 1000, at most events.ImportEventsMax); the importer writes
	// consecutive events of one stream within a batch as one append.
	BatchEvents int
	// Progress, if set, is called after each batch with the events copied
	// and the total.
	Progress func(done, total uint64)
}

// Report is what Copy copied.
type Report struct {
	// Events is how many events were copied; Head is the source's head they
	// end at.
	Events, Head uint64
}

// Copy copies every event of from, up to its head when Copy starts, into
// to, which must be empty and implement events.Importer, in global order,
// batch by batch. Stop the writers of from first: events appended during the
// copy are not copied. On an error the target holds a prefix of the log.
func Copy(ctx context.Context, from, to events.Store, opts Options) (Report, error) {
	var rep Report
	if opts.BatchEvents == 0 {
		opts.BatchEvents = 1000
	}
	if opts.BatchEvents < 1 || opts.BatchEvents > events.ImportEventsMax {
		return rep, fmt.Errorf("migrate: BatchEvents %d is outside 1..%d", opts.BatchEvents, events.ImportEventsMax)
	}
	imp, ok := to.(events.Importer)
	if !ok {
		return rep, ErrNoImport
	}
	if head, err := to.Head(ctx); err != nil {
		return rep, fmt.Errorf("migrate: head of the target: %w", err)
	} else if head != 0 {
		return rep, fmt.Errorf("%w: its head is at position %d", ErrNotEmpty, head)
	}
	total, err := from.Head(ctx)
	if err != nil {
		return rep, fmt.Errorf("migrate: head of the source: %w", err)
	}
	rep.Head = total
	for pos := uint64(1); pos <= total; {
		evs, err := from.ReadAll(ctx, pos, opts.BatchEvents)
		if err != nil {
			return rep, fmt.Errorf("migrate: read the source from position %d: %w", pos, err)
		}
		for len(evs) > 0 && evs[len(evs)-1].Position > total {
			evs = evs[:len(evs)-1]
		}
		if len(evs) == 0 {
			break
		}
		if err := imp.Import(ctx, evs); err != nil {
			return rep, fmt.Errorf("migrate: import positions %d..%d: %w", evs[0].Position, evs[len(evs)-1].Position, err)
		}
		rep.Events += uint64(len(evs))
		pos = evs[len(evs)-1].Position + 1
		if opts.Progress != nil {
			opts.Progress(rep.Events, total)
		}
	}
	if head, err := to.Head(ctx); err != nil || head != total {
		return rep, fmt.Errorf("migrate: the target ends at position %d, the source at %d (%v)", head, total, err)
	}
	return rep, nil
}
