package projections

import (
	"context"
	"runtime"
	"sort"
	"strconv"
	"sync"
	"time"

	"github.com/ThreeDotsLabs/watermill"
	"github.com/ThreeDotsLabs/watermill/message"
	"github.com/ThreeDotsLabs/watermill/message/router/middleware"

	"github.com/drip-ledger/drip/events"
)

// This file is one model's side of the ModelRunner: the goroutine that takes
// batches from its queue and applies them, and what it does when it cannot.

// lane is one model in a ModelRunner. Fields below m and name are guarded by
// ModelRunner.mu.
type lane struct {
	m    Model
	name string

	state    State
	position uint64 // the model's checkpoint, as far as the runner knows
	stop     *Stop
	// Progress of the current catch-up, for readiness and rates.
	target   uint64
	caughtUp bool
	startPos uint64
	startAt  time.Time
	rate     float64 // frozen once caught up
	// replaces is the serving version this one is rebuilt beside, swap
	// what makes readers use this one; both nil once it serves.
	replaces *lane
	swap     func()
	swapping bool
	// dropAfter are stored older versions to drop once this one caught up.
	dropAfter []string
	halfReset bool

	feed   *feed // the reader it takes batches from; nil when stopped
	q      chan *chunk
	live   bool // its goroutine runs
	cancel context.CancelFunc
	done   chan struct{} // closed when its goroutine has ended
}

// begin starts a catch-up towards head from the lane's position.
func (l *lane) begin(head uint64) {
	l.target, l.startPos, l.startAt = head, l.position, time.Now()
	l.caughtUp, l.rate = l.position >= head, 0
}

func (l *lane) rateAt(now time.Time) float64 {
	if l.caughtUp {
		return l.rate
	}
	if s := now.Sub(l.startAt).Seconds(); s > 0 && l.position > l.startPos {
		return float64(l.position-l.startPos) / s
	}
	return 0
}

// chunk is one batch as a reader hands it to every lane: read after
// position after, up to position to, decoded once. Lanes share it and
// never change it.
type chunk struct {
	after, to uint64
	evs       []Decoded
	bad       *badEvent // the first event that did not decode, if any
}

type badEvent struct {
	position uint64
	err      error
}

// decodeParallelMin is the smallest page decode splits over several
// goroutines: below it, starting them costs more than it saves.
const decodeParallelMin = 256

// decode makes a chunk of page, read after position after. Decoding is most
// of a catch-up's CPU (strict JSON, validation and the text rule on the way
// out: see BenchmarkReplay), so a large page is decoded by one goroutine
// per CPU, each into its own part of the result.
func (r *ModelRunner) decode(page []events.Event, after uint64) *chunk {
	c := &chunk{after: after, to: page[len(page)-1].Position}
	out := make([]Decoded, len(page))
	errs := make([]error, len(page))
	parts := 1
	if len(page) >= decodeParallelMin {
		parts = runtime.GOMAXPROCS(0)
	}
	var wg sync.WaitGroup
	for k := range parts {
		lo, hi := k*len(page)/parts, (k+1)*len(page)/parts
		work := func() {
			for i := lo; i < hi; i++ {
				out[i].Event = page[i]
				if r.decodes == nil || r.decodes[page[i].Type] {
					out[i].Payload, errs[i] = r.cfg.Registry.Decode(page[i])
				}
			}
		}
		if k == parts-1 {
			work()
			continue
		}
		wg.Go(work)
	}
	wg.Wait()
	c.evs = out
	for i, err := range errs {
		if err != nil {
			c.bad = &badEvent{position: page[i].Position, err: err}
			c.evs = out[:i] // apply stops at the bad one anyway
			break
		}
	}
	return c
}

// attach makes f feed l, starting l's goroutine if it is not running.
func (r *ModelRunner) attach(ctx context.Context, l *lane, f *feed) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if !l.live {
		lctx, cancel := context.WithCancel(ctx)
		q, done := make(chan *chunk, r.cfg.QueueBatches), make(chan struct{})
		l.q, l.cancel, l.done, l.live = q, cancel, done, true
		r.spawn(func() { r.runLane(lctx, l, q, done) })
	}
	l.feed = f
	f.members = append(f.members, l)
	r.maybeSwapLocked(l)
}

// detach takes l off its reader.
func (r *ModelRunner) detach(l *lane) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.detachLocked(l)
}

func (r *ModelRunner) detachLocked(l *lane) {
	if f := l.feed; f != nil {
		for i, x := range f.members {
			if x == l {
				f.members = append(f.members[:i:i], f.members[i+1:]...)
				break
			}
		}
		l.feed = nil
	}
}

// halt ends l's goroutine and waits for it.
func (r *ModelRunner) halt(l *lane) {
	r.mu.Lock()
	cancel, done := l.cancel, l.done
	r.mu.Unlock()
	if cancel != nil {
		cancel()
	}
	if done != nil {
		<-done
	}
}

// wait waits for l's goroutine to end (it has stopped on its own).
func (r *ModelRunner) wait(l *lane) {
	r.mu.Lock()
	done := l.done
	r.mu.Unlock()
	if done != nil {
		<-done
	}
}

func (r *ModelRunner) runLane(ctx context.Context, l *lane, q <-chan *chunk, done chan struct{}) {
	defer close(done)
	defer r.update(func() { l.live = false })
	for {
		select {
		case c := <-q:
			if !r.deliver(ctx, l, c) {
				return
			}
		case <-ctx.Done():
			return
		}
	}
}

// deliver applies c to l: what l already has is skipped, a gap between
// l's checkpoint and c (l joined this reader behind it) is read from the
// store first. It returns false when l has stopped or is stopping.
func (r *ModelRunner) deliver(ctx context.Context, l *lane, c *chunk) bool {
	pos := r.pos(l)
	if c.to <= pos {
		return true
	}
	if c.after > pos && !r.fill(ctx, l, c.after) {
		return false
	}
	if !r.apply(ctx, l, c.evs, c.bad) {
		return false
	}
	return true
}

// fill applies the log from l's checkpoint up to position upTo, reading it
// itself.
func (r *ModelRunner) fill(ctx context.Context, l *lane, upTo uint64) bool {
	for {
		pos := r.pos(l)
		if pos >= upTo {
			return true
		}
		page, err := r.cfg.Store.ReadAll(ctx, pos+1, r.cfg.BatchEvents)
		if err != nil {
			if ctx.Err() == nil {
				r.stopLane(l, pos+1, err)
			}
			return false
		}
		n := sort.Search(len(page), func(i int) bool { return page[i].Position > upTo })
		if n == 0 {
			return true // positions may have gaps: nothing more up to upTo
		}
		c := r.decode(page[:n], pos)
		if !r.apply(ctx, l, c.evs, c.bad) {
			return false
		}
	}
}

// apply applies evs (those after l's checkpoint) and then stops l at bad,
// if any. A batch that fails after Retry is applied again event by event up
// to the one that fails, and l stops before that one.
func (r *ModelRunner) apply(ctx context.Context, l *lane, evs []Decoded, bad *badEvent) bool {
	if bad != nil {
		evs = evs[:sort.Search(len(evs), func(i int) bool { return evs[i].Position > bad.position })]
	}
	if len(after(evs, r.pos(l))) > 0 {
		if err := r.attempt(ctx, l, evs); err != nil {
			if ctx.Err() != nil {
				return false
			}
			for i := range evs {
				if evs[i].Position <= r.pos(l) {
					continue
				}
				if err := r.attempt(ctx, l, evs[i:i+1]); err != nil {
					if ctx.Err() == nil {
						r.stopLane(l, evs[i].Position, err)
					}
					return false
				}
			}
		}
	}
	if bad != nil && r.pos(l) < bad.position {
		r.stopLane(l, bad.position, bad.err)
		return false
	}
	return true
}

// attempt applies evs to l's model through Watermill's Retry and Recoverer
// middleware: one message per batch, so their cost is per batch, not per
// event.
func (r *ModelRunner) attempt(ctx context.Context, l *lane, evs []Decoded) error {
	h := middleware.Retry{
		MaxRetries: r.cfg.Retries, InitialInterval: r.cfg.RetryDelayMin, MaxInterval: r.cfg.RetryDelayMax,
		Multiplier: 2, Logger: r.cfg.Logger,
	}.Middleware(middleware.Recoverer(func(msg *message.Message) ([]*message.Message, error) {
		todo := after(evs, r.pos(l))
		if len(todo) == 0 {
			return nil, nil
		}
		ok := false
		defer func() {
			if !ok {
				// A model may have committed a part before failing or
				// panicking (an adapted Projection does, event by event):
				// go on from its checkpoint.
				if cp, err := l.m.Checkpoint(msg.Context()); err == nil {
					r.advance(l, cp)
				}
			}
		}()
		if err := l.m.ApplyBatch(msg.Context(), todo); err != nil {
			return nil, err
		}
		ok = true
		r.advance(l, todo[len(todo)-1].Position)
		return nil, nil
	}))
	msg := message.NewMessage(l.name+"@"+strconv.FormatUint(evs[0].Position, 10), nil)
	msg.SetContext(ctx)
	_, err := h(msg)
	return err
}

// after returns the events of evs after position pos.
func after(evs []Decoded, pos uint64) []Decoded {
	return evs[sort.Search(len(evs), func(i int) bool { return evs[i].Position > pos }):]
}

func (r *ModelRunner) pos(l *lane) uint64 {
	r.mu.Lock()
	defer r.mu.Unlock()
	return l.position
}

// advance records that l's model has committed up to pos.
func (r *ModelRunner) advance(l *lane, pos uint64) {
	r.update(func() {
		if pos <= l.position {
			return
		}
		l.position = pos
		if !l.caughtUp && pos >= l.target {
			l.caughtUp = true
			if s := time.Since(l.startAt).Seconds(); s > 0 {
				l.rate = float64(pos-l.startPos) / s
			}
			if len(l.dropAfter) > 0 {
				stale := l.dropAfter
				l.dropAfter = nil
				r.spawn(func() { r.dropStale(l.name, stale) })
			}
		}
		r.maybeSwapLocked(l)
	})
}

// stopLane stops l before position pos, for err.
func (r *ModelRunner) stopLane(l *lane, pos uint64, err error) {
	r.cfg.Logger.Error("Model stopped", err, watermill.LogFields{"model": l.name, "position": pos})
	r.update(func() {
		l.state, l.stop = StateStopped, newStop(pos, err)
		r.detachLocked(l)
	})
}

// maybeSwapLocked starts the swap of l for the version it replaces once l
// reads from the shared reader and has reached the old one's position.
func (r *ModelRunner) maybeSwapLocked(l *lane) {
	old := l.replaces
	if old == nil || l.swapping || l.feed == nil || l.feed != r.main || l.position < old.position {
		return
	}
	l.swapping = true
	r.spawn(func() { r.swapIn(l) })
}

// swapIn makes l serve in place of the version it replaces, then drops the
// old one SwapDrainDelay later.
func (r *ModelRunner) swapIn(l *lane) {
	ctx := r.runCtx
	r.ops.Lock()
	r.mu.Lock()
	old, swap := l.replaces, l.swap
	r.mu.Unlock()
	swap()
	r.detach(old)
	r.halt(old)
	r.update(func() { l.replaces, l.swap = nil, nil })
	r.retire(old)
	r.ops.Unlock()
	r.cfg.Logger.Info("Model version swapped in", watermill.LogFields{"model": l.name, "replaced": old.name})
	t := time.NewTimer(SwapDrainDelay)
	defer t.Stop()
	select {
	case <-t.C:
	case <-ctx.Done():
		return // the next start drops it (see Replace)
	}
	if err := old.m.Reset(ctx); err != nil {
		r.cfg.Logger.Error("Dropping a replaced model version", err, watermill.LogFields{"model": old.name})
	}
}

// dropStale drops older versions of model from the ModelStore.
func (r *ModelRunner) dropStale(model string, stale []string) {
	for _, s := range stale {
		if err := r.cfg.ModelStore.Drop(r.runCtx, s); err != nil {
			r.cfg.Logger.Error("Dropping an older model version", err, watermill.LogFields{"model": s, "replaced_by": model})
			continue
		}
		r.cfg.Logger.Info("Older model version dropped", watermill.LogFields{"model": s, "replaced_by": model})
	}
}
