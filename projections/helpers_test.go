package projections_test

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/drip-ledger/drip/events"
	"github.com/drip-ledger/drip/events/storetest"
)

// totals is a test read model: the sum of Noted.N per stream, and every
// position it applied since its last Reset, in order, so a test can see an
// event skipped, repeated or out of order.
type totals struct {
	name string
	reg  *events.Registry

	mu       sync.Mutex
	sums     map[string]int
	applied  []uint64
	attempts map[uint64]int
	resets   int
	failAt   uint64 // Apply fails at this position while it is set
	panicAt  uint64 // Apply panics at this position while it is set
	resetErr error  // Reset returns it while it is set
}

func newTotals(name string) *totals {
	return &totals{name: name, reg: storetest.Registry(), sums: map[string]int{}, attempts: map[uint64]int{}}
}

func (m *totals) Name() string { return m.name }

func (m *totals) Apply(_ context.Context, ev events.Event) error {
	p, err := m.reg.Decode(ev)
	if err != nil {
		return err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	m.attempts[ev.Position]++
	switch ev.Position {
	case m.failAt:
		return fmt.Errorf("cannot apply position %d", ev.Position)
	case m.panicAt:
		panic(fmt.Sprintf("impossible event at position %d", ev.Position))
	}
	m.sums[ev.Stream] += p.(*storetest.Noted).N
	m.applied = append(m.applied, ev.Position)
	return nil
}

func (m *totals) Reset(context.Context) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.resetErr != nil {
		return m.resetErr
	}
	m.sums, m.applied = map[string]int{}, nil
	m.resets++
	return nil
}

func (m *totals) set(f func(m *totals)) {
	m.mu.Lock()
	defer m.mu.Unlock()
	f(m)
}

func (m *totals) snapshot() (map[string]int, []uint64) {
	m.mu.Lock()
	defer m.mu.Unlock()
	return maps(m.sums), slices.Clone(m.applied)
}

func maps(m map[string]int) map[string]int {
	out := make(map[string]int, len(m))
	for k, v := range m {
		out[k] = v
	}
	return out
}

// seq returns from..to.
func seq(from, to uint64) []uint64 {
	var out []uint64
	for p := from; p <= to; p++ {
		out = append(out, p)
	}
	return out
}

// appendNoted appends n events spread over three streams and returns the
// last position.
func appendNoted(t *testing.T, store events.Store, n int) uint64 {
	t.Helper()
	reg := storetest.Registry()
	var last uint64
	for i := range n {
		id, err := events.NewID(nil)
		if err != nil {
			t.Fatal(err)
		}
		ev, err := reg.Encode(id, events.Metadata{ActorID: "tester", OccurredAt: time.Now()},
			storetest.Noted{Text: "note", N: i})
		if err != nil {
			t.Fatal(err)
		}
		res, err := store.Append(context.Background(), fmt.Sprintf("account-%d", i%3), events.Any, ev)
		if err != nil {
			t.Fatal(err)
		}
		last = res.Position
	}
	return last
}
