package projections

import (
	"context"

	"github.com/drip-ledger/drip/events"
)

// Decoded is one event of the log with its payload, decoded once by the
// runner for every model that reads it.
type Decoded struct {
	events.Event
	Payload events.Payload
}

// Model is a durable read model: it keeps its own state and checkpoint (in
// a modelstore.Store, committed in one atomic batch), so the runner neither
// saves a checkpoint for it nor replays what it has committed.
//
// The runner calls ApplyBatch, Checkpoint and Reset from one goroutine at a
// time per model. Queries may run concurrently with them; guarding its own
// state (caches) is the model's business.
type Model interface {
	// Name identifies the model, its version included ("households.v2"):
	// a model whose fold changes gets a new name, is rebuilt beside the old
	// one and replaces it once caught up. 1..NameBytesMax bytes of
	// [A-Za-z0-9._-].
	Name() string
	// Checkpoint is the position of the last event the model's committed
	// state includes (0: none). The runner resumes after it.
	Checkpoint(ctx context.Context) (uint64, error)
	// ApplyBatch folds evs — consecutive in the log, the first right after
	// Checkpoint — and commits the result with checkpoint evs[len-1].Position
	// atomically. On error nothing of the batch is committed; the model's
	// caches must then agree with its committed state again (drop them).
	// An impossible event stops the model before it: the error should name
	// the event's position.
	ApplyBatch(ctx context.Context, evs []Decoded) error
	// Reset drops the model's state and checkpoint (a rebuild from 1).
	Reset(ctx context.Context) error
}

// Typed is an optional interface of a Model: Types lists the event types
// whose payloads it reads. A ModelRunner whose models all implement it
// decodes only the types one of them lists (in a real log most events — the
// recorded reads, for one — concern few models); any other event still
// reaches every model, in its batch and so in its checkpoint, with a nil
// Payload. A model that does not implement Typed gets every payload.
type Typed interface {
	Types() []string
}
