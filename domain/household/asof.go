package household

import (
	"fmt"
	"time"

	"github.com/drip-ledger/drip/events"
)

// StateAt rebuilds the household as its file stood at instant t: it folds
// the stream's events in order, stopping at the first one recorded after t.
//
// It uses RecordedAt, not OccurredAt, because the question it answers is
// "what did the file say on date D" (the 12317 desk, an auditor): a fact
// about D that was entered on D+3 was not in the file on D, and a
// correction recorded after D had not yet changed what the file said. A
// stream's recorded times only grow, so the events recorded by t are a
// prefix of it. The business times stay visible: every status change in the
// result carries its OccurredAt beside its RecordedAt (State.Changes).
//
// evs is one household's stream in version order (as ReadStream returns
// it); reg decodes it.
func StateAt(reg *events.Registry, evs []events.Event, t time.Time) (State, error) {
	var s State
	for _, ev := range evs {
		if ev.RecordedAt.After(t) {
			break
		}
		p, err := reg.Decode(ev)
		if err != nil {
			return State{}, err
		}
		if s, err = Evolve(s, ev, p); err != nil {
			return State{}, fmt.Errorf("household: as of %s: %w", t.Format(time.RFC3339), err)
		}
	}
	return s, nil
}
