package projections

import (
	"fmt"
	"slices"
	"strconv"
	"time"

	"github.com/ThreeDotsLabs/watermill/message"

	"github.com/drip-ledger/drip/events"
)

// Metadata keys of a message that carries an event. Times are RFC 3339 with
// nanoseconds, in UTC; numbers are decimal. MetaCorrelationID is Watermill's
// own key (middleware.CorrelationIDMetadataKey), so Watermill's CorrelationID
// middleware carries it on.
const (
	MetaType           = "type"
	MetaStream         = "stream"
	MetaVersion        = "version"
	MetaPosition       = "position"
	MetaRecordedAt     = "recorded_at"
	MetaActorID        = "actor_id"
	MetaRole           = "role"
	MetaJurisdiction   = "jurisdiction"
	MetaIdempotencyKey = "idempotency_key"
	MetaCorrelationID  = "correlation_id"
	MetaCausationID    = "causation_id"
	MetaBackfill       = "backfill"
	MetaOccurredAt     = "occurred_at"
	// MetaExpectedVersion is read by Publisher only: the stream version the
	// append expects ("any", "no-stream", "stream-exists" or a number).
	MetaExpectedVersion = "expected_version"
)

// Marshaler maps between messages and events. Subscriber and Publisher use
// EventMarshaler unless told otherwise; another Marshaler is for carrying
// foreign messages through the log, as the Pub/Sub test suite does.
type Marshaler interface {
	// Marshal returns the event that msg becomes when it is published to
	// stream: its ID, Type, Data and Meta (the store assigns the rest).
	Marshal(stream string, msg *message.Message) (events.Event, error)
	// Unmarshal returns the message a subscriber receives for ev. Its
	// UUID must be the same every time ev is delivered, so that a consumer
	// can recognise a redelivery.
	Unmarshal(ev events.Event) (*message.Message, error)
}

// EventMarshaler is the Marshaler of Drip's own events: the message's UUID
// is the event ID, its payload is the event's JSON data, and the envelope is
// in the metadata under the Meta* keys.
//
// Marshal accepts exactly that shape: a canonical UUID, MetaType, a payload
// the store's registry accepts for that type, and the metadata keys
// MetaActorID, MetaRole, MetaJurisdiction, MetaIdempotencyKey,
// MetaCorrelationID, MetaCausationID, MetaOccurredAt (and MetaExpectedVersion
// for the Publisher). The keys the store assigns (MetaStream, MetaVersion,
// MetaPosition, MetaRecordedAt) are ignored, so a message read from one log can
// be appended to another. Any other key is refused rather than dropped:
// metadata that would silently vanish on the way in is a bug to hear about.
type EventMarshaler struct{}

var _ Marshaler = EventMarshaler{}

// Unmarshal implements Marshaler; it never fails.
func (EventMarshaler) Unmarshal(ev events.Event) (*message.Message, error) {
	return NewMessage(ev), nil
}

var (
	envelopeKeys = []string{MetaActorID, MetaRole, MetaJurisdiction, MetaIdempotencyKey,
		MetaCorrelationID, MetaCausationID, MetaBackfill, MetaOccurredAt, MetaType, MetaExpectedVersion}
	assignedKeys = []string{MetaStream, MetaVersion, MetaPosition, MetaRecordedAt}
)

// Marshal implements Marshaler, reporting every problem at once as an
// *events.InvalidError.
func (EventMarshaler) Marshal(_ string, msg *message.Message) (events.Event, error) {
	var ps events.Problems
	for k := range msg.Metadata {
		if !slices.Contains(envelopeKeys, k) && !slices.Contains(assignedKeys, k) {
			ps.Addf("metadata."+k, "is not an event metadata key")
		}
	}
	ev := envelope(msg, &ps)
	if err := ps.Err(); err != nil {
		return events.Event{}, err
	}
	return ev, nil
}

// envelope reads what a writer supplies: ID, type, data and metadata.
func envelope(msg *message.Message, ps *events.Problems) events.Event {
	md := msg.Metadata
	var ev events.Event
	id, err := events.ParseID(msg.UUID)
	if err != nil {
		ps.Add("uuid", err.Error())
	}
	ev.ID = id
	if ev.Type = md.Get(MetaType); ev.Type == "" {
		ps.Add("metadata."+MetaType, "is missing")
	}
	ev.Data = append([]byte(nil), msg.Payload...)
	ev.Meta = events.Metadata{
		ActorID: md.Get(MetaActorID), Role: md.Get(MetaRole), Jurisdiction: md.Get(MetaJurisdiction),
		IdempotencyKey: md.Get(MetaIdempotencyKey), CorrelationID: md.Get(MetaCorrelationID),
		CausationID: md.Get(MetaCausationID), Backfill: md.Get(MetaBackfill) == "true",
	}
	ev.Meta.OccurredAt = parseTime(md, MetaOccurredAt, ps)
	return ev
}

// NewMessage returns the message that carries ev, as EventMarshaler makes it.
func NewMessage(ev events.Event) *message.Message {
	msg := message.NewMessage(ev.ID.String(), message.Payload(append([]byte(nil), ev.Data...)))
	md := msg.Metadata
	md.Set(MetaType, ev.Type)
	md.Set(MetaStream, ev.Stream)
	md.Set(MetaVersion, strconv.FormatUint(ev.Version, 10))
	md.Set(MetaPosition, strconv.FormatUint(ev.Position, 10))
	md.Set(MetaRecordedAt, formatTime(ev.RecordedAt))
	md.Set(MetaOccurredAt, formatTime(ev.Meta.OccurredAt))
	set := func(k, v string) {
		if v != "" {
			md.Set(k, v)
		}
	}
	set(MetaActorID, ev.Meta.ActorID)
	set(MetaRole, ev.Meta.Role)
	set(MetaJurisdiction, ev.Meta.Jurisdiction)
	set(MetaIdempotencyKey, ev.Meta.IdempotencyKey)
	set(MetaCorrelationID, ev.Meta.CorrelationID)
	set(MetaCausationID, ev.Meta.CausationID)
	if ev.Meta.Backfill {
		md.Set(MetaBackfill, "true")
	}
	return msg
}

// EventFromMessage reads back every field of the event NewMessage put in
// msg, the store-assigned ones included. It returns an *events.InvalidError
// naming every missing or malformed field.
func EventFromMessage(msg *message.Message) (events.Event, error) {
	var ps events.Problems
	ev := envelope(msg, &ps)
	md := msg.Metadata
	if ev.Stream = md.Get(MetaStream); ev.Stream == "" {
		ps.Add("metadata."+MetaStream, "is missing")
	}
	ev.Version = parseUint(md, MetaVersion, &ps)
	ev.Position = parseUint(md, MetaPosition, &ps)
	ev.RecordedAt = parseTime(md, MetaRecordedAt, &ps)
	if err := ps.Err(); err != nil {
		return events.Event{}, fmt.Errorf("projections: message %s: %w", msg.UUID, err)
	}
	return ev, nil
}

func formatTime(t time.Time) string { return t.UTC().Format(time.RFC3339Nano) }

func parseTime(md message.Metadata, key string, ps *events.Problems) time.Time {
	s := md.Get(key)
	if s == "" {
		ps.Add("metadata."+key, "is missing")
		return time.Time{}
	}
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		ps.Addf("metadata."+key, "%q is not an RFC 3339 time", s)
	}
	return t.UTC()
}

func parseUint(md message.Metadata, key string, ps *events.Problems) uint64 {
	s := md.Get(key)
	n, err := strconv.ParseUint(s, 10, 64)
	if err != nil || n == 0 {
		ps.Addf("metadata."+key, "%q is not a positive number", s)
	}
	return n
}

// parseExpected reads MetaExpectedVersion; absent means events.Any.
func parseExpected(md message.Metadata) (events.Expected, error) {
	switch s := md.Get(MetaExpectedVersion); s {
	case "", events.Any.String():
		return events.Any, nil
	case events.NoStream.String():
		return events.NoStream, nil
	case events.StreamExists.String():
		return events.StreamExists, nil
	default:
		v, err := strconv.ParseUint(s, 10, 63)
		if err != nil {
			return 0, fmt.Errorf("projections: metadata %s: %q is not a version, %q, %q or %q",
				MetaExpectedVersion, s, events.Any, events.NoStream, events.StreamExists)
		}
		return events.Exact(v), nil
	}
}
