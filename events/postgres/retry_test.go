package postgres_test

import (
	"errors"
	"fmt"
	"sync"
	"testing"

	"github.com/drip-ledger/drip/events"
	"github.com/drip-ledger/drip/events/postgres"
)

// Appends racing with the same event IDs: to different streams, the IDs'
// look-ups all miss and every append but one meets the unique index at
// insert; the store must answer ErrIDConflict (after looking again), not a
// database error. To one stream, the losers must get the winner's result.
func TestConcurrentAppendsOfOneIDAreOneEvent(t *testing.T) {
	d := dsn(t)
	s := open(t, d, newSchema(t, d), postgres.Options{ConnsMax: 16})
	const racers, rounds = 12, 10
	for round := range rounds {
		ev := note(fmt.Sprint("same-", round), 20)
		var wg sync.WaitGroup
		results := make([]events.AppendResult, racers)
		errs := make([]error, racers)
		for r := range racers {
			stream := fmt.Sprintf("same-%d", round)
			if round%2 == 1 {
				stream = fmt.Sprintf("same-%d-%d", round, r) // a different stream each
			}
			wg.Go(func() { results[r], errs[r] = s.Append(t.Context(), stream, events.NoStream, ev) })
		}
		wg.Wait()
		won := 0
		for r, err := range errs {
			switch {
			case err == nil:
				won++
				if results[r] != results[0] && errs[0] == nil {
					t.Errorf("round %d: racer %d told %+v, racer 0 %+v", round, r, results[r], results[0])
				}
			case round%2 == 1 && errors.Is(err, events.ErrIDConflict):
			default:
				t.Errorf("round %d racer %d: %v", round, r, err)
			}
		}
		if round%2 == 0 && won != racers {
			t.Errorf("round %d: %d of %d retries into one stream succeeded; want all", round, won, racers)
		}
		if round%2 == 1 && won != 1 {
			t.Errorf("round %d: %d of %d appends into different streams succeeded; want 1", round, won, racers)
		}
	}
	log := readAll(t, s)
	if len(log) != rounds {
		t.Errorf("log has %d events; want %d, one per round", len(log), rounds)
	}
}
