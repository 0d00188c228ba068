package modelstore

import (
	"bytes"
	"context"
	"slices"
	"sort"
	"sync"
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
	values     map[string][]byte
	keys       []string // sorted
}

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
	v, ok := mm.values[string(key)]
	return clone(v), ok, nil
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
		i := sort.SearchStrings(mm.keys, string(from))
		for ; i < len(mm.keys) && len(page) < limit; i++ {
			k := mm.keys[i]
			if to != nil && bytes.Compare([]byte(k), to) >= 0 {
				break
			}
			page = append(page, kv{[]byte(k), clone(mm.values[k])})
		}
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
		mm = &memModel{values: map[string][]byte{}}
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
		k := string(key)
		i, found := slices.BinarySearch(mm.keys, k)
		switch {
		case del && found:
			mm.keys = slices.Delete(mm.keys, i, i+1)
			delete(mm.values, k)
		case !del:
			if !found {
				mm.keys = slices.Insert(mm.keys, i, k)
			}
			mm.values[k] = value
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
