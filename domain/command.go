package domain

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/drip-ledger/drip/events"
)

// Log is what command handling needs of the event store: read one stream,
// append to it at a version. events.Store satisfies it; tests may pass any
// store.
type Log interface {
	ReadStream(ctx context.Context, stream string, from uint64, dir events.Direction, limit int) ([]events.Event, error)
	Append(ctx context.Context, stream string, expected events.Expected, evs ...events.Event) (events.AppendResult, error)
}

// Actor is who issues a command. The API fills it from the verified token,
// never from a request body, so events say truthfully who did what.
type Actor struct {
	ID   string
	Role string
	// Jurisdiction is the division-code prefix the actor may act within.
	Jurisdiction string
}

// Request carries what every command needs besides its own fields.
type Request struct {
	Actor Actor
	// At is the recorded time: the store's clock when the command is
	// decided (the API fills it from its clock, which cmd/drip wires to the
	// store's). Every window and deadline is measured on it; business times
	// come in command fields and are bounded by TimeBounds against it.
	At time.Time
	// Backfill says the request is an explicit backfill of older paper
	// records (a separate permission): business times may then lag At by
	// more than TimeBounds.LagMax. It is recorded in events.Metadata.
	Backfill bool
	// IdempotencyKey, if not empty, makes the command safe to retry: a
	// second request with the same key (from the same actor) returns the
	// first one's result and writes nothing.
	IdempotencyKey string
	// Fingerprint identifies the request's content (e.g. a hash of its
	// body), so a key reused for a different request is refused.
	Fingerprint   string
	CorrelationID string
	CausationID   string
}

// IdempotencyKeyBytesMax bounds a client's idempotency key.
const IdempotencyKeyBytesMax = 100

// Result is what a handled command did.
type Result struct {
	events.AppendResult
	// Events are the events the command recorded (on a replayed retry: the
	// events the first request recorded).
	Events []events.Event
	// Replayed is true when the request repeated an earlier idempotency key
	// and nothing new was written.
	Replayed bool
}

// Aggregate describes one kind of aggregate for Execute: how its state is
// rebuilt from its stream.
type Aggregate[S any] struct {
	// Name names the kind of aggregate ("household", "fund.project") in the
	// executor's Cache, where a stream's entry is kept per kind: unique per
	// kind. An aggregate without a name is not cached: each command folds
	// its stream from the start.
	Name string
	// Evolve applies one decoded event to the state. It is a total switch:
	// an event it does not know is an error that stops the command.
	Evolve func(state S, ev events.Event, p events.Payload) (S, error)
}

// Decider is the pure decision of one command: given the state, the events
// to record, or a domain error.
type Decider[S any] func(state S) ([]events.Payload, error)

// Executor loads, decides and appends. It holds no state of its own besides
// its collaborators and the Cache of aggregates, and is safe for concurrent
// use.
type Executor struct {
	Log      Log
	Registry *events.Registry
	// NewID makes event IDs for requests without an idempotency key.
	NewID func() (events.ID, error)
	// RetriesMax bounds how often a command is decided again after losing a
	// race for its stream (ErrConcurrency).
	RetriesMax int
	// StreamEventsMax bounds how many events loading one aggregate reads.
	StreamEventsMax int
	// Cache keeps aggregates at their version between commands (cache.go);
	// nil, or a cache of size 0, folds every stream from the start. Set it
	// before the first command; executors may share one.
	Cache *Cache
}

// NewExecutor checks its collaborators and sets the limits' defaults.
func NewExecutor(log Log, reg *events.Registry, newID func() (events.ID, error)) (*Executor, error) {
	var errs []error
	if log == nil {
		errs = append(errs, errors.New("domain: NewExecutor: log is nil"))
	}
	if reg == nil {
		errs = append(errs, errors.New("domain: NewExecutor: registry is nil"))
	}
	if newID == nil {
		errs = append(errs, errors.New("domain: NewExecutor: newID is nil"))
	}
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	return &Executor{Log: log, Registry: reg, NewID: newID, RetriesMax: 8, StreamEventsMax: 200_000,
		Cache: NewCache(AggregateCacheMax, AggregateCacheEventsMax)}, nil
}

// idempotencyNamespace scopes event IDs derived from idempotency keys.
var idempotencyNamespace = events.MustParseID("0b6f3a52-7c1e-4d0a-9a55-3e8f2c6d1b47")

// Execute handles one command on one stream: it rebuilds the state from the
// stream (from the executor's Cache and the events since), decides, and
// appends the decided events at the version the state was read at. If
// another writer appended first it reads the new events and decides again,
// up to RetriesMax times. A request whose idempotency key is already in the
// stream returns the earlier result without deciding.
//
// decide must not keep the state, nor change what it shares (maps,
// slices): it is the cached state, valid only during the call.
func Execute[S any](ctx context.Context, x *Executor, req Request, stream string, agg Aggregate[S], decide Decider[S]) (Result, error) {
	key, err := storedKey(req)
	if err != nil {
		return Result{}, err
	}
	e, err := x.Cache.acquire(ctx, keyOfAggregate(stream, agg))
	if err != nil {
		return Result{}, err
	}
	defer x.Cache.release(e)
	for attempt := 0; ; attempt++ {
		k, err := x.readKey(ctx, req, key)
		if err != nil {
			return Result{}, err
		}
		if err := k.refuses(req, stream); err != nil {
			return Result{}, err
		}
		state, err := catchUp(ctx, x, e, stream, agg)
		if err != nil {
			return Result{}, err
		}
		version := e.version
		// The key's events are found through the keys folded with the
		// state, on every store: with key streams (AppendMulti) a key used
		// on this stream is also in its key stream, but one written through
		// the ErrUnsupported path below, by ExecuteMulti, or before key
		// streams existed is only in this stream.
		earlier, err := x.earlier(ctx, e, stream, key)
		if err != nil {
			return Result{}, err
		}
		if len(earlier) > 0 {
			return replay(req, key, earlier)
		}
		payloads, err := decide(state)
		if err != nil {
			return Result{}, err
		}
		if len(payloads) == 0 {
			return Result{AppendResult: events.AppendResult{Version: version}}, nil
		}
		evs, err := x.encode(req, key, stream, version, payloads)
		if err != nil {
			return Result{}, err
		}
		var res events.AppendResult
		if k.available {
			// The key's stream is appended in the same commit, so two
			// requests with one key on two streams cannot both write.
			res, err = x.appendWithKey(ctx, k, key, stream, version, evs)
			if errors.Is(err, errors.ErrUnsupported) {
				// A store without atomic multi-stream appends (KurrentDB
				// through EventStore-Client-Go v4): the key is checked
				// inside the target stream only, as before.
				res, err = x.Log.Append(ctx, stream, events.Exact(version), evs...)
			}
		} else {
			res, err = x.Log.Append(ctx, stream, events.Exact(version), evs...)
		}
		if errors.Is(err, events.ErrConcurrency) && attempt < x.RetriesMax {
			continue
		}
		if err != nil {
			return Result{}, err
		}
		if evs, err = x.landed(ctx, stream, version, res, evs); err != nil {
			return Result{}, err
		}
		return Result{AppendResult: res, Events: evs}, nil
	}
}

// landed fills in where evs went: their stream, versions after version and
// real global positions. Positions are dense within an append on every
// store but KurrentDB, whose commit positions have gaps; there the events
// are read back, since First and Position alone do not say the ones between.
func (x *Executor) landed(ctx context.Context, stream string, version uint64, res events.AppendResult, evs []events.Event) ([]events.Event, error) {
	if !res.Dense(len(evs)) && len(evs) > 1 {
		got, err := x.Log.ReadStream(ctx, stream, version+1, events.Forwards, len(evs))
		if err != nil {
			return nil, fmt.Errorf("domain: read back the positions of %d events of %q: %w", len(evs), stream, err)
		}
		if len(got) != len(evs) {
			return nil, fmt.Errorf("domain: read back %d of the %d events appended to %q", len(got), len(evs), stream)
		}
		for i := range evs {
			if got[i].ID != evs[i].ID {
				return nil, fmt.Errorf("domain: %q version %d holds %s, not the appended %s: %w", stream, got[i].Version, got[i].ID, evs[i].ID, events.ErrIDConflict)
			}
			evs[i].Stream, evs[i].Version, evs[i].Position = stream, got[i].Version, got[i].Position
		}
		return evs, nil
	}
	for i := range evs {
		evs[i].Stream, evs[i].Version, evs[i].Position = stream, version+uint64(i)+1, res.First+uint64(i)
	}
	if len(evs) == 1 {
		evs[0].Position = res.Position
	}
	return evs, nil
}

// Read calls read with the state of stream as agg folds it, from the
// executor's Cache and the events since. It is for the facts one command
// needs of another aggregate (a household's file for a payment, a
// project's status for an allocation). The state is valid only during
// read: read must not keep it or change what it shares.
func Read[S any](ctx context.Context, x *Executor, stream string, agg Aggregate[S], read func(state S, version uint64) error) error {
	e, err := x.Cache.acquire(ctx, keyOfAggregate(stream, agg))
	if err != nil {
		return err
	}
	defer x.Cache.release(e)
	state, err := catchUp(ctx, x, e, stream, agg)
	if err != nil {
		return err
	}
	return read(state, e.version)
}

func (x *Executor) encode(req Request, key, stream string, version uint64, payloads []events.Payload) ([]events.Event, error) {
	meta := events.Metadata{
		ActorID: req.Actor.ID, Role: req.Actor.Role, Jurisdiction: req.Actor.Jurisdiction,
		IdempotencyKey: key, CorrelationID: req.CorrelationID, CausationID: req.CausationID,
		OccurredAt: req.At, Backfill: req.Backfill,
	}
	evs := make([]events.Event, len(payloads))
	for i, p := range payloads {
		var id events.ID
		var err error
		if key != "" {
			// Derived, not random: two copies of one request racing each
			// other produce identical events, and the store keeps one.
			id = events.DeriveID(idempotencyNamespace, fmt.Sprintf("%s/%s/%d/%d", key, stream, version, i))
		} else if id, err = x.NewID(); err != nil {
			return nil, err
		}
		if evs[i], err = x.Registry.Encode(id, meta, p); err != nil {
			return nil, err
		}
	}
	return evs, nil
}

// storedKey is the key as recorded in metadata: scoped by actor (two users'
// keys never collide) and followed by the request's fingerprint.
func storedKey(req Request) (string, error) {
	if req.IdempotencyKey == "" {
		return "", nil
	}
	if len(req.IdempotencyKey) > IdempotencyKeyBytesMax || strings.ContainsAny(req.IdempotencyKey, "#\x00") {
		return "", &Error{Code: "idempotency_key_invalid",
			Message: fmt.Sprintf("an Idempotency-Key has at most %d bytes and no '#'", IdempotencyKeyBytesMax)}
	}
	fp := req.Fingerprint
	if len(fp) > 64 {
		fp = fp[:64]
	}
	return req.Actor.ID + ":" + req.IdempotencyKey + "#" + fp, nil
}

func keyOf(stored string) string {
	k, _, _ := strings.Cut(stored, "#")
	return k
}

func replay(req Request, key string, earlier []events.Event) (Result, error) {
	_, fp, _ := strings.Cut(earlier[0].Meta.IdempotencyKey, "#")
	_, want, _ := strings.Cut(key, "#")
	if fp != want {
		return Result{}, &Error{Code: "idempotency_key_reused",
			Message: fmt.Sprintf("Idempotency-Key %q was already used for a different request", req.IdempotencyKey)}
	}
	last := earlier[len(earlier)-1]
	return Result{AppendResult: events.AppendResult{Version: last.Version, Position: last.Position, First: earlier[0].Position},
		Events: earlier, Replayed: true}, nil
}
