package projections

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/ThreeDotsLabs/watermill"
	"github.com/ThreeDotsLabs/watermill/message"
)

// This file is the Runner's side of the router: a projection's handler, the
// middleware that stops it, and the stop/start steps of Resume and Rebuild.

// addHandler adds p's handler with a fresh Subscriber; the router starts it
// in Run, or RunHandlers starts it later.
func (r *Runner) addHandler(p *proj) error {
	sub, err := NewSubscriber(r.cfg.Store, SubscriberConfig{
		ConsumerGroup: p.name, Checkpoints: r.cfg.Checkpoints, Logger: r.cfg.Logger,
		Ended: func(_ string, err error) { r.update(func() { p.lastErr = err }) },
	})
	if err != nil {
		return err
	}
	h := r.router.AddConsumerHandler(p.name, TopicAll, sub, r.apply(p))
	r.update(func() { p.handler, p.sub, p.lastErr = h, sub, nil })
	return nil
}

// apply is p's handler: the event in, applied at most once per process.
func (r *Runner) apply(p *proj) message.NoPublishHandlerFunc {
	return func(msg *message.Message) error {
		ev, err := EventFromMessage(msg)
		if err != nil {
			return err
		}
		ctx := msg.Context()
		select {
		case p.sem <- struct{}{}:
		case <-ctx.Done():
			return ctx.Err()
		}
		defer func() { <-p.sem }()
		// A checkpoint that failed to save, or a stop that raced an Ack,
		// can bring back an event this process has applied already.
		if ev.Position <= r.position(p) {
			return nil
		}
		if err := p.Apply(ctx, ev); err != nil {
			return fmt.Errorf("projection %q: position %d (%s): %w", p.name, ev.Position, ev.Type, err)
		}
		r.update(func() { p.position = ev.Position })
		return nil
	}
}

// halt is the outermost middleware: an error that is left after Retry (and
// is not just the handler being stopped) stops the projection before that
// event. The router then nacks the message, and since the subscription is
// being stopped the event is neither redelivered nor skipped: it is the first
// one delivered after Resume.
func (r *Runner) halt(h message.HandlerFunc) message.HandlerFunc {
	return func(msg *message.Message) ([]*message.Message, error) {
		out, err := h(msg)
		if err == nil || msg.Context().Err() != nil {
			return out, err
		}
		p := r.byName[message.HandlerNameFromCtx(msg.Context())]
		if p == nil {
			return out, err
		}
		pos, perr := strconv.ParseUint(msg.Metadata.Get(MetaPosition), 10, 64)
		var handler *message.Handler
		r.update(func() {
			if p.state != StateRunning {
				return
			}
			if perr != nil {
				pos = p.position + 1
			}
			p.state, p.stop, handler = StateStopped, newStop(pos, err), p.handler
		})
		if handler != nil {
			r.cfg.Logger.Error("Projection stopped", err, watermill.LogFields{"projection": p.name, "position": pos})
			handler.Stop()
		}
		return out, err
	}
}

// watch marks p stopped if its handler ends while it should be running:
// the store failed or a checkpoint could not be saved.
func (r *Runner) watch(ctx context.Context, p *proj) {
	r.mu.Lock()
	h := p.handler
	r.mu.Unlock()
	stopped := h.Stopped()
	go func() {
		<-stopped
		r.update(func() {
			if p.handler != h || p.state != StateRunning || ctx.Err() != nil || r.router.IsClosed() {
				return
			}
			err := p.lastErr
			if err == nil {
				err = errors.New("projections: subscription ended")
			}
			p.state, p.stop = StateStopped, newStop(p.position+1, err)
			r.cfg.Logger.Error("Projection stopped", err, watermill.LogFields{"projection": p.name})
		})
	}()
}

// serve carries out a Resume or Rebuild for Run, one at a time, under Run's
// ctx: a caller giving up does not leave a projection half rebuilt.
func (r *Runner) serve(ctx context.Context, req request) error {
	p := req.p
	r.mu.Lock()
	state, halfReset := p.state, p.halfReset
	r.mu.Unlock()
	if !req.rebuild && state != StateStopped {
		return nil
	}
	if !req.rebuild && halfReset {
		return fmt.Errorf("projections: %q stopped during a rebuild; its read model may be half reset: rebuild it", p.name)
	}
	if req.rebuild {
		r.update(func() { p.state, p.stop = StateRebuilding, nil })
	}
	if err := r.stopHandler(ctx, p); err != nil {
		return err
	}
	if req.rebuild {
		if err := r.reset(ctx, p); err != nil {
			r.update(func() { p.state, p.stop, p.halfReset = StateStopped, newStop(1, err), true })
			return err
		}
		r.update(func() { p.halfReset = false })
	}
	if err := r.addHandler(p); err != nil {
		return err
	}
	r.update(func() { p.state, p.stop = StateRunning, nil })
	if err := r.router.RunHandlers(ctx); err != nil {
		return fmt.Errorf("projections: start %q: %w", p.name, err)
	}
	r.watch(ctx, p)
	return nil
}

// stopHandler stops p's handler, if it runs, and waits until it has.
func (r *Runner) stopHandler(ctx context.Context, p *proj) error {
	r.mu.Lock()
	h, sub := p.handler, p.sub
	r.mu.Unlock()
	if h == nil {
		return nil
	}
	h.Stop()
	select {
	case <-h.Stopped():
	case <-ctx.Done():
		return ctx.Err()
	}
	return sub.Close()
}

// reset empties p's read model and checkpoint, in that order: a crash in
// between leaves a checkpoint ahead of an empty model, which the next
// Rebuild fixes; the other order could leave a model replayed twice.
func (r *Runner) reset(ctx context.Context, p *proj) error {
	select {
	case p.sem <- struct{}{}:
	case <-ctx.Done():
		return ctx.Err()
	}
	defer func() { <-p.sem }()
	if err := p.Reset(ctx); err != nil {
		return fmt.Errorf("projections: reset %q: %w", p.name, err)
	}
	if err := r.cfg.Checkpoints.Save(ctx, p.name, 0); err != nil {
		return fmt.Errorf("projections: reset %q: %w", p.name, err)
	}
	r.update(func() { p.position = 0 })
	return nil
}

func (r *Runner) position(p *proj) uint64 {
	r.mu.Lock()
	defer r.mu.Unlock()
	return p.position
}

// update changes state under the lock and wakes every WaitFor.
func (r *Runner) update(f func()) {
	r.mu.Lock()
	defer r.mu.Unlock()
	f()
	close(r.changed)
	r.changed = make(chan struct{})
}

func (r *Runner) setIdle() {
	r.update(func() {
		for _, p := range r.order {
			if p.state != StateStopped {
				p.state = StateIdle
			}
		}
	})
}

func newStop(pos uint64, err error) *Stop {
	return &Stop{Position: pos, Err: err, Reason: err.Error(), At: time.Now().UTC()}
}

// idleSubscriber delivers nothing; its channel closes when ctx ends.
type idleSubscriber struct{}

func (idleSubscriber) Subscribe(ctx context.Context, _ string) (<-chan *message.Message, error) {
	c := make(chan *message.Message)
	context.AfterFunc(ctx, func() { close(c) })
	return c, nil
}

func (idleSubscriber) Close() error { return nil }
