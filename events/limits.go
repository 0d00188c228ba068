package events

// Limits on every input the log accepts. Input above a limit is rejected with
// an error that names the limit (errors.Is(err, ErrLimit)), never slowed down
// or truncated. They are constants, not settings, because every backend must
// accept exactly the same events: a log copied from one store to another must
// fit.
const (
	// EventBytesMax bounds one event's stream, type, payload and metadata.
	// A household registration with a dozen members is about 4 KiB.
	EventBytesMax = 64 << 10
	// BatchEventsMax bounds the events of one append (one decision).
	BatchEventsMax = 1000
	// MultiStreamsMax bounds the streams of one AppendMulti: a fact and
	// the limits it takes (a cadre's capacity, a bank reference, an
	// idempotency key, and the largest: a household's registration claims
	// the resident ID of each of its at most 30 members). The
	// events of all its streams together are bounded by BatchEventsMax and
	// BatchBytesMax, as one append.
	MultiStreamsMax = 40
	// BatchBytesMax bounds the sum of Event.Size over one append.
	BatchBytesMax = 4 << 20
	// StreamBytesMax bounds a stream name.
	StreamBytesMax = 200
	// TypeBytesMax bounds an event type name.
	TypeBytesMax = 100
	// MetaFieldBytesMax bounds each metadata string.
	MetaFieldBytesMax = 200
	// ReadEventsMax bounds the events one ReadStream or ReadAll returns.
	ReadEventsMax = 10000
	// SubscriptionBufferLen is the default number of events a Subscription
	// holds for a consumer that has not taken them yet. A consumer slower
	// than the log fills it and then slows the subscription down; it is never
	// dropped and never handed a gap.
	SubscriptionBufferLen = 256
)
