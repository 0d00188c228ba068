package gate_test

import (
	"testing"
	"testing/synctest"

	"github.com/drip-ledger/drip/projections/modelstore/internal/gate"
)

func TestCloseWaitsForCallsInFlightAndRefusesNewOnes(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var g gate.Gate
		if !g.Enter() {
			t.Fatal("a new gate refused a call")
		}
		closed := make(chan bool)
		go func() { closed <- g.Close() }()
		synctest.Wait()
		select {
		case <-closed:
			t.Fatal("Close returned while a call was in flight")
		default:
		}
		// A nested call while Close waits is refused, not blocked: a
		// Scan's callback may call the store.
		if g.Enter() {
			t.Fatal("Enter while closing let a call in")
		}
		g.Leave()
		if !<-closed {
			t.Error("the first Close reported the gate closed already")
		}
		if g.Close() {
			t.Error("a second Close reported it closed the gate")
		}
	})
}
