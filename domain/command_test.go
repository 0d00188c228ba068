package domain_test

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/drip-ledger/drip/domain"
	"github.com/drip-ledger/drip/events"
	"github.com/drip-ledger/drip/events/storetest"
)

// counter is a test aggregate: the number of Noted events in its stream.
// It is named, so the executor caches it.
var counter = domain.Aggregate[int]{Name: "counter", Evolve: func(n int, _ events.Event, p events.Payload) (int, error) {
	if _, ok := p.(*storetest.Noted); !ok {
		return n, errors.New("unknown event")
	}
	return n + 1, nil
}}

// noteIfBelow records one note while the counter is below limit.
func noteIfBelow(limit int) domain.Decider[int] {
	return func(n int) ([]events.Payload, error) {
		if n >= limit {
			return nil, domain.Errorf("limit_reached", "already %d notes", n)
		}
		return []events.Payload{&storetest.Noted{Text: "note", N: n}}, nil
	}
}

func newExecutor(t *testing.T) (*domain.Executor, events.Store) {
	t.Helper()
	store := events.NewMemoryStore(storetest.Registry(), nil)
	t.Cleanup(func() { store.Close() })
	x, err := domain.NewExecutor(store, storetest.Registry(), func() (events.ID, error) { return events.NewID(nil) })
	if err != nil {
		t.Fatal(err)
	}
	return x, store
}

func req(key, fingerprint string) domain.Request {
	return domain.Request{Actor: domain.Actor{ID: "clerk-1", Role: "village", Jurisdiction: "520526104201"},
		At: time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC), IdempotencyKey: key, Fingerprint: fingerprint}
}

func TestExecuteRecordsDecidedEventsWithActorMetadata(t *testing.T) {
	x, store := newExecutor(t)
	res, err := domain.Execute(context.Background(), x, req("", ""), "c-1", counter, noteIfBelow(5))
	if err != nil {
		t.Fatal(err)
	}
	got, err := store.ReadStream(context.Background(), "c-1", 1, events.Forwards, 10)
	if err != nil || len(got) != 1 {
		t.Fatalf("read %d events, %v", len(got), err)
	}
	m := got[0].Meta
	if m.ActorID != "clerk-1" || m.Role != "village" || m.Jurisdiction != "520526104201" || !m.OccurredAt.Equal(req("", "").At) {
		t.Errorf("metadata = %+v", m)
	}
	if res.Position != got[0].Position || res.Version != 1 || res.Events[0].Position != got[0].Position {
		t.Errorf("result %+v does not match stored event at %d", res, got[0].Position)
	}
}

func TestExecuteRaceEveryWriterRedecidesAndNoneIsLost(t *testing.T) {
	x, store := newExecutor(t)
	const writers = 20
	// Each writer may lose a race to every other one: with fewer retries
	// than that, a slow scheduler (the race detector) makes a writer give up
	// legitimately, and the test would blame the rule for the bound.
	x.RetriesMax = writers
	var wg sync.WaitGroup
	errs := make(chan error, writers)
	for range writers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, err := domain.Execute(context.Background(), x, req("", ""), "c-1", counter, noteIfBelow(15))
			errs <- err
		}()
	}
	wg.Wait()
	close(errs)
	ok, refused := 0, 0
	for err := range errs {
		switch {
		case err == nil:
			ok++
		case errors.Is(err, events.ErrConcurrency):
			t.Errorf("a writer gave up on a race instead of deciding again: %v", err)
		default:
			if c := domain.Codes(err); len(c) != 1 || c[0] != "limit_reached" {
				t.Errorf("unexpected error %v", err)
			}
			refused++
		}
	}
	evs, _ := store.ReadStream(context.Background(), "c-1", 1, events.Forwards, 100)
	if ok != 15 || refused != 5 || len(evs) != 15 {
		t.Fatalf("ok=%d refused=%d stored=%d, want 15, 5, 15: the rule was decided on stale state", ok, refused, len(evs))
	}
	for i, ev := range evs {
		var n storetest.Noted
		p, _ := storetest.Registry().Decode(ev)
		n = *p.(*storetest.Noted)
		if n.N != i {
			t.Errorf("event %d was decided on state %d", i, n.N)
		}
	}
}

func TestExecuteRetryWithSameKeyReturnsFirstResultAndWritesNothing(t *testing.T) {
	x, store := newExecutor(t)
	ctx := context.Background()
	first, err := domain.Execute(ctx, x, req("k-1", "body-a"), "c-1", counter, noteIfBelow(1))
	if err != nil {
		t.Fatal(err)
	}
	// The decision would now be refused (limit 1 reached): the retry must not
	// decide again, it must answer with the first result.
	again, err := domain.Execute(ctx, x, req("k-1", "body-a"), "c-1", counter, noteIfBelow(1))
	if err != nil {
		t.Fatalf("retry: %v", err)
	}
	head, _ := store.Head(ctx)
	if !again.Replayed || again.AppendResult != first.AppendResult || head != 1 {
		t.Fatalf("retry = %+v (head %d), first = %+v", again, head, first.AppendResult)
	}
}

func TestExecuteKeyReusedForDifferentRequestIsRefused(t *testing.T) {
	x, store := newExecutor(t)
	ctx := context.Background()
	if _, err := domain.Execute(ctx, x, req("k-1", "body-a"), "c-1", counter, noteIfBelow(5)); err != nil {
		t.Fatal(err)
	}
	_, err := domain.Execute(ctx, x, req("k-1", "body-b"), "c-1", counter, noteIfBelow(5))
	if c := domain.Codes(err); len(c) != 1 || c[0] != "idempotency_key_reused" {
		t.Fatalf("err = %v, want idempotency_key_reused", err)
	}
	if head, _ := store.Head(ctx); head != 1 {
		t.Fatalf("head = %d: the refused request wrote", head)
	}
}

func TestExecuteConcurrentCopiesOfOneKeyedRequestWriteOnce(t *testing.T) {
	x, store := newExecutor(t)
	ctx := context.Background()
	var wg sync.WaitGroup
	results := make(chan domain.Result, 10)
	for range 10 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			r, err := domain.Execute(ctx, x, req("k-9", "same"), "c-1", counter, noteIfBelow(100))
			if err != nil {
				t.Error(err)
			}
			results <- r
		}()
	}
	wg.Wait()
	close(results)
	if head, _ := store.Head(ctx); head != 1 {
		t.Fatalf("head = %d: ten copies of one request wrote more than once", head)
	}
	for r := range results {
		if r.Position != 1 {
			t.Errorf("a copy answered position %d, want 1", r.Position)
		}
	}
}

func TestExecuteRefusedDecisionWritesNothing(t *testing.T) {
	x, store := newExecutor(t)
	_, err := domain.Execute(context.Background(), x, req("", ""), "c-1", counter, noteIfBelow(0))
	if err == nil {
		t.Fatal("decision refused nothing")
	}
	if head, _ := store.Head(context.Background()); head != 0 {
		t.Fatalf("head = %d after a refused decision", head)
	}
}
