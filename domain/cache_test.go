package domain_test

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"reflect"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/drip-ledger/drip/domain"
	"github.com/drip-ledger/drip/events"
	"github.com/drip-ledger/drip/events/storetest"
)

// notebook is a test aggregate whose states share memory with the state
// they were evolved from, as household.State and fund.Project do: the
// slice is appended to without copying and the map changed in place. Two
// commands evolving one cached notebook at once would race on both.
type notebook struct {
	texts []string
	times map[string]int
}

var notes = domain.Aggregate[notebook]{Name: "notebook", Evolve: func(s notebook, _ events.Event, p events.Payload) (notebook, error) {
	n, ok := p.(*storetest.Noted)
	if !ok {
		return s, errors.New("unknown event")
	}
	if s.times == nil {
		s.times = map[string]int{}
	}
	s.texts = append(s.texts, n.Text)
	s.times[n.Text]++
	return s, nil
}}

// note records text unless the notebook holds limit notes; N is the
// number of notes it was decided on.
func note(text string, limit int) domain.Decider[notebook] {
	return func(s notebook) ([]events.Payload, error) {
		if len(s.texts) >= limit {
			return nil, domain.Errorf("limit_reached", "already %d notes", len(s.texts))
		}
		return []events.Payload{&storetest.Noted{Text: text, N: len(s.texts)}}, nil
	}
}

// countingLog counts the events its reads return.
type countingLog struct {
	events.Store
	read atomic.Int64
}

func (l *countingLog) ReadStream(ctx context.Context, stream string, from uint64, dir events.Direction, limit int) ([]events.Event, error) {
	evs, err := l.Store.ReadStream(ctx, stream, from, dir, limit)
	l.read.Add(int64(len(evs)))
	return evs, err
}

func executorOn(t *testing.T, log domain.Log, reg *events.Registry) *domain.Executor {
	t.Helper()
	x, err := domain.NewExecutor(log, reg, func() (events.ID, error) { return events.NewID(nil) })
	if err != nil {
		t.Fatal(err)
	}
	return x
}

// fullFold is the state of stream folded from its first event, with no
// cache: what every cached load must equal.
func fullFold[S any](t *testing.T, log domain.Log, reg *events.Registry, stream string, agg domain.Aggregate[S]) S {
	t.Helper()
	x := executorOn(t, log, reg)
	x.Cache = nil
	var out S
	if err := domain.Read(t.Context(), x, stream, agg, func(s S, _ uint64) error { out = s; return nil }); err != nil {
		t.Fatal(err)
	}
	return out
}

func cachedState[S any](t *testing.T, x *domain.Executor, stream string, agg domain.Aggregate[S]) (S, uint64) {
	t.Helper()
	var out S
	var version uint64
	if err := domain.Read(t.Context(), x, stream, agg, func(s S, v uint64) error { out, version = s, v; return nil }); err != nil {
		t.Fatal(err)
	}
	return out, version
}

// Given a stream of 300 notes, when a command runs, then with the cache it
// reads the events since its entry's version (and the last one again, to
// check the history), without the cache the whole stream.
func TestCachedCommandReadsOnlyTheEventsSinceItsVersion(t *testing.T) {
	store := events.NewMemoryStore(storetest.Registry(), nil)
	defer store.Close()
	log := &countingLog{Store: store}
	x := executorOn(t, log, storetest.Registry())
	ctx := t.Context()
	for i := range 300 {
		if _, err := domain.Execute(ctx, x, req("", ""), "n-1", notes, note(fmt.Sprint("n", i), 1000)); err != nil {
			t.Fatal(err)
		}
	}
	log.read.Store(0)
	if _, err := domain.Execute(ctx, x, req("", ""), "n-1", notes, note("last", 1000)); err != nil {
		t.Fatal(err)
	}
	if got := log.read.Load(); got > 2 {
		t.Errorf("a cached command read %d events; want at most 2", got)
	}
	x.Cache = domain.NewCache(0, 0)
	log.read.Store(0)
	if _, err := domain.Execute(ctx, x, req("", ""), "n-1", notes, note("uncached", 1000)); err != nil {
		t.Fatal(err)
	}
	if got := log.read.Load(); got != 301 {
		t.Errorf("with the cache disabled a command read %d events; want the whole stream, 301", got)
	}
}

// Two processes (two executors, each with its cache) share one store and
// write one stream in turns: each entry is behind the other's writes, and
// every decision is still made on the whole stream.
func TestCacheEntryBehindAnotherProcessCatchesUp(t *testing.T) {
	store := events.NewMemoryStore(storetest.Registry(), nil)
	defer store.Close()
	a, b := executorOn(t, store, storetest.Registry()), executorOn(t, store, storetest.Registry())
	for i := range 12 {
		x := []*domain.Executor{a, b}[i%3%2]
		_, err := domain.Execute(t.Context(), x, req("", ""), "n-1", notes, note(fmt.Sprint("n", i), 10))
		if i < 10 && err != nil {
			t.Fatalf("note %d: %v", i, err)
		}
		if c := domain.Codes(err); i >= 10 && (len(c) != 1 || c[0] != "limit_reached") {
			t.Fatalf("note %d past the limit: %v; want limit_reached", i, err)
		}
	}
	evs, _ := store.ReadStream(t.Context(), "n-1", 1, events.Forwards, 100)
	for i, ev := range evs {
		p, _ := storetest.Registry().Decode(ev)
		if n := p.(*storetest.Noted).N; n != i {
			t.Errorf("note %d was decided on %d notes", i, n)
		}
	}
	for _, x := range []*domain.Executor{a, b} {
		if got, _ := cachedState(t, x, "n-1", notes); !reflect.DeepEqual(got, fullFold(t, store, storetest.Registry(), "n-1", notes)) {
			t.Errorf("cached %v; want the full fold", got.texts)
		}
	}
}

// switchLog reads and writes whichever store it points at.
type switchLog struct {
	mu  sync.Mutex
	cur events.Store
}

func (l *switchLog) store() events.Store { l.mu.Lock(); defer l.mu.Unlock(); return l.cur }
func (l *switchLog) ReadStream(ctx context.Context, s string, from uint64, d events.Direction, n int) ([]events.Event, error) {
	return l.store().ReadStream(ctx, s, from, d, n)
}
func (l *switchLog) Append(ctx context.Context, s string, e events.Expected, evs ...events.Event) (events.AppendResult, error) {
	return l.store().Append(ctx, s, e, evs...)
}

// Given an entry folded from one history, when the store holds another
// (restored from a backup: shorter, or as long with other events), then the
// command folds the stream from the start and decides on what is there.
func TestCacheFoldsAgainWhenTheHistoryIsNotTheOneItSaw(t *testing.T) {
	for _, n := range []int{3, 5, 7} {
		t.Run(fmt.Sprint(n), func(t *testing.T) {
			first, other := events.NewMemoryStore(storetest.Registry(), nil), events.NewMemoryStore(storetest.Registry(), nil)
			defer first.Close()
			defer other.Close()
			log := &switchLog{cur: first}
			x := executorOn(t, log, storetest.Registry())
			y := executorOn(t, other, storetest.Registry())
			for range 5 {
				if _, err := domain.Execute(t.Context(), x, req("", ""), "n-1", notes, note("first", 100)); err != nil {
					t.Fatal(err)
				}
			}
			cachedState(t, x, "n-1", notes) // the entry is at version 5
			for range n {
				if _, err := domain.Execute(t.Context(), y, req("", ""), "n-1", notes, note("other", 100)); err != nil {
					t.Fatal(err)
				}
			}
			log.mu.Lock()
			log.cur = other
			log.mu.Unlock()
			res, err := domain.Execute(t.Context(), x, req("", ""), "n-1", notes, note("after", 100))
			if err != nil {
				t.Fatal(err)
			}
			p, _ := storetest.Registry().Decode(res.Events[0])
			if got := p.(*storetest.Noted).N; got != n {
				t.Errorf("decided on %d notes; want the %d of the store as it is", got, n)
			}
			if got, _ := cachedState(t, x, "n-1", notes); got.times["first"] != 0 || got.times["other"] != n {
				t.Errorf("cached %v", got.texts)
			}
		})
	}
}

// A stream read by two kinds of aggregate (other names, or other state
// types) is two entries: neither sees the other's state.
func TestStreamReadByTwoAggregatesIsTwoEntries(t *testing.T) {
	x, _ := newExecutor(t)
	doubled := domain.Aggregate[int]{Name: "doubled", Evolve: func(n int, _ events.Event, _ events.Payload) (int, error) { return n + 2, nil }}
	for range 3 {
		if _, err := domain.Execute(t.Context(), x, req("", ""), "n-1", notes, note("a", 10)); err != nil {
			t.Fatal(err)
		}
		if got, _ := cachedState(t, x, "n-1", counter); got == 0 {
			t.Fatal("counter read nothing")
		}
		if got, _ := cachedState(t, x, "n-1", doubled); got == 0 {
			t.Fatal("doubled read nothing")
		}
	}
	nb, _ := cachedState(t, x, "n-1", notes)
	c, _ := cachedState(t, x, "n-1", counter)
	d, _ := cachedState(t, x, "n-1", doubled)
	if len(nb.texts) != 3 || c != 3 || d != 6 {
		t.Errorf("notebook %d, counter %d, doubled %d; want 3, 3, 6", len(nb.texts), c, d)
	}
	if s := x.Cache.Stats(); s.Entries != 3 {
		t.Errorf("cache holds %d entries; want 3", s.Entries)
	}
}

// noMultiLog is a store without atomic multi-stream appends: key streams
// are not kept.
type noMultiLog struct{ store events.Store }

func (l noMultiLog) ReadStream(ctx context.Context, s string, from uint64, d events.Direction, n int) ([]events.Event, error) {
	return l.store.ReadStream(ctx, s, from, d, n)
}
func (l noMultiLog) Append(ctx context.Context, s string, e events.Expected, evs ...events.Event) (events.AppendResult, error) {
	return l.store.Append(ctx, s, e, evs...)
}

// unsupportedLog is KurrentDB through its Go client: AppendMulti exists
// and refuses with ErrUnsupported, so Execute falls back to the key inside
// the target stream.
type unsupportedLog struct{ events.Store }

func (unsupportedLog) AppendMulti(context.Context, ...events.StreamAppend) ([]events.AppendResult, error) {
	return nil, fmt.Errorf("kurrentdb: %w", errors.ErrUnsupported)
}

// On every store, given a keyed command whose entry has since moved on
// (other commands, an eviction, another process's cache), when the request
// is retried, then it is replayed with the first answer and nothing is
// written; the key with another body is refused.
func TestCachedRetryIsReplayedOnEveryStore(t *testing.T) {
	stores := []struct {
		name string
		log  func(events.Store) domain.Log
		keys bool
	}{
		{"key streams", func(s events.Store) domain.Log { return s }, true},
		{"registry without key streams", func(s events.Store) domain.Log { return s }, false},
		{"no AppendMulti", func(s events.Store) domain.Log { return noMultiLog{s} }, true},
		{"AppendMulti unsupported", func(s events.Store) domain.Log { return unsupportedLog{s} }, true},
	}
	for _, tc := range stores {
		for _, cache := range []*domain.Cache{domain.NewCache(100, 1000), domain.NewCache(1, 1000), nil} {
			t.Run(fmt.Sprintf("%s/%v", tc.name, cache.Stats()), func(t *testing.T) {
				reg := storetest.Registry()
				if tc.keys {
					domain.RegisterIdempotency(reg)
				}
				store := events.NewMemoryStore(reg, nil)
				defer store.Close()
				x := executorOn(t, tc.log(store), reg)
				x.Cache = cache
				ctx := t.Context()
				first, err := domain.Execute(ctx, x, req("k-1", "body-a"), "n-1", notes, note("keyed", 100))
				if err != nil {
					t.Fatal(err)
				}
				for i := range 5 {
					if _, err := domain.Execute(ctx, x, req("", ""), "n-1", notes, note(fmt.Sprint("n", i), 100)); err != nil {
						t.Fatal(err)
					}
					// Another stream, so that a one-entry cache evicts n-1.
					if _, err := domain.Execute(ctx, x, req("", ""), fmt.Sprint("m-", i), notes, note("m", 100)); err != nil {
						t.Fatal(err)
					}
				}
				head, _ := store.Head(ctx)
				other := executorOn(t, tc.log(store), reg)
				for _, y := range []*domain.Executor{x, other} {
					again, err := domain.Execute(ctx, y, req("k-1", "body-a"), "n-1", notes, note("keyed", 100))
					if err != nil || !again.Replayed || again.AppendResult != first.AppendResult || len(again.Events) != 1 || again.Events[0].ID != first.Events[0].ID {
						t.Fatalf("retry = %+v, %v; want the first answer %+v, replayed", again, err, first.AppendResult)
					}
				}
				_, err = domain.Execute(ctx, x, req("k-1", "body-b"), "n-1", notes, note("keyed", 100))
				if c := domain.Codes(err); len(c) != 1 || c[0] != "idempotency_key_reused" {
					t.Fatalf("the key with another body = %v; want idempotency_key_reused", err)
				}
				if h, _ := store.Head(ctx); h != head {
					t.Errorf("head moved from %d to %d: a retry wrote", head, h)
				}
			})
		}
	}
}

// The same for a keyed ExecuteMulti, whose views come from the cache: its
// keys are only in the streams it wrote (no key stream).
func TestCachedMultiRetryIsReplayed(t *testing.T) {
	x, store := newExecutor(t)
	ctx := t.Context()
	run := func(r domain.Request, text string) (domain.Result, error) {
		var a, b notebook
		views := []domain.View{domain.ViewOf("a-1", notes, &a), domain.ViewOf("b-1", notes, &b)}
		return domain.ExecuteMulti(ctx, x, r, views, func() ([]domain.Emit, error) {
			return []domain.Emit{{Stream: "a-1", Payloads: []events.Payload{&storetest.Noted{Text: text, N: len(a.texts)}}},
				{Stream: "b-1", Payloads: []events.Payload{&storetest.Noted{Text: text, N: len(b.texts)}}}}, nil
		})
	}
	first, err := run(req("k-1", "body-a"), "keyed")
	if err != nil {
		t.Fatal(err)
	}
	for i := range 3 {
		if _, err := run(req("", ""), fmt.Sprint("n", i)); err != nil {
			t.Fatal(err)
		}
	}
	head, _ := store.Head(ctx)
	again, err := run(req("k-1", "body-a"), "keyed")
	if err != nil || !again.Replayed || again.Version != first.Version || again.Position != first.Position || len(again.Events) != 2 {
		t.Fatalf("retry = %+v, %v; want %+v replayed", again, err, first.AppendResult)
	}
	if h, _ := store.Head(ctx); h != head {
		t.Errorf("head moved from %d to %d", head, h)
	}
	a, _ := cachedState(t, x, "a-1", notes)
	if !reflect.DeepEqual(a, fullFold(t, store, storetest.Registry(), "a-1", notes)) {
		t.Errorf("cached %v; want the full fold", a.texts)
	}
}

// The cache keeps at most its entries and its events, least recently used
// out first, and does not keep an aggregate heavier than all of it.
func TestCacheKeepsItsLimits(t *testing.T) {
	x, _ := newExecutor(t)
	ctx := t.Context()
	x.Cache = domain.NewCache(3, 20)
	for i := range 10 {
		for range 2 {
			if _, err := domain.Execute(ctx, x, req("", ""), fmt.Sprint("n-", i), notes, note("x", 100)); err != nil {
				t.Fatal(err)
			}
		}
		if s := x.Cache.Stats(); s.Entries > 3 || s.Events > 20 {
			t.Fatalf("after stream %d the cache holds %+v; want at most 3 entries, 20 events", i, s)
		}
	}
	for range 25 {
		if _, err := domain.Execute(ctx, x, req("", ""), "big", notes, note("x", 100)); err != nil {
			t.Fatal(err)
		}
	}
	if s := x.Cache.Stats(); s.Events > 20 {
		t.Fatalf("the cache holds %+v, with a 25-event aggregate; want at most 20 events", s)
	}
	if got, v := cachedState(t, x, "big", notes); v != 25 || len(got.texts) != 25 {
		t.Errorf("an aggregate too heavy to keep reads %d notes at version %d; want 25", len(got.texts), v)
	}
}

// A command waiting for another's turn on an aggregate gives up when its
// context ends, and the aggregate stays usable.
func TestCommandWaitingForAnAggregateStopsWithItsContext(t *testing.T) {
	x, _ := newExecutor(t)
	holding, done := make(chan struct{}), make(chan struct{})
	go func() {
		defer close(done)
		_, err := domain.Execute(context.Background(), x, req("", ""), "n-1", notes, func(s notebook) ([]events.Payload, error) {
			close(holding)
			time.Sleep(50 * time.Millisecond)
			return note("first", 10)(s)
		})
		if err != nil {
			t.Error(err)
		}
	}()
	<-holding
	ctx, cancel := context.WithTimeout(t.Context(), 5*time.Millisecond)
	defer cancel()
	if _, err := domain.Execute(ctx, x, req("", ""), "n-1", notes, note("second", 10)); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("waiting past the deadline = %v; want DeadlineExceeded", err)
	}
	<-done
	if _, err := domain.Execute(t.Context(), x, req("", ""), "n-1", notes, note("third", 10)); err != nil {
		t.Fatal(err)
	}
	if got, _ := cachedState(t, x, "n-1", notes); len(got.texts) != 2 {
		t.Errorf("%v; want first and third", got.texts)
	}
}

// Given an entry, when an evolve fails while catching it up, then no
// half-evolved state is kept: the next command folds the stream from the
// start.
func TestFailedEvolveLeavesTheEntryEmpty(t *testing.T) {
	x, store := newExecutor(t)
	var poisoned atomic.Bool
	flaky := notes
	flaky.Name = "flaky"
	flaky.Evolve = func(s notebook, ev events.Event, p events.Payload) (notebook, error) {
		if s, err := notes.Evolve(s, ev, p); err != nil || !poisoned.Load() || p.(*storetest.Noted).Text != "poison" {
			return s, err
		}
		return s, errors.New("poisoned")
	}
	for _, text := range []string{"a", "b", "poison"} {
		if _, err := domain.Execute(t.Context(), x, req("", ""), "n-1", flaky, note(text, 10)); err != nil {
			t.Fatal(err)
		}
	}
	// The entry is at version 2: the next command folds the poison, whose
	// evolve changes the state in place and then fails.
	poisoned.Store(true)
	if _, err := domain.Execute(t.Context(), x, req("", ""), "n-1", flaky, note("d", 10)); err == nil {
		t.Fatal("the failing evolve was not reported")
	}
	poisoned.Store(false)
	if _, err := domain.Execute(t.Context(), x, req("", ""), "n-1", flaky, note("d", 10)); err != nil {
		t.Fatal(err)
	}
	if got, want := mustState(t, x, "n-1", flaky), fullFold(t, store, storetest.Registry(), "n-1", notes); !reflect.DeepEqual(got, want) {
		t.Errorf("cached %v; want %v", got.texts, want.texts)
	}
}

func mustState[S any](t *testing.T, x *domain.Executor, stream string, agg domain.Aggregate[S]) S {
	s, _ := cachedState(t, x, stream, agg)
	return s
}

// Racing commands on one stream and on overlapping pairs of streams, with
// retried keys and reads, through one cached executor: under -race this
// proves no two of them evolve one cached state; afterwards every cached
// state equals a full fold.
func TestRacingCommandsOnCachedAggregates(t *testing.T) {
	x, store := newExecutor(t)
	x.RetriesMax = 200
	const writers, each = 16, 20
	streams := []string{"a", "b", "c"}
	var wg sync.WaitGroup
	for w := range writers {
		wg.Go(func() {
			for i := range each {
				ctx, r := t.Context(), req("", "")
				s1, s2 := streams[(w+i)%3], streams[(w+i+1)%3]
				if i%2 == 0 {
					// Writers share keys: most keyed requests are retries
					// of another writer's, some racing it.
					r = req(fmt.Sprintf("k-%d-%s-%s", i%3, s1, s2), "same")
				}
				var err error
				switch i % 3 {
				case 0:
					_, err = domain.Execute(ctx, x, r, s1, notes, note("x", 1_000_000))
				case 1:
					var a, b notebook
					_, err = domain.ExecuteMulti(ctx, x, r, []domain.View{domain.ViewOf(s1, notes, &a), domain.ViewOf(s2, notes, &b)},
						func() ([]domain.Emit, error) {
							return []domain.Emit{{Stream: s1, Payloads: []events.Payload{&storetest.Noted{Text: "m", N: len(a.texts)}}},
								{Stream: s2, Payloads: []events.Payload{&storetest.Noted{Text: "m", N: len(b.texts)}}}}, nil
						})
				case 2:
					err = domain.Read(ctx, x, s2, notes, func(s notebook, v uint64) error {
						if uint64(len(s.texts)) != v {
							return fmt.Errorf("%d notes at version %d", len(s.texts), v)
						}
						return nil
					})
				}
				if err != nil {
					t.Error(err)
				}
			}
		})
	}
	wg.Wait()
	for _, s := range streams {
		got, v := cachedState(t, x, s, notes)
		if want := fullFold(t, store, storetest.Registry(), s, notes); !reflect.DeepEqual(got, want) || v != uint64(len(want.texts)) {
			t.Errorf("%s: cached %d notes at %d; the full fold has %d", s, len(got.texts), v, len(want.texts))
		}
	}
}

// For random sequences of commands by two processes (one with a cache too
// small to keep everything) the state a cached executor loads equals the
// full fold after every step.
func TestCachedLoadEqualsFullFold(t *testing.T) {
	for seed := range uint64(20) {
		rng := rand.New(rand.NewPCG(seed, 7))
		store := events.NewMemoryStore(storetest.Registry(), nil)
		x, y := executorOn(t, store, storetest.Registry()), executorOn(t, store, storetest.Registry())
		x.Cache = domain.NewCache(2, 40)
		for step := range 150 {
			stream := fmt.Sprint("n-", rng.IntN(4))
			ex := x
			if rng.IntN(4) == 0 {
				ex = y
			}
			r := req("", "")
			if rng.IntN(3) == 0 {
				r = req(fmt.Sprint("k-", rng.IntN(10)), "body")
			}
			_, err := domain.Execute(t.Context(), ex, r, stream, notes, note(fmt.Sprint("t", rng.IntN(5)), 30))
			if c := domain.Codes(err); err != nil && (len(c) != 1 || (c[0] != "limit_reached" && c[0] != "idempotency_key_reused")) {
				t.Fatalf("seed %d step %d: %v", seed, step, err)
			}
			if got, want := mustState(t, x, stream, notes), fullFold(t, store, storetest.Registry(), stream, notes); !reflect.DeepEqual(got, want) {
				t.Fatalf("seed %d step %d: cached %v; full fold %v", seed, step, got.texts, want.texts)
			}
		}
		store.Close()
	}
}
