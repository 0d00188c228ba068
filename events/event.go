package events

import (
	"bytes"
	"encoding/json"
	"time"
)

// Event is one immutable fact in the log.
//
// A writer fills ID, Type, Data and Meta; the store fills Stream, Version,
// Position and RecordedAt when the event is appended, and every read returns
// all of them.
type Event struct {
	ID ID `json:"id"`
	// Stream names the aggregate the event belongs to, e.g.
	// "household-520526104201-0007".
	Stream string `json:"stream"`
	// Version is the event's place in its stream: the first event is 1.
	Version uint64 `json:"version"`
	// Position is the event's place in the global log: the first event is 1,
	// and positions have no gaps in the embedded and in-memory stores.
	Position uint64 `json:"position"`
	// Type is the explicit, versioned type name, e.g. "household.enrolled.v1".
	Type string `json:"type"`
	// Data is the JSON payload; its shape is fixed by Type (see Registry).
	Data json.RawMessage `json:"data"`
	Meta Metadata        `json:"meta"`
	// RecordedAt is when the store committed the event (UTC, microseconds).
	RecordedAt time.Time `json:"recordedAt"`
}

// Metadata says who caused an event, on whose authority, and why it belongs
// with others. The API fills it from the verified token, never from a
// request body.
type Metadata struct {
	ActorID string `json:"actorId"`
	Role    string `json:"role"`
	// Jurisdiction is the division-code prefix the actor acts within
	// ("5205" a prefecture, "520526" a county, "" the nation).
	Jurisdiction   string `json:"jurisdiction"`
	IdempotencyKey string `json:"idempotencyKey,omitempty"`
	CorrelationID  string `json:"correlationId,omitempty"`
	CausationID    string `json:"causationId,omitempty"`
	// OccurredAt is business time, supplied by the caller: when the thing
	// happened in the world (a visit, a signature), which may precede
	// RecordedAt by days.
	OccurredAt time.Time `json:"occurredAt"`
	Backfill   bool      `json:"backfill,omitempty"`
}

// SameContent reports whether a and b carry the same fact: the same ID, type,
// payload bytes and metadata. Stream, version, position and recorded time are
// not compared, because a retried append has not been given them yet.
func SameContent(a, b Event) bool {
	return a.ID == b.ID && a.Type == b.Type && bytes.Equal(a.Data, b.Data) &&
		a.Meta.ActorID == b.Meta.ActorID && a.Meta.Role == b.Meta.Role &&
		a.Meta.Jurisdiction == b.Meta.Jurisdiction &&
		a.Meta.IdempotencyKey == b.Meta.IdempotencyKey &&
		a.Meta.CorrelationID == b.Meta.CorrelationID &&
		a.Meta.CausationID == b.Meta.CausationID &&
		RecordedTime(a.Meta.OccurredAt).Equal(RecordedTime(b.Meta.OccurredAt))
}

// Size is the number of bytes the event's variable parts take, the measure
// EventBytesMax limits.
func (e Event) Size() int {
	m := e.Meta
	return len(e.Stream) + len(e.Type) + len(e.Data) + len(m.ActorID) + len(m.Role) +
		len(m.Jurisdiction) + len(m.IdempotencyKey) + len(m.CorrelationID) + len(m.CausationID)
}
