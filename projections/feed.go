package projections

import (
	"context"
	"time"

	"github.com/ThreeDotsLabs/watermill"

	"github.com/drip-ledger/drip/events"
)

// This file is the ModelRunner's reading side: a feed reads the log in
// batches, decodes each batch once and hands it to each of its lanes.
//
// The main feed serves the models at the front: it catches up with ReadAll,
// then follows the tail through one subscription, handing on whatever has
// arrived (up to BatchEvents) at once. A catch-up feed serves models far
// behind (new, resumed, rebuilt): it reads with ReadAll until it reaches
// where the main feed is, then hands its models over and ends. A small
// overlap or gap at the hand-over is the lanes' business (deliver skips what
// a model has, and reads a gap itself), so the hand-over needs no lockstep.

// feed is one reader of the log. members is guarded by ModelRunner.mu; next
// belongs to the feed's goroutine.
type feed struct {
	main    bool
	members []*lane
	next    uint64
	// delivered is the last position the main feed has handed out
	// (guarded by ModelRunner.mu).
	delivered uint64
}

// catchUp starts a catch-up feed for ls, from the lowest of their
// checkpoints.
func (r *ModelRunner) catchUp(ctx context.Context, ls []*lane) {
	f := &feed{}
	r.mu.Lock()
	from := ls[0].position
	for _, l := range ls {
		from = min(from, l.position)
	}
	r.mu.Unlock()
	f.next = from + 1
	for _, l := range ls {
		r.attach(ctx, l, f)
	}
	r.spawn(func() { r.runFeed(ctx, f) })
}

func (r *ModelRunner) runFeed(ctx context.Context, f *feed) {
	delay := r.cfg.RetryDelayMin
	var p *pager
	defer func() { p.stop() }()
	for ctx.Err() == nil {
		if !f.main {
			done, wait := r.handOver(f)
			if done {
				return
			}
			if wait != nil {
				select {
				case <-wait:
				case <-ctx.Done():
					return
				}
				continue
			}
		}
		if f.main {
			jump, wait := r.mainFrom(f)
			if jump || wait != nil {
				p.stop()
				p = nil
			}
			if wait != nil {
				select {
				case <-wait:
				case <-ctx.Done():
					return
				}
				continue
			}
		}
		if p == nil {
			p = r.startPager(ctx, f.next)
		}
		var res pageResult
		select {
		case res = <-p.pages:
		case <-ctx.Done():
			return
		}
		if res.err != nil || len(res.page) == 0 {
			p.stop() // it has ended: the next read starts a new one
			p = nil
		}
		if res.err != nil {
			if !r.backoff(ctx, &delay, res.err) {
				return
			}
			continue
		}
		delay = r.cfg.RetryDelayMin
		if len(res.page) == 0 {
			if !f.main {
				continue // at the head: handOver decides
			}
			if err := r.follow(ctx, f); err != nil && !r.backoff(ctx, &delay, err) {
				return
			}
			continue
		}
		c := r.decode(res.page, f.next-1)
		if !r.fanOut(ctx, f, c) {
			return
		}
		f.next = c.to + 1
	}
}

// mainFrom keeps the main feed from reading for nobody: with no member it
// waits (wait says when to look again), and when its members are all ahead
// of it (they joined while it had none) it jumps to the lowest of them.
func (r *ModelRunner) mainFrom(f *feed) (jump bool, wait <-chan struct{}) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if len(f.members) == 0 {
		return false, r.changed
	}
	low := f.members[0].position
	for _, l := range f.members {
		low = min(low, l.position)
	}
	if low+1 > f.next {
		f.next, f.delivered = low+1, max(f.delivered, low)
		return true, nil
	}
	return false, nil
}

// pager reads the log ahead of a feed, one page at a time, so reading the
// next page overlaps decoding this one. It ends after an error or an empty
// page (the head).
type pager struct {
	pages  chan pageResult
	cancel context.CancelFunc
	done   chan struct{}
}

type pageResult struct {
	page []events.Event
	err  error
}

func (r *ModelRunner) startPager(ctx context.Context, from uint64) *pager {
	ctx, cancel := context.WithCancel(ctx)
	p := &pager{pages: make(chan pageResult, 1), cancel: cancel, done: make(chan struct{})}
	go func() {
		defer close(p.done)
		for {
			page, err := r.cfg.Store.ReadAll(ctx, from, r.cfg.BatchEvents)
			select {
			case p.pages <- pageResult{page, err}:
			case <-ctx.Done():
				return
			}
			if err != nil || len(page) == 0 {
				return
			}
			from = page[len(page)-1].Position + 1
		}
	}()
	return p
}

// stop ends the pager and waits for it; a nil pager is stopped already.
func (p *pager) stop() {
	if p == nil {
		return
	}
	p.cancel()
	<-p.done
}

// follow hands on the log's tail from f.next until the subscription ends.
func (r *ModelRunner) follow(ctx context.Context, f *feed) error {
	sub, err := r.cfg.Store.Subscribe(ctx, f.next)
	if err != nil {
		return err
	}
	defer sub.Close()
	buf := make([]events.Event, 0, r.cfg.BatchEvents)
	for {
		buf = buf[:0]
		select {
		case ev, ok := <-sub.C:
			if !ok {
				return sub.Err()
			}
			buf = append(buf, ev)
		case <-ctx.Done():
			return ctx.Err()
		}
		ended := false
	drain:
		for len(buf) < r.cfg.BatchEvents {
			select {
			case ev, ok := <-sub.C:
				if !ok {
					ended = true
					break drain
				}
				buf = append(buf, ev)
			default:
				break drain
			}
		}
		c := r.decode(buf, f.next-1)
		if !r.fanOut(ctx, f, c) {
			return ctx.Err()
		}
		f.next = c.to + 1
		if ended {
			return sub.Err()
		}
	}
}

// fanOut hands c to every member of f, waiting for room in each queue (the
// slowest model sets the pace). It returns false when ctx ends, or when a
// catch-up feed has no member left.
func (r *ModelRunner) fanOut(ctx context.Context, f *feed, c *chunk) bool {
	type target struct {
		q    chan<- *chunk
		done <-chan struct{}
	}
	r.mu.Lock()
	ts := make([]target, len(f.members))
	for i, l := range f.members {
		ts[i] = target{l.q, l.done}
	}
	if f.main {
		// Under the lock with the members it goes to: handOver compares
		// with it, so a model joining now gets every later chunk.
		f.delivered = c.to
	}
	r.mu.Unlock()
	if !f.main && len(ts) == 0 {
		return false
	}
	for _, t := range ts {
		select {
		case t.q <- c:
		case <-t.done:
		case <-ctx.Done():
			return false
		}
	}
	return true
}

// handOver moves f's members to the main feed once f has read as far as
// the main feed has handed out and its members have applied what f gave
// them: a model still working through its queue would otherwise hold the
// shared reader, and every model behind it, back. done: handed over (or no
// member left); else wait, if not nil, says when to look again, and nil
// means read on.
func (r *ModelRunner) handOver(f *feed) (done bool, wait <-chan struct{}) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if len(f.members) == 0 {
		return true, nil
	}
	if f.next-1 < r.main.delivered {
		return false, nil
	}
	for _, l := range f.members {
		if l.position < f.next-1 {
			return false, r.changed
		}
	}
	for _, l := range f.members {
		l.feed = r.main
		r.main.members = append(r.main.members, l)
		r.maybeSwapLocked(l)
	}
	f.members = nil
	return true, nil
}

// backoff logs err and waits before a feed reads again; false if ctx ended.
func (r *ModelRunner) backoff(ctx context.Context, delay *time.Duration, err error) bool {
	if ctx.Err() != nil {
		return false
	}
	r.cfg.Logger.Error("Reading the log for the models", err, watermill.LogFields{"retry_in": *delay})
	t := time.NewTimer(*delay)
	defer t.Stop()
	select {
	case <-t.C:
	case <-ctx.Done():
		return false
	}
	*delay = min(2**delay, r.cfg.RetryDelayMax)
	return true
}
