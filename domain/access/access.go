// Package access records who looked at whose personal data, and when: every
// read of a household's file through the API is itself an event, so an
// auditor or the complaint desk can answer "who looked at us?" from the same
// log as everything else.
package access

import (
	"unicode/utf8"

	"github.com/drip-ledger/drip/domain"
	"github.com/drip-ledger/drip/events"
)

// TypeViewed is the event type of a recorded read.
const TypeViewed = "access.viewed.v1"

// The views that are recorded.
const (
	ViewDetail   = "detail"   // a household's whole file
	ViewTimeline = "timeline" // every event concerning a household
	ViewAsOf     = "as_of"    // a household's file as it stood at an instant
	ViewSearch   = "search"   // a search over households (names, IDs)
	// ViewDripTrail is every payment to a household, traced to its sources.
	ViewDripTrail = "drip_trail"
)

// QueryBytesMax bounds the recorded query text.
const QueryBytesMax = 500

// Viewed: an actor (in the metadata) read personal data.
type Viewed struct {
	// FileNumber is the household read; empty for a search.
	FileNumber string `json:"fileNumber,omitempty"`
	View       string `json:"view"`
	// Query is what was asked (search terms, the as-of instant), as sent.
	Query string `json:"query,omitempty"`
}

// EventType implements events.Payload.
func (*Viewed) EventType() string { return TypeViewed }

// Validate implements events.Payload.
func (v *Viewed) Validate() error {
	var ps domain.Problems
	switch v.View {
	case ViewDetail, ViewTimeline, ViewAsOf, ViewDripTrail:
		if _, err := domain.ParseFileNumber(v.FileNumber); err != nil {
			ps.Add("fileNumber", err)
		}
	case ViewSearch:
		if v.FileNumber != "" {
			ps.Addf("fileNumber", "access_file_on_search", "a search names no single household")
		}
	default:
		ps.Addf("view", "access_view_unknown", "view %q is not one of detail, timeline, as_of, drip_trail, search", v.View)
	}
	if len(v.Query) > QueryBytesMax || !utf8.ValidString(v.Query) {
		ps.Addf("query", "access_query_invalid", "the query must be UTF-8 of at most %d bytes", QueryBytesMax)
	}
	return ps.Err()
}

// Stream is where reads of a household are recorded: beside, not inside,
// the household's own stream, so recording a read never conflicts with a
// command deciding on the household.
func Stream(fileNumber string) string {
	if fileNumber == "" {
		return "access-search"
	}
	return "access-" + fileNumber
}

// Register adds the access types to reg.
func Register(reg *events.Registry) {
	reg.Register(func() events.Payload { return new(Viewed) })
}

// Clip shortens a query to QueryBytesMax on a rune boundary, so an overlong
// query is still recorded rather than refused.
func Clip(q string) string {
	if len(q) <= QueryBytesMax {
		return q
	}
	cut := QueryBytesMax
	for cut > 0 && !utf8.RuneStart(q[cut]) {
		cut--
	}
	return q[:cut]
}
