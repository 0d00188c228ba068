package complaint_test

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/drip-ledger/drip/domain/complaint"
	"github.com/drip-ledger/drip/events"
)

// A resolution is read by API clients: its JSON names are the API's
// (outcome, correctiveEventIds), never the Go field names.
func TestResolutionJSONUsesTheAPIsNames(t *testing.T) {
	b, err := json.Marshal(complaint.Resolution{Outcome: complaint.OutcomeUpheld, CorrectiveEventIDs: []events.ID{{}}, Reply: "r"})
	if err != nil {
		t.Fatal(err)
	}
	var got map[string]json.RawMessage
	if err := json.Unmarshal(b, &got); err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"outcome", "correctiveEventIds", "reply", "resolvedAt"} {
		if _, ok := got[k]; !ok {
			t.Errorf("resolution JSON %s has no %q", b, k)
		}
	}
	if strings.Contains(string(b), "Outcome") {
		t.Errorf("resolution JSON %s uses Go names", b)
	}
}
