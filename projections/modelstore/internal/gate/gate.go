// Package gate counts a store's calls in flight so that Close waits for
// them, and refuses calls once closed. It is not a sync.RWMutex on purpose:
// a Scan's callback may call the store again, and a read lock taken twice
// deadlocks as soon as Close waits for the write lock between the two.
package gate

import "sync"

// Gate is open until Close. Its zero value is open.
type Gate struct {
	mu       sync.Mutex
	idle     sync.Cond
	inFlight int
	closed   bool
}

// Enter registers a call; it reports false once the gate is closing or
// closed. Every true is followed by one Leave.
func (g *Gate) Enter() bool {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.closed {
		return false
	}
	g.inFlight++
	return true
}

// Leave ends a call Enter let in.
func (g *Gate) Leave() {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.inFlight--
	if g.closed && g.inFlight == 0 && g.idle.L != nil {
		g.idle.Broadcast()
	}
}

// Close refuses new calls and waits for those in flight. It reports false
// if the gate was closed already.
func (g *Gate) Close() bool {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.closed {
		return false
	}
	g.closed = true
	g.idle.L = &g.mu
	for g.inFlight > 0 {
		g.idle.Wait()
	}
	return true
}
