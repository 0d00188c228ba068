// Package lru is a small bounded least-recently-used cache for the read
// models' folded aggregates: memory is bounded by a named entry count, never
// by the log's length.
package lru

import (
	"container/list"
	"sync"
)

// Cache maps keys to values, keeping at most Max entries: adding one more
// evicts the least recently used. Safe for concurrent use.
type Cache[K comparable, V any] struct {
	max   int
	mu    sync.Mutex
	order *list.List // front: most recent; elements hold *item[K, V]
	items map[K]*list.Element
}

type item[K comparable, V any] struct {
	key K
	val V
}

// New returns a cache of at most entriesMax (≥ 1) entries.
func New[K comparable, V any](entriesMax int) *Cache[K, V] {
	return &Cache[K, V]{max: max(entriesMax, 1), order: list.New(), items: map[K]*list.Element{}}
}

// Get returns key's value and marks it recently used.
func (c *Cache[K, V]) Get(key K) (V, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.items[key]
	if !ok {
		var zero V
		return zero, false
	}
	c.order.MoveToFront(e)
	return e.Value.(*item[K, V]).val, true
}

// Put sets key's value, evicting the least recently used entry if full.
func (c *Cache[K, V]) Put(key K, val V) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if e, ok := c.items[key]; ok {
		e.Value.(*item[K, V]).val = val
		c.order.MoveToFront(e)
		return
	}
	c.items[key] = c.order.PushFront(&item[K, V]{key: key, val: val})
	for c.order.Len() > c.max {
		last := c.order.Back()
		c.order.Remove(last)
		delete(c.items, last.Value.(*item[K, V]).key)
	}
}

// Remove drops key.
func (c *Cache[K, V]) Remove(key K) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if e, ok := c.items[key]; ok {
		c.order.Remove(e)
		delete(c.items, key)
	}
}

// Clear drops every entry.
func (c *Cache[K, V]) Clear() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.order.Init()
	clear(c.items)
}

// Len is the number of entries.
func (c *Cache[K, V]) Len() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.order.Len()
}
