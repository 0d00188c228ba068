package kurrentdb

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"strings"
	"time"

	"github.com/EventStore/EventStore-Client-Go/v4/esdb"
	"github.com/google/uuid"

	"github.com/drip-ledger/drip/events"
)

// Pure conversions between Drip's events and KurrentDB's; see doc.go for why
// each is what it is.

// streamName is the KurrentDB stream that holds Drip stream s.
func streamName(prefix, s string) string { return prefix + s }

// dripStream returns the Drip stream held in KurrentDB stream name, and false
// for a stream that is not this deployment's (another prefix, a system
// stream).
func dripStream(prefix, name string) (string, bool) {
	s, ok := strings.CutPrefix(name, prefix)
	if !ok || events.ValidStream(s) != "" {
		return "", false
	}
	return s, true
}

// expectedRevision converts a Drip expected version into the client's:
// Drip versions count from 1, KurrentDB revisions from 0.
func expectedRevision(e events.Expected) esdb.ExpectedRevision {
	switch {
	case e == events.Any:
		return esdb.Any{}
	case e == events.StreamExists:
		return esdb.StreamExists{}
	case e == events.NoStream: // == Exact(0)
		return esdb.NoStream{}
	case e > 0:
		return esdb.Revision(uint64(e) - 1)
	}
	return esdb.Any{} // unreachable: CheckAppend refuses nothing here, but no Expected is below -2
}

// version is the Drip version of the event at KurrentDB revision rev.
func version(rev uint64) uint64 { return rev + 1 }

// revision is the KurrentDB revision of the event at Drip version v >= 1.
func revision(v uint64) uint64 { return v - 1 }

// token is the Drip position of an event at KurrentDB position p: 2·commit+1.
// Commit positions are byte offsets in the transaction log, unique per event
// (an append's events each get their own), increasing in $all order, and
// below 2^63, so the token is odd, ordered and fits a uint64. The even
// number after a token stands for "just after that event"; see boundary.
func token(p esdb.Position) uint64 { return 2*p.Commit + 1 }

// start is where a read of $all for Drip positions >= from begins.
type start struct {
	// at is the KurrentDB position to start at: the event there is the first
	// candidate. nil means the start of $all.
	at *esdb.Position
	// after reports that the event at `at` itself is before from and is
	// skipped (from was a token + 1).
	after bool
}

// boundary maps a Drip position onto a KurrentDB position that is the start
// of an event record, because KurrentDB refuses (or misreads) a read of $all
// from inside a record. Positions this store handed out (tokens), a token +
// 1, 0 and 1 map exactly; positions past the head read nothing. Any other
// number inside the log is not a place this store knows, and the server
// refuses it.
func boundary(from uint64) start {
	if from <= 1 {
		return start{}
	}
	if from%2 == 1 {
		c := (from - 1) / 2
		return start{at: &esdb.Position{Commit: c, Prepare: c}}
	}
	c := (from - 2) / 2
	return start{at: &esdb.Position{Commit: c, Prepare: c}, after: true}
}

// meta is the JSON kept as a KurrentDB event's user metadata: Drip's
// Metadata plus the time Drip recorded the event. KurrentDB's own created
// date is set by the server node and is not part of the event's content, so
// Drip keeps its own.
type meta struct {
	// Format marks metadata written by this package, version 1.
	Format         int       `json:"dripMeta"`
	ActorID        string    `json:"actorId"`
	Role           string    `json:"role,omitempty"`
	Jurisdiction   string    `json:"jurisdiction,omitempty"`
	IdempotencyKey string    `json:"idempotencyKey,omitempty"`
	CorrelationID  string    `json:"correlationId,omitempty"`
	CausationID    string    `json:"causationId,omitempty"`
	OccurredAt     time.Time `json:"occurredAt"`
	RecordedAt     time.Time `json:"recordedAt"`
	Backfill       bool      `json:"backfill,omitempty"`
}

const metaFormat = 1

func encodeMeta(m events.Metadata, recordedAt time.Time) ([]byte, error) {
	return json.Marshal(meta{
		Format: metaFormat, ActorID: m.ActorID, Role: m.Role, Jurisdiction: m.Jurisdiction,
		IdempotencyKey: m.IdempotencyKey, CorrelationID: m.CorrelationID, CausationID: m.CausationID,
		OccurredAt: events.RecordedTime(m.OccurredAt), RecordedAt: events.RecordedTime(recordedAt),
		Backfill: m.Backfill,
	})
}

func decodeMeta(b []byte) (events.Metadata, time.Time, error) {
	var m meta
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&m); err != nil {
		return events.Metadata{}, time.Time{}, fmt.Errorf("metadata: %w", err)
	}
	switch {
	case m.Format != metaFormat:
		return events.Metadata{}, time.Time{}, fmt.Errorf("metadata format %d, want %d", m.Format, metaFormat)
	case m.RecordedAt.IsZero():
		return events.Metadata{}, time.Time{}, fmt.Errorf("metadata has no recordedAt")
	}
	return events.Metadata{
		ActorID: m.ActorID, Role: m.Role, Jurisdiction: m.Jurisdiction, IdempotencyKey: m.IdempotencyKey,
		CorrelationID: m.CorrelationID, CausationID: m.CausationID, OccurredAt: m.OccurredAt.UTC(),
		Backfill: m.Backfill,
	}, m.RecordedAt.UTC(), nil
}

// eventData is the KurrentDB event that records ev: ID, type and payload
// bytes unchanged.
func eventData(ev events.Event, recordedAt time.Time) (esdb.EventData, error) {
	md, err := encodeMeta(ev.Meta, recordedAt)
	if err != nil {
		return esdb.EventData{}, err
	}
	return esdb.EventData{
		EventID:     uuid.UUID(ev.ID),
		EventType:   ev.Type,
		ContentType: esdb.ContentTypeJson,
		Data:        bytes.Clone(ev.Data),
		Metadata:    md,
	}, nil
}

// fromRecorded returns the Drip event recorded as r, or ok false if r is not
// this deployment's. A recorded event in this deployment's streams that does
// not decode is damage (ErrCorrupt), never skipped.
func fromRecorded(prefix string, r *esdb.RecordedEvent) (ev events.Event, ok bool, err error) {
	stream, mine := dripStream(prefix, r.StreamID)
	if !mine || strings.HasPrefix(r.EventType, "$") {
		return events.Event{}, false, nil
	}
	if r.Position.Commit > math.MaxInt64 {
		return events.Event{}, false, corrupt(r, "commit position above 2^63")
	}
	m, recordedAt, err := decodeMeta(r.UserMetadata)
	if err != nil {
		return events.Event{}, false, corrupt(r, err.Error())
	}
	return events.Event{
		ID:         events.ID(r.EventID),
		Stream:     stream,
		Version:    version(r.EventNumber),
		Position:   token(r.Position),
		Type:       r.EventType,
		Data:       bytes.Clone(r.Data),
		Meta:       m,
		RecordedAt: recordedAt,
	}, true, nil
}

func corrupt(r *esdb.RecordedEvent, why string) error {
	return &events.CorruptError{
		File:     "kurrentdb stream " + r.StreamID,
		Offset:   -1,
		Position: token(r.Position),
		Reason:   fmt.Sprintf("event %s at revision %d: %s", r.EventID, r.EventNumber, why),
	}
}

// streamFilter is the server-side filter of reads and subscriptions over
// $all: this deployment's stream prefix, or, without a prefix, every event
// whose type is not a system type.
func streamFilter(prefix string) *esdb.SubscriptionFilter {
	if prefix == "" {
		return esdb.ExcludeSystemEventsFilter()
	}
	return &esdb.SubscriptionFilter{Type: esdb.StreamFilterType, Prefixes: []string{prefix}}
}
