package projections_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/drip-ledger/drip/events"
	"github.com/drip-ledger/drip/events/storetest"
	"github.com/drip-ledger/drip/projections"
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

type fixture struct {
	store *events.MemoryStore
	cps   projections.Checkpoints
}

func newFixture(t *testing.T) fixture {
	store := events.NewMemoryStore(storetest.Registry(), nil)
	t.Cleanup(func() { store.Close() })
	return fixture{store: store, cps: &projections.MemoryCheckpoints{}}
}

// start runs a Runner of ps until the test ends.
func (f fixture) start(t *testing.T, ps ...projections.Projection) *projections.Runner {
	t.Helper()
	r, stop := f.run(t, ps...)
	t.Cleanup(stop)
	return r
}

// run runs a Runner of ps until stop, which returns once Run has.
func (f fixture) run(t *testing.T, ps ...projections.Projection) (r *projections.Runner, stop func()) {
	t.Helper()
	r, err := projections.NewRunner(projections.RunnerConfig{
		Store: f.store, Checkpoints: f.cps,
		Retries: 2, RetryDelayMin: time.Millisecond, RetryDelayMax: 5 * time.Millisecond,
	}, ps...)
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- r.Run(context.Background()) }()
	return r, sync.OnceFunc(func() {
		if err := r.Close(); err != nil {
			t.Error(err)
		}
		if err := <-done; err != nil {
			t.Errorf("Run: %v", err)
		}
	})
}

func waitFor(t *testing.T, r *projections.Runner, pos uint64, names ...string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := r.WaitFor(ctx, pos, names...); err != nil {
		t.Fatalf("WaitFor(%d, %v): %v", pos, names, err)
	}
}

func status(t *testing.T, r *projections.Runner, name string) projections.Status {
	t.Helper()
	all, err := r.Status(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range all {
		if s.Name == name {
			return s
		}
	}
	t.Fatalf("no status for %q in %+v", name, all)
	return projections.Status{}
}

func TestRunnerAppliesEveryEventOnceInOrder(t *testing.T) {
	f := newFixture(t)
	a, b := newTotals("a"), newTotals("b")
	head := appendNoted(t, f.store, 20)
	r, stop := f.run(t, a, b)
	defer stop()
	head = max(head, appendNoted(t, f.store, 20))
	waitFor(t, r, head)
	for _, m := range []*totals{a, b} {
		if _, applied := m.snapshot(); !slices.Equal(applied, seq(1, head)) {
			t.Errorf("%s applied %v, want 1..%d once each in order", m.name, applied, head)
		}
		want := projections.Status{Name: m.name, State: projections.StateRunning, Position: head}
		if diff := cmp.Diff(want, status(t, r, m.name)); diff != "" {
			t.Errorf("status (-want +got):\n%s", diff)
		}
	}
	// The checkpoint trails Position for an instant after each event; once
	// the runner has stopped it has caught up.
	stop()
	for _, m := range []*totals{a, b} {
		if cp, _ := f.cps.Load(context.Background(), m.name); cp != head {
			t.Errorf("%s checkpoint %d after stop, want %d", m.name, cp, head)
		}
	}
}

func TestRunnerStopsAProjectionAtTheEventItCannotApply(t *testing.T) {
	for _, tc := range []struct {
		name   string
		break_ func(m *totals)
		fix    func(m *totals)
	}{
		{"error", func(m *totals) { m.failAt = 10 }, func(m *totals) { m.failAt = 0 }},
		{"panic", func(m *totals) { m.panicAt = 10 }, func(m *totals) { m.panicAt = 0 }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := newFixture(t)
			bad, good := newTotals("bad"), newTotals("good")
			bad.set(tc.break_)
			appendNoted(t, f.store, 20)
			r := f.start(t, bad, good)

			// WaitFor skips a stopped projection, so it returns once bad
			// has stopped and good has caught up.
			waitFor(t, r, 20)
			st := status(t, r, "bad")
			if st.State != projections.StateStopped || st.Position != 9 || st.Lag != 11 ||
				st.Stopped == nil || st.Stopped.Position != 10 || !strings.Contains(st.Stopped.Reason, "position 10") {
				t.Fatalf("status of bad = %+v (stopped %+v), want stopped before 10 at 9, lag 11", st, st.Stopped)
			}
			if n := bad.attempts[10]; n != 3 {
				t.Errorf("position 10 was tried %d times, want 1 + 2 retries", n)
			}
			if cp, _ := f.cps.Load(context.Background(), "bad"); cp != 9 {
				t.Errorf("checkpoint of bad = %d, want 9: the failed event must not be acked", cp)
			}

			// The others go on.
			appendNoted(t, f.store, 5)
			waitFor(t, r, 25, "good")
			if got := status(t, r, "bad"); got.Position != 9 || got.Lag != 16 {
				t.Errorf("stopped projection moved: %+v", got)
			}

			// Fixed and resumed, it continues from 10: nothing skipped,
			// nothing applied twice.
			bad.set(tc.fix)
			if err := r.Resume(context.Background(), "bad"); err != nil {
				t.Fatal(err)
			}
			waitFor(t, r, 25, "bad")
			if _, applied := bad.snapshot(); !slices.Equal(applied, seq(1, 25)) {
				t.Errorf("bad applied %v, want 1..25 once each", applied)
			}
			if st := status(t, r, "bad"); st.State != projections.StateRunning || st.Stopped != nil {
				t.Errorf("after Resume: %+v", st)
			}
		})
	}
}

// failingSave fails every Save of one name at one position while it is set.
type failingSave struct {
	projections.MemoryCheckpoints
	mu   sync.Mutex
	name string
	pos  uint64
}

func (f *failingSave) Save(ctx context.Context, name string, pos uint64) error {
	f.mu.Lock()
	fail := name == f.name && pos == f.pos
	f.mu.Unlock()
	if fail {
		return errors.New("disk full")
	}
	return f.MemoryCheckpoints.Save(ctx, name, pos)
}

func TestRunnerStopsAProjectionWhoseCheckpointCannotBeSaved(t *testing.T) {
	f := newFixture(t)
	cps := &failingSave{name: "a", pos: 5}
	f.cps = cps
	a, b := newTotals("a"), newTotals("b")
	appendNoted(t, f.store, 10)
	r := f.start(t, a, b)
	waitFor(t, r, 10)
	st := status(t, r, "a")
	if st.State != projections.StateStopped || st.Position != 5 || st.Stopped == nil ||
		st.Stopped.Position != 6 || !strings.Contains(st.Stopped.Reason, "disk full") {
		t.Fatalf("status of a = %+v (stopped %+v), want stopped at 5 before 6 for the disk", st, st.Stopped)
	}
	cps.mu.Lock()
	cps.name = ""
	cps.mu.Unlock()
	if err := r.Resume(context.Background(), "a"); err != nil {
		t.Fatal(err)
	}
	waitFor(t, r, 10, "a")
	// Position 5 comes back (its checkpoint was lost) but is not applied
	// again.
	if _, applied := a.snapshot(); !slices.Equal(applied, seq(1, 10)) {
		t.Errorf("a applied %v, want 1..10 once each", applied)
	}
}

func TestRunnerResumesFromTheDurableCheckpointAfterARestart(t *testing.T) {
	f := newFixture(t)
	dir := t.TempDir()
	cps, err := projections.NewFileCheckpoints(dir)
	if err != nil {
		t.Fatal(err)
	}
	f.cps = cps
	// The read model outlives the runner, as a database table would.
	m := newTotals("balances")
	appendNoted(t, f.store, 30)

	r1, stop := f.run(t, m)
	waitFor(t, r1, 30)
	stop()
	b, err := os.ReadFile(filepath.Join(dir, "balances.checkpoint"))
	if err != nil || string(b) != "30\n" {
		t.Fatalf("checkpoint file = %q, %v; want \"30\\n\"", b, err)
	}

	appendNoted(t, f.store, 10)
	r2 := f.start(t, m)
	waitFor(t, r2, 40)
	if _, applied := m.snapshot(); !slices.Equal(applied, seq(1, 40)) {
		t.Errorf("applied %v, want 1..40 once each across the restart", applied)
	}
}

func TestRunnerRebuildYieldsTheSameReadModel(t *testing.T) {
	f := newFixture(t)
	m, other := newTotals("balances"), newTotals("other")
	appendNoted(t, f.store, 30)
	r := f.start(t, m, other)
	waitFor(t, r, 30)
	before, _ := m.snapshot()

	if err := r.Rebuild(context.Background(), "balances"); err != nil {
		t.Fatal(err)
	}
	waitFor(t, r, 30, "balances")
	after, applied := m.snapshot()
	if diff := cmp.Diff(before, after); diff != "" {
		t.Errorf("rebuilt read model differs (-before +after):\n%s", diff)
	}
	if !slices.Equal(applied, seq(1, 30)) || m.resets != 1 {
		t.Errorf("after rebuild applied %v with %d resets, want 1..30 after one reset", applied, m.resets)
	}
	if _, applied := other.snapshot(); !slices.Equal(applied, seq(1, 30)) || other.resets != 0 {
		t.Errorf("rebuilding balances touched other: applied %v, resets %d", applied, other.resets)
	}
}

func TestRunnerRebuildRestartsAStoppedProjection(t *testing.T) {
	f := newFixture(t)
	m := newTotals("balances")
	m.set(func(m *totals) { m.failAt = 5 })
	appendNoted(t, f.store, 10)
	r := f.start(t, m)
	waitFor(t, r, 10) // returns once balances is stopped
	if st := status(t, r, "balances"); st.State != projections.StateStopped {
		t.Fatalf("status %+v, want stopped", st)
	}
	m.set(func(m *totals) { m.failAt = 0 })
	if err := r.Rebuild(context.Background(), "balances"); err != nil {
		t.Fatal(err)
	}
	waitFor(t, r, 10)
	if _, applied := m.snapshot(); !slices.Equal(applied, seq(1, 10)) {
		t.Errorf("applied %v, want 1..10", applied)
	}
}

func TestRunnerAfterAFailedResetOnlyRebuildRestarts(t *testing.T) {
	f := newFixture(t)
	m := newTotals("balances")
	appendNoted(t, f.store, 5)
	r := f.start(t, m)
	waitFor(t, r, 5)
	m.set(func(m *totals) { m.resetErr = errors.New("table locked") })
	if err := r.Rebuild(context.Background(), "balances"); err == nil {
		t.Fatal("Rebuild succeeded with a failing Reset")
	}
	if st := status(t, r, "balances"); st.State != projections.StateStopped || st.Stopped == nil || st.Stopped.Position != 1 {
		t.Fatalf("status %+v, want stopped before 1", st)
	}
	if err := r.Resume(context.Background(), "balances"); err == nil {
		t.Error("Resume restarted a half-reset projection")
	}
	m.set(func(m *totals) { m.resetErr = nil })
	if err := r.Rebuild(context.Background(), "balances"); err != nil {
		t.Fatal(err)
	}
	waitFor(t, r, 5, "balances")
	if _, applied := m.snapshot(); !slices.Equal(applied, seq(1, 5)) {
		t.Errorf("applied %v, want 1..5", applied)
	}
}

func TestWaitFor(t *testing.T) {
	f := newFixture(t)
	r := f.start(t, newTotals("a"))
	appendNoted(t, f.store, 3)

	t.Run("returns once caught up", func(t *testing.T) {
		waitFor(t, r, 3, "a")
	})
	t.Run("returns the context's error when the position is not reached", func(t *testing.T) {
		ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
		defer cancel()
		if err := r.WaitFor(ctx, 4); !errors.Is(err, context.DeadlineExceeded) {
			t.Errorf("WaitFor beyond the head = %v, want context.DeadlineExceeded", err)
		}
	})
	t.Run("refuses an unknown projection", func(t *testing.T) {
		if err := r.WaitFor(context.Background(), 1, "nope"); err == nil {
			t.Error("WaitFor on an unknown projection succeeded")
		}
	})
	t.Run("wakes up when the position arrives", func(t *testing.T) {
		errc := make(chan error, 1)
		go func() {
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			errc <- r.WaitFor(ctx, 5)
		}()
		appendNoted(t, f.store, 2)
		if err := <-errc; err != nil {
			t.Error(err)
		}
	})
}

func TestWaitForAfterCloseReturnsErrClosed(t *testing.T) {
	f := newFixture(t)
	r, err := projections.NewRunner(projections.RunnerConfig{Store: f.store, Checkpoints: f.cps}, newTotals("a"))
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- r.Run(context.Background()) }()
	waitFor(t, r, 0)
	if err := r.Close(); err != nil {
		t.Fatal(err)
	}
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if err := r.WaitFor(context.Background(), 1); !errors.Is(err, projections.ErrClosed) {
		t.Errorf("WaitFor after Close = %v, want ErrClosed", err)
	}
	if err := r.Rebuild(context.Background(), "a"); !errors.Is(err, projections.ErrClosed) {
		t.Errorf("Rebuild after Close = %v, want ErrClosed", err)
	}
}

func TestNewRunnerReportsEveryProblem(t *testing.T) {
	_, err := projections.NewRunner(projections.RunnerConfig{Retries: 99}, newTotals("a"), newTotals("a"), newTotals("bad name"))
	for _, want := range []string{"Store is missing", "Checkpoints is missing", "Retries 99", `"a" is used twice`, `"bad name"`} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("NewRunner error %v does not mention %q", err, want)
		}
	}
}

// TestRunnerUnderConcurrentUse appends from several goroutines while
// projections apply, queries wait and read status, and one projection is
// rebuilt midway; run it with -race.
func TestRunnerUnderConcurrentUse(t *testing.T) {
	f := newFixture(t)
	ms := []*totals{newTotals("a"), newTotals("b"), newTotals("c")}
	r := f.start(t, ms[0], ms[1], ms[2])

	const writers, perWriter = 4, 25
	var wg sync.WaitGroup
	for range writers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range perWriter {
				pos := appendNoted(t, f.store, 1)
				waitFor(t, r, pos) // read your writes
				if _, err := r.Status(context.Background()); err != nil {
					t.Error(err)
				}
			}
		}()
	}
	wg.Add(1)
	go func() {
		defer wg.Done()
		if err := r.WaitFor(context.Background(), writers*perWriter/2); err != nil {
			t.Error(err)
			return
		}
		if err := r.Rebuild(context.Background(), "b"); err != nil {
			t.Error(err)
		}
	}()
	wg.Wait()
	const head = writers * perWriter
	waitFor(t, r, head)
	for _, m := range ms {
		if _, applied := m.snapshot(); !slices.Equal(applied, seq(1, head)) {
			t.Errorf("%s applied %v, want 1..%d once each since its last reset", m.name, applied, head)
		}
	}
}
