package domain

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"

	"github.com/drip-ledger/drip/events"
)

// MultiLog is what ExecuteMulti needs of the store besides Log: one atomic
// append over several streams (events.Store.AppendMulti).
type MultiLog interface {
	Log
	AppendMulti(ctx context.Context, parts ...events.StreamAppend) ([]events.AppendResult, error)
}

// View is one stream an ExecuteMulti reads. Its state lives in the caller's
// closures: Reset clears it before each attempt, Evolve folds one event;
// such a view folds its stream from the start each time, which suits the
// short streams of a rule (a cadre's households, a resident ID's holder, a
// bank reference). A view made by ViewOf is an aggregate's, kept in the
// executor's Cache.
type View struct {
	Stream string
	Reset  func()
	Evolve func(ev events.Event, p events.Payload) error
	typed  typedState
}

// ViewOf is the view of stream as agg folds it, loaded like Execute loads
// (from the executor's Cache and the events since). ExecuteMulti sets
// *state before each decision; the state is valid only during the decision
// (the decider must not keep it or change what it shares), and *state is
// zeroed when ExecuteMulti returns.
func ViewOf[S any](stream string, agg Aggregate[S], state *S) View {
	return View{Stream: stream, typed: typedView[S]{stream: stream, agg: agg, state: state}}
}

// typedState is a ViewOf's aggregate, behind an interface since views of
// one call hold states of different types.
type typedState interface {
	key() cacheKey
	catchUp(ctx context.Context, x *Executor, e *cached) error
	clear()
}

type typedView[S any] struct {
	stream string
	agg    Aggregate[S]
	state  *S
}

func (v typedView[S]) key() cacheKey { return keyOfAggregate(v.stream, v.agg) }

func (v typedView[S]) catchUp(ctx context.Context, x *Executor, e *cached) error {
	s, err := catchUp(ctx, x, e, v.stream, v.agg)
	*v.state = s
	return err
}

func (v typedView[S]) clear() {
	var zero S
	*v.state = zero
}

// Emit is what a multi-stream decision records on one of the streams it
// read.
type Emit struct {
	Stream   string
	Payloads []events.Payload
}

// MultiDecider decides once over the states of every view.
type MultiDecider func() ([]Emit, error)

// ExecuteMulti is Execute over several streams: it rebuilds every view,
// decides once, and appends what the decision emits to each stream at the
// version that stream was read at, all in one atomic AppendMulti. So a rule
// that spans streams (a cadre's capacity, a resident ID held by one
// household, a bank reference settling one payment) holds under any
// concurrency: a writer that changed any of the streams since the read makes
// the append fail with ErrConcurrency, and the command is decided again
// against the new states, up to RetriesMax times.
//
// A stream may be emitted to only if it is one of the views. A request whose
// idempotency key is already in one of the views returns the earlier result
// without deciding (the first view holding it; a decision's emits all carry
// the key).
func ExecuteMulti(ctx context.Context, x *Executor, req Request, views []View, decide MultiDecider) (Result, error) {
	log, ok := x.Log.(MultiLog)
	if !ok {
		return Result{}, fmt.Errorf("domain: the log cannot append to several streams at once: %w", errors.ErrUnsupported)
	}
	key, err := storedKey(req)
	if err != nil {
		return Result{}, err
	}
	entries, err := x.acquireViews(ctx, views)
	defer func() {
		for i, v := range views {
			if v.typed != nil {
				v.typed.clear()
				x.Cache.release(entries[i])
			}
		}
	}()
	if err != nil {
		return Result{}, err
	}
	for attempt := 0; ; attempt++ {
		versions := make(map[string]uint64, len(views))
		var earlier []events.Event
		for i, v := range views {
			e, err := entries[i], error(nil)
			if v.typed != nil {
				err = v.typed.catchUp(ctx, x, e)
			} else {
				v.Reset()
				e = &cached{}
				agg := Aggregate[struct{}]{Evolve: func(s struct{}, ev events.Event, p events.Payload) (struct{}, error) {
					return s, v.Evolve(ev, p)
				}}
				_, err = catchUp(ctx, x, e, v.Stream, agg)
			}
			if err != nil {
				return Result{}, err
			}
			got, err := x.earlier(ctx, e, v.Stream, key)
			if err != nil {
				return Result{}, err
			}
			earlier = append(earlier, got...)
			versions[v.Stream] = e.version
		}
		if len(earlier) > 0 {
			return replayMulti(req, key, views[0].Stream, earlier)
		}
		emits, err := decide()
		if err != nil {
			return Result{}, err
		}
		parts := make([]events.StreamAppend, 0, len(emits))
		for _, e := range emits {
			version, ok := versions[e.Stream]
			if !ok {
				return Result{}, fmt.Errorf("domain: a decision emitted to %q, which it did not read", e.Stream)
			}
			if len(e.Payloads) == 0 {
				continue
			}
			evs, err := x.encode(req, key, e.Stream, version, e.Payloads)
			if err != nil {
				return Result{}, err
			}
			parts = append(parts, events.StreamAppend{Stream: e.Stream, Expected: events.Exact(version), Events: evs})
		}
		if len(parts) == 0 {
			return Result{}, nil
		}
		// The first emit is the command's own stream; it goes last, so the
		// call's last event (the result's Position, what a reader waits
		// for) is the command's own, and its events follow the limits
		// they took.
		parts = append(parts[1:], parts[0])
		res, err := log.AppendMulti(ctx, parts...)
		if errors.Is(err, events.ErrConcurrency) && attempt < x.RetriesMax {
			continue
		}
		if err != nil {
			return Result{}, err
		}
		out := Result{AppendResult: res[len(res)-1]}
		landed := make([][]events.Event, len(parts))
		for i, p := range parts {
			if landed[i], err = x.landed(ctx, p.Stream, uint64(p.Expected), res[i], p.Events); err != nil {
				return Result{}, err
			}
		}
		// The command's own events come first in the result (callers and
		// the API take the first event as the command's), then the limits'.
		out.Events = append(out.Events, landed[len(landed)-1]...)
		for _, evs := range landed[:len(landed)-1] {
			out.Events = append(out.Events, evs...)
		}
		return out, nil
	}
}

// acquireViews takes the cache entries of the views made by ViewOf, in one
// order (by stream and kind), so that two calls over overlapping streams
// cannot each hold an entry the other waits for. On error the entries taken
// are in the result, for the caller to release.
func (x *Executor) acquireViews(ctx context.Context, views []View) ([]*cached, error) {
	entries := make([]*cached, len(views))
	var order []int
	for i, v := range views {
		if v.typed != nil {
			order = append(order, i)
		}
	}
	slices.SortFunc(order, func(a, b int) int {
		ka, kb := views[a].typed.key(), views[b].typed.key()
		switch {
		case ka == kb:
			return 0
		case ka.less(kb):
			return -1
		}
		return 1
	})
	for n, i := range order {
		if n > 0 && views[order[n-1]].typed.key() == views[i].typed.key() {
			return entries, fmt.Errorf("domain: two views of one call read %q as one aggregate", views[i].Stream)
		}
		e, err := x.Cache.acquire(ctx, views[i].typed.key())
		if err != nil {
			return entries, err
		}
		entries[i] = e
	}
	return entries, nil
}

// replayMulti is replay for an ExecuteMulti: the earlier call's events from
// every view, in log order, with the command's own stream's version.
func replayMulti(req Request, key, own string, earlier []events.Event) (Result, error) {
	slices.SortFunc(earlier, func(a, b events.Event) int { return cmp.Compare(a.Position, b.Position) })
	res, err := replay(req, key, earlier)
	if err != nil {
		return res, err
	}
	var mine, others []events.Event
	for _, ev := range earlier {
		if ev.Stream == own {
			res.Version = ev.Version
			mine = append(mine, ev)
		} else {
			others = append(others, ev)
		}
	}
	res.Events = append(mine, others...) // as the first answer listed them
	return res, nil
}
