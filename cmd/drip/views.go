package main

import (
	"context"
	"log/slog"

	"github.com/drip-ledger/drip/api"
	"github.com/drip-ledger/drip/events"
)

// views runs the read models.
type views struct{}

func newViews(dataDir string, store events.Store, log *slog.Logger) (*views, error) {
	return &views{}, nil
}

func (v *views) status() []api.ProjectionStatus { return nil }

func (v *views) run(ctx context.Context) error {
	<-ctx.Done()
	return ctx.Err()
}
