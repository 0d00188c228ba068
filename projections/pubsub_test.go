package projections_test

import (
	"encoding/json"
	"fmt"
	"os"
	"sync/atomic"
	"testing"
	"time"

	"github.com/ThreeDotsLabs/watermill/message"
	"github.com/ThreeDotsLabs/watermill/pubsub/tests"

	"github.com/drip-ledger/drip/events"
	"github.com/drip-ledger/drip/projections"
)

// The suite publishes arbitrary bytes ("x", "42") with arbitrary metadata
// ("test": …) and, in one test, the same message UUID to twenty topics. The
// log takes neither: a payload must be a JSON object of a registered type,
// and an event ID is unique in the whole log. So the suite runs with
// carrierMarshaler, which carries each message whole inside an event of type
// typeCarried and gives the event an ID derived from (stream, UUID). Topic
// semantics, ordering, acks, checkpoints and redelivery are the package's
// own, unchanged.
const typeCarried = "pubsubtest.carried.v1"

type carried struct {
	UUID     string            `json:"uuid"`
	Payload  []byte            `json:"payload"`
	Metadata map[string]string `json:"metadata,omitempty"`
}

func (carried) EventType() string { return typeCarried }

func (c carried) Validate() error {
	var ps events.Problems
	if c.UUID == "" {
		ps.Add("uuid", "is required")
	}
	return ps.Err()
}

func carriedRegistry() *events.Registry {
	r := events.NewRegistry()
	r.Register(func() events.Payload { return new(carried) })
	return r
}

var carrierNamespace = events.MustParseID("6f1d2c3e-8a4b-4c5d-9e6f-7a8b9c0d1e2f")

// carrierOccurredAt is fixed so that a retried Publish makes the very same
// event and the store recognises the retry.
var carrierOccurredAt = time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)

type carrierMarshaler struct{}

func (carrierMarshaler) Marshal(stream string, msg *message.Message) (events.Event, error) {
	data, err := json.Marshal(carried{UUID: msg.UUID, Payload: msg.Payload, Metadata: msg.Metadata})
	if err != nil {
		return events.Event{}, err
	}
	return events.Event{
		ID:   events.DeriveID(carrierNamespace, stream+"\x00"+msg.UUID),
		Type: typeCarried, Data: data,
		Meta: events.Metadata{ActorID: "pubsubtest", OccurredAt: carrierOccurredAt},
	}, nil
}

func (carrierMarshaler) Unmarshal(ev events.Event) (*message.Message, error) {
	var c carried
	if err := json.Unmarshal(ev.Data, &c); err != nil {
		return nil, fmt.Errorf("position %d: %w", ev.Position, err)
	}
	msg := message.NewMessage(c.UUID, c.Payload)
	for k, v := range c.Metadata {
		msg.Metadata.Set(k, v)
	}
	return msg, nil
}

// suitePubSub returns constructors over one store and one set of
// checkpoints, as separate processes sharing a database would see them:
// that is what makes the Pub/Sub persistent across instances.
func suitePubSub(t *testing.T) (tests.PubSubConstructor, tests.ConsumerGroupPubSubConstructor) {
	store := events.NewMemoryStore(carriedRegistry(), nil)
	t.Cleanup(func() { store.Close() })
	cps := &projections.MemoryCheckpoints{}
	group := func(t *testing.T, consumerGroup string) (message.Publisher, message.Subscriber) {
		pub, err := projections.NewPublisher(store, projections.PublisherConfig{Marshaler: carrierMarshaler{}})
		if err != nil {
			t.Fatal(err)
		}
		sub, err := projections.NewSubscriber(store, projections.SubscriberConfig{
			ConsumerGroup: consumerGroup, Checkpoints: cps, Marshaler: carrierMarshaler{},
			// The suite nacks hundreds of times in a row; production
			// defaults (100ms doubling to 5s) would make it take minutes.
			NackDelayMin: time.Millisecond, NackDelayMax: 10 * time.Millisecond,
			// The suite's multiplied subscriber takes messages it never
			// acks or nacks once it has read enough, then closes ten
			// subscribers one after the other; each would wait the full
			// default 10s for an answer that never comes.
			StopAckWait: 100 * time.Millisecond,
		})
		if err != nil {
			t.Fatal(err)
		}
		return pub, sub
	}
	return func(t *testing.T) (message.Publisher, message.Subscriber) { return group(t, "suite") }, group
}

// suiteFeatures are the features this Pub/Sub has, and why:
var suiteFeatures = tests.Features{
	// Each consumer group keeps its own checkpoint and reads the whole
	// topic. (Subscribers in one group do not split the work; the suite
	// does not test that, and Drip runs one consumer per group.)
	ConsumerGroups: true,
	// At least once: an acked event is redelivered if the process stops
	// before its checkpoint is saved, and a Nack redelivers.
	ExactlyOnceDelivery: false,
	// Every subscription delivers the global log in order, one message at a
	// time, the next only after an Ack.
	GuaranteedOrder: true,
	// Events and checkpoints live in the store and the Checkpoints, shared
	// by every instance built over them.
	Persistent: true,
	// Instances over one store cooperate; nothing is held in one instance.
	RequireSingleInstance: false,
	// A new subscriber in an existing group resumes after the group's
	// checkpoint, so it does not get messages the group has acked. A new
	// group does: TestPubSubNewGroupReadsOldMessages.
	NewSubscriberReceivesOldMessages: false,
	// Contexts cannot be stored in a log.
	ContextPreserved: false,
}

// TestPubSub runs Watermill's universal suite. Two of its tests skip
// themselves, by design: TestReconnect needs a broker process to restart
// (RestartServiceCommand) and the log here is in-process; and
// TestNewSubscriberReceivesOldMessages runs in
// TestPubSubNewGroupReadsOldMessages instead (see suiteFeatures).
func TestPubSub(t *testing.T) {
	ctor, groupCtor := suitePubSub(t)
	tests.TestPubSub(t, suiteFeatures, ctor, groupCtor)
}

// TestPubSubNewGroupReadsOldMessages runs the suite's
// TestNewSubscriberReceivesOldMessages with a fresh consumer group for every
// subscriber: a new group reads the topic from its first event.
func TestPubSubNewGroupReadsOldMessages(t *testing.T) {
	_, groupCtor := suitePubSub(t)
	var n atomic.Int64
	fresh := func(t *testing.T) (message.Publisher, message.Subscriber) {
		return groupCtor(t, fmt.Sprintf("fresh-%d", n.Add(1)))
	}
	features := suiteFeatures
	features.NewSubscriberReceivesOldMessages = true
	tests.TestNewSubscriberReceivesOldMessages(t, tests.TestContext{TestID: tests.NewTestID(), Features: features}, fresh)
}

// TestPubSubStress runs the whole suite ten times in parallel (or
// STRESS_TEST_COUNT times). It takes about 85s on two cores, almost all of it
// in TestConcurrentSubscribe (50 subscribers × 5000 messages, each handed out
// and acked one at a time), so it runs only when STRESS_TEST_COUNT is set:
//
//	STRESS_TEST_COUNT=10 go test -run TestPubSubStress ./projections/
func TestPubSubStress(t *testing.T) {
	if os.Getenv("STRESS_TEST_COUNT") == "" {
		t.Skip("set STRESS_TEST_COUNT to run the suite that many times in parallel (~85s for 10 on two cores)")
	}
	ctor, groupCtor := suitePubSub(t)
	tests.TestPubSubStressTest(t, suiteFeatures, ctor, groupCtor)
}
