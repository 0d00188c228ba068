package projections

import (
	"context"
	"time"

	"github.com/drip-ledger/drip/events"
)

// Projection is a read model folded from the global log.
//
// AsModel runs one as a Model; it calls Apply and Reset from one goroutine at a time per
// projection, never both at once. A projection may serve reads concurrently
// with them; guarding its own state is its business.
type Projection interface {
	// Name identifies the projection: its handler, its checkpoint and its
	// Status. 1..NameBytesMax bytes of [A-Za-z0-9._-], unique in a ModelRunner.
	Name() string
	// Apply folds ev, the event after the last one applied, into the read
	// model. An error (or panic) is retried a bounded number of times, then
	// the projection stops before ev (see Status) until Resume or Rebuild.
	// ctx ends when the projection or the runner is stopping; Apply should
	// then return promptly.
	Apply(ctx context.Context, ev events.Event) error
	// Reset empties the read model, before Rebuild replays the log from
	// position 1.
	Reset(ctx context.Context) error
}

// State is where a projection is in its life.
type State string

const (
	// StateIdle: the runner is not running (not yet, or no more).
	StateIdle State = "idle"
	// StateRunning: applying events as they come.
	StateRunning State = "running"
	// StateStopped: stopped before an event it could not apply, or because
	// its subscription failed; see Status.Stopped. It waits for Resume or
	// Rebuild.
	StateStopped State = "stopped"
	// StateRebuilding: being reset; it then runs again from position 1.
	StateRebuilding State = "rebuilding"
)

// Status is one projection's progress, for /readyz and metrics.
type Status struct {
	Name  string `json:"name"`
	State State  `json:"state"`
	// Position is the last event applied: the read model reflects exactly
	// the log up to it. Its durable checkpoint is Position or, for an
	// instant after each event, the one before.
	Position uint64 `json:"position"`
	// Lag is how many positions the log's head is ahead of Position.
	Lag uint64 `json:"lag"`
	// Stopped says why a stopped projection stopped; nil otherwise.
	Stopped *Stop `json:"stopped,omitempty"`
}

// Stop records why a projection stopped.
type Stop struct {
	// Position is the event the projection stopped before: it has applied
	// every event below it and none from it on.
	Position uint64 `json:"position"`
	// Err is the last error; Reason is its text, for JSON.
	Err    error     `json:"-"`
	Reason string    `json:"reason"`
	At     time.Time `json:"at"`
}

func newStop(pos uint64, err error) *Stop {
	return &Stop{Position: pos, Err: err, Reason: err.Error(), At: time.Now().UTC()}
}
