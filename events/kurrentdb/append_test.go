package kurrentdb

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/drip-ledger/drip/events"
	"github.com/drip-ledger/drip/events/storetest"
)

// fixture is a store over a fake server.
func fixture(t *testing.T, f *fakeServer, opts Options) *Store {
	t.Helper()
	if opts.Prefix == "" {
		opts.Prefix = "t:"
	}
	s, err := open(t.Context(), f.conn(), storetest.Registry(), opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

var seq int

func noted(text string) events.Event {
	seq++
	return events.Event{
		ID:   events.DeriveID(events.NilID, fmt.Sprint("append-test-", seq)),
		Type: storetest.TypeNoted,
		Data: []byte(fmt.Sprintf(`{"text":%q,"n":%d}`, text, seq)),
		Meta: events.Metadata{ActorID: "a-1", OccurredAt: time.Date(2025, 1, 2, 3, 4, 5, 6000, time.UTC)},
	}
}

func TestExactRetryAfterTheServerForgotTheIDsReturnsTheEarlierResult(t *testing.T) {
	f := newFakeServer()
	f.cacheN = 0 // the server's ID cache remembers nothing
	s := fixture(t, f, Options{})
	ctx := t.Context()
	evs := []events.Event{noted("a"), noted("b")}
	first, err := s.Append(ctx, "s-1", events.NoStream, evs...)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.Append(ctx, "s-1", events.Exact(2), noted("another writer")); err != nil {
		t.Fatal(err)
	}
	got, err := s.Append(ctx, "s-1", events.NoStream, evs...)
	if err != nil || got != first {
		t.Fatalf("retry = %+v, %v; want %+v, nil", got, err, first)
	}
	if n := len(f.streams["t:s-1"]); n != 3 {
		t.Errorf("stream has %d events; want 3 (nothing written twice)", n)
	}
}

func TestSameIDsOtherContentAcknowledgedByTheServerIsAnIDConflict(t *testing.T) {
	f := newFakeServer()
	s := fixture(t, f, Options{})
	ev := noted("first")
	if _, err := s.Append(t.Context(), "s-1", events.NoStream, ev); err != nil {
		t.Fatal(err)
	}
	ev.Data = []byte(`{"text":"other","n":1}`) // the server dedupes by ID alone
	_, err := s.Append(t.Context(), "s-1", events.NoStream, ev)
	if !errors.Is(err, events.ErrIDConflict) {
		t.Fatalf("Append of the same ID with other content: %v; want ErrIDConflict", err)
	}
}

func TestWrongVersionWithOtherIDsIsAConcurrencyErrorWithTheVersionNow(t *testing.T) {
	f := newFakeServer()
	s := fixture(t, f, Options{})
	for range 3 {
		if _, err := s.Append(t.Context(), "s-1", events.Any, noted("x")); err != nil {
			t.Fatal(err)
		}
	}
	_, err := s.Append(t.Context(), "s-1", events.Exact(1), noted("late"))
	var ce *events.ConcurrencyError
	if !errors.As(err, &ce) || ce.Actual != 3 || ce.Expected != events.Exact(1) {
		t.Fatalf("Append(Exact(1)) on version 3: %v; want a ConcurrencyError with actual 3", err)
	}
}

// The documented edge: with Any, a retry that the server's ID cache no
// longer recognises, after other appends, is written a second time.
func TestAnyRetryAfterTheServerForgotTheIDsIsWrittenAgain(t *testing.T) {
	f := newFakeServer()
	f.cacheN = 0
	s := fixture(t, f, Options{})
	ev := noted("once")
	first, err := s.Append(t.Context(), "s-1", events.Any, ev)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.Append(t.Context(), "s-1", events.Any, noted("other")); err != nil {
		t.Fatal(err)
	}
	again, err := s.Append(t.Context(), "s-1", events.Any, ev)
	if err != nil || again.Version != 3 || first.Version != 1 {
		t.Fatalf("Any retry = %+v, %v; this edge writes it again at version 3", again, err)
	}
}

func TestServerFailureIsReportedAndNothingIsAdvanced(t *testing.T) {
	f := newFakeServer()
	s := fixture(t, f, Options{})
	f.failAppend = errors.New("unavailable")
	_, err := s.Append(t.Context(), "s-1", events.Any, noted("x"))
	if err == nil || !strings.Contains(err.Error(), "unavailable") || errors.Is(err, events.ErrConcurrency) {
		t.Fatalf("Append on a failing server: %v; want the server's error", err)
	}
	if h := s.notify.Head(); h != 0 {
		t.Errorf("notifier head %d after a failed append; want 0", h)
	}
}

func TestOpenRefusesOldServersAndBadOptions(t *testing.T) {
	f := newFakeServer()
	f.major = 22
	if _, err := open(t.Context(), f.conn(), storetest.Registry(), Options{}); err == nil || !strings.Contains(err.Error(), "version 22") {
		t.Errorf("open on a 22.x server: %v; want refused", err)
	}
	if _, err := open(t.Context(), newFakeServer().conn(), nil, Options{}); err == nil {
		t.Error("open without a registry succeeded")
	}
	if _, err := Open(t.Context(), "esdb://localhost:2113", storetest.Registry(), Options{PollInterval: time.Nanosecond}); err == nil || !strings.Contains(err.Error(), "PollInterval") {
		t.Errorf("Open with a bad option: %v; want PollInterval named", err)
	}
	if _, err := Open(t.Context(), "http://nowhere", nil, Options{}); err == nil || !strings.Contains(err.Error(), "registry") || !strings.Contains(err.Error(), "connection string") {
		t.Errorf("Open with two problems: %v; want both named", err)
	}
}

func TestHeadPastManyForeignEventsScansOnTheServerAndRemembers(t *testing.T) {
	f := newFakeServer()
	s := fixture(t, f, Options{HeadScanMax: 10})
	res, err := s.Append(t.Context(), "s-1", events.Any, noted("mine"))
	if err != nil {
		t.Fatal(err)
	}
	for i := range 50 {
		f.write(fmt.Sprint("other:s-", i), "other.thing.v1")
	}
	for range 2 { // the second time from what the first remembered
		if h, err := s.Head(t.Context()); err != nil || h != res.Position {
			t.Fatalf("Head = %d, %v; want %d", h, err, res.Position)
		}
	}
	if _, through := s.head.get(); through == nil || token(*through) <= res.Position {
		t.Errorf("Head did not remember how far it looked: %v", through)
	}
}

func TestReadAllFromInsideARecordFailsAndPastTheHeadReadsNothing(t *testing.T) {
	f := newFakeServer()
	s := fixture(t, f, Options{})
	res, err := s.Append(t.Context(), "s-1", events.Any, noted("a"), noted("b"))
	if err != nil {
		t.Fatal(err)
	}
	if got, err := s.ReadAll(t.Context(), res.Position+2, 10); err != nil || len(got) != 0 {
		t.Errorf("ReadAll past the head = %d events, %v; want none", len(got), err)
	}
	if _, err := s.ReadAll(t.Context(), res.Position-2, 10); err == nil {
		t.Error("ReadAll from inside a record succeeded; want the server's refusal")
	}
}

func TestCanceledContextWinsOverTheServersError(t *testing.T) {
	f := newFakeServer()
	s := fixture(t, f, Options{})
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	if _, err := s.Head(ctx); !errors.Is(err, context.Canceled) {
		t.Errorf("Head with a canceled context: %v", err)
	}
}
