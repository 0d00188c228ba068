package projections

import (
	"context"

	"github.com/drip-ledger/drip/events"
)

// ModelAsProjection lets the per-event Runner feed a Model until the batch
// runner replaces it: each event is decoded and applied as a batch of one
// (one Commit per event: correct, not fast). Events at or below the model's
// checkpoint are passed over, so a Runner with memory checkpoints may
// replay the log into a model that has committed part of it.
//
// Temporary: it goes when the runner feeds Models in batches.
func ModelAsProjection(m Model, reg *events.Registry) Projection {
	return modelAsProjection{m: m, reg: reg}
}

type modelAsProjection struct {
	m   Model
	reg *events.Registry
}

func (a modelAsProjection) Name() string { return a.m.Name() }

func (a modelAsProjection) Apply(ctx context.Context, ev events.Event) error {
	cp, err := a.m.Checkpoint(ctx)
	if err != nil || ev.Position <= cp {
		return err
	}
	p, err := a.reg.Decode(ev)
	if err != nil {
		return err
	}
	return a.m.ApplyBatch(ctx, []Decoded{{Event: ev, Payload: p}})
}

func (a modelAsProjection) Reset(ctx context.Context) error { return a.m.Reset(ctx) }
