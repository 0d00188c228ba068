package postgres_test

import (
	"encoding/json"
	"strings"
	"time"

	"github.com/drip-ledger/drip/events"
	"github.com/drip-ledger/drip/events/storetest"
)

// note returns a valid event with a unique ID derived from key and a payload
// of about size bytes.
func note(key string, size int) events.Event {
	data, _ := json.Marshal(storetest.Noted{Text: key + " " + strings.Repeat("x", max(0, size-len(key))), N: 1})
	return events.Event{
		ID:   events.DeriveID(events.NilID, key),
		Type: storetest.TypeNoted,
		Data: data,
		Meta: events.Metadata{ActorID: "actor-1", Role: "clerk", Jurisdiction: "520526", CorrelationID: key,
			OccurredAt: time.Date(2025, 1, 2, 3, 4, 5, 6789, time.UTC)},
	}
}
