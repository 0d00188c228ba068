package kurrentdb

import (
	"fmt"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/drip-ledger/drip/events"
	"github.com/drip-ledger/drip/events/storetest"
)

// TestConformanceOverFake runs the conformance suite against the store over
// the fake server, with other deployments' and system events interleaved,
// so the store's own logic (positions, filtering, read-back, retries,
// subscriptions) is checked without a server.
func TestConformanceOverFake(t *testing.T) {
	f := newFakeServer()
	var n atomic.Int64
	storetest.Run(t, func(t *testing.T, reg *events.Registry) events.Store {
		skipKnownGap(t)
		i := n.Add(1)
		f.system("$stats-127.0.0.1:2113")
		f.write(fmt.Sprintf("other-%d:household-1", i), "household.enrolled.v1")
		s, err := open(t.Context(), f.conn(), reg, Options{Prefix: fmt.Sprintf("t%d:", i), HeadScanMax: 50, PollInterval: 20e6})
		if err != nil {
			t.Fatal(err)
		}
		f.system("$stats-127.0.0.1:2113")
		return s
	}, storetest.PositionsMayHaveGaps(), storetest.MultiUnsupported())
}

// knownGaps are the conformance subtests this store fails by design:
// KurrentDB keeps no index of event IDs, so an ID reused in another stream,
// or reused with Any after other events, is not recognised (see doc.go,
// "What this cannot see"). They are skipped by name, with the reason, for the
// fake and the real server alike, so that every other subtest must pass.
var knownGaps = map[string]bool{
	"Retry/SameIDOtherStreamConflicts":        true,
	"Retry/SameIDOtherStreamWithAnyConflicts": true,
	"Retry/NewThenStoredConflicts":            true,
}

// skipKnownGap skips t if it is one of knownGaps.
func skipKnownGap(t *testing.T) {
	name := t.Name()
	for gap := range knownGaps {
		if strings.HasSuffix(name, "/"+gap) {
			t.Skipf("known gap of the KurrentDB store: no index of event IDs, so this reuse of an ID is not detected (events/kurrentdb/doc.go)")
		}
	}
}
