package modelstore

import (
	"bytes"
	"context"
	"slices"
	"sync"

	"github.com/google/btree"
)

// Memory is a Store that forgets everything on exit: for tests and the
// in-memory deployment. Its zero value is ready to use.
type Memory struct {
	mu     sync.RWMutex
	models map[string]*memModel
	closed bool
}

type memModel struct {
	checkpoint uint64
	// keys is ordered by key: an insert or a range costs log n, so a county
	// built batch by batch is not quadratic (a sorted slice was).
	keys *btree.BTreeG[memKV]
}

type memKV struct{ key, value []byte }

func lessKV(a, b memKV) bool { return bytes.Compare(a.key, b.key) < 0 }

// memDegree is the B-tree's degree: wide nodes, few pointers per key.
const memDegree = 32

func newMemModel() *memModel { return &memModel{keys: btree.NewG(memDegree, lessKV)} }

var _ Store = (*Memory)(nil)

func (m *Memory) check(ctx context.Context, model string) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if m.closed {
		return ErrClosed
	}
	return CheckModel(model)
}

// Checkpoint implements Store.
func (m *Memory) Checkpoint(ctx context.Context, model string) (uint64, error) {
	m.mu.RLock()
	defer m.mu.RUnlock()
	if err := m.check(ctx, model); err != nil {
		return 0, err
	}
	if mm := m.models[model]; mm != nil {
		return mm.checkpoint, nil
	}
	return 0, nil
}

// Get implements Store.
func (m *Memory) Get(ctx context.Context, model string, key []byte) ([]byte, bool, error) {
	m.mu.RLock()
	defer m.mu.RUnlock()
	if err := m.check(ctx, model); err != nil {
		return nil, false, err
	}
	if err := CheckKey(key); err != nil {
		return nil, false, err
	}
	mm := m.models[model]
	if mm == nil {
		return nil, false, nil
	}
	kv, ok := mm.keys.Get(memKV{key: key})
	return clone(kv.value), ok, nil
}

// Scan implements Store.
func (m *Memory) Scan(ctx context.Context, model string, from, to []byte, limit int, f func(key, value []byte) error) error {
	if err := CheckScan(limit); err != nil {
		return err
	}
	m.mu.RLock()
	if err := m.check(ctx, model); err != nil {
		m.mu.RUnlock()
		return err
	}
	type kv struct{ k, v []byte }
	var page []kv
	if mm := m.models[model]; mm != nil {
		mm.keys.AscendGreaterOrEqual(memKV{key: from}, func(e memKV) bool {
			if len(page) >= limit || to != nil && bytes.Compare(e.key, to) >= 0 {
				return false
			}
			page = append(page, kv{clone(e.key), clone(e.value)})
			return true
		})
	}
	m.mu.RUnlock()
	// f runs without the lock, so it may call the store.
	for _, p := range page {
		if err := f(p.k, p.v); err != nil {
			return err
		}
	}
	return nil
}

// Commit implements Store.
func (m *Memory) Commit(ctx context.Context, model string, b *Batch, checkpoint uint64) error {
	if err := Check(model, b); err != nil {
		return err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if err := m.check(ctx, model); err != nil {
		return err
	}
	mm := m.models[model]
	if mm == nil {
		mm = newMemModel()
	}
	if checkpoint <= mm.checkpoint {
		return ErrCheckpoint
	}
	if m.models == nil {
		m.models = map[string]*memModel{}
	}
	m.models[model] = mm
	mm.checkpoint = checkpoint
	if b == nil {
		return nil
	}
	return b.Each(func(key, value []byte, del bool) error {
		if del {
			mm.keys.Delete(memKV{key: key})
		} else {
			mm.keys.ReplaceOrInsert(memKV{key: key, value: value})
		}
		return nil
	})
}

// Drop implements Store.
func (m *Memory) Drop(ctx context.Context, model string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if err := m.check(ctx, model); err != nil {
		return err
	}
	delete(m.models, model)
	return nil
}

// Models implements Store.
func (m *Memory) Models(ctx context.Context) ([]string, error) {
	m.mu.RLock()
	defer m.mu.RUnlock()
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if m.closed {
		return nil, ErrClosed
	}
	var out []string
	for name := range m.models {
		out = append(out, name)
	}
	slices.Sort(out)
	return out, nil
}

// Close implements Store.
func (m *Memory) Close() error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.closed = true
	return nil
}
