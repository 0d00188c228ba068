package forward

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/ThreeDotsLabs/watermill"
	wmnats "github.com/ThreeDotsLabs/watermill-nats/v2/pkg/nats"
	"github.com/ThreeDotsLabs/watermill/message"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/drip-ledger/drip/events"
	"github.com/drip-ledger/drip/projections"
)

// ErrForeignStream is returned by Run when the stream's last message is not
// the event this log holds at that position: the stream was fed from
// another log, and publishing this one there would mix the two.
var ErrForeignStream = errors.New("forward: the stream holds events of another log")

// Forwarder publishes the log to a JetStream stream; see the package
// documentation. Run drives it; Status and Close are safe for concurrent use.
type Forwarder struct {
	store events.Store
	cfg   Config
	log   *slog.Logger

	// afterPublish, if set (tests only), runs after JetStream has stored an
	// event and before the log message is acked; an error stops Run there,
	// as a crash would, without the checkpoint save.
	afterPublish func(events.Event) error

	mu       sync.Mutex
	started  bool
	closed   bool
	cancel   context.CancelFunc
	done     chan struct{}
	status   Status
	endedErr error // why the subscription ended, from SubscriberConfig.Ended
}

// Status is the forwarder's progress, for /readyz and metrics.
type Status struct {
	// State is "idle" (not running), "running", or "failing" (the last
	// publish failed; it is being retried).
	State string `json:"state"`
	// Position is the last event JetStream has stored and the forwarder has
	// acked; its checkpoint is Position or, for an instant, the one before.
	Position uint64 `json:"position"`
	// Lag is how many positions the log's head is ahead of Position.
	Lag uint64 `json:"lag"`
	// Published counts the events published since Run started.
	Published uint64 `json:"published"`
	// LastError is the last failure, LastErrorAt when it happened.
	LastError   string    `json:"lastError,omitempty"`
	LastErrorAt time.Time `json:"lastErrorAt,omitzero"`
}

// New returns a Forwarder of store's log. It checks the configuration and
// connects to nothing: Run does.
func New(store events.Store, cfg Config) (*Forwarder, error) {
	cfg.setDefaults()
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if store == nil {
		return nil, errors.New("forward: New needs a store")
	}
	return &Forwarder{store: store, cfg: cfg, log: cfg.Logger.With("stream", cfg.Stream),
		done: make(chan struct{}), status: Status{State: "idle"}}, nil
}

// Run connects, creates or updates the stream, and publishes every event
// after the checkpoint, then each new one, until ctx is done or Close is
// called; then it returns nil. It returns an error if it cannot start (the
// server cannot be reached within ConnectTimeout, the stream cannot be
// created, ErrForeignStream) or when the log cannot be read or the
// checkpoint saved. A server that goes away after the start is waited for,
// not an error (see Status). It may be called once.
func (f *Forwarder) Run(ctx context.Context) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	f.mu.Lock()
	switch {
	case f.closed:
		f.mu.Unlock()
		return nil
	case f.started:
		f.mu.Unlock()
		return errors.New("forward: Run called twice")
	}
	f.started, f.cancel = true, cancel
	f.mu.Unlock()
	defer close(f.done)
	defer f.setState("idle")

	conn, stream, err := f.connect(ctx)
	if err != nil {
		return stopped(ctx, err)
	}
	defer conn.Close()
	pub, err := wmnats.NewPublisherWithNatsConn(conn, wmnats.PublisherPublishConfig{
		Marshaler:         &wmnats.NATSMarshaler{},
		SubjectCalculator: wmnats.DefaultSubjectCalculator,
		JetStream: wmnats.JetStreamConfig{
			TrackMsgId:     true, // the message UUID (event ID) becomes Nats-Msg-Id
			ConnectOptions: []nats.JSOpt{nats.MaxWait(f.cfg.PublishTimeout)},
			// Synchronous publish: PublishMsg waits for the stream's ack.
			PublishOptions: []nats.PubOpt{nats.AckWait(f.cfg.PublishTimeout), nats.ExpectStream(f.cfg.Stream)},
		},
	}, watermill.NewSlogLogger(f.log))
	if err != nil {
		return fmt.Errorf("forward: publisher: %w", err)
	}
	defer pub.Close()
	if err := f.reconcile(ctx, stream); err != nil {
		return stopped(ctx, err)
	}
	return f.loop(ctx, cancel, &sender{f: f, pub: pub, stream: stream})
}

// loop forwards the log's messages until the subscription ends.
func (f *Forwarder) loop(ctx context.Context, cancel context.CancelFunc, s *sender) error {
	sub, err := projections.NewSubscriber(f.store, projections.SubscriberConfig{
		ConsumerGroup: f.cfg.ConsumerGroup, Checkpoints: f.cfg.Checkpoints,
		NackDelayMax: f.cfg.NackDelayMax, Logger: watermill.NewSlogLogger(f.log),
		Ended: func(_ string, err error) {
			f.mu.Lock()
			f.endedErr = err
			f.mu.Unlock()
		},
	})
	if err != nil {
		return err
	}
	defer sub.Close() // waits for the last ack's checkpoint save
	msgs, err := sub.Subscribe(ctx, projections.TopicAll)
	if err != nil {
		return fmt.Errorf("forward: %w", err)
	}
	f.setState("running")
	for msg := range msgs {
		ev, err := s.send(msg.Context(), msg)
		var stop *stopError
		switch {
		case errors.As(err, &stop):
			// No ack: the checkpoint stays before this event.
			cancel()
			msg.Nack()
			return stop.err
		case err != nil && ctx.Err() != nil:
			msg.Nack() // stopping: the subscription closes
			continue
		case err != nil:
			f.failed(err)
			msg.Nack() // delivered again after a backoff; never skipped
			continue
		}
		msg.Ack()
		f.mu.Lock()
		f.status.Position, f.status.State = ev.Position, "running"
		f.status.Published++
		f.mu.Unlock()
	}
	if ctx.Err() != nil {
		return nil
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	return fmt.Errorf("forward: reading the log: %w", f.endedErr)
}

// stopped turns an error caused by the stop itself into a clean stop.
func stopped(ctx context.Context, err error) error {
	if ctx.Err() != nil {
		return nil
	}
	return err
}

// stopError stops Run: an event that can never be published, or the test
// hook's simulated crash.
type stopError struct{ err error }

func (e *stopError) Error() string { return e.err.Error() }

// connect dials the server and creates or updates the stream, within
// ConnectTimeout.
func (f *Forwarder) connect(ctx context.Context) (*nats.Conn, jetstream.Stream, error) {
	opts := append([]nats.Option{nats.Name("drip-forward"), nats.Timeout(f.cfg.ConnectTimeout)}, f.cfg.NatsOptions...)
	conn, err := nats.Connect(f.cfg.URL, opts...)
	if err != nil {
		return nil, nil, fmt.Errorf("forward: connect to %s: %w", f.cfg.URL, err)
	}
	ctx, cancel := context.WithTimeout(ctx, f.cfg.ConnectTimeout)
	defer cancel()
	stream, err := provision(ctx, conn, f.cfg)
	if err != nil {
		conn.Close()
		return nil, nil, err
	}
	return conn, stream, nil
}

// Close stops Run, if it runs, and waits for it to return (the checkpoint of
// the last acked event is saved by then). Run called after Close returns at
// once. Close is safe to call more than once.
func (f *Forwarder) Close() {
	f.mu.Lock()
	f.closed = true
	started, cancel := f.started, f.cancel
	f.mu.Unlock()
	if !started {
		return
	}
	cancel()
	<-f.done
}

// Status returns the forwarder's progress; Lag needs the log's head.
func (f *Forwarder) Status(ctx context.Context) (Status, error) {
	head, err := f.store.Head(ctx)
	f.mu.Lock()
	defer f.mu.Unlock()
	st := f.status
	if err != nil {
		return st, fmt.Errorf("forward: status: %w", err)
	}
	if head > st.Position {
		st.Lag = head - st.Position
	}
	return st, nil
}

func (f *Forwarder) setState(s string) {
	f.mu.Lock()
	f.status.State = s
	f.mu.Unlock()
}

func (f *Forwarder) failed(err error) {
	f.log.Warn("forward: publish failed; the event will be tried again", "err", err)
	f.mu.Lock()
	f.status.State, f.status.LastError, f.status.LastErrorAt = "failing", err.Error(), time.Now()
	f.mu.Unlock()
}

func (f *Forwarder) setPosition(pos uint64) {
	f.mu.Lock()
	f.status.Position = pos
	f.mu.Unlock()
}

// sender publishes one event at a time. Only Run's goroutine uses it.
type sender struct {
	f      *Forwarder
	pub    message.Publisher
	stream jetstream.Stream
	// inDoubt: the last attempt failed, so the event may be stored anyway
	// (a lost acknowledgement); ask the stream before publishing again.
	inDoubt bool
}

// send publishes the event msg carries and waits for JetStream to store it,
// retrying a bounded number of times. A *stopError means Run must stop.
func (s *sender) send(ctx context.Context, msg *message.Message) (events.Event, error) {
	cfg := s.f.cfg
	ev, err := projections.EventFromMessage(msg)
	if err == nil && !events.ValidTypeName(ev.Type) {
		err = fmt.Errorf("type %q is not a subject token", ev.Type)
	}
	if err != nil {
		return ev, &stopError{fmt.Errorf("forward: position %s: %w", msg.Metadata.Get(projections.MetaPosition), err)}
	}
	subject := cfg.SubjectPrefix + "." + ev.Type
	delay := cfg.RetryDelayMin
	for attempt := 0; ; attempt++ {
		if s.inDoubt {
			if stored, err := storedLast(ctx, s.stream, ev); err == nil && stored {
				break
			}
		}
		err := s.pub.Publish(subject, projections.NewMessage(ev))
		if err == nil {
			break
		}
		s.inDoubt = true
		if attempt >= cfg.Retries {
			return ev, fmt.Errorf("forward: publish position %d to %s: %w", ev.Position, subject, err)
		}
		t := time.NewTimer(delay)
		select {
		case <-t.C:
		case <-ctx.Done():
			t.Stop()
			return ev, ctx.Err()
		}
		delay = min(2*delay, cfg.RetryDelayMax)
	}
	s.inDoubt = false
	if hook := s.f.afterPublish; hook != nil {
		if err := hook(ev); err != nil {
			return ev, &stopError{err}
		}
	}
	return ev, nil
}
