package domain

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/drip-ledger/drip/events"
)

// IdempotencyRetention is how long an idempotency key is held across the
// whole deployment, in recorded time: within it, the actor's key names one
// request on one stream, and the same key for another stream (another
// complaint ID, another file number) is refused as reused. After it, the key
// may name a new request. A client retries within minutes; a day covers an
// office whose connection was down overnight.
const IdempotencyRetention = 24 * time.Hour

// RegisterIdempotency adds the idempotency record's type to reg. A
// deployment registers it (cmd/drip does), and Execute then keeps every key
// on its own stream; without it keys are checked only inside the target
// stream, as before.
func RegisterIdempotency(reg *events.Registry) {
	reg.Register(func() events.Payload { return new(events.KeyUsed) })
}

// KeyStreamPrefix begins the stream of one actor's idempotency key.
const KeyStreamPrefix = "idempotency-"

var keyStreamNamespace = events.MustParseID("e1f0b7a3-58c2-4d96-a4e1-2b7c9d3f6a05")

// keyStream is the stream of the actor's key: a UUID derived from the key
// as stored (actor-scoped, without the fingerprint).
func keyStream(key string) string {
	return KeyStreamPrefix + events.DeriveID(keyStreamNamespace, keyOf(key)).String()
}

// keyRecord is what the key's stream says now.
type keyRecord struct {
	stream    string
	version   uint64
	used      *events.KeyUsed
	fresh     bool // within IdempotencyRetention of the request
	available bool // the log and registry keep key streams
}

// readKey reads the key's stream, if the deployment keeps key streams.
func (x *Executor) readKey(ctx context.Context, req Request, key string) (keyRecord, error) {
	if key == "" || !slices.Contains(x.Registry.Types(), events.TypeKeyUsed) {
		return keyRecord{}, nil
	}
	if _, ok := x.Log.(MultiLog); !ok {
		return keyRecord{}, nil
	}
	k := keyRecord{stream: keyStream(key), available: true}
	last, err := x.Log.ReadStream(ctx, k.stream, events.End, events.Backwards, 1)
	if errors.Is(err, events.ErrStreamNotFound) {
		return k, nil
	}
	if err != nil {
		return k, err
	}
	if len(last) == 0 {
		return k, nil
	}
	p, err := x.Registry.Decode(last[0])
	if err != nil {
		return k, err
	}
	used, ok := p.(*events.KeyUsed)
	if !ok {
		return k, fmt.Errorf("domain: %s on the key stream %q", last[0].Type, k.stream)
	}
	k.version, k.used = last[0].Version, used
	k.fresh = req.At.Sub(last[0].RecordedAt) < IdempotencyRetention
	return k, nil
}

// refuses reports whether the key, held for another stream, refuses a
// request on stream.
func (k keyRecord) refuses(req Request, stream string) error {
	if k.used == nil || !k.fresh || k.used.Stream == stream {
		return nil
	}
	return &Error{Code: "idempotency_key_reused",
		Message: fmt.Sprintf("Idempotency-Key %q was already used for a different request", req.IdempotencyKey)}
}

// appendWithKey appends evs to stream and the key's record to its stream in
// one atomic append.
func (x *Executor) appendWithKey(ctx context.Context, k keyRecord, key, stream string, version uint64, evs []events.Event) (events.AppendResult, error) {
	_, fp, _ := strings.Cut(key, "#")
	rec, err := x.Registry.Encode(events.DeriveID(idempotencyNamespace, fmt.Sprintf("%s/%s/%d", key, k.stream, k.version)),
		evs[0].Meta, &events.KeyUsed{Stream: stream, Fingerprint: fp})
	if err != nil {
		return events.AppendResult{}, err
	}
	res, err := x.Log.(MultiLog).AppendMulti(ctx,
		events.StreamAppend{Stream: k.stream, Expected: events.Exact(k.version), Events: []events.Event{rec}},
		events.StreamAppend{Stream: stream, Expected: events.Exact(version), Events: evs})
	if err != nil {
		return events.AppendResult{}, err
	}
	return res[1], nil
}
