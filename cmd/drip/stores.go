package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	neturl "net/url"
	"strings"
	"time"

	"github.com/drip-ledger/drip/events"
	"github.com/drip-ledger/drip/events/embedded"
	"github.com/drip-ledger/drip/events/kurrentdb"
	"github.com/drip-ledger/drip/events/postgres"
)

// errUnknownScheme is returned by openStore for a URL it cannot open.
var errUnknownScheme = errors.New("unknown store URL scheme")

// storeSchemes lists the store URLs openStore understands, for messages.
const storeSchemes = "embedded:PATH (or pebble:PATH), postgres://USER@HOST/DB, kurrentdb://HOST:2113 (or esdb://), memory:"

// openStore opens the store a URL names:
//
//	embedded:PATH  the embedded store in directory PATH (created if missing)
//	pebble:PATH    the same (the embedded store indexes with Pebble)
//	memory:        an empty in-memory store, forgotten on exit (tests, dry runs)
//	postgres://…   PostgreSQL (the URL is the DSN; postgresql:// too); the
//	               schema is "drip" unless ?drip_schema=NAME says otherwise
//	kurrentdb://…  a KurrentDB/EventStoreDB cluster (esdb://, +discover, and
//	               the client's TLS settings); ?drip_prefix=P puts P in front
//	               of every stream, so deployments can share a cluster
//
// The caller closes it. Adding an engine is one more case here.
func openStore(ctx context.Context, url string, reg *events.Registry, log *slog.Logger) (events.Store, error) {
	return openStoreClocked(ctx, url, reg, log, nil)
}

// openStoreClocked is openStore whose embedded or in-memory store stamps
// recorded time with now (nil: the real clock); the other stores stamp it
// themselves (serve refuses a clock with them).
func openStoreClocked(ctx context.Context, url string, reg *events.Registry, log *slog.Logger, now func() time.Time) (events.Store, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	scheme, rest, ok := strings.Cut(url, ":")
	if !ok {
		return nil, fmt.Errorf("store %q: %w: want %s", url, errUnknownScheme, storeSchemes)
	}
	switch scheme {
	case "embedded", "pebble":
		path := strings.TrimPrefix(rest, "//")
		if path == "" {
			return nil, fmt.Errorf("store %q: %s: needs a directory", url, scheme)
		}
		s, err := embedded.Open(path, reg, embedded.Options{Logger: log, Now: now})
		if err != nil {
			return nil, fmt.Errorf("store %q: %w", url, err)
		}
		return s, nil
	case "postgres", "postgresql":
		dsn, schema, err := splitParam(url, "drip_schema")
		if err != nil {
			return nil, fmt.Errorf("store %s: %w", redact(url), err)
		}
		s, err := postgres.Open(ctx, dsn, reg, postgres.Options{Logger: log, Schema: schema})
		if err != nil {
			return nil, fmt.Errorf("store %s: %w", redact(url), err)
		}
		return s, nil
	case "kurrentdb", "kurrentdb+discover", "kurrent", "kurrent+discover", "esdb", "esdb+discover":
		conn, prefix, err := splitParam(url, "drip_prefix")
		if err != nil {
			return nil, fmt.Errorf("store %s: %w", redact(url), err)
		}
		s, err := kurrentdb.Open(ctx, conn, reg, kurrentdb.Options{Prefix: prefix})
		if err != nil {
			return nil, fmt.Errorf("store %s: %w", redact(url), err)
		}
		return s, nil
	case "memory":
		if rest != "" {
			return nil, fmt.Errorf("store %q: memory: takes nothing after the colon", url)
		}
		return events.NewMemoryStore(reg, now), nil
	}
	return nil, fmt.Errorf("store %q: %w %q: want %s", url, errUnknownScheme, scheme, storeSchemes)
}

// storeDir returns the directory of an embedded store URL, or "" for any
// other store.
func storeDir(url string) string {
	scheme, rest, _ := strings.Cut(url, ":")
	if scheme == "embedded" || scheme == "pebble" {
		return strings.TrimPrefix(rest, "//")
	}
	return ""
}

// redact hides a password in a store URL before it is printed.
func redact(raw string) string {
	u, err := neturl.Parse(raw)
	if err != nil {
		return "(unparsable URL)"
	}
	return u.Redacted()
}

// splitParam takes one of Drip's own parameters (drip_schema,
// drip_prefix) out of a store URL: the engine's client would refuse it as an
// unknown setting.
func splitParam(raw, name string) (rest, value string, err error) {
	u, err := neturl.Parse(raw)
	if err != nil {
		return "", "", errors.New("not a URL")
	}
	q := u.Query()
	value = q.Get(name)
	q.Del(name)
	u.RawQuery = q.Encode()
	return u.String(), value, nil
}

// denseStore reports whether a store URL names a backend whose positions
// have no gaps, which the notary's tree needs (leaf = position - 1).
func denseStore(url string) bool {
	scheme, _, _ := strings.Cut(url, ":")
	switch scheme {
	case "embedded", "pebble", "postgres", "postgresql", "memory":
		return true
	}
	return false
}
