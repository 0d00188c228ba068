package projections

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/ThreeDotsLabs/watermill"

	"github.com/drip-ledger/drip/events"
	"github.com/drip-ledger/drip/projections/modelstore"
)

// ModelRunnerConfig configures a ModelRunner. Zero optional fields take
// their defaults.
type ModelRunnerConfig struct {
	// Store is the log to read (required).
	Store events.Store
	// Registry decodes each event once for every model (required).
	Registry *events.Registry
	// ModelStore, if set, is where the models keep their state: a model
	// that starts from nothing while an older version of it (same name up
	// to its last ".v") holds a checkpoint there is rebuilt in the
	// background, and the older version is dropped once it has caught up.
	ModelStore modelstore.Store
	// BatchEvents is how many events one read hands to the models
	// (default BatchEventsDefault, at most BatchEventsMax).
	BatchEvents int
	// QueueBatches is how many batches may wait for one model (default
	// QueueBatchesDefault, at most QueueBatchesMax).
	QueueBatches int
	// Retries (default 3, at most RetriesMax), RetryDelayMin and
	// RetryDelayMax (defaults 100ms and 2s) configure Watermill's Retry
	// middleware around each ApplyBatch.
	Retries                      int
	RetryDelayMin, RetryDelayMax time.Duration
	// Logger defaults to watermill.NopLogger.
	Logger watermill.LoggerAdapter
}

func (c *ModelRunnerConfig) setDefaults() {
	if c.BatchEvents == 0 {
		c.BatchEvents = BatchEventsDefault
	}
	if c.QueueBatches == 0 {
		c.QueueBatches = QueueBatchesDefault
	}
	if c.Retries == 0 {
		c.Retries = 3
	}
	if c.RetryDelayMin == 0 {
		c.RetryDelayMin = 100 * time.Millisecond
	}
	if c.RetryDelayMax == 0 {
		c.RetryDelayMax = 2 * time.Second
	}
	if c.Logger == nil {
		c.Logger = watermill.NopLogger{}
	}
}

// Validate reports every problem of the configuration (after defaults) at once.
func (c ModelRunnerConfig) Validate() error {
	var errs []error
	if c.Store == nil {
		errs = append(errs, errors.New("Store is missing"))
	}
	if c.Registry == nil {
		errs = append(errs, errors.New("Registry is missing"))
	}
	if c.BatchEvents < 1 || c.BatchEvents > BatchEventsMax {
		errs = append(errs, fmt.Errorf("BatchEvents %d is outside 1..%d", c.BatchEvents, BatchEventsMax))
	}
	if c.QueueBatches < 1 || c.QueueBatches > QueueBatchesMax {
		errs = append(errs, fmt.Errorf("QueueBatches %d is outside 1..%d", c.QueueBatches, QueueBatchesMax))
	}
	if c.Retries < 1 || c.Retries > RetriesMax {
		errs = append(errs, fmt.Errorf("Retries %d is outside 1..%d", c.Retries, RetriesMax))
	}
	errs = append(errs, checkDelay("RetryDelayMin", c.RetryDelayMin), checkDelay("RetryDelayMax", c.RetryDelayMax))
	if c.RetryDelayMin > c.RetryDelayMax {
		errs = append(errs, fmt.Errorf("RetryDelayMin %s is above RetryDelayMax %s", c.RetryDelayMin, c.RetryDelayMax))
	}
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("projections: model runner config: %w", err)
	}
	return nil
}

// ModelStatus is one model's progress, for /readyz and metrics.
type ModelStatus struct {
	Name  string `json:"name"`
	State State  `json:"state"`
	// Position is the model's checkpoint: its committed state reflects
	// exactly the log up to it.
	Position uint64 `json:"position"`
	// Target is the log's head when the model started (at Run, or at its
	// Rebuild); CaughtUp is set, for good, once Position has reached it.
	Target   uint64 `json:"target"`
	CaughtUp bool   `json:"caughtUp"`
	// EventsPerS is the rate of its catch-up: while catching up, so far;
	// once caught up, the whole catch-up's.
	EventsPerS float64 `json:"eventsPerS"`
	// Lag is how many positions the log's head is ahead of Position.
	Lag uint64 `json:"lag"`
	// Beside names the serving version this one is being rebuilt beside
	// ("" when this one serves). A model rebuilt beside does not count for
	// readiness or WaitFor: the old version answers until the swap.
	Beside string `json:"beside,omitempty"`
	// Stopped says why a stopped model stopped; nil otherwise.
	Stopped *Stop `json:"stopped,omitempty"`
}

// ModelRunner feeds Models from the log, fast: it reads the log once in
// batches (ReadAll, BatchEvents at a time), decodes each event once, and
// hands the same batch to every model, each in its own goroutine behind a
// bounded queue (so the slowest model bounds the memory, and models commit
// in parallel). Once it reaches the head it follows the log's tail through
// one subscription, batching whatever has arrived.
//
// Each ApplyBatch goes through Watermill's Recoverer (a panic is an error)
// and Retry (bounded, with backoff) middleware; a batch that still fails is
// applied event by event to find the one that fails, and the model stops
// before it (Status says where and why) while the others go on.
//
// A model that is far behind the others at start (a new one, a new version,
// one resumed or rebuilt) catches up on a reader of its own and then joins
// the shared one, so the models at the head are not held back.
//
// Run drives it; the other methods are safe for concurrent use.
type ModelRunner struct {
	cfg ModelRunnerConfig
	// decodes holds the event types to decode; nil: all (see Typed).
	decodes map[string]bool

	started atomic.Bool
	running chan struct{} // closed once Run has started every model
	done    chan struct{} // closed when Run returns
	runCtx  context.Context
	wg      sync.WaitGroup
	ops     sync.Mutex // one Resume, Rebuild or swap at a time

	mu      sync.Mutex
	lanes   []*lane // in the order given, less retired versions
	byName  map[string]*lane
	pending []replacement // until Run
	main    *feed
	stopAll context.CancelFunc // ends Run's context
	ending  bool               // Run's context has ended
	changed chan struct{}      // closed and replaced whenever a position or state changes
}

type replacement struct {
	current, next *lane
	swap          func()
}

// NewModelRunner returns a runner of ms.
func NewModelRunner(cfg ModelRunnerConfig, ms ...Model) (*ModelRunner, error) {
	cfg.setDefaults()
	errs := []error{cfg.Validate()}
	if len(ms) == 0 || len(ms) > ProjectionsMax {
		errs = append(errs, fmt.Errorf("projections: %d models, want 1..%d", len(ms), ProjectionsMax))
	}
	r := &ModelRunner{cfg: cfg, byName: map[string]*lane{}, running: make(chan struct{}), done: make(chan struct{}),
		changed: make(chan struct{})}
	for i, m := range ms {
		if m == nil {
			errs = append(errs, fmt.Errorf("projections: model %d is nil", i))
			continue
		}
		name := m.Name()
		if why := validName(name); why != "" {
			errs = append(errs, fmt.Errorf("projections: model name %q %s", name, why))
		} else if r.byName[name] != nil {
			errs = append(errs, fmt.Errorf("projections: model name %q is used twice", name))
		}
		l := &lane{m: m, name: name, state: StateIdle}
		r.lanes = append(r.lanes, l)
		r.byName[name] = l
	}
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	r.decodes = decodedTypes(ms)
	return r, nil
}

// decodedTypes is the set of types the runner decodes, nil for all: the
// union of every model's Types, if every model says (Typed).
func decodedTypes(ms []Model) map[string]bool {
	out := map[string]bool{}
	for _, m := range ms {
		t, ok := m.(Typed)
		if !ok {
			return nil
		}
		for _, typ := range t.Types() {
			out[typ] = true
		}
	}
	return out
}

// Replace declares next the new version of current (both given to
// NewModelRunner), before Run. If current holds committed state and next
// has not caught up with it, next is rebuilt beside it while current keeps
// serving; once next has caught up, swap is called (it must make readers use
// next: see Current), current stops and, SwapDrainDelay later, is Reset
// (dropped). Otherwise swap is called at Run's start and current is not run
// (and is dropped if it still holds state).
func (r *ModelRunner) Replace(current, next Model, swap func()) error {
	if r.started.Load() {
		return errors.New("projections: Replace after Run")
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	c, n := r.byName[current.Name()], r.byName[next.Name()]
	if c == nil || n == nil || c == n || swap == nil {
		return fmt.Errorf("projections: Replace(%q, %q): both must be distinct models of this runner, with a swap", current.Name(), next.Name())
	}
	r.pending = append(r.pending, replacement{current: c, next: n, swap: swap})
	return nil
}

// Run runs every model from its checkpoint until ctx is done or Close is
// called, then waits for them and returns nil. It returns an error if it
// cannot start. It may be called once.
func (r *ModelRunner) Run(ctx context.Context) error {
	if !r.started.CompareAndSwap(false, true) {
		select {
		case <-r.done:
			return nil
		default:
			return errors.New("projections: ModelRunner.Run called twice")
		}
	}
	defer close(r.done)
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	r.runCtx = ctx
	r.mu.Lock()
	r.stopAll = cancel
	r.mu.Unlock()
	context.AfterFunc(ctx, func() { r.update(func() { r.ending = true }) }) // wake WaitFor
	if err := r.start(ctx); err != nil {
		cancel()
		r.wg.Wait()
		return err
	}
	close(r.running)
	<-ctx.Done()
	r.wg.Wait()
	r.update(func() {
		for _, l := range r.lanes {
			if l.state != StateStopped {
				l.state = StateIdle
			}
		}
	})
	return nil
}

// Close stops the runner: Run returns once every model has finished its
// batch. A runner closed before Run never runs.
func (r *ModelRunner) Close() error {
	if r.started.CompareAndSwap(false, true) {
		close(r.done)
		return nil
	}
	select {
	case <-r.running:
	case <-r.done:
		return nil
	}
	r.mu.Lock()
	cancel := r.stopAll
	r.mu.Unlock()
	cancel()
	<-r.done
	return nil
}

// Status returns every model's status, in the order given to
// NewModelRunner (a replaced version leaves the list once dropped).
func (r *ModelRunner) Status(ctx context.Context) ([]ModelStatus, error) {
	head, err := r.cfg.Store.Head(ctx)
	if err != nil {
		return nil, fmt.Errorf("projections: status: %w", err)
	}
	now := time.Now()
	r.mu.Lock()
	defer r.mu.Unlock()
	out := make([]ModelStatus, len(r.lanes))
	for i, l := range r.lanes {
		out[i] = ModelStatus{Name: l.name, State: l.state, Position: l.position, Target: l.target,
			CaughtUp: l.caughtUp, EventsPerS: l.rateAt(now), Stopped: l.stop}
		if l.replaces != nil {
			out[i].Beside = l.replaces.name
		}
		if head > l.position {
			out[i].Lag = head - l.position
		}
	}
	return out, nil
}

// Position is the lowest position of the serving models: every read
// answered from them reflects the log up to at least that position.
func (r *ModelRunner) Position() uint64 {
	r.mu.Lock()
	defer r.mu.Unlock()
	var low uint64
	first := true
	for _, l := range r.lanes {
		if l.replaces != nil {
			continue
		}
		if first || l.position < low {
			low, first = l.position, false
		}
	}
	return low
}

// WaitFor blocks until each named model (every serving model if none is
// named) has applied the log up to position, skipping stopped ones (Status
// reports them) and versions rebuilt beside a serving one. It returns
// ctx.Err() if ctx ends first, and ErrClosed once the runner has stopped.
func (r *ModelRunner) WaitFor(ctx context.Context, position uint64, names ...string) error {
	for _, n := range names {
		r.mu.Lock()
		l := r.byName[n]
		r.mu.Unlock()
		if l == nil {
			return fmt.Errorf("projections: no model named %q", n)
		}
	}
	for {
		r.mu.Lock()
		behind := false
		for _, l := range r.lanes {
			if len(names) > 0 && !slices.Contains(names, l.name) || len(names) == 0 && l.replaces != nil {
				continue
			}
			behind = behind || l.state != StateStopped && l.position < position
		}
		changed, ending := r.changed, r.ending
		r.mu.Unlock()
		if !behind {
			return nil
		}
		if ending {
			return ErrClosed
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

// Resume runs a stopped model again from its checkpoint: the event it
// stopped before is the first it is given. A model that is not stopped is
// left alone; one whose Rebuild failed to reset it must be rebuilt.
func (r *ModelRunner) Resume(ctx context.Context, name string) error {
	if err := r.waitRunning(ctx); err != nil {
		return err
	}
	r.ops.Lock()
	defer r.ops.Unlock()
	r.mu.Lock()
	l := r.byName[name]
	r.mu.Unlock()
	if l == nil {
		return fmt.Errorf("projections: no model named %q", name)
	}
	r.mu.Lock()
	state, half := l.state, l.halfReset
	r.mu.Unlock()
	if state != StateStopped {
		return nil
	}
	if half {
		return fmt.Errorf("projections: %q stopped during a rebuild; its state may be half reset: rebuild it", name)
	}
	r.wait(l)
	pos, err := l.m.Checkpoint(r.runCtx)
	if err != nil {
		return fmt.Errorf("projections: resume %q: %w", name, err)
	}
	r.update(func() { l.position, l.state, l.stop = pos, StateRunning, nil })
	r.catchUp(r.runCtx, []*lane{l})
	return nil
}

// Rebuild stops the named model, resets it (state and checkpoint) and runs
// it again from position 1 on a reader of its own, until it joins the
// others at the head. It returns once the replay has started (WaitFor or
// Status tell when it has caught up).
func (r *ModelRunner) Rebuild(ctx context.Context, name string) error {
	if err := r.waitRunning(ctx); err != nil {
		return err
	}
	r.ops.Lock()
	defer r.ops.Unlock()
	r.mu.Lock()
	l := r.byName[name]
	r.mu.Unlock()
	if l == nil {
		return fmt.Errorf("projections: no model named %q", name)
	}
	r.update(func() { l.state, l.stop = StateRebuilding, nil })
	r.detach(l)
	r.halt(l)
	if err := l.m.Reset(r.runCtx); err != nil {
		r.update(func() { l.state, l.stop, l.halfReset = StateStopped, newStop(1, err), true })
		return fmt.Errorf("projections: reset %q: %w", name, err)
	}
	head, err := r.cfg.Store.Head(r.runCtx)
	if err != nil {
		r.update(func() { l.state, l.stop = StateStopped, newStop(1, err) })
		return err
	}
	r.update(func() {
		l.halfReset = false
		l.position = 0
		l.begin(head)
	})
	r.catchUp(r.runCtx, []*lane{l})
	return nil
}

func (r *ModelRunner) waitRunning(ctx context.Context) error {
	select {
	case <-r.running:
	case <-r.done:
		return ErrClosed
	case <-ctx.Done():
		return ctx.Err()
	}
	if r.runCtx.Err() != nil {
		return ErrClosed
	}
	return nil
}

// start loads every checkpoint and the head, settles the replacements and
// starts the readers: the shared one for the models at the front, one
// catch-up reader for those far behind.
func (r *ModelRunner) start(ctx context.Context) error {
	head, err := r.cfg.Store.Head(ctx)
	if err != nil {
		return fmt.Errorf("projections: head: %w", err)
	}
	for _, l := range r.lanes {
		pos, err := l.m.Checkpoint(ctx)
		if err != nil {
			return fmt.Errorf("projections: model %q: %w", l.name, err)
		}
		r.update(func() { l.position = pos })
	}
	if err := r.settleReplacements(ctx); err != nil {
		return err
	}
	stale, err := r.staleVersions(ctx)
	if err != nil {
		return err
	}
	var front uint64
	for _, l := range r.lanes {
		if l.replaces == nil {
			front = max(front, l.position)
		}
	}
	r.mu.Lock()
	var ahead, behind []*lane
	for _, l := range r.lanes {
		l.begin(head)
		l.state = StateRunning
		l.dropAfter = stale[l.name]
		if l.replaces == nil && l.position+uint64(r.cfg.BatchEvents) >= front {
			ahead = append(ahead, l)
		} else {
			behind = append(behind, l)
		}
	}
	from := front
	for _, l := range ahead {
		from = min(from, l.position)
	}
	r.main = &feed{main: true, next: from + 1, delivered: from}
	r.mu.Unlock()
	for _, l := range ahead {
		r.attach(ctx, l, r.main)
	}
	r.spawn(func() { r.runFeed(ctx, r.main) })
	if len(behind) > 0 {
		r.catchUp(ctx, behind)
	}
	r.update(func() {})
	return nil
}

// settleReplacements decides, for each Replace, whether next is rebuilt
// beside current or takes over at once.
func (r *ModelRunner) settleReplacements(ctx context.Context) error {
	for _, rp := range r.pending {
		cur, next := rp.current, rp.next
		r.mu.Lock()
		beside := cur.position > 0 && next.position < cur.position
		if beside {
			next.replaces, next.swap = cur, rp.swap
		}
		r.mu.Unlock()
		if beside {
			continue
		}
		rp.swap()
		if cur.position > 0 {
			if err := cur.m.Reset(ctx); err != nil {
				return fmt.Errorf("projections: drop %q, replaced by %q: %w", cur.name, next.name, err)
			}
		}
		r.retire(cur)
	}
	r.pending = nil
	return nil
}

// staleVersions finds, for each model with no state, the older versions of
// it that hold state in the ModelStore and that this runner does not run:
// they are dropped once the new version has caught up.
func (r *ModelRunner) staleVersions(ctx context.Context) (map[string][]string, error) {
	if r.cfg.ModelStore == nil {
		return nil, nil
	}
	stored, err := r.cfg.ModelStore.Models(ctx)
	if err != nil {
		return nil, fmt.Errorf("projections: list stored models: %w", err)
	}
	out := map[string][]string{}
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, l := range r.lanes {
		if l.position > 0 {
			continue
		}
		base := versionBase(l.name)
		for _, s := range stored {
			if s != l.name && versionBase(s) == base && r.byName[s] == nil {
				out[l.name] = append(out[l.name], s)
			}
		}
	}
	return out, nil
}

// versionBase is a model name without its version: "households.v2" →
// "households"; a name without ".v" is its own base.
func versionBase(name string) string {
	if i := strings.LastIndex(name, ".v"); i > 0 {
		return name[:i]
	}
	return name
}

// retire takes l out of the runner (a replaced version).
func (r *ModelRunner) retire(l *lane) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.lanes = slices.DeleteFunc(r.lanes, func(x *lane) bool { return x == l })
	delete(r.byName, l.name)
	if l.feed != nil {
		l.feed.members = slices.DeleteFunc(l.feed.members, func(x *lane) bool { return x == l })
		l.feed = nil
	}
}

func (r *ModelRunner) spawn(f func()) {
	r.wg.Add(1)
	go func() {
		defer r.wg.Done()
		f()
	}()
}

// update changes state under the lock and wakes every WaitFor.
func (r *ModelRunner) update(f func()) {
	r.mu.Lock()
	defer r.mu.Unlock()
	f()
	close(r.changed)
	r.changed = make(chan struct{})
}

// Current is where readers find the serving version of a read model that a
// rebuild may replace: an atomic pointer, so a swap is one store and a read
// takes the version that serves at its start and keeps it to its end
// (SwapDrainDelay gives it time before the old one is dropped).
type Current[T any] struct{ p atomic.Pointer[T] }

// NewCurrent returns a Current serving v.
func NewCurrent[T any](v *T) *Current[T] {
	c := &Current[T]{}
	c.p.Store(v)
	return c
}

// Load returns the serving version.
func (c *Current[T]) Load() *T { return c.p.Load() }

// Store makes v the serving version: a ModelRunner's swap.
func (c *Current[T]) Store(v *T) { c.p.Store(v) }
