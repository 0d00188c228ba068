package household

import (
	"slices"

	"github.com/drip-ledger/drip/domain"
	"github.com/drip-ledger/drip/events"
)

// exit is the current exit procedure.
type exit struct {
	appraisal *Appraisal
}

func (s State) applyExit(e entry) (State, bool) { return s, false }

func isExited(st Status) bool { return slices.Contains(exitedStatuses, st) }

func monitoring(s State, a Assessed, lines domain.PovertyLines) ([]events.Payload, error) {
	return nil, nil
}
