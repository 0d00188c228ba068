package projections

import (
	"context"
	"fmt"
	"sync"
)

// Checkpoints records how far each consumer of the log has got: the position
// of the last event it has finished with. A consumer resumes after it.
//
// Implementations are safe for concurrent use. Names are 1..CheckpointNameBytesMax
// bytes; an implementation may refuse others with an error.
type Checkpoints interface {
	// Load returns the position saved under name, or 0 if none was ever
	// saved. It returns an error, never 0, when a saved checkpoint cannot be
	// read: resuming from 0 would apply every event again.
	Load(ctx context.Context, name string) (uint64, error)
	// Save records position under name, replacing what was there; it may go
	// down (a rebuild saves 0). When Save returns nil the checkpoint survives
	// a crash.
	Save(ctx context.Context, name string, position uint64) error
}

// MemoryCheckpoints is a Checkpoints that forgets everything on exit: for
// tests and tools. Its zero value is ready to use.
type MemoryCheckpoints struct {
	mu  sync.Mutex
	pos map[string]uint64
}

var _ Checkpoints = (*MemoryCheckpoints)(nil)

// Load implements Checkpoints.
func (m *MemoryCheckpoints) Load(ctx context.Context, name string) (uint64, error) {
	if err := checkCheckpoint(ctx, name); err != nil {
		return 0, err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.pos[name], nil
}

// Save implements Checkpoints.
func (m *MemoryCheckpoints) Save(ctx context.Context, name string, position uint64) error {
	if err := checkCheckpoint(ctx, name); err != nil {
		return err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.pos == nil {
		m.pos = map[string]uint64{}
	}
	m.pos[name] = position
	return nil
}

func checkCheckpoint(ctx context.Context, name string) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if name == "" || len(name) > CheckpointNameBytesMax {
		return fmt.Errorf("projections: checkpoint name %q: want 1..%d bytes", name, CheckpointNameBytesMax)
	}
	return nil
}
