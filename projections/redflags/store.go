package redflags

import (
	"bytes"
	"container/list"
	"context"
	"encoding/json"
	"fmt"
	"sync"
	"time"

	"github.com/drip-ledger/drip/projections/modelstore"
)

// RecordCacheMax bounds the committed records the fold keeps between
// batches: as stored bytes, and as many again decoded.
const RecordCacheMax = 50_000

// scanChunkMin and scanChunkMax bound how many keys one Scan of a query
// reads: a page of a few flags reads a few keys, a long skip reads in
// bigger steps.
const (
	scanChunkMin = 16
	scanChunkMax = 1024
)

// lru is a bounded cache of committed values by key. It is the fold's:
// queries read the store.
type lru[V any] struct {
	mu    sync.Mutex
	max   int
	ll    *list.List
	items map[string]*list.Element
}

type lruEntry[V any] struct {
	key   string
	value V // nil: known absent
}

func newLRU[V any](max int) *lru[V] {
	return &lru[V]{max: max, ll: list.New(), items: map[string]*list.Element{}}
}

func (c *lru[V]) get(key string) (V, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if el, ok := c.items[key]; ok {
		c.ll.MoveToFront(el)
		return el.Value.(*lruEntry[V]).value, true
	}
	var zero V
	return zero, false
}

func (c *lru[V]) put(key string, value V) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if el, ok := c.items[key]; ok {
		el.Value.(*lruEntry[V]).value = value
		c.ll.MoveToFront(el)
		return
	}
	c.items[key] = c.ll.PushFront(&lruEntry[V]{key: key, value: value})
	for c.ll.Len() > c.max {
		last := c.ll.Back()
		c.ll.Remove(last)
		delete(c.items, last.Value.(*lruEntry[V]).key)
	}
}

func (c *lru[V]) clear() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.ll.Init()
	clear(c.items)
}

// txn is the write-back cache of the batch being folded: every record
// read or written by the batch, written to the store in one Commit with
// the checkpoint.
type txn struct {
	ctx   context.Context
	ms    modelstore.Store
	model string
	cache *lru[[]byte]
	vals  map[string][]byte // nil: deleted in this batch
	order []string          // keys in first-write order, for a deterministic batch
}

func (t *txn) get(key string) ([]byte, bool, error) {
	if v, ok := t.vals[key]; ok {
		return v, v != nil, nil
	}
	if v, ok := t.cache.get(key); ok {
		return v, v != nil, nil
	}
	v, ok, err := t.ms.Get(t.ctx, t.model, []byte(key))
	if err != nil {
		return nil, false, err
	}
	if !ok {
		v = nil
	}
	t.cache.put(key, v)
	return v, ok, nil
}

func (t *txn) getJSON(key string, dst any) (bool, error) {
	v, ok, err := t.get(key)
	if err != nil || !ok {
		return false, err
	}
	if err := json.Unmarshal(v, dst); err != nil {
		return false, fmt.Errorf("redflags: record %q: %w", key, err)
	}
	return true, nil
}

func (t *txn) set(key string, v []byte) {
	if _, ok := t.vals[key]; !ok {
		t.order = append(t.order, key)
	}
	t.vals[key] = v
}

func (t *txn) putJSON(key string, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		panic(fmt.Sprintf("redflags: a record of %T does not marshal: %v", v, err)) // our own types
	}
	t.set(key, b)
}

func (t *txn) del(key string) { t.set(key, nil) }

// batch is the store batch of everything the txn wrote.
func (t *txn) batch() *modelstore.Batch {
	var b modelstore.Batch
	for _, k := range t.order {
		if v := t.vals[k]; v != nil {
			b.Put([]byte(k), v)
		} else {
			b.Delete([]byte(k))
		}
	}
	return &b
}

// committed moves what the txn wrote into the cache, once Commit succeeded.
func (t *txn) committed() {
	for _, k := range t.order {
		t.cache.put(k, t.vals[k])
	}
}

// scan calls f for the committed keys in [from, to), chunk by chunk, until
// f returns false. It reads the store only: for queries.
func scan(ctx context.Context, ms modelstore.Store, model string, from, to []byte, f func(key, value []byte) (bool, error)) error {
	for chunk := scanChunkMin; ; chunk = min(2*chunk, scanChunkMax) {
		n, more := 0, true
		var last []byte
		err := ms.Scan(ctx, model, from, to, chunk, func(k, v []byte) error {
			n++
			last = append(last[:0], k...)
			if !more {
				return nil
			}
			ok, err := f(k, v)
			more = ok
			return err
		})
		if err != nil || !more || n < chunk {
			return err
		}
		from = append(append([]byte{}, last...), 0)
	}
}

// prefixEnd is the first key after every key starting with p.
func prefixEnd(p string) []byte {
	b := []byte(p)
	for i := len(b) - 1; i >= 0; i-- {
		if b[i] < 0xff {
			b[i]++
			return b[:i+1]
		}
	}
	return nil
}

// since is a time as an ordered key part (UTC, fixed width).
func since(t time.Time) string { return t.UTC().Format("20060102T150405.000000000") }

func pos20(p uint64) string { return fmt.Sprintf("%020d", p) }

func hasPrefix(k []byte, p string) bool { return bytes.HasPrefix(k, []byte(p)) }
