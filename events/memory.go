package events

import (
	"context"
	"fmt"
	"sync"
	"time"
)

// MemoryStore is a Store that keeps everything in memory and forgets it on
// exit. It is for unit tests and tools, never for a deployment; it passes the
// same conformance suite as the durable stores.
type MemoryStore struct {
	reg    *Registry
	now    func() time.Time
	notify *Notifier

	mu      sync.RWMutex
	log     []Event // log[i].Position == i+1
	streams map[string][]uint64
	ids     map[ID]uint64
	closed  bool
}

var _ Store = (*MemoryStore)(nil)

// NewMemoryStore returns an empty store that accepts the types in reg. now
// stamps RecordedAt; nil means time.Now.
func NewMemoryStore(reg *Registry, now func() time.Time) *MemoryStore {
	if reg == nil {
		panic("events: NewMemoryStore needs a registry")
	}
	if now == nil {
		now = time.Now
	}
	return &MemoryStore{reg: reg, now: now, notify: NewNotifier(0),
		streams: map[string][]uint64{}, ids: map[ID]uint64{}}
}

// Append implements Store.
func (s *MemoryStore) Append(ctx context.Context, stream string, expected Expected, evs ...Event) (AppendResult, error) {
	if err := ctx.Err(); err != nil {
		return AppendResult{}, err
	}
	if err := s.reg.CheckAppend(stream, evs); err != nil {
		return AppendResult{}, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return AppendResult{}, ErrClosed
	}
	res, retry, err := CheckRetry(stream, expected, evs, s.lookup)
	if err != nil || retry {
		return res, err
	}
	cur := uint64(len(s.streams[stream]))
	if err := expected.Check(stream, cur); err != nil {
		return AppendResult{}, err
	}
	res = s.write(stream, cur, evs, RecordedTime(s.now()))
	s.notify.Advance(res.Position)
	return res, nil
}

// write adds evs to the log after version cur of stream; the caller holds
// the write lock and has checked everything.
func (s *MemoryStore) write(stream string, cur uint64, evs []Event, at time.Time) AppendResult {
	first := uint64(len(s.log)) + 1
	for i, ev := range evs {
		ev.Stream, ev.Version, ev.Position, ev.RecordedAt = stream, cur+uint64(i)+1, uint64(len(s.log))+1, at
		ev.Data = append([]byte(nil), ev.Data...)
		ev.Meta.OccurredAt = RecordedTime(ev.Meta.OccurredAt)
		s.log = append(s.log, ev)
		s.streams[stream] = append(s.streams[stream], ev.Position)
		s.ids[ev.ID] = ev.Position
	}
	return AppendResult{Version: cur + uint64(len(evs)), Position: uint64(len(s.log)), First: first}
}

// AppendMulti implements Store: every part is checked under the write lock
// before any is written.
func (s *MemoryStore) AppendMulti(ctx context.Context, parts ...StreamAppend) ([]AppendResult, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if err := s.reg.CheckAppendMulti(parts); err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return nil, ErrClosed
	}
	res, retry, err := CheckRetryMulti(parts, s.lookup)
	if err != nil || retry {
		return res, err
	}
	curs := make([]uint64, len(parts))
	for i, p := range parts {
		curs[i] = uint64(len(s.streams[p.Stream]))
		if err := p.Expected.Check(p.Stream, curs[i]); err != nil {
			return nil, err
		}
	}
	at := RecordedTime(s.now())
	res = make([]AppendResult, len(parts))
	for i, p := range parts {
		res[i] = s.write(p.Stream, curs[i], p.Events, at)
	}
	s.notify.Advance(uint64(len(s.log)))
	return res, nil
}

func (s *MemoryStore) lookup(id ID) (Event, bool, error) {
	p, ok := s.ids[id]
	if !ok {
		return Event{}, false, nil
	}
	return s.log[p-1], true, nil
}

// ReadStream implements Store.
func (s *MemoryStore) ReadStream(ctx context.Context, stream string, from uint64, dir Direction, limit int) ([]Event, error) {
	if err := CheckRead(ctx, limit); err != nil {
		return nil, err
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	if s.closed {
		return nil, ErrClosed
	}
	ps := s.streams[stream]
	if len(ps) == 0 {
		return nil, fmt.Errorf("stream %q: %w", stream, ErrStreamNotFound)
	}
	var out []Event
	n := uint64(len(ps))
	if dir == Forwards {
		for v := max(from, 1); v <= n && len(out) < limit; v++ {
			out = append(out, s.log[ps[v-1]-1].clone())
		}
		return out, nil
	}
	for v := min(from, n); v >= 1 && len(out) < limit; v-- {
		out = append(out, s.log[ps[v-1]-1].clone())
	}
	return out, nil
}

// ReadAll implements Store.
func (s *MemoryStore) ReadAll(ctx context.Context, from uint64, limit int) ([]Event, error) {
	if err := CheckRead(ctx, limit); err != nil {
		return nil, err
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	if s.closed {
		return nil, ErrClosed
	}
	from = max(from, 1)
	n := uint64(len(s.log))
	if from > n {
		return nil, nil
	}
	end := min(n, from-1+uint64(limit))
	out := make([]Event, 0, end-from+1)
	for _, ev := range s.log[from-1 : end] {
		out = append(out, ev.clone())
	}
	return out, nil
}

// clone gives a reader its own Data, so scribbling on a result cannot change
// the log.
func (e Event) clone() Event {
	e.Data = append([]byte(nil), e.Data...)
	return e
}

// Subscribe implements Store.
func (s *MemoryStore) Subscribe(ctx context.Context, from uint64) (*Subscription, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	s.mu.RLock()
	closed := s.closed
	s.mu.RUnlock()
	if closed {
		return nil, ErrClosed
	}
	return Follow(ctx, from, FollowSource{ReadAll: s.ReadAll, Wait: s.notify.Wait}), nil
}

// Head implements Store.
func (s *MemoryStore) Head(ctx context.Context) (uint64, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	if s.closed {
		return 0, ErrClosed
	}
	return uint64(len(s.log)), nil
}

// Close implements Store.
func (s *MemoryStore) Close() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.closed = true
	s.notify.Close()
	return nil
}

// CheckRead validates the limit of a read and the context; every backend
// calls it first.
func CheckRead(ctx context.Context, limit int) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if limit < 1 || limit > ReadEventsMax {
		return &InvalidError{Problems: []Problem{{Field: "limit",
			Reason: fmt.Sprintf("%d is outside 1..%d", limit, ReadEventsMax), Cause: ErrLimit}}}
	}
	return nil
}

// RecordedTime normalises a store's clock reading: UTC, truncated to the
// microsecond every backend (PostgreSQL included) can keep exactly.
func RecordedTime(t time.Time) time.Time { return t.UTC().Truncate(time.Microsecond) }
