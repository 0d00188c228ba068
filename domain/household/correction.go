package household

import "github.com/drip-ledger/drip/events"

// Correction is a recorded correction.
type Correction struct{}

// Corrected corrects an earlier event.
type Corrected struct{}

func (*Corrected) EventType() string { return "household.corrected.v1" }
func (*Corrected) Validate() error   { return nil }

func (s State) correct(e entry, c *Corrected) (State, error) { return s, nil }

var _ events.Payload = (*Corrected)(nil)
