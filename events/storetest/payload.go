package storetest

import (
	"github.com/drip-ledger/drip/events"
)

// TypeNoted is the event type the suite appends.
const TypeNoted = "storetest.noted.v1"

// Noted is the suite's payload: small, validated, and easy to tell apart.
type Noted struct {
	Text string `json:"text"`
	N    int    `json:"n"`
}

// EventType implements events.Payload.
func (Noted) EventType() string { return TypeNoted }

// Validate implements events.Payload: Text is required and N is not negative,
// so the suite can check that a store refuses an invalid payload.
func (n Noted) Validate() error {
	var ps events.Problems
	if n.Text == "" {
		ps.Add("text", "is required")
	}
	if n.N < 0 {
		ps.Add("n", "must not be negative")
	}
	return ps.Err()
}

// Registry returns a registry holding the suite's types. A backend's test
// opens its store with it.
func Registry() *events.Registry {
	r := events.NewRegistry()
	r.Register(func() events.Payload { return new(Noted) })
	return r
}
