package projections

import (
	"errors"
	"fmt"
	"sync/atomic"

	"github.com/ThreeDotsLabs/watermill/message"

	"github.com/drip-ledger/drip/events"
)

// PublisherConfig configures a Publisher.
type PublisherConfig struct {
	// Marshaler makes events of messages (default EventMarshaler, whose doc
	// lists exactly what it accepts).
	Marshaler Marshaler
}

// Publisher is a Watermill message.Publisher that appends to an
// events.Store.
//
// Publish(topic, msgs...) appends msgs, in order and atomically (all or
// none), to the stream named topic, as one events.Store.Append: so topic must
// be a stream name, at most events.BatchEventsMax messages go in one call,
// and the store validates every event against its registry. The expected
// version is the first message's MetaExpectedVersion ("any" when absent);
// later messages must not carry one. The append runs under the first
// message's context (message.Message.Context), which is how a caller bounds
// it. Publishing the same messages again (same UUIDs, same content) is an
// idempotent retry: the store answers with the earlier result.
type Publisher struct {
	store     events.Store
	marshaler Marshaler
	closed    atomic.Bool
}

var _ message.Publisher = (*Publisher)(nil)

// NewPublisher returns a Publisher appending to store.
func NewPublisher(store events.Store, cfg PublisherConfig) (*Publisher, error) {
	if store == nil {
		return nil, errors.New("projections: NewPublisher needs a store")
	}
	if cfg.Marshaler == nil {
		cfg.Marshaler = EventMarshaler{}
	}
	return &Publisher{store: store, marshaler: cfg.Marshaler}, nil
}

// Publish implements message.Publisher; see Publisher.
func (p *Publisher) Publish(topic string, msgs ...*message.Message) error {
	if p.closed.Load() {
		return ErrClosed
	}
	if len(msgs) == 0 {
		return nil
	}
	if len(msgs) > events.BatchEventsMax {
		return fmt.Errorf("projections: publish %d messages, above the limit of %d per call: %w",
			len(msgs), events.BatchEventsMax, events.ErrLimit)
	}
	if why := events.ValidStream(topic); why != "" {
		return fmt.Errorf("projections: publish to %q: a topic to publish to is a stream name, and this one %s", topic, why)
	}
	expected, err := parseExpected(msgs[0].Metadata)
	if err != nil {
		return err
	}
	evs := make([]events.Event, len(msgs))
	var errs []error
	for i, msg := range msgs {
		if i > 0 && msg.Metadata.Get(MetaExpectedVersion) != "" {
			errs = append(errs, fmt.Errorf("message %d (%s): only the first message may carry %s", i, msg.UUID, MetaExpectedVersion))
		}
		if evs[i], err = p.marshaler.Marshal(topic, msg); err != nil {
			errs = append(errs, fmt.Errorf("message %d (%s): %w", i, msg.UUID, err))
		}
	}
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("projections: publish to %q: %w", topic, err)
	}
	if _, err := p.store.Append(msgs[0].Context(), topic, expected, evs...); err != nil {
		return fmt.Errorf("projections: publish to %q: %w", topic, err)
	}
	return nil
}

// Close implements message.Publisher. Later Publish calls return ErrClosed;
// the store stays open (it belongs to the caller).
func (p *Publisher) Close() error {
	p.closed.Store(true)
	return nil
}
