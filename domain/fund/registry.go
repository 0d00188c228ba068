package fund

import "github.com/drip-ledger/drip/events"

// payloads makes an empty payload of each event type the fund ledger
// records.
var payloads = []func() events.Payload{
	func() events.Payload { return new(AppropriationReceived) },
	func() events.Payload { return new(Allocated) },
	func() events.Payload { return new(AppropriationCorrected) },
	func() events.Payload { return new(ProjectProposed) },
	func() events.Payload { return new(ProjectApproved) },
	func() events.Payload { return new(PublicityStarted) },
	func() events.Payload { return new(ObjectionRaised) },
	func() events.Payload { return new(ObjectionResolved) },
	func() events.Payload { return new(ImplementationStarted) },
	func() events.Payload { return new(ProjectCompleted) },
	func() events.Payload { return new(ProjectAccepted) },
	func() events.Payload { return new(BeneficiaryAssigned) },
	func() events.Payload { return new(AllocationReceived) },
	func() events.Payload { return new(PaymentInstructed) },
	func() events.Payload { return new(PaymentSettled) },
	func() events.Payload { return new(PaymentFailed) },
	func() events.Payload { return new(PaymentAcknowledged) },
	func() events.Payload { return new(PaymentReversed) },
}

// Register adds every fund event type to reg.
func Register(reg *events.Registry) {
	reg.Register(payloads...)
	reg.Register(func() events.Payload { return new(BankRefUsed) }) // bankref.go
}
