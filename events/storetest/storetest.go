// Package storetest is the conformance suite every events.Store passes: the
// in-memory store, the embedded store, PostgreSQL and KurrentDB. A backend is
// a Store when it passes Run, not when it compiles.
//
// A backend's test calls Run with a function that opens a fresh, empty store:
//
//	func TestStore(t *testing.T) {
//		storetest.Run(t, func(t *testing.T, reg *events.Registry) events.Store {
//			s, err := embedded.Open(t.TempDir(), reg)
//			if err != nil {
//				t.Fatal(err)
//			}
//			return s
//		})
//	}
//
// The suite closes every store it opens (a second Close may return nil or
// ErrClosed). It asserts only what the Store contract promises, so a failure
// is a bug in the backend or in the contract, never a flake of timing.
package storetest

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/drip-ledger/drip/events"
)

// testTimeoutS bounds every subtest, so a store that hangs fails instead of
// stalling the run until go test's own deadline.
const testTimeoutS = 60

// Option adjusts the suite to a backend's documented freedom.
type Option func(*config)

type config struct {
	gaps    bool
	noMulti bool
}

// MultiUnsupported is for a backend that cannot commit several streams
// atomically (KurrentDB through EventStore-Client-Go v4): the suite then
// checks that AppendMulti refuses with errors.ErrUnsupported and writes
// nothing, instead of its atomicity.
func MultiUnsupported() Option { return func(c *config) { c.noMulti = true } }

// PositionsMayHaveGaps is for a backend whose global positions increase in
// commit order but are not dense (KurrentDB's commit positions): the suite
// then checks order, not 1, 2, 3, ....
func PositionsMayHaveGaps() Option { return func(c *config) { c.gaps = true } }

// Opener opens a fresh, empty store that accepts the types in reg.
type Opener = func(t *testing.T, reg *events.Registry) events.Store

// Run runs the conformance suite against the stores open returns; each
// subtest opens its own.
func Run(t *testing.T, open Opener, opts ...Option) {
	t.Helper()
	su := &suite{open: open}
	for _, o := range opts {
		o(&su.cfg)
	}
	groups := []struct {
		name string
		run  func(*testing.T, *suite)
	}{
		{"RoundTrip", testRoundTrip},
		{"Expected", testExpected},
		{"Batch", testBatch},
		{"Retry", testRetry},
		{"ReadStream", testReadStream},
		{"ReadAll", testReadAll},
		{"Invalid", testInvalid},
		{"Race", testRace},
		{"Multi", testMulti},
		{"CommitOrder", testCommitOrder},
		{"Subscribe", testSubscribe},
		{"Close", testClose},
	}
	for _, g := range groups {
		t.Run(g.name, func(t *testing.T) { g.run(t, su) })
	}
}

type suite struct {
	open Opener
	cfg  config
}

// fixture is one subtest's fresh store and the means to make unique events
// for it.
type fixture struct {
	t   *testing.T
	ctx context.Context
	s   events.Store
	cfg config
	ns  events.ID
	n   *atomic.Uint64 // shared by the fixture's copies
}

// in returns f for subtest t: the same store and event counter, with t's
// Fatal.
func (f *fixture) in(t *testing.T) *fixture {
	g := *f
	g.t = t
	return &g
}

// fresh opens a store for t and closes it when t ends.
func (su *suite) fresh(t *testing.T) *fixture {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), testTimeoutS*time.Second)
	t.Cleanup(cancel)
	s := su.open(t, Registry())
	if s == nil {
		t.Fatal("open returned a nil store")
	}
	t.Cleanup(func() {
		if err := s.Close(); err != nil && !errors.Is(err, events.ErrClosed) {
			t.Errorf("Close: %v", err)
		}
	})
	if h, err := s.Head(ctx); err != nil || h != 0 {
		t.Fatalf("a fresh store: Head = %d, %v; want 0, nil", h, err)
	}
	return &fixture{t: t, ctx: ctx, s: s, cfg: su.cfg, ns: events.DeriveID(events.NilID, t.Name()), n: new(atomic.Uint64)}
}

// occurredAt has nanoseconds and a zone on purpose: stores keep microseconds,
// and a retry must still compare equal.
var occurredAt = time.Date(2025, 3, 5, 10, 11, 12, 123456789, time.FixedZone("CST", 8*60*60))

// event returns a valid, unique event whose payload says text.
func (f *fixture) event(text string) events.Event {
	i := f.n.Add(1)
	return events.Event{
		ID:   events.DeriveID(f.ns, strconv.FormatUint(i, 10)),
		Type: TypeNoted,
		Data: noted(text, int(i)),
		Meta: events.Metadata{ActorID: "actor-1", Role: "clerk", Jurisdiction: "520526", OccurredAt: occurredAt},
	}
}

// batch returns n fresh events.
func (f *fixture) batch(n int, text string) []events.Event {
	evs := make([]events.Event, n)
	for i := range evs {
		evs[i] = f.event(fmt.Sprintf("%s %d", text, i))
	}
	return evs
}

func noted(text string, n int) json.RawMessage {
	b, err := json.Marshal(Noted{Text: text, N: n})
	if err != nil {
		panic(err)
	}
	return b
}

// append appends and fails the test on error.
func (f *fixture) append(stream string, exp events.Expected, evs ...events.Event) events.AppendResult {
	f.t.Helper()
	res, err := f.s.Append(f.ctx, stream, exp, evs...)
	if err != nil {
		f.t.Fatalf("Append(%q, %v, %d events): %v", stream, exp, len(evs), err)
	}
	return res
}

func (f *fixture) head() uint64 {
	f.t.Helper()
	h, err := f.s.Head(f.ctx)
	if err != nil {
		f.t.Fatalf("Head: %v", err)
	}
	return h
}

// readStream returns all of stream, forwards; none if it does not exist.
func (f *fixture) readStream(stream string) []events.Event {
	f.t.Helper()
	var out []events.Event
	for from := uint64(1); len(out) <= 10*events.ReadEventsMax; {
		page, err := f.s.ReadStream(f.ctx, stream, from, events.Forwards, events.ReadEventsMax)
		if errors.Is(err, events.ErrStreamNotFound) && from == 1 {
			return nil
		}
		if err != nil {
			f.t.Fatalf("ReadStream(%q, %d): %v", stream, from, err)
		}
		if len(page) == 0 {
			return out
		}
		out = append(out, page...)
		from = page[len(page)-1].Version + 1
	}
	f.t.Fatalf("ReadStream(%q): more events than the suite ever writes", stream)
	return nil
}

// readAll returns the whole log.
func (f *fixture) readAll() []events.Event {
	f.t.Helper()
	var out []events.Event
	for from := uint64(0); len(out) <= 10*events.ReadEventsMax; {
		page, err := f.s.ReadAll(f.ctx, from, events.ReadEventsMax)
		if err != nil {
			f.t.Fatalf("ReadAll(%d): %v", from, err)
		}
		if len(page) == 0 {
			return out
		}
		out = append(out, page...)
		from = page[len(page)-1].Position + 1
	}
	f.t.Fatal("ReadAll: more events than the suite ever writes")
	return nil
}

// unchanged fails unless the log is exactly before.
func (f *fixture) unchanged(before []events.Event) {
	f.t.Helper()
	after := f.readAll()
	if diff := cmp.Diff(keys(before), keys(after)); diff != "" {
		f.t.Errorf("a failed append changed the log (-before +after):\n%s", diff)
	}
	var head uint64
	if len(before) > 0 {
		head = before[len(before)-1].Position
	}
	if h := f.head(); h != head {
		f.t.Errorf("a failed append moved Head from %d to %d", head, h)
	}
}

// key is where an event landed; comparing keys gives short diffs.
type key struct {
	ID       string
	Stream   string
	Version  uint64
	Position uint64
}

func keys(evs []events.Event) []key {
	out := make([]key, len(evs))
	for i, ev := range evs {
		out[i] = key{ev.ID.String(), ev.Stream, ev.Version, ev.Position}
	}
	return out
}

// eventsEqual compares whole events; times compare as instants.
var eventsEqual = cmp.Options{
	cmp.Comparer(func(a, b time.Time) bool { return a.Equal(b) }),
	cmp.Comparer(func(a, b events.ID) bool { return a == b }),
}

// ignoreRecorded compares events without the store's clock.
var ignoreRecorded = cmpopts.IgnoreFields(events.Event{}, "RecordedAt")

// stored is ev as the store should return it.
func stored(ev events.Event, stream string, version, position uint64) events.Event {
	ev.Stream, ev.Version, ev.Position = stream, version, position
	ev.Meta.OccurredAt = events.RecordedTime(ev.Meta.OccurredAt)
	return ev
}

// checkLog checks the global log's shape: positions strictly increasing (and
// 1, 2, 3, ... for a dense backend), every stream's versions 1, 2, 3, ... in
// position order, no ID twice. It returns the log grouped by stream.
func (f *fixture) checkLog(log []events.Event) map[string][]events.Event {
	f.t.Helper()
	byStream := map[string][]events.Event{}
	ids := map[events.ID]uint64{}
	var last uint64
	for i, ev := range log {
		switch {
		case !f.cfg.gaps && ev.Position != uint64(i)+1:
			f.t.Fatalf("log[%d] has position %d; want %d (dense positions from 1)", i, ev.Position, i+1)
		case ev.Position <= last:
			f.t.Fatalf("log[%d] has position %d after %d; want strictly increasing", i, ev.Position, last)
		}
		last = ev.Position
		if p, dup := ids[ev.ID]; dup {
			f.t.Fatalf("id %s at positions %d and %d", ev.ID, p, ev.Position)
		}
		ids[ev.ID] = ev.Position
		prev := byStream[ev.Stream]
		if want := uint64(len(prev)) + 1; ev.Version != want {
			f.t.Fatalf("position %d: stream %q version %d; want %d (versions increase with position, no gaps)", ev.Position, ev.Stream, ev.Version, want)
		}
		byStream[ev.Stream] = append(prev, ev)
	}
	return byStream
}

// wantPosition is the position the n-th event of the log (from 1) must have
// on a dense backend; 0 (do not check) on one with gaps.
func (f *fixture) wantPosition(n uint64) uint64 {
	if f.cfg.gaps {
		return 0
	}
	return n
}
