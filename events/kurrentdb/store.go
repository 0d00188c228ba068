package kurrentdb

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"

	"github.com/EventStore/EventStore-Client-Go/v4/esdb"

	"github.com/drip-ledger/drip/events"
)

// Store is an events.Store over a KurrentDB (EventStoreDB) cluster; see the
// package doc for the mapping.
type Store struct {
	reg    *events.Registry
	c      conn
	opts   Options
	notify *events.Notifier
	filter *esdb.SubscriptionFilter

	head headCache

	// stop ends the goroutine that turns the server's live events into
	// notifications; watchDone closes when it has.
	stop      context.CancelFunc
	watchDone chan struct{}

	// life is held shared by every call in flight and exclusively by Close,
	// so Close waits for calls in flight and later calls see closed.
	life   sync.RWMutex
	closed bool
}

var _ events.Store = (*Store)(nil)

// ServerMajorMin is the oldest server this store works with: EventStoreDB
// 23.10 is the first to tell a catch-up subscription that it has caught up,
// which ReadAll and Head rely on to end a filtered scan.
const ServerMajorMin = 23

// retryScanMax bounds how many of a stream's last events an append that met
// a wrong expected version reads to find its own IDs (besides the places it
// would have occupied).
const retryScanMax = 1000

// Open connects to the cluster named by connString (esdb://, esdb+discover://
// with its TLS and credential settings, or the same with KurrentDB's own
// kurrentdb:// and kurrentdb+discover:// schemes) and returns a Store that accepts the
// event types in reg. ctx bounds Open only, not the store's life.
func Open(ctx context.Context, connString string, reg *events.Registry, opts Options) (*Store, error) {
	var errs []error
	if reg == nil {
		errs = append(errs, errors.New("kurrentdb: Open needs a registry"))
	}
	if err := opts.Validate(); err != nil {
		errs = append(errs, err)
	}
	cfg, err := esdb.ParseConnectionString(clientConnString(connString))
	if err != nil {
		errs = append(errs, fmt.Errorf("kurrentdb: connection string: %w", err))
	}
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	c, err := esdb.NewClient(cfg)
	if err != nil {
		return nil, fmt.Errorf("kurrentdb: client: %w", err)
	}
	s, err := open(ctx, client{c}, reg, opts)
	if err != nil {
		c.Close()
		return nil, err
	}
	return s, nil
}

// open builds a Store over c: it checks the server and reads the head.
func open(ctx context.Context, c conn, reg *events.Registry, opts Options) (*Store, error) {
	if reg == nil {
		return nil, errors.New("kurrentdb: Open needs a registry")
	}
	if err := opts.Validate(); err != nil {
		return nil, err
	}
	opts = opts.withDefaults()
	major, err := c.serverMajor()
	if err != nil {
		return nil, fmt.Errorf("kurrentdb: connect: %w", err)
	}
	if major < ServerMajorMin {
		return nil, fmt.Errorf("kurrentdb: server version %d is older than %d, the first whose subscriptions report catching up", major, ServerMajorMin)
	}
	s := &Store{reg: reg, c: c, opts: opts, filter: streamFilter(opts.Prefix)}
	head, err := s.readHead(ctx)
	if err != nil {
		return nil, fmt.Errorf("kurrentdb: head: %w", err)
	}
	s.notify = events.NewNotifier(head)
	wctx, stop := context.WithCancel(context.WithoutCancel(ctx))
	s.stop, s.watchDone = stop, make(chan struct{})
	go s.watch(wctx)
	return s, nil
}

// enter registers a call in flight; it reports false once the store is
// closed. Every true is followed by leave.
func (s *Store) enter() bool {
	s.life.RLock()
	if s.closed {
		s.life.RUnlock()
		return false
	}
	return true
}

func (s *Store) leave() { s.life.RUnlock() }

// Close implements events.Store. Calls in flight finish (or fail) first.
func (s *Store) Close() error {
	s.life.Lock()
	if s.closed {
		s.life.Unlock()
		return events.ErrClosed
	}
	s.closed = true
	s.life.Unlock()
	s.notify.Close()
	s.stop()
	<-s.watchDone
	return s.c.close()
}

// Append implements events.Store; see the package doc for how retries are
// recognised.
func (s *Store) Append(ctx context.Context, stream string, expected events.Expected, evs ...events.Event) (events.AppendResult, error) {
	if err := ctx.Err(); err != nil {
		return events.AppendResult{}, err
	}
	if err := s.reg.CheckAppend(stream, evs); err != nil {
		return events.AppendResult{}, err
	}
	if !s.enter() {
		return events.AppendResult{}, events.ErrClosed
	}
	defer s.leave()
	at := events.RecordedTime(s.opts.Now())
	data := make([]esdb.EventData, len(evs))
	for i, ev := range evs {
		d, err := eventData(ev, at)
		if err != nil {
			return events.AppendResult{}, fmt.Errorf("kurrentdb: append: %w", err)
		}
		data[i] = d
	}
	wr, err := s.c.append(ctx, streamName(s.opts.Prefix, stream), expectedRevision(expected), data)
	var res events.AppendResult
	switch {
	case err == nil:
		res, err = s.readBack(ctx, stream, evs, version(wr.NextExpectedVersion))
	case errors.Is(err, errWrongExpected):
		res, err = s.resolveConflict(ctx, stream, expected, evs)
	default:
		err = s.fail("append", ctx, err)
	}
	if err != nil {
		return events.AppendResult{}, err
	}
	s.notify.Advance(res.Position)
	return res, nil
}

// readBack reads the events an acknowledged append reports at versions
// ..last and checks that they are evs. KurrentDB acknowledges a repeat of
// known event IDs without writing it and without comparing content, so a
// same-ID append with other content is caught here (ErrIDConflict). The read
// also gives the positions, which the append's answer does not state per
// event.
func (s *Store) readBack(ctx context.Context, stream string, evs []events.Event, last uint64) (events.AppendResult, error) {
	n := uint64(len(evs))
	if last < n {
		return events.AppendResult{}, fmt.Errorf("kurrentdb: append to %q acknowledged at version %d, below its %d events", stream, last, n)
	}
	got, err := s.readVersions(ctx, stream, last-n+1, n)
	if err != nil {
		return events.AppendResult{}, s.fail("append: read back", ctx, err)
	}
	if uint64(len(got)) != n {
		return events.AppendResult{}, fmt.Errorf("kurrentdb: append to %q acknowledged at versions %d..%d, but %d of them read back", stream, last-n+1, last, len(got))
	}
	return checkWritten(stream, evs, got)
}

// checkWritten compares the appended events with what is stored where the
// server said they went.
func checkWritten(stream string, evs, got []events.Event) (events.AppendResult, error) {
	for i, ev := range evs {
		switch {
		case got[i].ID != ev.ID:
			return events.AppendResult{}, fmt.Errorf("event %s: version %d of %q holds event %s: %w", ev.ID, got[i].Version, stream, got[i].ID, events.ErrIDConflict)
		case !events.SameContent(got[i], ev):
			return events.AppendResult{}, fmt.Errorf("event %s already stored with different content: %w", ev.ID, events.ErrIDConflict)
		}
	}
	last := got[len(got)-1]
	return events.AppendResult{Version: last.Version, Position: last.Position, First: got[0].Position}, nil
}

// resolveConflict handles a wrong expected version: a retry of an append
// that landed earlier (the server's ID cache forgot it, or it was never the
// same expected revision) returns the earlier result; otherwise it is an
// ID conflict or a ConcurrencyError with the version read now.
func (s *Store) resolveConflict(ctx context.Context, stream string, expected events.Expected, evs []events.Event) (events.AppendResult, error) {
	stored, cur, err := s.storedNear(ctx, stream, expected, uint64(len(evs)))
	if err != nil {
		return events.AppendResult{}, s.fail("append: read after a conflict", ctx, err)
	}
	byID := make(map[events.ID]events.Event, len(stored))
	for _, ev := range stored {
		byID[ev.ID] = ev
	}
	res, retry, err := events.CheckRetry(stream, expected, evs, func(id events.ID) (events.Event, bool, error) {
		ev, ok := byID[id]
		return ev, ok, nil
	})
	switch {
	case err != nil:
		return events.AppendResult{}, err
	case retry:
		return res, nil
	}
	return events.AppendResult{}, &events.ConcurrencyError{Stream: stream, Expected: expected, Actual: cur}
}

// storedNear returns the stream's events where an append of n events with
// expected would have gone, and its last retryScanMax events, with the
// stream's version.
func (s *Store) storedNear(ctx context.Context, stream string, expected events.Expected, n uint64) ([]events.Event, uint64, error) {
	tail, err := s.readBackwards(ctx, stream, events.End, retryScanMax)
	if errors.Is(err, events.ErrStreamNotFound) {
		return nil, 0, nil
	}
	if err != nil || len(tail) == 0 {
		return nil, 0, err
	}
	cur := tail[0].Version
	if expected < 0 {
		return tail, cur, nil
	}
	first := uint64(expected) + 1
	if first > cur || first >= tail[len(tail)-1].Version {
		// The places are past the end, or inside the tail already read.
		return tail, cur, nil
	}
	places, err := s.readVersions(ctx, stream, first, n)
	if err != nil {
		return nil, 0, err
	}
	return append(places, tail...), cur, nil
}

// fail wraps an error of the server or the connection; a canceled context
// and a closed store win, so callers can branch on them.
func (s *Store) fail(op string, ctx context.Context, err error) error {
	if ctxErr := ctx.Err(); ctxErr != nil {
		return fmt.Errorf("kurrentdb: %s: %w", op, ctxErr)
	}
	return fmt.Errorf("kurrentdb: %s: %w", op, err)
}

// clientConnString turns KurrentDB's connection-string schemes into the ones
// this client knows; the rest of the syntax is the same.
func clientConnString(s string) string {
	for _, scheme := range []string{"kurrentdb://", "kurrentdb+discover://", "kurrent://", "kurrent+discover://"} {
		if rest, ok := strings.CutPrefix(s, scheme); ok {
			return "esdb" + strings.TrimPrefix(strings.TrimPrefix(scheme, "kurrentdb"), "kurrent") + rest
		}
	}
	return s
}
