package domain

import (
	"container/list"
	"context"
	"errors"
	"fmt"
	"hash/fnv"
	"reflect"
	"sync"

	"github.com/drip-ledger/drip/events"
)

// Commands load their aggregate from a Cache of aggregates kept at their
// version: a command reads only the events appended since (by anyone, in
// any process), not the whole stream, so its cost does not grow with the
// stream's length (a project's thousands of payments, a bank file's lines
// settled one command each).
//
// Cached aggregates, not stored snapshots: a snapshot would be derived data
// in the log or beside it, with a format to version whenever a state
// changes, checks that it still equals a full fold, and an upgrade path;
// states here have unexported fields and keep their whole history, and are
// not serialised anywhere. A cached aggregate needs none of that: it is the
// state the process folded itself, lost on restart (the first command then
// folds once), and never trusted beyond the version it was folded to. The
// append's expected version still decides every command, so a stale entry
// (another process wrote since) only means reading more events.
//
// An entry is used by one command at a time. States share memory with the
// state they were evolved from (household.State: "treat the older one as
// spent"; fund.Project changes its payments in place), so two commands
// evolving one cached state at once would write into each other's maps and
// backing arrays. Cloning each state before evolving it would cost time in
// the stream's length again; instead a command takes the entry's turn and
// gives it back when it is done: commands on one aggregate in one process
// run one after another. They lose nothing by it: of two concurrent
// commands on one stream only one can append at the version both read, the
// other would decide again anyway, and waiting for the turn spares it that
// retry. Commands on different aggregates do not wait for each other. No
// command waits for an entry while it holds another, except ExecuteMulti,
// which takes its views' entries in one order (acquireViews): so turns
// cannot deadlock, as long as a decider or a Read's callback does not run
// a command itself (none does: they are pure).

// Default limits of an Executor's Cache; both bound its memory, and the
// smaller wins.
const (
	// AggregateCacheMax is how many aggregates the cache keeps: a few
	// thousand households, projects and complaints in use at once.
	AggregateCacheMax = 4096
	// AggregateCacheEventsMax bounds the events folded into the cached
	// aggregates together. A state keeps its whole history, so its memory
	// grows with its stream (about a kilobyte an event): this is what
	// bounds the cache's memory, at a few hundred megabytes.
	AggregateCacheEventsMax = 250_000
)

// Cache keeps aggregates at their version between commands, up to a number
// of entries and of events folded into them, evicting the least recently
// used. It is safe for concurrent use, and several Executors of one process
// may share one. A nil Cache, or one of size 0, keeps nothing: every
// command folds its stream from the start.
type Cache struct {
	entriesMax int
	eventsMax  int

	mu      sync.Mutex
	entries map[cacheKey]*cached
	lru     list.List // of *cached, most recently used first
	events  int       // the weights of the entries in the map
}

// NewCache returns a cache of at most entriesMax aggregates and eventsMax
// events folded into them together. entriesMax 0 disables it.
func NewCache(entriesMax, eventsMax int) *Cache {
	return &Cache{entriesMax: max(entriesMax, 0), eventsMax: max(eventsMax, 0), entries: map[cacheKey]*cached{}}
}

// CacheStats says what a cache holds.
type CacheStats struct {
	Entries int
	Events  int
}

// Stats says what c holds now.
func (c *Cache) Stats() CacheStats {
	if c == nil {
		return CacheStats{}
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	return CacheStats{Entries: len(c.entries), Events: c.events}
}

// cacheKey names an entry: a stream as one kind of aggregate folds it. The
// kind is the aggregate's name and its state's type, so a stream read by
// two aggregates (a household's stream as a household and as the cadre
// rule reads it) is two entries.
type cacheKey struct {
	stream string
	kind   string
	state  reflect.Type
}

func (k cacheKey) less(o cacheKey) bool {
	if k.stream != o.stream {
		return k.stream < o.stream
	}
	if k.kind != o.kind {
		return k.kind < o.kind
	}
	return k.state.String() < o.state.String()
}

// cached is one aggregate at its version. Its fields below turn belong to
// the command holding turn; a private entry (no cache) has no turn and
// belongs to one command.
type cached struct {
	key   cacheKey
	turn  chan struct{} // a token of capacity 1: held by the command using the entry
	elem  *list.Element // in Cache.lru; nil once evicted. Guarded by Cache.mu
	pins  int           // commands holding or waiting for turn. Guarded by Cache.mu
	count int           // the weight counted in Cache.events. Guarded by Cache.mu

	state   any       // the S of the aggregate, folded to version
	version uint64    // the stream's version state was folded to (0: nothing)
	last    events.ID // the event at version, to recognise the same history
	// keys are the idempotency keys in the stream folded so far, by hash,
	// with the versions of their events: a retry finds its earlier events
	// without scanning the stream (on every store, key streams or not).
	keys map[uint64]keySpan
}

// keySpan is the versions of the events one key (or keys of one hash)
// recorded on a stream.
type keySpan struct{ first, last uint64 }

// keyHash hashes a key (as keyOf gives it) for cached.keys, FNV-1a: the
// same in every run. A collision only widens a span, since the events read
// back are matched on the whole key.
func keyHash(key string) uint64 {
	h := fnv.New64a()
	h.Write([]byte(key))
	return h.Sum64()
}

func (e *cached) reset() {
	e.state, e.version, e.last, e.keys = nil, 0, events.ID{}, nil
}

// acquire returns the entry of key, waiting for its turn. Without a cache
// it returns a private entry.
func (c *Cache) acquire(ctx context.Context, key cacheKey) (*cached, error) {
	if c == nil || c.entriesMax == 0 || key.kind == "" {
		return &cached{key: key}, nil
	}
	c.mu.Lock()
	e := c.entries[key]
	if e == nil {
		e = &cached{key: key, turn: make(chan struct{}, 1)}
		c.entries[key] = e
		e.elem = c.lru.PushFront(e)
	}
	e.pins++
	c.mu.Unlock()
	select {
	case e.turn <- struct{}{}:
		return e, nil
	case <-ctx.Done():
		c.mu.Lock()
		e.pins--
		c.trim()
		c.mu.Unlock()
		return nil, ctx.Err()
	}
}

// release gives e's turn back, counting its new weight.
func (c *Cache) release(e *cached) {
	if e == nil || e.turn == nil {
		return
	}
	c.mu.Lock()
	e.pins--
	if e.elem != nil {
		c.events += int(e.version) - e.count
		e.count = int(e.version)
		c.lru.MoveToFront(e.elem)
		if e.count > c.eventsMax && e.pins == 0 {
			c.evict(e) // heavier than the whole cache: not worth flushing the rest for
		}
	}
	c.trim()
	c.mu.Unlock()
	<-e.turn
}

// trim evicts the least recently used entries nobody holds or waits for
// until the cache is within its limits. Entries in use are kept, so the
// cache may exceed its limits by the commands running at once.
func (c *Cache) trim() {
	for el := c.lru.Back(); el != nil && (c.lru.Len() > c.entriesMax || c.events > c.eventsMax); {
		e := el.Value.(*cached)
		el = el.Prev()
		if e.pins == 0 {
			c.evict(e)
		}
	}
}

func (c *Cache) evict(e *cached) {
	c.lru.Remove(e.elem)
	e.elem = nil
	delete(c.entries, e.key)
	c.events -= e.count
	e.count = 0
}

// keyOfAggregate names agg's entry for stream; an aggregate without a Name
// is not cached.
func keyOfAggregate[S any](stream string, agg Aggregate[S]) cacheKey {
	return cacheKey{stream: stream, kind: agg.Name, state: reflect.TypeFor[S]()}
}

// catchUp folds into e's state the events of stream after e's version and
// returns the state. If the stream's history is not the one e was folded
// from (its event at e's version is another, or gone), it folds from the
// start. On any error or panic the entry is left empty, since a state
// half-evolved in place is no longer the state of any version.
func catchUp[S any](ctx context.Context, x *Executor, e *cached, stream string, agg Aggregate[S]) (S, error) {
	state, _ := e.state.(S)
	version, last, keys := e.version, e.last, e.keys
	e.reset()
	from := version + 1
	if version > 0 {
		from = version // read the last folded event again, to check it
	}
	for {
		page, err := x.Log.ReadStream(ctx, stream, from, events.Forwards, events.ReadEventsMax)
		if errors.Is(err, events.ErrStreamNotFound) && version == 0 {
			return state, nil
		}
		if err != nil && !errors.Is(err, events.ErrStreamNotFound) {
			var zero S
			return zero, err
		}
		full := len(page) == events.ReadEventsMax
		if from == version && version > 0 {
			if len(page) == 0 || page[0].Version != version || page[0].ID != last {
				// Not the history this entry saw (a restored or replaced
				// store): start again from the first event.
				var zero S
				state, version, last, keys, from = zero, 0, events.ID{}, nil, 1
				continue
			}
			page = page[1:]
		}
		for _, ev := range page {
			if ev.Version != version+1 {
				var zero S
				return zero, fmt.Errorf("domain: %q: read version %d after %d", stream, ev.Version, version)
			}
			p, err := x.Registry.Decode(ev)
			if err != nil {
				var zero S
				return zero, err
			}
			if state, err = agg.Evolve(state, ev, p); err != nil {
				var zero S
				return zero, fmt.Errorf("domain: evolve %s at version %d: %w", ev.Type, ev.Version, err)
			}
			if ev.Meta.IdempotencyKey != "" {
				keys = noteKey(keys, ev.Meta.IdempotencyKey, ev.Version)
			}
			version, last = ev.Version, ev.ID
		}
		if !full {
			e.state, e.version, e.last, e.keys = state, version, last, keys
			return state, nil
		}
		if version >= uint64(x.StreamEventsMax) {
			var zero S
			return zero, fmt.Errorf("domain: stream %q has more than %d events: %w", stream, x.StreamEventsMax, events.ErrLimit)
		}
		from = version + 1
	}
}

func noteKey(keys map[uint64]keySpan, stored string, version uint64) map[uint64]keySpan {
	if keys == nil {
		keys = map[uint64]keySpan{}
	}
	h := keyHash(keyOf(stored))
	sp, ok := keys[h]
	if !ok {
		sp.first = version
	}
	sp.last = version
	keys[h] = sp
	return keys
}

// earlier returns the events of stream an earlier request with key
// recorded, found through e's keys and read back from the stream.
func (x *Executor) earlier(ctx context.Context, e *cached, stream, key string) ([]events.Event, error) {
	if key == "" {
		return nil, nil
	}
	sp, ok := e.keys[keyHash(keyOf(key))]
	if !ok {
		return nil, nil
	}
	var out []events.Event
	for from := sp.first; from <= sp.last; {
		page, err := x.Log.ReadStream(ctx, stream, from, events.Forwards, int(min(sp.last-from+1, events.ReadEventsMax)))
		if err != nil {
			return nil, fmt.Errorf("domain: read the earlier events of an idempotency key on %q: %w", stream, err)
		}
		if len(page) == 0 {
			return nil, fmt.Errorf("domain: %q has no events from version %d, where a key was folded", stream, from)
		}
		for _, ev := range page {
			if ev.Version <= sp.last && keyOf(ev.Meta.IdempotencyKey) == keyOf(key) {
				out = append(out, ev)
			}
		}
		from = page[len(page)-1].Version + 1
	}
	return out, nil
}
