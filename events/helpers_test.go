package events_test

import (
	"encoding/json"
	"fmt"
	"testing"
	"time"

	"github.com/drip-ledger/drip/events"
	"github.com/drip-ledger/drip/events/storetest"
)

var testNS = events.MustParseID("6ba7b810-9dad-11d1-80b4-00c04fd430c8")

// noted returns a valid storetest.Noted event numbered n.
func noted(t *testing.T, n int, text string) events.Event {
	t.Helper()
	data, err := json.Marshal(storetest.Noted{Text: text, N: n})
	if err != nil {
		t.Fatal(err)
	}
	return events.Event{
		ID:   events.DeriveID(testNS, fmt.Sprint(t.Name(), n)),
		Type: storetest.TypeNoted,
		Data: data,
		Meta: events.Metadata{ActorID: "actor-1", OccurredAt: time.Date(2025, 1, 2, 3, 4, 5, 0, time.UTC)},
	}
}
