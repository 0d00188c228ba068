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
	func() events.Payload { return new(CadreAssigned) },
	func() events.Payload { return new(MeasurePlanned) },
	func() events.Payload { return new(Visited) },
	func() events.Payload { return new(ExitProposed) },
	func() events.Payload { return new(ExitAppraised) },
	func() events.Payload { return new(ExitVerified) },
	func() events.Payload { return new(ExitAgreed) },
	func() events.Payload { return new(Exited) },
	func() events.Payload { return new(ExitWithdrawn) },
	func() events.Payload { return new(MonitoringStarted) },
	func() events.Payload { return new(MonitoringEnded) },
	func() events.Payload { return new(Returned) },
	func() events.Payload { return new(Removed) },
	func() events.Payload { return new(MemberDied) },
	func() events.Payload { return new(Corrected) },
}

// Register adds every household event type to reg.
func Register(reg *events.Registry) {
	reg.Register(payloads...)
	reg.Register(cadrePayloads...)
}

func newPayload(typ string) events.Payload {
	for _, newP := range payloads {
		if p := newP(); p.EventType() == typ {
			return p
		}
	}
	return nil
}
