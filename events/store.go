package events

import (
	"context"
	"fmt"
	"math"
)

// Store is the contract every storage engine implements: the embedded store,
// PostgreSQL, KurrentDB, and the in-memory store for unit tests. Its
// conformance suite is events/storetest; an engine is a Store when it passes
// that suite, not when it compiles.
//
// All methods are safe for concurrent use. Every method that can block takes a
// context and returns ctx.Err() (possibly wrapped) when it is done first; an
// Append cut short that way may or may not have been written, exactly like a
// lost response, so the caller retries it with the same event IDs.
type Store interface {
	// Append appends evs, in order, to the end of stream, atomically: after
	// Append returns, either all of them are in the log, contiguous in the
	// stream and in global order, or none is.
	//
	// expected states what the caller believes the stream's version to be
	// (Any, NoStream, StreamExists or Exact(v)); if it is wrong, Append
	// writes nothing and returns a *ConcurrencyError (ErrConcurrency).
	//
	// The store validates every event before writing it: stream name, ID,
	// type (it must be registered in the store's Registry), payload (decoded
	// and validated as that type), metadata, and the limits in limits.go; it
	// returns an *InvalidError (ErrInvalid) naming every problem at once.
	//
	// Idempotent retry: if the events' IDs are already in the log at exactly
	// the places this append would have given them (the same stream, the
	// versions that follow expected) with the same content, Append writes
	// nothing and returns the earlier result, whatever expected says now. If
	// any ID is in the log in another place or with other content, it returns
	// ErrIDConflict.
	//
	// An acknowledged append (nil error) is durable: the durable stores have
	// synced it to stable storage before returning.
	Append(ctx context.Context, stream string, expected Expected, evs ...Event) (AppendResult, error)

	// AppendMulti appends to several streams in one atomic commit: each part
	// is an Append (its stream, its expected version, its events in order),
	// and either every part is in the log or none is. It is how a rule that
	// spans streams holds under concurrency: a limit kept on its own stream
	// (a cadre's assignments, a resident ID's holder, a bank reference's
	// payment) is appended at the version the rule was checked against, in
	// the same commit as the fact it limits.
	//
	// Every part's expected version is checked before anything is written;
	// if one is wrong, AppendMulti writes nothing and returns the
	// *ConcurrencyError of the first wrong part in the order given (its
	// Stream names it). The streams must be distinct, 1..MultiStreamsMax
	// parts, and all parts together within BatchEventsMax events and
	// BatchBytesMax bytes; each part is validated as Append validates, and
	// the *InvalidError names the field as parts[i].events[j]....
	//
	// The events of one call get contiguous versions in each stream and
	// increasing global positions, in the order of the parts; readers see
	// all of them or none (a subscription never delivers half a call).
	//
	// Idempotent retry: if every part is already stored as Append's retry
	// rule says, AppendMulti writes nothing and returns the earlier results;
	// if only some are, or any ID is stored elsewhere or with other content,
	// it returns ErrIDConflict. The results are one per part, in order.
	//
	// A store that cannot commit several streams atomically returns an error
	// wrapping errors.ErrUnsupported and writes nothing; it never falls back
	// to appending the parts one by one.
	AppendMulti(ctx context.Context, parts ...StreamAppend) ([]AppendResult, error)

	// ReadStream returns up to limit events of stream starting at version
	// from, in the given direction: Forwards returns versions >= from,
	// Backwards returns versions <= from (pass End for the last event).
	// limit must be in 1..ReadEventsMax. It returns ErrStreamNotFound if the
	// stream has no events.
	ReadStream(ctx context.Context, stream string, from uint64, dir Direction, limit int) ([]Event, error)

	// ReadAll returns up to limit events of the global log with Position >=
	// from, in global order. It returns fewer (possibly none) at the end of
	// the log. limit must be in 1..ReadEventsMax.
	ReadAll(ctx context.Context, from uint64, limit int) ([]Event, error)

	// Subscribe delivers every event with Position >= from, in global order,
	// exactly once: first those already in the log (catch-up), then each new
	// one as it is appended (live), with no gap and no repeat at the switch.
	// Events wait in a bounded buffer; a consumer that falls behind slows its
	// subscription down and is never dropped. The subscription ends when ctx
	// is done, Close is called, or the store fails; then its channel closes
	// and Err says why.
	Subscribe(ctx context.Context, from uint64) (*Subscription, error)

	// Head returns the position of the last event in the global log (0 if
	// the log is empty).
	Head(ctx context.Context) (uint64, error)

	// Close releases the store. Appends in flight finish or fail; later calls
	// return ErrClosed.
	Close() error
}

// StreamAppend is one part of a Store.AppendMulti: what one Append would
// say.
type StreamAppend struct {
	Stream   string
	Expected Expected
	Events   []Event
}

// AppendResult is where an append's events landed.
//
// The positions of the events between First and Position are increasing;
// when Position-First+1 is the number of events (every store but KurrentDB,
// whose commit positions have gaps), event i is at First+i. Otherwise the
// positions in between are known only by reading the events back.
type AppendResult struct {
	// Version is the stream's version after the append: the version of its
	// last event.
	Version uint64 `json:"version"`
	// Position is the global position of the append's last event. A reader
	// that passes it to a read model's "wait for" is answered only once the
	// read model has applied this append.
	Position uint64 `json:"position"`
	// First is the global position of the append's first event.
	First uint64 `json:"-"`
}

// Dense reports whether the n events of the append are at First, First+1,
// ..., Position, so each one's position is known without a read.
func (r AppendResult) Dense(n int) bool {
	return n > 0 && r.First > 0 && r.Position >= r.First && r.Position-r.First+1 == uint64(n)
}

// Direction is the order ReadStream reads in.
type Direction int

const (
	Forwards Direction = iota
	Backwards
)

// End, as ReadStream's from with Backwards, starts at the stream's last event.
const End uint64 = math.MaxUint64

// Expected is the stream version a writer expects; see Store.Append.
type Expected int64

const (
	// Any accepts whatever version the stream has, including none.
	Any Expected = -1
	// StreamExists requires the stream to have at least one event.
	StreamExists Expected = -2
	// NoStream requires the stream to have no events. It equals Exact(0).
	NoStream Expected = 0
)

// Exact requires the stream to be at version v (0: no stream).
func Exact(v uint64) Expected { return Expected(v) }

func (e Expected) String() string {
	switch e {
	case Any:
		return "any"
	case StreamExists:
		return "stream-exists"
	case NoStream:
		return "no-stream"
	}
	return fmt.Sprintf("%d", int64(e))
}

// Check returns a *ConcurrencyError if a stream at version actual does not
// meet e. Backends call it while they hold their write lock.
func (e Expected) Check(stream string, actual uint64) error {
	ok := false
	switch {
	case e == Any:
		ok = true
	case e == StreamExists:
		ok = actual > 0
	case e >= 0:
		ok = uint64(e) == actual
	}
	if ok {
		return nil
	}
	return &ConcurrencyError{Stream: stream, Expected: e, Actual: actual}
}
