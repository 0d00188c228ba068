package forward_test

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	wmnats "github.com/ThreeDotsLabs/watermill-nats/v2/pkg/nats"
	"github.com/google/go-cmp/cmp"
	"github.com/nats-io/nats-server/v2/server"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/drip-ledger/drip/events"
	"github.com/drip-ledger/drip/projections"
	"github.com/drip-ledger/drip/projections/forward"
)

var quiet = slog.New(slog.NewTextHandler(io.Discard, nil))

// natsURL is the server the tests use: DRIP_TEST_NATS (JetStream on) when
// set; else, outside CI, an in-process server in a temporary directory. CI
// must name a real one: a test that needs a server fails there without it.
func natsURL(t *testing.T) string {
	t.Helper()
	if u := os.Getenv("DRIP_TEST_NATS"); u != "" {
		return u
	}
	if os.Getenv("CI") == "true" {
		t.Fatal("CI=true: set DRIP_TEST_NATS to a NATS server with JetStream (e.g. nats://127.0.0.1:4222)")
	}
	s, err := server.NewServer(&server.Options{Host: "127.0.0.1", Port: -1, JetStream: true,
		StoreDir: t.TempDir(), NoLog: true, NoSigs: true})
	if err != nil {
		t.Fatal(err)
	}
	go s.Start()
	if !s.ReadyForConnections(10 * time.Second) {
		t.Fatal("in-process NATS server not ready")
	}
	t.Cleanup(func() { s.Shutdown(); s.WaitForShutdown() })
	return s.ClientURL()
}

// target is one test's stream and subjects on the server, deleted afterwards.
type target struct {
	url, stream, prefix string
	js                  jetstream.JetStream
}

func newTarget(t *testing.T) target {
	t.Helper()
	url := natsURL(t)
	b := make([]byte, 6)
	rand.Read(b)
	suffix := hex.EncodeToString(b)
	conn, err := nats.Connect(url, nats.Timeout(5*time.Second))
	if err != nil {
		t.Fatalf("connect to %s: %v", url, err)
	}
	js, err := jetstream.New(conn)
	if err != nil {
		t.Fatal(err)
	}
	tg := target{url: url, stream: "TEST_FORWARD_" + strings.ToUpper(suffix), prefix: "test-drip-" + suffix, js: js}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if err := js.DeleteStream(ctx, tg.stream); err != nil && !errors.Is(err, jetstream.ErrStreamNotFound) {
			t.Errorf("delete stream %s: %v", tg.stream, err)
		}
		conn.Close()
	})
	return tg
}

func (tg target) config(cps projections.Checkpoints) forward.Config {
	return forward.Config{URL: tg.url, Stream: tg.stream, SubjectPrefix: tg.prefix, Checkpoints: cps,
		PublishTimeout: 3 * time.Second, RetryDelayMax: 200 * time.Millisecond, NackDelayMax: 200 * time.Millisecond, Logger: quiet}
}

// Test payloads: three types, so events go to three subjects.
type enrolled struct {
	Household string `json:"household"`
	N         int    `json:"n"`
}

func (enrolled) EventType() string { return "household.enrolled.v1" }
func (enrolled) Validate() error   { return nil }

type disbursed struct {
	AmountFen int64 `json:"amountFen"`
	N         int   `json:"n"`
}

func (disbursed) EventType() string { return "fund.disbursed.v1" }
func (disbursed) Validate() error   { return nil }

type filed struct {
	Text string `json:"text"`
	N    int    `json:"n"`
}

func (filed) EventType() string { return "complaint.filed.v1" }
func (filed) Validate() error   { return nil }

func registry() *events.Registry {
	r := events.NewRegistry()
	r.Register(func() events.Payload { return new(enrolled) }, func() events.Payload { return new(disbursed) },
		func() events.Payload { return new(filed) })
	return r
}

var ns = events.MustParseID("3f0a4e9e-8d8b-4b43-9d57-5a1c0e0b7f21")

func event(t testing.TB, n int) events.Event {
	var p events.Payload
	switch n % 3 {
	case 0:
		p = enrolled{Household: fmt.Sprint("h-", n), N: n}
	case 1:
		p = disbursed{AmountFen: int64(100 * n), N: n}
	default:
		p = filed{Text: "late payment", N: n}
	}
	data, err := json.Marshal(p)
	if err != nil {
		t.Fatal(err)
	}
	return events.Event{ID: events.DeriveID(ns, fmt.Sprint(t.Name(), n)), Type: p.EventType(), Data: data,
		Meta: events.Metadata{ActorID: "clerk-1", Role: "clerk", Jurisdiction: "520526", CorrelationID: fmt.Sprint("corr-", n/3),
			OccurredAt: time.Date(2025, 3, 4, 5, 6, 7, 0, time.UTC)}}
}

// appendEvents appends n events in appends of 1..3 to a dozen streams,
// pausing every so often so that the forwarder's restarts fall in the middle.
func appendEvents(ctx context.Context, t *testing.T, s events.Store, n int, pause time.Duration) {
	for i := 0; i < n; {
		k := min(1+i%3, n-i)
		batch := make([]events.Event, k)
		for j := range batch {
			batch[j] = event(t, i+j)
		}
		if _, err := s.Append(ctx, fmt.Sprintf("household-%d", i%12), events.Any, batch...); err != nil {
			t.Error(err)
			return
		}
		i += k
		if pause > 0 && i%10 < 3 {
			time.Sleep(pause)
		}
	}
}

// run starts f and returns a channel that receives Run's result.
func run(f *forward.Forwarder) <-chan error {
	done := make(chan error, 1)
	go func() { done <- f.Run(context.Background()) }()
	return done
}

// waitFor polls cond until it holds or the deadline passes.
func waitFor(t *testing.T, what string, timeout time.Duration, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func position(t *testing.T, f *forward.Forwarder) uint64 {
	st, err := f.Status(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return st.Position
}

var errCrash = errors.New("simulated crash after publish, before checkpoint save")

func TestForwardingSurvivesRestartsMidStream(t *testing.T) {
	tg := newTarget(t)
	ctx := context.Background()
	store := events.NewMemoryStore(registry(), nil)
	cps, err := projections.NewFileCheckpoints(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	const n = 800
	var appender sync.WaitGroup
	appender.Go(func() { appendEvents(ctx, t, store, n, 5*time.Millisecond) })

	name := "forward-" + tg.stream
	for round := range 6 {
		f, err := forward.New(store, tg.config(cps))
		if err != nil {
			t.Fatal(err)
		}
		from, err := cps.Load(ctx, name)
		if err != nil {
			t.Fatal(err)
		}
		crash := round == 2 || round == 4
		var crashAt atomic.Uint64
		if crash {
			// Stop right after JetStream stored an event, before the
			// checkpoint save.
			forward.SetAfterPublish(f, func(ev events.Event) error {
				if ev.Position > from+25 && crashAt.CompareAndSwap(0, ev.Position) {
					return errCrash
				}
				return nil
			})
		}
		done := run(f)
		switch {
		case crash:
			if err := <-done; !errors.Is(err, errCrash) {
				t.Fatalf("round %d: Run = %v, want the simulated crash", round, err)
			}
			if cp, _ := cps.Load(ctx, name); cp != crashAt.Load()-1 {
				t.Fatalf("round %d: checkpoint %d after a crash at %d, want %d", round, cp, crashAt.Load(), crashAt.Load()-1)
			}
			f.Close()
			continue
		case round == 1:
			f.Close() // a stop at once, maybe before the first publish
		default:
			waitFor(t, "progress", 20*time.Second, func() bool { return position(t, f) >= min(from+40, n) })
			f.Close()
		}
		if err := <-done; err != nil {
			t.Fatalf("round %d: Run: %v", round, err)
		}
	}
	if head, _ := store.Head(ctx); head == n {
		t.Log("the appender finished before the last restart; the restarts were not all mid-stream")
	}
	appender.Wait()
	f, err := forward.New(store, tg.config(cps))
	if err != nil {
		t.Fatal(err)
	}
	done := run(f)
	waitFor(t, "the forwarder to catch up", 60*time.Second, func() bool { return position(t, f) == n })
	if st, _ := f.Status(ctx); st.Lag != 0 || st.State != "running" {
		t.Errorf("status after catching up: %+v", st)
	}
	f.Close()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	checkStream(t, tg, store, n)
}

// checkStream reads the whole stream with a consumer and checks that it holds
// every event of the log exactly once, in global order, on its type's
// subject, with its ID as message ID and its whole envelope.
func checkStream(t *testing.T, tg target, store events.Store, n int) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	want, err := store.ReadAll(ctx, 1, events.ReadEventsMax)
	if err != nil || len(want) != n {
		t.Fatalf("log: %d events, %v", len(want), err)
	}
	stream, err := tg.js.Stream(ctx, tg.stream)
	if err != nil {
		t.Fatal(err)
	}
	info, err := stream.Info(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if info.State.Msgs != uint64(n) {
		t.Errorf("stream holds %d messages, want %d", info.State.Msgs, n)
	}
	if info.Config.Duplicates != forward.DedupWindowDefault || info.Config.Storage != jetstream.FileStorage {
		t.Errorf("stream config: duplicates %s, storage %s", info.Config.Duplicates, info.Config.Storage)
	}
	cons, err := stream.OrderedConsumer(ctx, jetstream.OrderedConsumerConfig{})
	if err != nil {
		t.Fatal(err)
	}
	var got []events.Event
	for len(got) < n {
		batch, err := cons.Fetch(min(500, n-len(got)), jetstream.FetchMaxWait(5*time.Second))
		if err != nil {
			t.Fatal(err)
		}
		k := 0
		for msg := range batch.Messages() {
			k++
			i := len(got)
			if want := tg.prefix + "." + want[min(i, n-1)].Type; msg.Subject() != want {
				t.Fatalf("message %d on %s, want %s", i+1, msg.Subject(), want)
			}
			if id := msg.Headers().Get(nats.MsgIdHdr); id != want[min(i, n-1)].ID.String() {
				t.Fatalf("message %d has Nats-Msg-Id %s, want %s", i+1, id, want[min(i, n-1)].ID)
			}
			wm, err := (&wmnats.NATSMarshaler{}).Unmarshal(&nats.Msg{Subject: msg.Subject(), Header: msg.Headers(), Data: msg.Data()})
			if err != nil {
				t.Fatal(err)
			}
			ev, err := projections.EventFromMessage(wm)
			if err != nil {
				t.Fatal(err)
			}
			got = append(got, ev)
		}
		if err := batch.Error(); err != nil {
			t.Fatal(err)
		}
		if k == 0 {
			t.Fatalf("the stream ended after %d of %d events", len(got), n)
		}
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Fatalf("stream differs from the log (-log +stream):\n%s", diff)
	}
}

// TestStreamDropsARepublishedEvent: the window the no-duplicate argument
// rests on is set on the stream, and a second publish of an event (the one
// in doubt after a crash) is dropped by it.
func TestStreamDropsARepublishedEvent(t *testing.T) {
	tg := newTarget(t)
	ctx := context.Background()
	store := events.NewMemoryStore(registry(), nil)
	appendEvents(ctx, t, store, 10, 0)
	f, err := forward.New(store, tg.config(&projections.MemoryCheckpoints{}))
	if err != nil {
		t.Fatal(err)
	}
	done := run(f)
	waitFor(t, "forwarding", 20*time.Second, func() bool { return position(t, f) == 10 })
	f.Close()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	conn, err := nats.Connect(tg.url)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	pub, err := wmnats.NewPublisherWithNatsConn(conn, wmnats.PublisherPublishConfig{
		Marshaler: &wmnats.NATSMarshaler{}, SubjectCalculator: wmnats.DefaultSubjectCalculator,
		JetStream: wmnats.JetStreamConfig{TrackMsgId: true}}, nil)
	if err != nil {
		t.Fatal(err)
	}
	evs, _ := store.ReadAll(ctx, 10, 1)
	if err := pub.Publish(tg.prefix+"."+evs[0].Type, projections.NewMessage(evs[0])); err != nil {
		t.Fatal(err)
	}
	stream, err := tg.js.Stream(ctx, tg.stream)
	if err != nil {
		t.Fatal(err)
	}
	info, err := stream.Info(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if info.State.Msgs != 10 || info.Config.Duplicates != forward.DedupWindowDefault {
		t.Errorf("after a re-publish: %d messages (want 10), window %s", info.State.Msgs, info.Config.Duplicates)
	}
}

// TestRestartAfterLostCheckpointPublishesNothingTwice: the checkpoint is
// gone (a restored data directory, or a restart long after the window): the
// forwarder goes on after the stream's last message instead of
// re-publishing what the stream holds.
func TestRestartAfterLostCheckpointPublishesNothingTwice(t *testing.T) {
	tg := newTarget(t)
	ctx := context.Background()
	store := events.NewMemoryStore(registry(), nil)
	appendEvents(ctx, t, store, 30, 0)
	for range 2 {
		f, err := forward.New(store, tg.config(&projections.MemoryCheckpoints{})) // each starts at 0
		if err != nil {
			t.Fatal(err)
		}
		done := run(f)
		waitFor(t, "forwarding", 20*time.Second, func() bool { return position(t, f) == 30 })
		f.Close()
		if err := <-done; err != nil {
			t.Fatal(err)
		}
	}
	checkStream(t, tg, store, 30)
}

func TestAnotherLogIsRefused(t *testing.T) {
	tg := newTarget(t)
	ctx := context.Background()
	first := events.NewMemoryStore(registry(), nil)
	appendEvents(ctx, t, first, 5, 0)
	f, err := forward.New(first, tg.config(&projections.MemoryCheckpoints{}))
	if err != nil {
		t.Fatal(err)
	}
	done := run(f)
	waitFor(t, "forwarding", 20*time.Second, func() bool { return position(t, f) == 5 })
	f.Close()
	<-done
	other := events.NewMemoryStore(registry(), nil)
	if _, err := other.Append(ctx, "x-1", events.Any, event(t, 1000), event(t, 1001), event(t, 1002), event(t, 1003), event(t, 1004)); err != nil {
		t.Fatal(err)
	}
	g, err := forward.New(other, tg.config(&projections.MemoryCheckpoints{}))
	if err != nil {
		t.Fatal(err)
	}
	if err := g.Run(ctx); !errors.Is(err, forward.ErrForeignStream) {
		t.Fatalf("Run over another log's stream = %v, want ErrForeignStream", err)
	}
}

func TestConfigReportsEveryProblem(t *testing.T) {
	_, err := forward.New(events.NewMemoryStore(registry(), nil), forward.Config{
		Stream: "a.b", SubjectPrefix: "drip.*", DedupWindow: time.Second, Retries: 99})
	if err == nil {
		t.Fatal("New accepted a bad config")
	}
	for _, want := range []string{"URL", "Stream", "SubjectPrefix", "Checkpoints", "DedupWindow", "Retries"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error does not name %s: %v", want, err)
		}
	}
}

func TestUnreachableServerFailsRun(t *testing.T) {
	cfg := forward.Config{URL: "nats://127.0.0.1:1", Checkpoints: &projections.MemoryCheckpoints{},
		ConnectTimeout: time.Second, Logger: quiet}
	f, err := forward.New(events.NewMemoryStore(registry(), nil), cfg)
	if err != nil {
		t.Fatal(err)
	}
	if err := f.Run(context.Background()); err == nil || !strings.Contains(err.Error(), "connect") {
		t.Fatalf("Run = %v, want a connect error", err)
	}
	f.Close()
}
