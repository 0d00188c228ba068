package api

import (
	"encoding/json"

	"github.com/drip-ledger/drip/domain"
	"github.com/drip-ledger/drip/domain/complaint"
	"github.com/drip-ledger/drip/events"
)

// Complainant identity is need-to-know: the complaint desk and the officer
// the complaint is assigned to see who complained; everyone else who may
// read the household (a village cadre, an enumerator, possibly the very
// people a complaint accuses) sees that a complaint exists, its channel,
// category, subject and status, never the complainant nor their words.

// complainantKnowers returns, per complaint stream in evs, the users it is
// assigned to (the latest assignment of each stream counts, and earlier
// ones too: an officer who held it has seen it already).
func complainantKnowers(evs []events.Event) map[string]map[string]bool {
	out := map[string]map[string]bool{}
	for _, ev := range evs {
		if ev.Type != complaint.TypeComplaintAssigned {
			continue
		}
		var a struct {
			Assignee struct {
				OfficerID string `json:"officerId"`
			} `json:"assignee"`
		}
		if json.Unmarshal(ev.Data, &a) == nil && a.Assignee.OfficerID != "" {
			if out[ev.Stream] == nil {
				out[ev.Stream] = map[string]bool{}
			}
			out[ev.Stream][a.Assignee.OfficerID] = true
		}
	}
	return out
}

// withheldFor reports, for the caller, which events of evs must not show
// their payload, and the redacted payload to show instead.
func withheldFor(cl Claims, evs []events.Event) map[uint64][]byte {
	if cl.Role == domain.RoleComplaintDesk {
		return nil
	}
	knowers := complainantKnowers(evs)
	out := map[uint64][]byte{}
	for _, ev := range evs {
		if ev.Type != complaint.TypeComplaintReceived || knowers[ev.Stream][cl.User] {
			continue
		}
		out[ev.Position] = redactReceived(ev.Data)
	}
	return out
}

// redactReceived keeps what anyone who may read the household may know of
// a complaint and drops the complainant and the text (which can name them).
func redactReceived(data []byte) []byte {
	var m map[string]json.RawMessage
	if err := json.Unmarshal(data, &m); err != nil {
		return []byte(`{"complainantWithheld":true}`)
	}
	delete(m, "complainant")
	delete(m, "text")
	m["complainantWithheld"] = json.RawMessage("true")
	b, _ := json.Marshal(m)
	return b
}
