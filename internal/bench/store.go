package bench

import (
	"context"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/drip-ledger/drip/events"
	"github.com/drip-ledger/drip/events/embedded"
	"github.com/drip-ledger/drip/events/postgres"
)

// openStore opens a fresh, empty store for a benchmark: "embedded" in
// dir, or a PostgreSQL URL in a throw-away schema. done closes it and
// removes what it made (dir is removed by the caller).
func openStore(ctx context.Context, spec, dir string, reg *events.Registry) (events.Store, func() error, error) {
	if err := ctx.Err(); err != nil {
		return nil, nil, err
	}
	quiet := slog.New(slog.DiscardHandler)
	switch {
	case spec == "embedded" || spec == "pebble":
		s, err := embedded.Open(dir, reg, embedded.Options{Logger: quiet})
		if err != nil {
			return nil, nil, fmt.Errorf("store %q: %w", "embedded:"+dir, err)
		}
		return s, s.Close, nil
	case strings.HasPrefix(spec, "postgres://") || strings.HasPrefix(spec, "postgresql://"):
		schema := fmt.Sprintf("drip_bench_%d", time.Now().UnixNano())
		s, err := postgres.Open(ctx, spec, reg, postgres.Options{Logger: quiet, Schema: schema})
		if err != nil {
			return nil, nil, fmt.Errorf("store %s: %w", StoreLabel(spec), err)
		}
		return s, func() error {
			cerr := s.Close()
			if err := postgres.DropSchema(context.WithoutCancel(ctx), spec, schema); err != nil {
				return err
			}
			return cerr
		}, nil
	}
	return nil, nil, fmt.Errorf("bench: store %q: want embedded or a postgres:// URL", spec)
}

// StoreLabel names a store in output without its URL's credentials.
func StoreLabel(spec string) string {
	switch {
	case spec == "":
		return "embedded"
	case strings.Contains(spec, "://"):
		scheme, _, _ := strings.Cut(spec, "://")
		return scheme
	}
	return spec
}
