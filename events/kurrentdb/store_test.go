package kurrentdb

// Internal, so the server run shares knownGaps with the fake's run.

import (
	"context"
	"fmt"
	"os"
	"testing"
	"time"

	"github.com/drip-ledger/drip/events"
	"github.com/drip-ledger/drip/events/storetest"
)

// connEnv names the connection string of a KurrentDB server or cluster to
// run the conformance suite against, e.g. esdb://localhost:2113?tls=false.
const connEnv = "DRIP_TEST_KURRENTDB"

// TestStore runs the conformance suite against a real server. Every store it
// opens gets its own stream prefix, so runs can share a server.
func TestStore(t *testing.T) {
	conn := os.Getenv(connEnv)
	if conn == "" {
		// CI has no KurrentDB either, so this skips there too (not Go's
		// testenv rule of failing under CI=true): the suite runs against the
		// fake server in TestConformanceOverFake instead.
		t.Skipf("%s is not set: no KurrentDB server to test against (also in CI, which has none); "+
			"start one (deploy/kurrentdb/README.md) and set e.g. %s='esdb://localhost:2113?tls=false'", connEnv, connEnv)
	}
	run := time.Now().UTC().Format("20060102T150405.000000")
	n := 0
	storetest.Run(t, func(t *testing.T, reg *events.Registry) events.Store {
		skipKnownGap(t)
		n++
		ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
		defer cancel()
		s, err := Open(ctx, conn, reg, Options{Prefix: fmt.Sprintf("test-%s-%d:", run, n)})
		if err != nil {
			t.Fatalf("Open: %v", err)
		}
		return s
	}, storetest.PositionsMayHaveGaps(), storetest.MultiUnsupported())
}
