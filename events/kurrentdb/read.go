package kurrentdb

import (
	"context"
	"errors"
	"fmt"
	"math"
	"sync"
	"time"

	"github.com/EventStore/EventStore-Client-Go/v4/esdb"

	"github.com/drip-ledger/drip/events"
)

// farVersion is a version no stream reaches; KurrentDB revisions are int64
// on the server, so a larger one is not sent.
const farVersion = math.MaxInt64 / 2

// ReadStream implements events.Store.
func (s *Store) ReadStream(ctx context.Context, stream string, from uint64, dir events.Direction, limit int) ([]events.Event, error) {
	if err := events.CheckRead(ctx, limit); err != nil {
		return nil, err
	}
	if !s.enter() {
		return nil, events.ErrClosed
	}
	defer s.leave()
	var out []events.Event
	var err error
	if dir == events.Backwards {
		out, err = s.readBackwards(ctx, stream, from, limit)
	} else {
		out, err = s.readForwards(ctx, stream, max(from, 1), limit)
	}
	if err != nil && !errors.Is(err, events.ErrStreamNotFound) {
		return nil, s.fail("read stream", ctx, err)
	}
	return out, err
}

func (s *Store) readForwards(ctx context.Context, stream string, from uint64, limit int) ([]events.Event, error) {
	if from > farVersion {
		// Past the end of every stream: nothing to read, if it exists.
		_, err := s.readBackwards(ctx, stream, events.End, 1)
		return nil, err
	}
	return s.readVersions(ctx, stream, from, uint64(limit))
}

// readVersions reads up to n events of stream from version first on.
func (s *Store) readVersions(ctx context.Context, stream string, first, n uint64) ([]events.Event, error) {
	rs, err := s.c.readStream(ctx, streamName(s.opts.Prefix, stream), esdb.Revision(revision(first)), esdb.Forwards, n)
	return s.streamEvents(stream, rs, err)
}

// readBackwards reads up to limit events of stream from version from down.
// A start past the last version starts at the last: KurrentDB is asked from
// its end then, because a backward read from a revision past the end does
// not say what it returns.
func (s *Store) readBackwards(ctx context.Context, stream string, from uint64, limit int) ([]events.Event, error) {
	name := streamName(s.opts.Prefix, stream)
	var at esdb.StreamPosition = esdb.End{}
	if from != events.End && from <= farVersion {
		last, err := s.c.readStream(ctx, name, esdb.End{}, esdb.Backwards, 1)
		evs, err := s.streamEvents(stream, last, err)
		if err != nil || len(evs) == 0 {
			return nil, err
		}
		switch {
		case from == 0:
			return nil, nil
		case from < evs[0].Version:
			at = esdb.Revision(revision(from))
		case limit == 1:
			return evs, nil
		}
	}
	rs, err := s.c.readStream(ctx, name, at, esdb.Backwards, uint64(limit))
	return s.streamEvents(stream, rs, err)
}

// streamEvents converts the events of one stream's read.
func (s *Store) streamEvents(stream string, rs []*esdb.RecordedEvent, err error) ([]events.Event, error) {
	if errors.Is(err, errStreamNotFound) {
		return nil, fmt.Errorf("stream %q: %w", stream, events.ErrStreamNotFound)
	}
	if err != nil {
		return nil, err
	}
	out := make([]events.Event, 0, len(rs))
	for _, r := range rs {
		ev, ok, err := fromRecorded(s.opts.Prefix, r)
		if err != nil {
			return nil, err
		}
		if !ok {
			return nil, corrupt(r, "not a Drip event in a Drip stream")
		}
		out = append(out, ev)
	}
	return out, nil
}

// ReadAll implements events.Store. The client reads $all without a filter,
// so ReadAll reads through a catch-up subscription that the server filters
// (this deployment's prefix), and stops at the limit or when the
// subscription reports it has caught up with the log.
func (s *Store) ReadAll(ctx context.Context, from uint64, limit int) ([]events.Event, error) {
	if err := events.CheckRead(ctx, limit); err != nil {
		return nil, err
	}
	if !s.enter() {
		return nil, events.ErrClosed
	}
	defer s.leave()
	var out []events.Event
	err := s.scan(ctx, from, func(ev events.Event) bool {
		out = append(out, ev)
		return len(out) < limit
	})
	if err != nil {
		return nil, s.fail("read all", ctx, err)
	}
	return out, nil
}

// scan calls each with this deployment's events of Position >= from, in
// order, until each returns false or the log's end (as of the scan) is
// reached.
func (s *Store) scan(ctx context.Context, from uint64, each func(events.Event) bool) error {
	var after esdb.AllPosition = esdb.Start{}
	if from > 1 && from > s.notify.Head() {
		// Past the head as last heard of: look again, and read nothing if
		// from is still past it (a reader at the head, or a number past
		// every position, which need not be the start of a record).
		h, err := s.readHead(ctx)
		if err != nil || from > h {
			return err
		}
	}
	if st := boundary(from); st.at != nil {
		// A subscription starts after an event, so read the event at the
		// boundary itself first.
		raw, err := s.c.readAll(ctx, *st.at, esdb.Forwards, 1)
		if err != nil || len(raw) == 0 {
			return err // at or past the end: nothing at >= from yet
		}
		ev, ok, err := fromRecorded(s.opts.Prefix, raw[0])
		if err != nil {
			return err
		}
		if ok && ev.Position >= from && !each(ev) {
			return nil
		}
		after = raw[0].Position
	}
	sub, err := s.c.subscribeAll(ctx, after, s.filter)
	if err != nil {
		return err
	}
	defer sub.close()
	for {
		m := sub.recv()
		switch {
		case m.EventAppeared != nil:
			r := m.EventAppeared.OriginalEvent()
			ev, ok, err := fromRecorded(s.opts.Prefix, r)
			if err != nil {
				return err
			}
			if ok && ev.Position >= from && !each(ev) {
				return nil
			}
		case m.CaughtUp != nil:
			return nil
		case m.SubscriptionDropped != nil:
			return fmt.Errorf("%w: %v", errSubscriptionDrop, m.SubscriptionDropped.Error)
		}
	}
}

// Subscribe implements events.Store with events.Follow over ReadAll: the
// log itself is the truth of what comes next, so a subscription the server
// drops (a slow consumer, a leader change) costs a re-read, never a gap or a
// repeat. Waiting at the head is woken by this store's appends, by a live
// subscription to the cluster (appends by other processes), and at worst
// every PollInterval.
func (s *Store) Subscribe(ctx context.Context, from uint64) (*events.Subscription, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if !s.enter() {
		return nil, events.ErrClosed
	}
	s.leave()
	return events.Follow(ctx, from, events.FollowSource{ReadAll: s.ReadAll, Wait: s.wait}), nil
}

// wait blocks until the head may have reached pos, or PollInterval passed.
func (s *Store) wait(ctx context.Context, pos uint64) error {
	wctx, cancel := context.WithTimeout(ctx, s.opts.PollInterval)
	defer cancel()
	err := s.notify.Wait(wctx, pos)
	if errors.Is(err, context.DeadlineExceeded) && ctx.Err() == nil {
		return nil
	}
	return err
}

// watch follows the cluster's new events (from the end, filtered on the
// server) only to wake waiting subscriptions: it advances the notifier and
// never blocks, so the server has no reason to drop it. It resubscribes
// after a drop, every PollInterval, until the store closes.
func (s *Store) watch(ctx context.Context) {
	defer close(s.watchDone)
	for ctx.Err() == nil {
		if sub, err := s.c.subscribeAll(ctx, esdb.End{}, s.filter); err == nil {
			for {
				m := sub.recv()
				if m.SubscriptionDropped != nil {
					break
				}
				if m.EventAppeared != nil {
					r := m.EventAppeared.OriginalEvent()
					if _, mine := dripStream(s.opts.Prefix, r.StreamID); mine {
						s.notify.Advance(token(r.Position))
					}
				}
			}
			sub.close()
		}
		select {
		case <-ctx.Done():
		case <-time.After(s.opts.PollInterval):
		}
	}
}

// headPageLen is how many events of $all Head reads backwards at once: few
// at first, because this deployment's last event is usually among the last
// few of the cluster.
func headPageLen(scanned int) int {
	if scanned == 0 {
		return 32
	}
	return 512
}

// headCache remembers the last Head found and how far back in $all it is
// known: no event of this deployment lies after the event at token up to
// through.
type headCache struct {
	mu      sync.Mutex
	token   uint64
	through *esdb.Position
}

func (h *headCache) get() (uint64, *esdb.Position) {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.token, h.through
}

// put records a newer finding; an older one (a concurrent Head that read
// less) is ignored.
func (h *headCache) put(tok uint64, through esdb.Position) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.through == nil || through.Commit > h.through.Commit {
		h.token, h.through = tok, &through
	}
}

// Head implements events.Store.
func (s *Store) Head(ctx context.Context) (uint64, error) {
	if err := ctx.Err(); err != nil {
		return 0, err
	}
	if !s.enter() {
		return 0, events.ErrClosed
	}
	defer s.leave()
	h, err := s.readHead(ctx)
	if err != nil {
		return 0, s.fail("head", ctx, err)
	}
	return h, nil
}

// readHead finds the head and tells waiting subscriptions about it.
func (s *Store) readHead(ctx context.Context) (uint64, error) {
	h, err := s.findHead(ctx)
	if err == nil && s.notify != nil {
		s.notify.Advance(h)
	}
	return h, err
}

// findHead reads $all backwards from its end to this deployment's last event
// (the client cannot filter a backward read), at most HeadScanMax events of
// others; past that it scans forwards from what it knew, filtered on the
// server.
func (s *Store) findHead(ctx context.Context) (uint64, error) {
	known, through := s.head.get()
	var newest *esdb.Position
	var at esdb.AllPosition = esdb.End{}
	for scanned := 0; scanned < s.opts.HeadScanMax; {
		n := min(s.opts.HeadScanMax-scanned, headPageLen(scanned))
		page, err := s.c.readAll(ctx, at, esdb.Backwards, uint64(n))
		if err != nil {
			return 0, err
		}
		for _, r := range page {
			if newest == nil {
				newest = &r.Position
			}
			if through != nil && r.Position.Commit <= through.Commit {
				s.head.put(known, *newest)
				return known, nil
			}
			ev, ok, err := fromRecorded(s.opts.Prefix, r)
			if err != nil {
				return 0, err
			}
			if ok {
				s.head.put(ev.Position, *newest)
				return ev.Position, nil
			}
		}
		if len(page) < n { // the start of $all
			if newest != nil {
				s.head.put(known, *newest)
			}
			return known, nil
		}
		scanned += len(page)
		at = page[len(page)-1].Position
	}
	var from uint64
	if through != nil {
		from = token(*through) + 1
	}
	last, lastPos := known, newest
	err := s.scan(ctx, from, func(ev events.Event) bool {
		last = ev.Position
		c := (ev.Position - 1) / 2
		if lastPos == nil || c > lastPos.Commit {
			lastPos = &esdb.Position{Commit: c, Prepare: c}
		}
		return true
	})
	if err != nil {
		return 0, err
	}
	if lastPos != nil {
		s.head.put(last, *lastPos)
	}
	return last, nil
}
