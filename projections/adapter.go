package projections

import (
	"context"
	"fmt"
)

// AsModel runs a per-event Projection as a Model, its checkpoint kept in
// cps under the projection's name: so a read model not yet converted to a
// Model (state in a modelstore, folded a batch at a time) runs behind the
// same ModelRunner as the converted ones, decoded batches and all.
//
// Unlike a real Model, it is not atomic per batch: Apply runs event by
// event, so a batch that fails at an event leaves the events before it
// applied — and its checkpoint says so (it is saved before the error is
// returned), which is what the ModelRunner goes on from. With
// MemoryCheckpoints, state and checkpoint both live in memory and are lost
// together, so a restart replays from 1 as the Projection expects.
func AsModel(p Projection, cps Checkpoints) Model {
	return &projectionModel{p: p, cps: cps, name: p.Name()}
}

type projectionModel struct {
	p    Projection
	cps  Checkpoints
	name string
}

func (m *projectionModel) Name() string { return m.name }

// Types implements Typed: a Projection decodes what it reads itself, so the
// runner need decode nothing for it.
func (m *projectionModel) Types() []string { return nil }

func (m *projectionModel) Checkpoint(ctx context.Context) (uint64, error) {
	return m.cps.Load(ctx, m.name)
}

func (m *projectionModel) ApplyBatch(ctx context.Context, evs []Decoded) error {
	if len(evs) == 0 {
		return nil
	}
	var done uint64
	defer func() {
		// A panic (the runner's Recoverer turns it into an error) must not
		// lose the events applied before it: they would be applied twice.
		if v := recover(); v != nil {
			if done != 0 {
				_ = m.cps.Save(context.WithoutCancel(ctx), m.name, done)
			}
			panic(v)
		}
	}()
	for i := range evs {
		if err := m.p.Apply(ctx, evs[i].Event); err != nil {
			err = fmt.Errorf("projection %q: position %d (%s): %w", m.name, evs[i].Position, evs[i].Type, err)
			if done != 0 {
				if serr := m.cps.Save(context.WithoutCancel(ctx), m.name, done); serr != nil {
					return fmt.Errorf("%w; and saving the checkpoint at %d: %v", err, done, serr)
				}
			}
			return err
		}
		done = evs[i].Position
	}
	return m.cps.Save(context.WithoutCancel(ctx), m.name, done)
}

// Reset resets the projection, then its checkpoint, in that order: a crash
// in between leaves a checkpoint ahead of an empty model, which the next
// rebuild fixes; the other order could leave a model replayed twice.
func (m *projectionModel) Reset(ctx context.Context) error {
	if err := m.p.Reset(ctx); err != nil {
		return err
	}
	return m.cps.Save(ctx, m.name, 0)
}
