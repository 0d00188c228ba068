package projections_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/ThreeDotsLabs/watermill/message"
	"github.com/google/go-cmp/cmp"

	"github.com/drip-ledger/drip/events"
	"github.com/drip-ledger/drip/events/storetest"
	"github.com/drip-ledger/drip/projections"
)

func notedMessage(t *testing.T, text string, n int) *message.Message {
	t.Helper()
	id, err := events.NewID(nil)
	if err != nil {
		t.Fatal(err)
	}
	msg := message.NewMessage(id.String(), []byte(`{"text":"`+text+`","n":`+string(rune('0'+n))+`}`))
	msg.Metadata.Set(projections.MetaType, storetest.TypeNoted)
	msg.Metadata.Set(projections.MetaActorID, "clerk-7")
	msg.Metadata.Set(projections.MetaOccurredAt, "2026-03-04T05:06:07.123456Z")
	return msg
}

func TestEventMarshalerRoundTripsEveryField(t *testing.T) {
	ev := events.Event{
		ID: events.MustParseID("0190a3c4-5e6f-4a1b-8c2d-3e4f5a6b7c8d"), Stream: "household-520526104201-0007",
		Version: 3, Position: 42, Type: storetest.TypeNoted, Data: []byte(`{"text":"a","n":1}`),
		Meta: events.Metadata{ActorID: "cadre-1", Role: "cadre", Jurisdiction: "520526", IdempotencyKey: "k",
			CorrelationID: "c", CausationID: "d", OccurredAt: time.Date(2026, 1, 2, 3, 4, 5, 6000, time.UTC),
			Backfill: true},
		RecordedAt: time.Date(2026, 1, 3, 0, 0, 0, 1000, time.UTC),
	}
	msg, err := projections.EventMarshaler{}.Unmarshal(ev)
	if err != nil {
		t.Fatal(err)
	}
	if msg.UUID != ev.ID.String() || string(msg.Payload) != string(ev.Data) {
		t.Errorf("message %s %s, want the event's ID and data", msg.UUID, msg.Payload)
	}
	got, err := projections.EventFromMessage(msg)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(ev, got); diff != "" {
		t.Errorf("round trip (-want +got):\n%s", diff)
	}
}

func TestEventMarshalerRefusesUnknownMetadataAndNamesEveryProblem(t *testing.T) {
	msg := message.NewMessage("not-a-uuid", []byte(`{}`))
	msg.Metadata.Set("tenant", "x")
	msg.Metadata.Set(projections.MetaOccurredAt, "yesterday")
	_, err := projections.EventMarshaler{}.Marshal("s", msg)
	if !errors.Is(err, events.ErrInvalid) {
		t.Fatalf("Marshal = %v, want ErrInvalid", err)
	}
	for _, want := range []string{"uuid", "metadata.tenant", "metadata.type", "metadata.occurred_at"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not name %s", err, want)
		}
	}
}

func TestPublisherAppendsToTheTopicsStream(t *testing.T) {
	ctx := context.Background()
	store := events.NewMemoryStore(storetest.Registry(), nil)
	defer store.Close()
	pub, err := projections.NewPublisher(store, projections.PublisherConfig{})
	if err != nil {
		t.Fatal(err)
	}
	first, second := notedMessage(t, "a", 1), notedMessage(t, "b", 2)
	first.Metadata.Set(projections.MetaExpectedVersion, "no-stream")
	if err := pub.Publish("account-1", first, second); err != nil {
		t.Fatal(err)
	}
	got, err := store.ReadStream(ctx, "account-1", 1, events.Forwards, 10)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 || got[0].ID.String() != first.UUID || got[1].ID.String() != second.UUID || got[1].Meta.ActorID != "clerk-7" {
		t.Fatalf("stream holds %+v", got)
	}

	t.Run("a retry of the same messages is idempotent", func(t *testing.T) {
		if err := pub.Publish("account-1", first, second); err != nil {
			t.Error(err)
		}
		if head, _ := store.Head(ctx); head != 2 {
			t.Errorf("head %d after a retry, want 2", head)
		}
	})
	t.Run("a wrong expected version is a concurrency error", func(t *testing.T) {
		msg := notedMessage(t, "c", 3)
		msg.Metadata.Set(projections.MetaExpectedVersion, "1")
		if err := pub.Publish("account-1", msg); !errors.Is(err, events.ErrConcurrency) {
			t.Errorf("Publish = %v, want ErrConcurrency", err)
		}
	})
	t.Run("only the first message carries the expected version", func(t *testing.T) {
		later := notedMessage(t, "d", 4)
		later.Metadata.Set(projections.MetaExpectedVersion, "2")
		if err := pub.Publish("account-1", notedMessage(t, "c", 3), later); err == nil {
			t.Error("Publish accepted an expected version on a later message")
		}
	})
	t.Run("a reading topic is not a stream", func(t *testing.T) {
		if err := pub.Publish(projections.TopicAll, notedMessage(t, "c", 3)); err == nil {
			t.Error("Publish to $all succeeded")
		}
	})
	t.Run("more than a batch is refused", func(t *testing.T) {
		msgs := make([]*message.Message, events.BatchEventsMax+1)
		for i := range msgs {
			msgs[i] = notedMessage(t, "x", 1)
		}
		if err := pub.Publish("account-2", msgs...); !errors.Is(err, events.ErrLimit) {
			t.Errorf("Publish of %d = %v, want ErrLimit", len(msgs), err)
		}
	})
	t.Run("after Close", func(t *testing.T) {
		pub.Close()
		if err := pub.Publish("account-1", notedMessage(t, "c", 3)); !errors.Is(err, projections.ErrClosed) {
			t.Errorf("Publish after Close = %v, want ErrClosed", err)
		}
	})
}

func TestSubscriberTopicsSelectEvents(t *testing.T) {
	store := events.NewMemoryStore(storetest.Registry(), nil)
	defer store.Close()
	appendNoted(t, store, 6) // account-0, account-1, account-2, account-0, …
	sub, err := projections.NewSubscriber(store, projections.SubscriberConfig{
		ConsumerGroup: "t", Checkpoints: &projections.MemoryCheckpoints{}})
	if err != nil {
		t.Fatal(err)
	}
	defer sub.Close()
	for _, tc := range []struct {
		topic string
		want  []string // positions
	}{
		{projections.TopicAll, []string{"1", "2", "3", "4", "5", "6"}},
		{projections.CategoryTopic("account"), []string{"1", "2", "3", "4", "5", "6"}},
		{projections.TypeTopic(storetest.TypeNoted), []string{"1", "2", "3", "4", "5", "6"}},
		{"account-1", []string{"2", "5"}},
	} {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		msgs, err := sub.Subscribe(ctx, tc.topic)
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for len(got) < len(tc.want) {
			msg, ok := <-msgs
			if !ok {
				break
			}
			got = append(got, msg.Metadata.Get(projections.MetaPosition))
			msg.Ack()
		}
		cancel()
		if !cmp.Equal(got, tc.want) {
			t.Errorf("topic %s delivered positions %v, want %v", tc.topic, got, tc.want)
		}
	}
	for _, bad := range []string{"$ce-", "$ce-a-b", "$et-nope", "$xx", "a b"} {
		if _, err := sub.Subscribe(context.Background(), bad); err == nil {
			t.Errorf("Subscribe(%q) succeeded", bad)
		}
	}
}

func TestSubscriberRedeliversANackedEventAndNeverSkipsIt(t *testing.T) {
	store := events.NewMemoryStore(storetest.Registry(), nil)
	defer store.Close()
	appendNoted(t, store, 2)
	cps := &projections.MemoryCheckpoints{}
	sub, err := projections.NewSubscriber(store, projections.SubscriberConfig{ConsumerGroup: "g", Checkpoints: cps,
		NackDelayMin: time.Millisecond, NackDelayMax: 2 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	defer sub.Close()
	msgs, err := sub.Subscribe(context.Background(), projections.TopicAll)
	if err != nil {
		t.Fatal(err)
	}
	first := <-msgs
	for range 5 {
		first.Nack()
		again := <-msgs
		if again.UUID != first.UUID {
			t.Fatalf("after a Nack got %s, want %s again", again.UUID, first.UUID)
		}
		first = again
	}
	if cp, _ := cps.Load(context.Background(), "g"); cp != 0 {
		t.Errorf("checkpoint %d before any Ack", cp)
	}
	first.Ack()
	second := <-msgs
	if second.Metadata.Get(projections.MetaPosition) != "2" {
		t.Errorf("after the Ack got position %s, want 2", second.Metadata.Get(projections.MetaPosition))
	}
	if cp, _ := cps.Load(context.Background(), "g"); cp != 1 {
		t.Errorf("checkpoint %d after acking position 1", cp)
	}
	second.Ack() // else Close waits StopAckWait for an answer
}

func TestSubscriberReportsAFailedStore(t *testing.T) {
	store := events.NewMemoryStore(storetest.Registry(), nil)
	ended := make(chan error, 1)
	sub, err := projections.NewSubscriber(store, projections.SubscriberConfig{ConsumerGroup: "g",
		Checkpoints: &projections.MemoryCheckpoints{}, Ended: func(_ string, err error) { ended <- err }})
	if err != nil {
		t.Fatal(err)
	}
	defer sub.Close()
	msgs, err := sub.Subscribe(context.Background(), projections.TopicAll)
	if err != nil {
		t.Fatal(err)
	}
	store.Close()
	if _, ok := <-msgs; ok {
		t.Error("a message from a closed store")
	}
	if err := <-ended; !errors.Is(err, events.ErrClosed) {
		t.Errorf("Ended with %v, want events.ErrClosed", err)
	}
}

func TestNewSubscriberReportsEveryProblem(t *testing.T) {
	_, err := projections.NewSubscriber(nil, projections.SubscriberConfig{ConsumerGroup: "a/b",
		NackDelayMin: time.Hour, NackDelayMax: time.Second})
	for _, want := range []string{"ConsumerGroup", "Checkpoints", "NackDelayMin 1h0m0s is outside", "above NackDelayMax"} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("error %v does not mention %q", err, want)
		}
	}
}
