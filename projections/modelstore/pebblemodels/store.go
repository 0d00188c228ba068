package pebblemodels

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"log/slog"
	"sync"

	"github.com/cockroachdb/pebble/v2"
	"github.com/cockroachdb/pebble/v2/bloom"

	"github.com/drip-ledger/drip/projections/modelstore"
	"github.com/drip-ledger/drip/projections/modelstore/internal/gate"
)

// Key kinds; see the package doc.
const (
	kindKey        = 'k'
	kindCheckpoint = 'c'
	kindFormat     = 'f'
	// format is the layout's version; Open refuses a database of another.
	format = 1
)

// Options configures Open. The zero value is usable.
type Options struct {
	// CacheBytes is Pebble's block cache (default 64 MiB): the read models'
	// hot records stay in it instead of in maps in the heap.
	CacheBytes int64
	// Logger receives Pebble's messages; nil means slog.Default().
	Logger *slog.Logger
}

// Defaults and bounds of Options.
const (
	CacheBytesDefault = 64 << 20
	CacheBytesMin     = 1 << 20
	CacheBytesMax     = 64 << 30
)

// Validate reports a field out of range.
func (o Options) Validate() error {
	if o.CacheBytes != 0 && (o.CacheBytes < CacheBytesMin || o.CacheBytes > CacheBytesMax) {
		return fmt.Errorf("pebblemodels: options: CacheBytes is %d, want 0 (default) or %d..%d", o.CacheBytes, int64(CacheBytesMin), int64(CacheBytesMax))
	}
	return nil
}

// Store is a modelstore.Store in a Pebble database; see the package doc.
type Store struct {
	db   *pebble.DB
	gate gate.Gate

	mu     sync.Mutex
	models map[string]*sync.Mutex // one per model: check and write the checkpoint as one step
}

var _ modelstore.Store = (*Store)(nil)

// Open opens (or creates) the store in dir, which holds nothing else.
func Open(dir string, opts Options) (*Store, error) {
	if err := opts.Validate(); err != nil {
		return nil, err
	}
	if opts.CacheBytes == 0 {
		opts.CacheBytes = CacheBytesDefault
	}
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	cache := pebble.NewCache(opts.CacheBytes)
	defer cache.Unref()
	po := &pebble.Options{Cache: cache, Logger: logger{opts.Logger}, MemTableSize: 32 << 20}
	for i := range po.Levels {
		po.Levels[i].FilterPolicy = bloom.FilterPolicy(10)
	}
	db, err := pebble.Open(dir, po)
	if err != nil {
		return nil, fmt.Errorf("pebblemodels: open %s: %w", dir, err)
	}
	if err := checkFormat(db); err != nil {
		db.Close()
		return nil, fmt.Errorf("pebblemodels: open %s: %w", dir, err)
	}
	return &Store{db: db, models: map[string]*sync.Mutex{}}, nil
}

// checkFormat writes the format key into a new database and refuses one of
// another layout: read models are rebuilt from the log, never misread.
func checkFormat(db *pebble.DB) error {
	k := []byte{kindFormat}
	v, closer, err := db.Get(k)
	switch {
	case errors.Is(err, pebble.ErrNotFound):
		return db.Set(k, binary.BigEndian.AppendUint64(nil, format), pebble.Sync)
	case err != nil:
		return err
	}
	defer closer.Close()
	if len(v) != 8 || binary.BigEndian.Uint64(v) != format {
		return fmt.Errorf("the database has layout %x, this build reads %d: remove the directory to rebuild the read models from the log", v, format)
	}
	return nil
}

// enter checks ctx and model and registers a call; every nil is followed
// by s.gate.Leave.
func (s *Store) enter(ctx context.Context, model string) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if err := modelstore.CheckModel(model); err != nil {
		return err
	}
	if !s.gate.Enter() {
		return modelstore.ErrClosed
	}
	return nil
}

// Checkpoint implements modelstore.Store.
func (s *Store) Checkpoint(ctx context.Context, model string) (uint64, error) {
	if err := s.enter(ctx, model); err != nil {
		return 0, err
	}
	defer s.gate.Leave()
	return s.checkpoint(model)
}

func (s *Store) checkpoint(model string) (uint64, error) {
	v, closer, err := s.db.Get(checkpointKey(model))
	if errors.Is(err, pebble.ErrNotFound) {
		return 0, nil
	}
	if err != nil {
		return 0, fmt.Errorf("pebblemodels: checkpoint of %s: %w", model, err)
	}
	defer closer.Close()
	if len(v) != 8 {
		return 0, fmt.Errorf("pebblemodels: checkpoint of %s: %d bytes, want 8", model, len(v))
	}
	return binary.BigEndian.Uint64(v), nil
}

// Get implements modelstore.Store.
func (s *Store) Get(ctx context.Context, model string, key []byte) ([]byte, bool, error) {
	if err := modelstore.CheckKey(key); err != nil {
		return nil, false, err
	}
	if err := s.enter(ctx, model); err != nil {
		return nil, false, err
	}
	defer s.gate.Leave()
	v, closer, err := s.db.Get(dataKey(nil, model, key))
	if errors.Is(err, pebble.ErrNotFound) {
		return nil, false, nil
	}
	if err != nil {
		return nil, false, fmt.Errorf("pebblemodels: get in %s: %w", model, err)
	}
	defer closer.Close()
	return bytes.Clone(v), true, nil
}

// Scan implements modelstore.Store. It reads one Pebble iterator, which is
// a consistent view: a commit during the scan is seen whole or not at all.
func (s *Store) Scan(ctx context.Context, model string, from, to []byte, limit int, f func(key, value []byte) error) error {
	if err := modelstore.CheckScan(limit); err != nil {
		return err
	}
	if err := s.enter(ctx, model); err != nil {
		return err
	}
	defer s.gate.Leave()
	lower := dataKey(nil, model, from)
	upper := modelEnd(model)
	if to != nil {
		upper = dataKey(nil, model, to)
	}
	if bytes.Compare(lower, upper) >= 0 {
		return nil
	}
	it, err := s.db.NewIterWithContext(ctx, &pebble.IterOptions{LowerBound: lower, UpperBound: upper})
	if err != nil {
		return fmt.Errorf("pebblemodels: scan %s: %w", model, err)
	}
	prefix := len(modelPrefix(model))
	n := 0
	for ok := it.First(); ok && n < limit; ok = it.Next() {
		if err := ctx.Err(); err != nil {
			it.Close()
			return err
		}
		v, err := it.ValueAndErr()
		if err != nil {
			it.Close()
			return fmt.Errorf("pebblemodels: scan %s: %w", model, err)
		}
		if err := f(it.Key()[prefix:], v); err != nil {
			it.Close()
			return err
		}
		n++
	}
	if err := it.Close(); err != nil {
		return fmt.Errorf("pebblemodels: scan %s: %w", model, err)
	}
	return nil
}

// Commit implements modelstore.Store: one batch, synced.
func (s *Store) Commit(ctx context.Context, model string, b *modelstore.Batch, checkpoint uint64) error {
	if err := modelstore.Check(model, b); err != nil {
		return err
	}
	if err := s.enter(ctx, model); err != nil {
		return err
	}
	defer s.gate.Leave()
	mu := s.lock(model)
	defer mu.Unlock()
	cur, err := s.checkpoint(model)
	if err != nil {
		return err
	}
	if checkpoint <= cur {
		return modelstore.ErrCheckpoint
	}
	pb := s.db.NewBatch()
	defer pb.Close()
	var k []byte
	if b != nil {
		err = b.Each(func(key, value []byte, del bool) error {
			k = dataKey(k[:0], model, key)
			if del {
				return pb.Delete(k, nil)
			}
			return pb.Set(k, value, nil)
		})
		if err != nil {
			return fmt.Errorf("pebblemodels: commit to %s: %w", model, err)
		}
	}
	if err := pb.Set(checkpointKey(model), binary.BigEndian.AppendUint64(nil, checkpoint), nil); err != nil {
		return fmt.Errorf("pebblemodels: commit to %s: %w", model, err)
	}
	// The last moment to give up: after this the batch is written.
	if err := ctx.Err(); err != nil {
		return err
	}
	if err := pb.Commit(pebble.Sync); err != nil {
		return fmt.Errorf("pebblemodels: commit to %s: %w", model, err)
	}
	return nil
}

// Drop implements modelstore.Store: a range deletion of the model's keys and
// its checkpoint's deletion, in one synced batch.
func (s *Store) Drop(ctx context.Context, model string) error {
	if err := s.enter(ctx, model); err != nil {
		return err
	}
	defer s.gate.Leave()
	mu := s.lock(model)
	defer mu.Unlock()
	pb := s.db.NewBatch()
	defer pb.Close()
	if err := pb.DeleteRange(modelPrefix(model), modelEnd(model), nil); err != nil {
		return fmt.Errorf("pebblemodels: drop %s: %w", model, err)
	}
	if err := pb.Delete(checkpointKey(model), nil); err != nil {
		return fmt.Errorf("pebblemodels: drop %s: %w", model, err)
	}
	if err := pb.Commit(pebble.Sync); err != nil {
		return fmt.Errorf("pebblemodels: drop %s: %w", model, err)
	}
	return nil
}

// Models implements modelstore.Store: the checkpoint keys, in order.
func (s *Store) Models(ctx context.Context) ([]string, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if !s.gate.Enter() {
		return nil, modelstore.ErrClosed
	}
	defer s.gate.Leave()
	it, err := s.db.NewIterWithContext(ctx, &pebble.IterOptions{
		LowerBound: []byte{kindCheckpoint}, UpperBound: []byte{kindCheckpoint + 1}})
	if err != nil {
		return nil, fmt.Errorf("pebblemodels: models: %w", err)
	}
	var out []string
	for ok := it.First(); ok; ok = it.Next() {
		out = append(out, string(it.Key()[1:]))
	}
	if err := it.Close(); err != nil {
		return nil, fmt.Errorf("pebblemodels: models: %w", err)
	}
	return out, nil
}

// Close waits for calls in flight and closes the database.
func (s *Store) Close() error {
	if !s.gate.Close() {
		return modelstore.ErrClosed
	}
	if err := s.db.Close(); err != nil {
		return fmt.Errorf("pebblemodels: close: %w", err)
	}
	return nil
}

// lock takes model's commit mutex. There is one per model ever committed
// to in this process: a handful, never one per key.
func (s *Store) lock(model string) *sync.Mutex {
	s.mu.Lock()
	mu := s.models[model]
	if mu == nil {
		mu = new(sync.Mutex)
		s.models[model] = mu
	}
	s.mu.Unlock()
	mu.Lock()
	return mu
}

func modelPrefix(model string) []byte {
	return append(append([]byte{kindKey}, model...), 0)
}

// modelEnd is the first key after every key of model.
func modelEnd(model string) []byte {
	return append(append([]byte{kindKey}, model...), 1)
}

func dataKey(dst []byte, model string, key []byte) []byte {
	return append(append(append(append(dst, kindKey), model...), 0), key...)
}

func checkpointKey(model string) []byte {
	return append([]byte{kindCheckpoint}, model...)
}

// logger sends Pebble's messages to slog.
type logger struct{ log *slog.Logger }

func (l logger) Infof(format string, args ...any) {
	l.log.Debug(fmt.Sprintf(format, args...), "component", "pebblemodels")
}

func (l logger) Errorf(format string, args ...any) {
	l.log.Error(fmt.Sprintf(format, args...), "component", "pebblemodels")
}

// Fatalf is Pebble's "cannot go on": it logs and panics, as Pebble's own
// default logger exits.
func (l logger) Fatalf(format string, args ...any) {
	msg := fmt.Sprintf(format, args...)
	l.log.Error(msg, "component", "pebblemodels")
	panic("pebblemodels: " + msg)
}
