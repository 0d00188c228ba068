package events

import "fmt"

// TypeKeyUsed is the one event type every Registry knows: the record of an
// idempotency key on its own stream (domain.Execute), appended atomically
// with the command the key was first used for.
const TypeKeyUsed = "idempotency.key_used.v1"

// KeyUsed records that an actor's idempotency key was used for a request
// (its fingerprint) on a stream.
type KeyUsed struct {
	Stream      string `json:"stream"`
	Fingerprint string `json:"fingerprint"`
}

func (*KeyUsed) EventType() string { return TypeKeyUsed }

func (k *KeyUsed) Validate() error {
	var ps []Problem
	if why := ValidStream(k.Stream); why != "" {
		ps = append(ps, Problem{Field: "stream", Reason: why})
	}
	if len(k.Fingerprint) > MetaFieldBytesMax {
		ps = append(ps, Problem{Field: "fingerprint", Reason: fmt.Sprintf("above %d bytes", MetaFieldBytesMax), Cause: ErrLimit})
	}
	if len(ps) > 0 {
		return &InvalidError{Problems: ps}
	}
	return nil
}
