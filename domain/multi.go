package domain

import (
	"context"
	"errors"
	"fmt"

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
		for _, v := range views {
			v.Reset()
			agg := Aggregate[struct{}]{Evolve: func(s struct{}, ev events.Event, p events.Payload) (struct{}, error) {
				return s, v.Evolve(ev, p)
			}}
			_, version, earlier, err := load(ctx, x, v.Stream, agg, key)
			if err != nil {
				return Result{}, err
			}
			if len(earlier) > 0 {
				return replay(req, key, earlier)
			}
			versions[v.Stream] = version
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
		res, err := log.AppendMulti(ctx, parts...)
		if errors.Is(err, events.ErrConcurrency) && attempt < x.RetriesMax {
			continue
		}
		if err != nil {
			return Result{}, err
		}
		out := Result{AppendResult: res[0]}
		for i, p := range parts {
			evs, err := x.landed(ctx, p.Stream, uint64(p.Expected), res[i], p.Events)
			if err != nil {
				return Result{}, err
			}
			out.Events = append(out.Events, evs...)
		}
		// The result's position is the call's last event, so a reader who
		// waits for it sees every stream's part.
		out.Position = res[len(res)-1].Position
		return out, nil
	}
}
