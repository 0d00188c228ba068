package events

import (
	"context"

	"fmt"
	"sync"
)

// Subscription is a live, ordered feed of the global log; see Store.Subscribe.
type Subscription struct {
	// C delivers the events. It is closed when the subscription ends.
	C <-chan Event

	cancel context.CancelFunc
	done   chan struct{}
	err    error
}

// Err returns why the subscription ended: the context's error, ErrClosed, or
// a read failure. It blocks until the subscription has ended, so call it after
// C is closed or after Close.
func (s *Subscription) Err() error {
	<-s.done
	return s.err
}

// Close ends the subscription and waits until its goroutine has stopped.
func (s *Subscription) Close() error {
	s.cancel()
	<-s.done
	return nil
}

// FollowSource is what a backend lends Follow to build a subscription.
type FollowSource struct {
	// ReadAll is the backend's Store.ReadAll.
	ReadAll func(ctx context.Context, from uint64, limit int) ([]Event, error)
	// Wait blocks until the log may hold an event at position pos, or ctx is
	// done, or the store closes (ErrClosed).
	Wait func(ctx context.Context, pos uint64) error
	// BufferLen is the channel's capacity (default SubscriptionBufferLen).
	BufferLen int
	// PageLen is how many events one read asks for (default 512).
	PageLen int
}

// Follow implements Store.Subscribe over a backend's ReadAll and Wait: it
// reads pages from position from until it reaches the head, then waits for the
// head to move and reads again. Because live events are read from the log
// itself rather than pushed by writers, the switch from catch-up to live cannot
// drop or repeat an event, and a slow consumer only slows its own reads.
func Follow(ctx context.Context, from uint64, src FollowSource) *Subscription {
	if src.BufferLen <= 0 {
		src.BufferLen = SubscriptionBufferLen
	}
	if src.PageLen <= 0 || src.PageLen > ReadEventsMax {
		src.PageLen = 512
	}
	ctx, cancel := context.WithCancel(ctx)
	c := make(chan Event, src.BufferLen)
	s := &Subscription{C: c, cancel: cancel, done: make(chan struct{})}
	go func() {
		defer close(s.done)
		defer close(c)
		defer cancel()
		s.err = follow(ctx, from, src, c)
	}()
	return s
}

func follow(ctx context.Context, from uint64, src FollowSource, c chan<- Event) error {
	next := max(from, 1)
	for {
		page, err := src.ReadAll(ctx, next, src.PageLen)
		if err != nil {
			return err
		}
		if len(page) == 0 {
			if err := src.Wait(ctx, next); err != nil {
				return err
			}
			continue
		}
		for _, ev := range page {
			if ev.Position < next {
				return fmt.Errorf("events: subscription: position %d after %d: %w", ev.Position, next-1, ErrCorrupt)
			}
			select {
			case c <- ev:
			case <-ctx.Done():
				return ctx.Err()
			}
			next = ev.Position + 1
		}
	}
}

// Notifier tells waiting subscriptions that the log's head has moved. A
// backend calls Advance after each commit and Close when it closes.
type Notifier struct {
	mu     sync.Mutex
	head   uint64
	closed bool
	ch     chan struct{}
}

// NewNotifier returns a Notifier whose head is head.
func NewNotifier(head uint64) *Notifier {
	return &Notifier{head: head, ch: make(chan struct{})}
}

// Advance records that the log's head is now head and wakes every waiter.
func (n *Notifier) Advance(head uint64) {
	n.mu.Lock()
	defer n.mu.Unlock()
	if head <= n.head || n.closed {
		return
	}
	n.head = head
	close(n.ch)
	n.ch = make(chan struct{})
}

// Head returns the last head passed to Advance.
func (n *Notifier) Head() uint64 {
	n.mu.Lock()
	defer n.mu.Unlock()
	return n.head
}

// Wait blocks until the head is at least pos, ctx is done (its error), or the
// Notifier is closed (ErrClosed).
func (n *Notifier) Wait(ctx context.Context, pos uint64) error {
	for {
		n.mu.Lock()
		head, closed, ch := n.head, n.closed, n.ch
		n.mu.Unlock()
		switch {
		case closed:
			return ErrClosed
		case head >= pos:
			return nil
		}
		select {
		case <-ch:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}

// Close wakes every waiter with ErrClosed.
func (n *Notifier) Close() {
	n.mu.Lock()
	defer n.mu.Unlock()
	if !n.closed {
		n.closed = true
		close(n.ch)
	}
}
