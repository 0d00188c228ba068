package kurrentdb

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/EventStore/EventStore-Client-Go/v4/esdb"
	"github.com/google/uuid"
)

// fakeServer is a fake of a KurrentDB node, as far as conn uses it, built
// from the server's documented behaviour (and its source):
//   - a record's position is its byte offset in the log, so positions have
//     gaps; each event of an append has its own commit == prepare position;
//   - reading $all forwards from a position includes the event there,
//     backwards from a position returns the events before it, and a position
//     that is not the start of a record is refused;
//   - a catch-up subscription from a position starts after the event there,
//     sends CaughtUp at the end of the log, then live events;
//   - an append whose event IDs are the stream's events at the expected
//     places, or (for any/stream-exists) are in a bounded ID cache, is
//     acknowledged without a write and without comparing content.
type fakeServer struct {
	mu      sync.Mutex
	log     []*esdb.RecordedEvent
	end     uint64 // the next record's position
	streams map[string][]*esdb.RecordedEvent
	cache   []uuid.UUID // recently written IDs, oldest first
	cacheN  int
	changed chan struct{}
	// failAppend, when set, fails appends with this error.
	failAppend error
	// major is the server's major version (default 24).
	major int
}

func newFakeServer() *fakeServer {
	return &fakeServer{streams: map[string][]*esdb.RecordedEvent{}, cacheN: 100, changed: make(chan struct{}), end: 1000}
}

// system appends an event to a system stream, as the server does with its
// own bookkeeping.
func (f *fakeServer) system(stream string) { f.write(stream, "$statsCollected") }

// write appends one event of type typ to stream, as another writer would.
func (f *fakeServer) write(stream, typ string) {
	ev := esdb.EventData{EventID: uuid.New(), EventType: typ, Data: []byte(`{}`), Metadata: []byte(`{"someone":"else"}`)}
	if _, err := f.append(context.Background(), stream, esdb.Any{}, []esdb.EventData{ev}); err != nil {
		panic(err)
	}
}

type fakeConn struct {
	f      *fakeServer
	closed bool
}

func (f *fakeServer) conn() *fakeConn { return &fakeConn{f: f} }

func (c *fakeConn) append(ctx context.Context, stream string, exp esdb.ExpectedRevision, evs []esdb.EventData) (*esdb.WriteResult, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if c.f.failAppend != nil {
		return nil, c.f.failAppend
	}
	return c.f.append(ctx, stream, exp, evs)
}

func (f *fakeServer) append(_ context.Context, stream string, exp esdb.ExpectedRevision, evs []esdb.EventData) (*esdb.WriteResult, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	cur := f.streams[stream]
	n := uint64(len(cur))
	// Idempotence by ID.
	first := -1
	switch e := exp.(type) {
	case esdb.NoStream:
		first = 0
	case esdb.StreamRevision:
		first = int(e.Value) + 1
	}
	if first >= 0 && first < len(cur) {
		same := first+len(evs) <= len(cur)
		for i := 0; same && i < len(evs); i++ {
			same = cur[first+i].EventID == evs[i].EventID
		}
		if same {
			last := cur[first+len(evs)-1]
			return &esdb.WriteResult{NextExpectedVersion: last.EventNumber, CommitPosition: last.Position.Commit, PreparePosition: last.Position.Prepare}, nil
		}
	}
	if first < 0 && f.cached(evs) {
		for i := range cur {
			if cur[i].EventID == evs[0].EventID && i+len(evs) <= len(cur) {
				last := cur[i+len(evs)-1]
				return &esdb.WriteResult{NextExpectedVersion: last.EventNumber, CommitPosition: last.Position.Commit, PreparePosition: last.Position.Prepare}, nil
			}
		}
	}
	ok := true
	switch e := exp.(type) {
	case esdb.NoStream:
		ok = n == 0
	case esdb.StreamExists:
		ok = n > 0
	case esdb.StreamRevision:
		ok = n > 0 && e.Value == n-1
	}
	if !ok {
		return nil, fmt.Errorf("%w: fake: expected %T%v, stream at %d", errWrongExpected, exp, exp, n)
	}
	for _, ev := range evs {
		r := &esdb.RecordedEvent{
			EventID: ev.EventID, EventType: ev.EventType, StreamID: stream,
			EventNumber: uint64(len(f.streams[stream])),
			Position:    esdb.Position{Commit: f.end, Prepare: f.end},
			CreatedDate: time.Now(), Data: append([]byte(nil), ev.Data...), UserMetadata: append([]byte(nil), ev.Metadata...),
		}
		f.end += uint64(80 + len(ev.Data) + len(ev.Metadata) + len(stream))
		f.log = append(f.log, r)
		f.streams[stream] = append(f.streams[stream], r)
		f.cache = append(f.cache, ev.EventID)
	}
	if len(f.cache) > f.cacheN {
		f.cache = append([]uuid.UUID(nil), f.cache[len(f.cache)-f.cacheN:]...)
	}
	close(f.changed)
	f.changed = make(chan struct{})
	last := f.streams[stream][len(f.streams[stream])-1]
	return &esdb.WriteResult{NextExpectedVersion: last.EventNumber, CommitPosition: last.Position.Commit, PreparePosition: last.Position.Prepare}, nil
}

func (f *fakeServer) cached(evs []esdb.EventData) bool {
	for _, ev := range evs {
		found := false
		for _, id := range f.cache {
			found = found || id == ev.EventID
		}
		if !found {
			return false
		}
	}
	return true
}

func (c *fakeConn) readStream(ctx context.Context, stream string, from esdb.StreamPosition, dir esdb.Direction, count uint64) ([]*esdb.RecordedEvent, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	c.f.mu.Lock()
	defer c.f.mu.Unlock()
	cur := c.f.streams[stream]
	if len(cur) == 0 {
		return nil, fmt.Errorf("%w: fake: %s", errStreamNotFound, stream)
	}
	var out []*esdb.RecordedEvent
	if dir == esdb.Forwards {
		i := 0
		if r, ok := from.(esdb.StreamRevision); ok {
			i = int(r.Value)
		} else if _, ok := from.(esdb.End); ok {
			i = len(cur)
		}
		for ; i < len(cur) && uint64(len(out)) < count; i++ {
			out = append(out, cur[i])
		}
		return out, nil
	}
	i := len(cur) - 1
	if r, ok := from.(esdb.StreamRevision); ok {
		if r.Value > uint64(i) {
			return nil, errors.New("fake: backwards from past the end is not specified")
		}
		i = int(r.Value)
	} else if _, ok := from.(esdb.Start); ok {
		i = 0
	}
	for ; i >= 0 && uint64(len(out)) < count; i-- {
		out = append(out, cur[i])
	}
	return out, nil
}

// at returns the index of the first record at or after p, or an error if p
// is inside a record.
func (f *fakeServer) at(p esdb.Position) (int, error) {
	for i, r := range f.log {
		if r.Position.Commit == p.Commit {
			return i, nil
		}
		if r.Position.Commit > p.Commit {
			return 0, fmt.Errorf("fake: invalid position %d: inside a record", p.Commit)
		}
	}
	return len(f.log), nil
}

func (c *fakeConn) readAll(ctx context.Context, from esdb.AllPosition, dir esdb.Direction, count uint64) ([]*esdb.RecordedEvent, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	c.f.mu.Lock()
	defer c.f.mu.Unlock()
	var out []*esdb.RecordedEvent
	if dir == esdb.Forwards {
		i := 0
		switch p := from.(type) {
		case esdb.End:
			i = len(c.f.log)
		case esdb.Position:
			var err error
			if i, err = c.f.at(p); err != nil {
				return nil, err
			}
		}
		for ; i < len(c.f.log) && uint64(len(out)) < count; i++ {
			out = append(out, c.f.log[i])
		}
		return out, nil
	}
	i := len(c.f.log) - 1
	switch p := from.(type) {
	case esdb.Start:
		i = -1
	case esdb.Position:
		j, err := c.f.at(p)
		if err != nil {
			return nil, err
		}
		i = j - 1
	}
	for ; i >= 0 && uint64(len(out)) < count; i-- {
		out = append(out, c.f.log[i])
	}
	return out, nil
}

func (c *fakeConn) subscribeAll(ctx context.Context, from esdb.AllPosition, filter *esdb.SubscriptionFilter) (subscription, error) {
	c.f.mu.Lock()
	defer c.f.mu.Unlock()
	next := 0
	switch p := from.(type) {
	case esdb.End:
		next = len(c.f.log)
	case esdb.Position:
		i, err := c.f.at(p)
		if err != nil {
			return nil, err
		}
		next = min(i+1, len(c.f.log))
	}
	ctx, cancel := context.WithCancel(ctx)
	return &fakeSub{f: c.f, ctx: ctx, cancel: cancel, next: next, caughtUpAt: len(c.f.log), filter: filter}, nil
}

func (c *fakeConn) serverMajor() (int, error) {
	if c.f.major != 0 {
		return c.f.major, nil
	}
	return 24, nil
}
func (c *fakeConn) close() error { c.closed = true; return nil }

type fakeSub struct {
	f          *fakeServer
	ctx        context.Context
	cancel     context.CancelFunc
	next       int
	caughtUpAt int
	live       bool
	filter     *esdb.SubscriptionFilter
}

func (s *fakeSub) passes(r *esdb.RecordedEvent) bool {
	if s.filter == nil {
		return true
	}
	if s.filter.Type == esdb.StreamFilterType {
		for _, p := range s.filter.Prefixes {
			if strings.HasPrefix(r.StreamID, p) {
				return true
			}
		}
		return false
	}
	return !strings.HasPrefix(r.EventType, "$")
}

func (s *fakeSub) recv() *esdb.SubscriptionEvent {
	for {
		s.f.mu.Lock()
		changed := s.f.changed
		if s.ctx.Err() != nil {
			s.f.mu.Unlock()
			return &esdb.SubscriptionEvent{SubscriptionDropped: &esdb.SubscriptionDropped{Error: s.ctx.Err()}}
		}
		for s.next < len(s.f.log) && (s.live || s.next < s.caughtUpAt) {
			r := s.f.log[s.next]
			s.next++
			if s.passes(r) {
				s.f.mu.Unlock()
				return &esdb.SubscriptionEvent{EventAppeared: &esdb.ResolvedEvent{Event: r}}
			}
		}
		if !s.live {
			s.live = true
			s.f.mu.Unlock()
			return &esdb.SubscriptionEvent{CaughtUp: &esdb.Subscription{}}
		}
		s.f.mu.Unlock()
		select {
		case <-changed:
		case <-s.ctx.Done():
		}
	}
}

func (s *fakeSub) close() error { s.cancel(); return nil }
