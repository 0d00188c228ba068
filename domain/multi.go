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
// closures: Reset clears it before each attempt, Evolve folds one event.
type View struct {
	Stream string
	Reset  func()
	Evolve func(ev events.Event, p events.Payload) error
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
	for attempt := 0; ; attempt++ {
		versions := make(map[string]uint64, len(views))
		var earlier []events.Event
		for _, v := range views {
			v.Reset()
			agg := Aggregate[struct{}]{Evolve: func(s struct{}, ev events.Event, p events.Payload) (struct{}, error) {
				return s, v.Evolve(ev, p)
			}}
			_, version, got, err := load(ctx, x, v.Stream, agg, key)
			if err != nil {
				return Result{}, err
			}
			earlier = append(earlier, got...)
			versions[v.Stream] = version
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
