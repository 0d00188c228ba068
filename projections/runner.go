package projections

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"github.com/ThreeDotsLabs/watermill"
	"github.com/ThreeDotsLabs/watermill/message"
	"github.com/ThreeDotsLabs/watermill/message/router/middleware"

	"github.com/drip-ledger/drip/events"
)

// Projection is a read model folded from the global log.
//
// The Runner calls Apply and Reset from one goroutine at a time per
// projection, never both at once. A projection may serve reads concurrently
// with them; guarding its own state is its business.
type Projection interface {
	// Name identifies the projection: its handler, its checkpoint and its
	// Status. 1..NameBytesMax bytes of [A-Za-z0-9._-], unique in a Runner.
	Name() string
	// Apply folds ev, the event after the last one applied, into the read
	// model. An error (or panic) is retried a bounded number of times, then
	// the projection stops before ev (see Status) until Resume or Rebuild.
	// ctx ends when the projection or the runner is stopping; Apply should
	// then return promptly.
	Apply(ctx context.Context, ev events.Event) error
	// Reset empties the read model, before Rebuild replays the log from
	// position 1.
	Reset(ctx context.Context) error
}

// RunnerConfig configures a Runner. Zero optional fields take their defaults.
type RunnerConfig struct {
	// Store is the log to read (required).
	Store events.Store
	// Checkpoints keeps each projection's position under its name
	// (required).
	Checkpoints Checkpoints
	// Retries is how many times Watermill's Retry middleware retries an
	// event a projection failed to apply before the projection stops
	// (default 3, at most RetriesMax).
	Retries int
	// RetryDelayMin and RetryDelayMax bound the exponential backoff between
	// those retries (defaults 100ms and 2s).
	RetryDelayMin, RetryDelayMax time.Duration
	// CloseTimeout bounds how long Close waits for handlers to finish
	// (default 30s).
	CloseTimeout time.Duration
	// Logger defaults to watermill.NopLogger.
	Logger watermill.LoggerAdapter
}

func (c *RunnerConfig) setDefaults() {
	if c.Retries == 0 {
		c.Retries = 3
	}
	if c.RetryDelayMin == 0 {
		c.RetryDelayMin = 100 * time.Millisecond
	}
	if c.RetryDelayMax == 0 {
		c.RetryDelayMax = 2 * time.Second
	}
	if c.CloseTimeout == 0 {
		c.CloseTimeout = 30 * time.Second
	}
	if c.Logger == nil {
		c.Logger = watermill.NopLogger{}
	}
}

// Validate reports every problem of the configuration (after defaults) at once.
func (c RunnerConfig) Validate() error {
	var errs []error
	if c.Store == nil {
		errs = append(errs, errors.New("Store is missing"))
	}
	if c.Checkpoints == nil {
		errs = append(errs, errors.New("Checkpoints is missing"))
	}
	if c.Retries < 1 || c.Retries > RetriesMax {
		errs = append(errs, fmt.Errorf("Retries %d is outside 1..%d", c.Retries, RetriesMax))
	}
	errs = append(errs, checkDelay("RetryDelayMin", c.RetryDelayMin), checkDelay("RetryDelayMax", c.RetryDelayMax),
		checkDelay("CloseTimeout", c.CloseTimeout))
	if c.RetryDelayMin > c.RetryDelayMax {
		errs = append(errs, fmt.Errorf("RetryDelayMin %s is above RetryDelayMax %s", c.RetryDelayMin, c.RetryDelayMax))
	}
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("projections: runner config: %w", err)
	}
	return nil
}

// State is where a projection is in its life.
type State string

const (
	// StateIdle: the runner is not running (not yet, or no more).
	StateIdle State = "idle"
	// StateRunning: applying events as they come.
	StateRunning State = "running"
	// StateStopped: stopped before an event it could not apply, or because
	// its subscription failed; see Status.Stopped. It waits for Resume or
	// Rebuild.
	StateStopped State = "stopped"
	// StateRebuilding: being reset; it then runs again from position 1.
	StateRebuilding State = "rebuilding"
)

// Status is one projection's progress, for /readyz and metrics.
type Status struct {
	Name  string `json:"name"`
	State State  `json:"state"`
	// Position is the last event applied: the read model reflects exactly
	// the log up to it. Its durable checkpoint is Position or, for an
	// instant after each event, the one before.
	Position uint64 `json:"position"`
	// Lag is how many positions the log's head is ahead of Position.
	Lag uint64 `json:"lag"`
	// Stopped says why a stopped projection stopped; nil otherwise.
	Stopped *Stop `json:"stopped,omitempty"`
}

// Stop records why a projection stopped.
type Stop struct {
	// Position is the event the projection stopped before: it has applied
	// every event below it and none from it on.
	Position uint64 `json:"position"`
	// Err is the last error; Reason is its text, for JSON.
	Err    error     `json:"-"`
	Reason string    `json:"reason"`
	At     time.Time `json:"at"`
}

// Runner feeds projections from the log: each runs as its own handler in a
// Watermill router, reading TopicAll through its own Subscriber whose
// consumer group (and so checkpoint) is the projection's name. Every handler
// goes through the router's Recoverer (a panic becomes an error) and Retry
// (bounded, with backoff) middleware; a projection that still fails stops at
// that position, unacked, while the others go on.
//
// Run drives it; the other methods are safe for concurrent use.
type Runner struct {
	cfg    RunnerConfig
	router *message.Router
	order  []*proj
	byName map[string]*proj

	started  atomic.Bool
	running  chan struct{} // closed once Run serves requests
	done     chan struct{} // closed when Run returns
	requests chan request

	mu      sync.Mutex
	changed chan struct{} // closed and replaced whenever a position or state changes
}

type proj struct {
	Projection
	name string
	// sem holds one token while Apply or Reset runs, so they never overlap
	// even if a stopping handler's Apply outlives its subscription.
	sem chan struct{}

	// Guarded by Runner.mu.
	state    State
	position uint64
	stop     *Stop
	lastErr  error // why the subscription ended, from SubscriberConfig.Ended
	handler  *message.Handler
	sub      *Subscriber
	// halfReset: a Rebuild failed in Reset, so only Rebuild may restart it.
	halfReset bool
}

type request struct {
	rebuild bool // else resume
	p       *proj
	reply   chan error
}

// keepaliveHandler is the name of a handler that receives nothing. The
// router closes itself when its last handler stops; while a lone projection
// is stopped for Resume or Rebuild, this one keeps the router open. "$" is
// not allowed in projection names, so it cannot collide.
const keepaliveHandler = "$keepalive"

// NewRunner returns a Runner of ps. Add metrics or other middleware through
// Router before calling Run.
func NewRunner(cfg RunnerConfig, ps ...Projection) (*Runner, error) {
	cfg.setDefaults()
	errs := []error{cfg.Validate()}
	if len(ps) == 0 || len(ps) > ProjectionsMax {
		errs = append(errs, fmt.Errorf("projections: %d projections, want 1..%d", len(ps), ProjectionsMax))
	}
	r := &Runner{cfg: cfg, byName: map[string]*proj{}, running: make(chan struct{}), done: make(chan struct{}),
		requests: make(chan request), changed: make(chan struct{})}
	for i, p := range ps {
		if p == nil {
			errs = append(errs, fmt.Errorf("projections: projection %d is nil", i))
			continue
		}
		name := p.Name()
		if why := validName(name); why != "" {
			errs = append(errs, fmt.Errorf("projections: projection name %q %s", name, why))
		} else if r.byName[name] != nil {
			errs = append(errs, fmt.Errorf("projections: projection name %q is used twice", name))
		}
		pr := &proj{Projection: p, name: name, sem: make(chan struct{}, 1), state: StateIdle}
		r.order = append(r.order, pr)
		r.byName[name] = pr
	}
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	router, err := message.NewRouter(message.RouterConfig{CloseTimeout: cfg.CloseTimeout}, cfg.Logger)
	if err != nil {
		return nil, err
	}
	// First added runs outermost: halt sees the error only after Retry has
	// given up, and Retry sees a panic as an error thanks to Recoverer.
	router.AddMiddleware(r.halt, middleware.Retry{
		MaxRetries: cfg.Retries, InitialInterval: cfg.RetryDelayMin, MaxInterval: cfg.RetryDelayMax,
		Multiplier: 2, Logger: cfg.Logger,
	}.Middleware, middleware.Recoverer)
	router.AddConsumerHandler(keepaliveHandler, TopicAll, idleSubscriber{}, func(*message.Message) error { return nil })
	r.router = router
	return r, nil
}

// Router is the runner's Watermill router, for adding metrics, plugins and
// decorators before Run. Handlers are the runner's: do not add or stop any.
func (r *Runner) Router() *message.Router { return r.router }

// Run runs every projection from its checkpoint until ctx is done or Close
// is called; then it waits for the handlers (at most CloseTimeout) and
// returns nil. It returns an error if it cannot start. It may be called once.
func (r *Runner) Run(ctx context.Context) error {
	if !r.started.CompareAndSwap(false, true) {
		select {
		case <-r.done:
			return nil // closed before it ran: a clean stop
		default:
			return errors.New("projections: Runner.Run called twice")
		}
	}
	defer close(r.done)
	defer r.setIdle()
	for _, p := range r.order {
		pos, err := r.cfg.Checkpoints.Load(ctx, p.name)
		if err != nil {
			return fmt.Errorf("projections: projection %q: %w", p.name, err)
		}
		r.mu.Lock()
		p.position, p.state = pos, StateRunning
		r.mu.Unlock()
		if err := r.addHandler(p); err != nil {
			return err
		}
	}
	errc := make(chan error, 1)
	go func() { errc <- r.router.Run(ctx) }()
	select {
	case <-r.router.Running():
	case err := <-errc:
		return err
	}
	for _, p := range r.order {
		r.watch(ctx, p)
	}
	close(r.running)
	for {
		select {
		case req := <-r.requests:
			req.reply <- r.serve(ctx, req)
		case err := <-errc:
			return err
		}
	}
}

// Close stops the Runner: Run returns once the handlers have finished (at
// most CloseTimeout). A Runner closed before Run never runs.
func (r *Runner) Close() error {
	if r.started.CompareAndSwap(false, true) {
		close(r.done)
		return nil
	}
	// The router cannot be closed while Run is still starting it: it would
	// wait for handlers that never started.
	select {
	case <-r.running:
	case <-r.done:
		return nil
	}
	return r.router.Close()
}

// Status returns every projection's status, in the order given to NewRunner.
func (r *Runner) Status(ctx context.Context) ([]Status, error) {
	head, err := r.cfg.Store.Head(ctx)
	if err != nil {
		return nil, fmt.Errorf("projections: status: %w", err)
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	out := make([]Status, len(r.order))
	for i, p := range r.order {
		out[i] = Status{Name: p.name, State: p.state, Position: p.position, Stopped: p.stop}
		if head > p.position {
			out[i].Lag = head - p.position
		}
	}
	return out, nil
}

// WaitFor blocks until each named projection (every projection if none is
// named) has applied the log up to position, skipping stopped ones: they
// are reported by Status, not waited for. It returns ctx.Err() if ctx ends
// first, and ErrClosed once the runner has stopped.
//
// A command's response carries the position of its last event; a query that
// passes it back is answered once the read models include that command.
func (r *Runner) WaitFor(ctx context.Context, position uint64, names ...string) error {
	ps, err := r.lookup(names)
	if err != nil {
		return err
	}
	for {
		r.mu.Lock()
		behind := false
		for _, p := range ps {
			behind = behind || p.state != StateStopped && p.position < position
		}
		changed := r.changed
		r.mu.Unlock()
		if !behind {
			return nil
		}
		select {
		case <-changed:
		case <-ctx.Done():
			return ctx.Err()
		case <-r.done:
			return ErrClosed
		}
	}
}

// Rebuild stops the named projection, resets its read model and its
// checkpoint, and runs it again from position 1. It returns once the replay
// has started (WaitFor tells when it has caught up), or ctx.Err() if ctx ends
// first (the rebuild still goes on). It waits for Run to be running.
func (r *Runner) Rebuild(ctx context.Context, name string) error {
	return r.request(ctx, name, true)
}

// Resume runs a stopped projection again from the event it stopped before,
// typically after its bug is fixed or the resource it needed is back. A
// projection that is not stopped is left alone; one whose Rebuild failed to
// reset it must be rebuilt, not resumed.
func (r *Runner) Resume(ctx context.Context, name string) error {
	return r.request(ctx, name, false)
}

func (r *Runner) request(ctx context.Context, name string, rebuild bool) error {
	ps, err := r.lookup([]string{name})
	if err != nil {
		return err
	}
	req := request{rebuild: rebuild, p: ps[0], reply: make(chan error, 1)}
	select {
	case r.requests <- req:
	case <-ctx.Done():
		return ctx.Err()
	case <-r.done:
		return ErrClosed
	}
	select {
	case err := <-req.reply:
		return err
	case <-ctx.Done():
		return ctx.Err()
	}
}

func (r *Runner) lookup(names []string) ([]*proj, error) {
	if len(names) == 0 {
		return r.order, nil
	}
	ps := make([]*proj, len(names))
	for i, n := range names {
		if ps[i] = r.byName[n]; ps[i] == nil {
			return nil, fmt.Errorf("projections: no projection named %q", n)
		}
	}
	return ps, nil
}
