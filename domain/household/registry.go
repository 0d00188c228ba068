package household

import "github.com/drip-ledger/drip/events"

// payloads makes an empty payload of each event type the household records.
// Register hands them to a registry; corrections use them to decode a
// corrected payload as its own type.
var payloads = []func() events.Payload{
	func() events.Payload { return new(Registered) },
	func() events.Payload { return new(Assessed) },
	func() events.Payload { return new(Proposed) },
	func() events.Payload { return new(PublicityStarted) },
	func() events.Payload { return new(ObjectionRaised) },
	func() events.Payload { return new(ObjectionResolved) },
	func() events.Payload { return new(Reviewed) },
	func() events.Payload { return new(Enrolled) },
	func() events.Payload { return new(Rejected) },
}

// Register adds every household event type to reg.
func Register(reg *events.Registry) { reg.Register(payloads...) }
