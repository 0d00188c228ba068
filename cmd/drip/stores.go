package main

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/drip-ledger/drip/events"
	"github.com/drip-ledger/drip/events/embedded"
)

// errUnknownScheme is returned by openStore for a URL it cannot open.
var errUnknownScheme = errors.New("unknown store URL scheme")

// storeSchemes lists the store URLs openStore understands, for messages.
const storeSchemes = "embedded:PATH (or pebble:PATH), memory:"

// openStore opens the store a URL names:
//
//	embedded:PATH  the embedded store in directory PATH (created if missing)
//	pebble:PATH    the same (the embedded store indexes with Pebble)
//	memory:        an empty in-memory store, forgotten on exit (tests, dry runs)
//
// The caller closes it. Adding an engine is one more case here.
func openStore(ctx context.Context, url string, reg *events.Registry) (events.Store, error) {
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
		s, err := embedded.Open(path, reg, embedded.Options{})
		if err != nil {
			return nil, fmt.Errorf("store %q: %w", url, err)
		}
		return s, nil
	case "memory":
		if rest != "" {
			return nil, fmt.Errorf("store %q: memory: takes nothing after the colon", url)
		}
		return events.NewMemoryStore(reg, nil), nil
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
