// Package modelstore is where read models keep their state on disk: ordered
// keys per model, written in atomic batches that carry the model's
// checkpoint, so a restart resumes exactly where the last committed batch
// ended (no event applied twice, none skipped).
//
// Store is a plug-in contract, like events.Store: Memory here (tests, the
// in-memory deployment), Pebble under the embedded store's data directory,
// tables in PostgreSQL for the PostgreSQL deployment. Every implementation
// passes the conformance suite in modelstore/modeltest.
package modelstore

import (
	"context"
	"errors"
	"fmt"
)

// Limits. Input above them is refused with ErrLimit, never slowed down.
const (
	// ModelBytesMax bounds a model's name ("households.v3").
	ModelBytesMax = 100
	// KeyBytesMax bounds a key.
	KeyBytesMax = 1024
	// ValueBytesMax bounds one value: a read model keeps records, not blobs.
	ValueBytesMax = 4 << 20
	// BatchOpsMax bounds the puts and deletes of one Commit.
	BatchOpsMax = 1 << 20
	// ScanLimitMax bounds one Scan.
	ScanLimitMax = 100_000
)

// Errors callers branch on.
var (
	// ErrCheckpoint: Commit's checkpoint is not after the model's current
	// one. The batch was not written: another process, or an earlier
	// attempt, committed it already.
	ErrCheckpoint = errors.New("modelstore: checkpoint is not after the model's")
	// ErrLimit: an input is above one of the limits.
	ErrLimit = errors.New("modelstore: limit exceeded")
	// ErrClosed: the store was closed.
	ErrClosed = errors.New("modelstore: closed")
)

// Store keeps the state of read models. Each model is a namespace of keys
// (models never see each other's keys) and one checkpoint: the position of
// the last event its committed state includes.
//
// Implementations are safe for concurrent use. Reads see only committed
// batches, each whole or not at all. Contexts bound every call.
type Store interface {
	// Checkpoint returns the model's checkpoint, 0 if it has none.
	Checkpoint(ctx context.Context, model string) (uint64, error)
	// Get returns key's value in model; ok is false when it is absent.
	// The returned slice is the caller's.
	Get(ctx context.Context, model string, key []byte) (value []byte, ok bool, err error)
	// Scan calls f for model's keys in [from, to), in ascending byte order
	// (to == nil: no upper bound), at most limit (1..ScanLimitMax) of them;
	// f's slices are valid only during the call. An error from f ends the
	// scan and is returned.
	Scan(ctx context.Context, model string, from, to []byte, limit int, f func(key, value []byte) error) error
	// Commit writes b's puts and deletes and sets the model's checkpoint to
	// checkpoint, atomically and durably: after a crash, either all of it
	// or none of it is there. checkpoint must be above the current one
	// (ErrCheckpoint otherwise, and nothing is written).
	Commit(ctx context.Context, model string, b *Batch, checkpoint uint64) error
	// Drop removes every key and the checkpoint of model (a rebuild from
	// position 1, or a retired model version).
	Drop(ctx context.Context, model string) error
	// Models lists the models that hold a checkpoint, in name order.
	Models(ctx context.Context) ([]string, error)
	Close() error
}

// Batch is the puts and deletes of one Commit, applied in order (a later
// op on the same key wins). Its zero value is an empty batch.
type Batch struct {
	ops   []op
	bytes int
}

type op struct {
	key, value []byte
	del        bool
}

// Put sets key to value. Batch keeps its own copies.
func (b *Batch) Put(key, value []byte) {
	b.ops = append(b.ops, op{key: clone(key), value: clone(value)})
	b.bytes += len(key) + len(value)
}

// Delete removes key.
func (b *Batch) Delete(key []byte) {
	b.ops = append(b.ops, op{key: clone(key), del: true})
	b.bytes += len(key)
}

// Len is the number of operations in b.
func (b *Batch) Len() int { return len(b.ops) }

// Bytes is the size of b's keys and values.
func (b *Batch) Bytes() int { return b.bytes }

// Reset empties b for reuse.
func (b *Batch) Reset() { b.ops, b.bytes = b.ops[:0], 0 }

// Each calls f for each op in order; value is nil for a delete. For
// implementations.
func (b *Batch) Each(f func(key, value []byte, del bool) error) error {
	for _, o := range b.ops {
		if err := f(o.key, o.value, o.del); err != nil {
			return err
		}
	}
	return nil
}

// Check reports the first limit b or model breaks. Implementations call it
// before writing anything.
func Check(model string, b *Batch) error {
	if err := CheckModel(model); err != nil {
		return err
	}
	if b == nil {
		return nil
	}
	if len(b.ops) > BatchOpsMax {
		return fmt.Errorf("%w: %d ops in one batch (at most %d)", ErrLimit, len(b.ops), BatchOpsMax)
	}
	for _, o := range b.ops {
		if err := CheckKey(o.key); err != nil {
			return err
		}
		if len(o.value) > ValueBytesMax {
			return fmt.Errorf("%w: a value of %d bytes (at most %d)", ErrLimit, len(o.value), ValueBytesMax)
		}
	}
	return nil
}

// CheckModel reports whether model is a valid name: 1..ModelBytesMax bytes
// of [A-Za-z0-9._-].
func CheckModel(model string) error {
	if model == "" || len(model) > ModelBytesMax {
		return fmt.Errorf("%w: model name of %d bytes (want 1..%d)", ErrLimit, len(model), ModelBytesMax)
	}
	for i := 0; i < len(model); i++ {
		c := model[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '.' || c == '_' || c == '-') {
			return fmt.Errorf("modelstore: model name %q: byte %d is not one of [A-Za-z0-9._-]", model, i)
		}
	}
	return nil
}

// CheckKey reports whether key is 1..KeyBytesMax bytes.
func CheckKey(key []byte) error {
	if len(key) == 0 || len(key) > KeyBytesMax {
		return fmt.Errorf("%w: key of %d bytes (want 1..%d)", ErrLimit, len(key), KeyBytesMax)
	}
	return nil
}

// CheckScan reports a bad scan limit.
func CheckScan(limit int) error {
	if limit < 1 || limit > ScanLimitMax {
		return fmt.Errorf("%w: scan limit %d (want 1..%d)", ErrLimit, limit, ScanLimitMax)
	}
	return nil
}

func clone(b []byte) []byte {
	if b == nil {
		return nil
	}
	return append(make([]byte, 0, len(b)), b...)
}
