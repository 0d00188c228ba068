package projections

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/ThreeDotsLabs/watermill"
	"github.com/ThreeDotsLabs/watermill/message"

	"github.com/drip-ledger/drip/events"
)

// ErrClosed is returned by a Subscriber's or Publisher's methods after Close,
// and by ModelRunner methods once the runner has stopped.
var ErrClosed = errors.New("projections: closed")

// checkpointSaveTimeout bounds one checkpoint save after an Ack. The save
// runs even when the subscription is stopping, because the event it records
// has been applied.
const checkpointSaveTimeout = 10 * time.Second

// SubscriberConfig configures a Subscriber. Zero optional fields take their
// defaults.
type SubscriberConfig struct {
	// ConsumerGroup names the consumer (required: 1..NameBytesMax bytes of
	// [A-Za-z0-9._-]). A subscription to topic resumes after the position
	// saved under CheckpointName(ConsumerGroup, topic), and each Ack saves
	// the acked event's position there. Each group reads the whole topic on
	// its own; two subscriptions with the same group and topic do not share
	// the work: each delivers every event (run one at a time).
	ConsumerGroup string
	// Checkpoints keeps the checkpoints (required).
	Checkpoints Checkpoints
	// Marshaler makes messages of events (default EventMarshaler).
	Marshaler Marshaler
	// NackDelayMin and NackDelayMax bound the wait before a nacked event is
	// delivered again: Min after the first Nack, doubling with each further
	// Nack of the same event, up to Max (defaults 100ms and 5s).
	NackDelayMin, NackDelayMax time.Duration
	// StopAckWait is how long a stopping subscription (its context done, or
	// Close) still waits for the Ack or Nack of the message it has handed
	// out, so that an event applied just before a stop is checkpointed, not
	// applied again later (default 10s).
	StopAckWait time.Duration
	// Ended, if set, is called when a subscription ends for a reason other
	// than its context or Close: the store failed, a checkpoint could not be
	// saved, or the Marshaler could not make a message of an event. Its
	// channel closes right after.
	Ended func(topic string, err error)
	// Logger defaults to watermill.NopLogger.
	Logger watermill.LoggerAdapter
}

func (c *SubscriberConfig) setDefaults() {
	if c.Marshaler == nil {
		c.Marshaler = EventMarshaler{}
	}
	if c.NackDelayMin == 0 {
		c.NackDelayMin = 100 * time.Millisecond
	}
	if c.NackDelayMax == 0 {
		c.NackDelayMax = 5 * time.Second
	}
	if c.StopAckWait == 0 {
		c.StopAckWait = 10 * time.Second
	}
	if c.Logger == nil {
		c.Logger = watermill.NopLogger{}
	}
}

// Validate reports every problem of the configuration (after defaults) at once.
func (c SubscriberConfig) Validate() error {
	var errs []error
	if why := validName(c.ConsumerGroup); why != "" {
		errs = append(errs, fmt.Errorf("ConsumerGroup %q %s", c.ConsumerGroup, why))
	}
	if c.Checkpoints == nil {
		errs = append(errs, errors.New("Checkpoints is missing"))
	}
	errs = append(errs, checkDelay("NackDelayMin", c.NackDelayMin), checkDelay("NackDelayMax", c.NackDelayMax),
		checkDelay("StopAckWait", c.StopAckWait))
	if c.NackDelayMin > c.NackDelayMax {
		errs = append(errs, fmt.Errorf("NackDelayMin %s is above NackDelayMax %s", c.NackDelayMin, c.NackDelayMax))
	}
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("projections: subscriber config: %w", err)
	}
	return nil
}

// CheckpointName is the checkpoint a consumer group keeps for a topic: the
// group's own name for TopicAll (the common case: a projection or the
// forwarder reading the whole log), else group + "@" + topic.
func CheckpointName(group, topic string) string {
	if topic == TopicAll {
		return group
	}
	return group + "@" + topic
}

// Subscriber is a Watermill message.Subscriber over the global log of an
// events.Store; see SubscriberConfig and topic.go.
//
// Each subscription delivers the events of its topic that follow its
// checkpoint, in global order, one at a time: it hands out the next message
// only after the previous one is acked, and saves the checkpoint on each Ack
// before going on. A Nack delivers the same event again (a new message with
// the same UUID) after a bounded backoff; an event is never skipped.
// Delivery is at least once: an event acked but not yet checkpointed when the
// process dies is delivered again after a restart.
//
// Each message's context ends when its event is acked or nacked, or when the
// subscription stops.
type Subscriber struct {
	store events.Store
	cfg   SubscriberConfig

	mu      sync.Mutex
	closed  bool
	nextID  uint64
	cancels map[uint64]context.CancelFunc
	wg      sync.WaitGroup
}

var _ message.Subscriber = (*Subscriber)(nil)

// NewSubscriber returns a Subscriber reading store.
func NewSubscriber(store events.Store, cfg SubscriberConfig) (*Subscriber, error) {
	cfg.setDefaults()
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if store == nil {
		return nil, errors.New("projections: NewSubscriber needs a store")
	}
	return &Subscriber{store: store, cfg: cfg, cancels: map[uint64]context.CancelFunc{}}, nil
}

// Subscribe implements message.Subscriber: it starts a subscription to topic
// after the group's checkpoint. The channel closes when ctx is done, Close is
// called, or the subscription fails (see SubscriberConfig.Ended).
func (s *Subscriber) Subscribe(ctx context.Context, topic string) (<-chan *message.Message, error) {
	match, err := topicFilter(topic)
	if err != nil {
		return nil, err
	}
	name := CheckpointName(s.cfg.ConsumerGroup, topic)
	ctx, cancel := context.WithCancel(ctx)
	id, err := s.register(cancel)
	if err != nil {
		cancel()
		return nil, err
	}
	sub, err := s.open(ctx, name)
	if err != nil {
		cancel()
		s.unregister(id)
		return nil, err
	}
	out := make(chan *message.Message)
	go func() {
		defer s.unregister(id)
		defer close(out)
		defer cancel()
		defer sub.Close()
		err := s.feed(ctx, sub, out, name, match)
		if err == nil || ctx.Err() != nil && errors.Is(err, ctx.Err()) {
			return
		}
		s.cfg.Logger.Error("Subscription to the log ended", err, watermill.LogFields{"topic": topic, "checkpoint": name})
		if s.cfg.Ended != nil {
			s.cfg.Ended(topic, err)
		}
	}()
	return out, nil
}

func (s *Subscriber) open(ctx context.Context, name string) (*events.Subscription, error) {
	pos, err := s.cfg.Checkpoints.Load(ctx, name)
	if err != nil {
		return nil, fmt.Errorf("projections: subscribe: %w", err)
	}
	sub, err := s.store.Subscribe(ctx, pos+1)
	if err != nil {
		return nil, fmt.Errorf("projections: subscribe after position %d: %w", pos, err)
	}
	return sub, nil
}

func (s *Subscriber) register(cancel context.CancelFunc) (uint64, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return 0, ErrClosed
	}
	s.nextID++
	s.cancels[s.nextID] = cancel
	s.wg.Add(1)
	return s.nextID, nil
}

func (s *Subscriber) unregister(id uint64) {
	s.mu.Lock()
	delete(s.cancels, id)
	s.mu.Unlock()
	s.wg.Done()
}

// Close implements message.Subscriber: it stops every subscription and
// returns once their channels are closed (each waits at most StopAckWait for
// the message it has handed out).
func (s *Subscriber) Close() error {
	s.mu.Lock()
	s.closed = true
	for _, cancel := range s.cancels {
		cancel()
	}
	s.mu.Unlock()
	s.wg.Wait()
	return nil
}

// feed delivers the subscription's events until ctx ends or delivery fails.
func (s *Subscriber) feed(ctx context.Context, sub *events.Subscription, out chan<- *message.Message, name string, match func(events.Event) bool) error {
	for {
		// A stopping subscription hands out nothing more, even if an event
		// is ready too (select would pick at random).
		if err := ctx.Err(); err != nil {
			return err
		}
		var ev events.Event
		var ok bool
		select {
		case ev, ok = <-sub.C:
		case <-ctx.Done():
			return ctx.Err()
		}
		if !ok {
			return sub.Err()
		}
		if !match(ev) {
			continue
		}
		if err := s.deliver(ctx, out, name, ev); err != nil {
			return err
		}
	}
}

// deliver hands out ev until it is acked, then saves the checkpoint.
func (s *Subscriber) deliver(ctx context.Context, out chan<- *message.Message, name string, ev events.Event) error {
	delay := s.cfg.NackDelayMin
	for {
		msg, err := s.cfg.Marshaler.Unmarshal(ev)
		if err != nil {
			return fmt.Errorf("projections: position %d: make message: %w", ev.Position, err)
		}
		msgCtx, cancelMsg := context.WithCancel(ctx)
		msg.SetContext(msgCtx)
		acked, err := s.await(ctx, out, msg)
		cancelMsg()
		if acked {
			return s.save(ctx, name, ev.Position)
		}
		if err != nil {
			return err
		}
		s.cfg.Logger.Debug("Message nacked, delivering it again", watermill.LogFields{
			"position": ev.Position, "checkpoint": name, "delay": delay})
		t := time.NewTimer(delay)
		select {
		case <-t.C:
		case <-ctx.Done():
			t.Stop()
			return ctx.Err()
		}
		delay = min(2*delay, s.cfg.NackDelayMax)
	}
}

// await hands msg out and reports whether it was acked; false with a nil
// error is a Nack. When ctx ends first, await still waits up to StopAckWait
// for the answer to a message already handed out.
func (s *Subscriber) await(ctx context.Context, out chan<- *message.Message, msg *message.Message) (bool, error) {
	select {
	case out <- msg:
	case <-ctx.Done():
		return false, ctx.Err()
	}
	select {
	case <-msg.Acked():
		return true, nil
	case <-msg.Nacked():
		return false, nil
	case <-ctx.Done():
	}
	t := time.NewTimer(s.cfg.StopAckWait)
	defer t.Stop()
	select {
	case <-msg.Acked():
		return true, nil
	case <-msg.Nacked():
	case <-t.C:
	}
	return false, ctx.Err()
}

// save records position after an Ack. It runs even if ctx has ended: the
// event has been applied, and forgetting that would apply it twice.
func (s *Subscriber) save(ctx context.Context, name string, position uint64) error {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), checkpointSaveTimeout)
	defer cancel()
	if err := s.cfg.Checkpoints.Save(ctx, name, position); err != nil {
		return fmt.Errorf("projections: checkpoint %q at position %d: %w", name, position, err)
	}
	return nil
}

// validName reports why a projection or consumer-group name is unacceptable,
// or "" if it is fine.
func validName(s string) string {
	if s == "" || len(s) > NameBytesMax {
		return fmt.Sprintf("must be 1..%d bytes", NameBytesMax)
	}
	if strings.Trim(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-") != "" {
		return "may hold only letters, digits and . _ -"
	}
	return ""
}

func checkDelay(field string, d time.Duration) error {
	if d <= 0 || d > DelayMax {
		return fmt.Errorf("%s %s is outside (0, %s]", field, d, DelayMax)
	}
	return nil
}
