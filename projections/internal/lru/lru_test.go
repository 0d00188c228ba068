package lru_test

import (
	"testing"

	"github.com/drip-ledger/drip/projections/internal/lru"
)

func TestTheLeastRecentlyUsedEntryIsEvictedFirst(t *testing.T) {
	c := lru.New[string, int](2)
	c.Put("a", 1)
	c.Put("b", 2)
	if _, ok := c.Get("a"); !ok { // a is now the most recent
		t.Fatal("a is missing")
	}
	c.Put("c", 3)
	if _, ok := c.Get("b"); ok {
		t.Error("b, the least recently used, was kept")
	}
	if v, ok := c.Get("a"); !ok || v != 1 {
		t.Errorf("a = %d, %v", v, ok)
	}
	if c.Len() != 2 {
		t.Errorf("len = %d, want the bound 2", c.Len())
	}
	c.Put("a", 10)
	c.Remove("c")
	if v, _ := c.Get("a"); v != 10 || c.Len() != 1 {
		t.Errorf("after Put and Remove: a = %d, len %d", v, c.Len())
	}
	c.Clear()
	if c.Len() != 0 {
		t.Error("Clear left entries")
	}
	one := lru.New[int, int](0) // a bound below 1 is 1
	one.Put(1, 1)
	one.Put(2, 2)
	if one.Len() != 1 {
		t.Errorf("a cache of bound 0 holds %d", one.Len())
	}
}
