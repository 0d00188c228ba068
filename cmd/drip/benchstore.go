package main

import (
	"context"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/drip-ledger/drip/events"
	"github.com/drip-ledger/drip/events/postgres"
)

// openBenchStore opens a fresh, empty store for a benchmark: "embedded" in
// dir, or a PostgreSQL URL in a throw-away schema. done closes it and
// removes what it made (dir is removed by the caller).
func openBenchStore(ctx context.Context, spec, dir string, reg *events.Registry) (events.Store, func() error, error) {
	quiet := slog.New(slog.DiscardHandler)
	switch {
	case spec == "embedded" || spec == "pebble":
		s, err := openStore(ctx, "embedded:"+dir, reg, quiet)
		if err != nil {
			return nil, nil, err
		}
		return s, s.Close, nil
	case strings.HasPrefix(spec, "postgres://") || strings.HasPrefix(spec, "postgresql://"):
		schema := fmt.Sprintf("drip_bench_%d", time.Now().UnixNano())
		sep := "?"
		if strings.Contains(spec, "?") {
			sep = "&"
		}
		s, err := openStore(ctx, spec+sep+"drip_schema="+schema, reg, quiet)
		if err != nil {
			return nil, nil, err
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

// storeLabel names a store in output without its URL's credentials.
func storeLabel(spec string) string {
	switch {
	case spec == "":
		return "embedded"
	case strings.Contains(spec, "://"):
		scheme, _, _ := strings.Cut(spec, "://")
		return scheme
	}
	return spec
}
