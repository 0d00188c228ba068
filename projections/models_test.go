package projections_test

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/drip-ledger/drip/events"
	"github.com/drip-ledger/drip/events/storetest"
	"github.com/drip-ledger/drip/projections"
	"github.com/drip-ledger/drip/projections/modelstore"
)

// sums is a test Model: per stream, the sum of Noted.N, kept in a
// modelstore (key "s/STREAM"), committed once per batch with its
// checkpoint. applied counts how many times each position was committed,
// shared by every instance over the same store, so a test sees an event
// applied twice across a restart.
type sums struct {
	name    string
	ms      modelstore.Store
	applied *applications

	mu      sync.Mutex
	failAt  uint64        // ApplyBatch fails on a batch holding this position while set
	gate    chan struct{} // while set, each ApplyBatch first takes a token from it
	batches int
}

type applications struct {
	mu sync.Mutex
	n  map[uint64]int
}

func (a *applications) twice() []uint64 {
	a.mu.Lock()
	defer a.mu.Unlock()
	var out []uint64
	for p, n := range a.n {
		if n > 1 {
			out = append(out, p)
		}
	}
	return out
}

func (a *applications) count() int {
	a.mu.Lock()
	defer a.mu.Unlock()
	return len(a.n)
}

func newSums(name string, ms modelstore.Store) *sums {
	return &sums{name: name, ms: ms, applied: &applications{n: map[uint64]int{}}}
}

func (m *sums) Name() string { return m.name }

func (m *sums) Checkpoint(ctx context.Context) (uint64, error) { return m.ms.Checkpoint(ctx, m.name) }

func (m *sums) Reset(ctx context.Context) error { return m.ms.Drop(ctx, m.name) }

func (m *sums) ApplyBatch(ctx context.Context, evs []projections.Decoded) error {
	m.mu.Lock()
	gate, failAt := m.gate, m.failAt
	m.batches++
	m.mu.Unlock()
	if gate != nil {
		select {
		case <-gate:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	add := map[string]int{}
	for _, d := range evs {
		if d.Position == failAt {
			return fmt.Errorf("position %d: impossible", d.Position)
		}
		add[d.Stream] += d.Payload.(*storetest.Noted).N
	}
	var b modelstore.Batch
	for stream, n := range add {
		old, err := m.sum(ctx, stream)
		if err != nil {
			return err
		}
		b.Put([]byte("s/"+stream), []byte(strconv.Itoa(old+n)))
	}
	if err := m.ms.Commit(ctx, m.name, &b, evs[len(evs)-1].Position); err != nil {
		return err
	}
	m.applied.mu.Lock()
	for _, d := range evs {
		m.applied.n[d.Position]++
	}
	m.applied.mu.Unlock()
	return nil
}

func (m *sums) sum(ctx context.Context, stream string) (int, error) {
	v, ok, err := m.ms.Get(ctx, m.name, []byte("s/"+stream))
	if err != nil || !ok {
		return 0, err
	}
	return strconv.Atoi(string(v))
}

func (m *sums) set(f func(m *sums)) {
	m.mu.Lock()
	defer m.mu.Unlock()
	f(m)
}

// wantSums is what sums holds after appendNoted(n): event i (N = i) went
// to stream account-(i%3).
func wantSums(n int) map[string]int {
	out := map[string]int{}
	for i := range n {
		out[fmt.Sprintf("account-%d", i%3)] += i
	}
	return out
}

// checkSums checks m against appendNoted(ns[0]), appendNoted(ns[1]), …
func checkSums(t *testing.T, m *sums, ns ...int) {
	t.Helper()
	all := map[string]int{}
	for _, n := range ns {
		for stream, s := range wantSums(n) {
			all[stream] += s
		}
	}
	for stream, want := range all {
		got, err := m.sum(context.Background(), stream)
		if err != nil {
			t.Fatal(err)
		}
		if got != want {
			t.Errorf("%s: sum of %s = %d, want %d", m.name, stream, got, want)
		}
	}
}

// commitFaults is a modelstore whose Commit fails for the models named in
// it: a full disk, for one model only.
type commitFaults struct {
	modelstore.Store
	mu   sync.Mutex
	fail map[string]bool
}

func (f *commitFaults) Commit(ctx context.Context, model string, b *modelstore.Batch, cp uint64) error {
	f.mu.Lock()
	fail := f.fail[model]
	f.mu.Unlock()
	if fail {
		return errors.New("no space left on device")
	}
	return f.Store.Commit(ctx, model, b, cp)
}

func (f *commitFaults) set(model string, fail bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.fail == nil {
		f.fail = map[string]bool{}
	}
	f.fail[model] = fail
}

type modelFixture struct {
	store *events.MemoryStore
	ms    *commitFaults
	batch int
}

func newModelFixture(t *testing.T) *modelFixture {
	store := events.NewMemoryStore(storetest.Registry(), nil)
	t.Cleanup(func() { store.Close() })
	return &modelFixture{store: store, ms: &commitFaults{Store: &modelstore.Memory{}}, batch: 16}
}

func (f *modelFixture) runner(t *testing.T, ms ...projections.Model) *projections.ModelRunner {
	t.Helper()
	r, err := projections.NewModelRunner(projections.ModelRunnerConfig{
		Store: f.store, Registry: storetest.Registry(), ModelStore: f.ms, BatchEvents: f.batch, QueueBatches: 2,
		Retries: 2, RetryDelayMin: time.Millisecond, RetryDelayMax: 5 * time.Millisecond,
	}, ms...)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// run runs r until stop, which returns once Run has.
func run(t *testing.T, r *projections.ModelRunner) (stop func()) {
	t.Helper()
	done := make(chan error, 1)
	go func() { done <- r.Run(context.Background()) }()
	stop = sync.OnceFunc(func() {
		if err := r.Close(); err != nil {
			t.Error(err)
		}
		if err := <-done; err != nil {
			t.Errorf("Run: %v", err)
		}
	})
	t.Cleanup(stop)
	return stop
}

func waitModels(t *testing.T, r *projections.ModelRunner, pos uint64, names ...string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := r.WaitFor(ctx, pos, names...); err != nil {
		t.Fatalf("WaitFor(%d, %v): %v", pos, names, err)
	}
}

func modelStatus(t *testing.T, r *projections.ModelRunner, name string) projections.ModelStatus {
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
	return projections.ModelStatus{}
}

// eventually polls cond (a runner's asynchronous state) for up to 10 s.
func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(10 * time.Second); !cond(); {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting until %s", what)
		}
		time.Sleep(time.Millisecond)
	}
}

func TestModelRunnerCatchesUpThenFollowsTheTail(t *testing.T) {
	// Given a log of 100 events and two models
	f := newModelFixture(t)
	appendNoted(t, f.store, 100)
	a, b := newSums("a.v1", f.ms), newSums("b.v1", f.ms)
	r := f.runner(t, a, b)
	run(t, r)
	// When they catch up, and 50 more events arrive live
	waitModels(t, r, 100)
	head := appendNoted(t, f.store, 50)
	waitModels(t, r, head)
	// Then each applied every event once, and holds the sums of all 150
	for _, m := range []*sums{a, b} {
		if n, twice := m.applied.count(), m.applied.twice(); n != 150 || twice != nil {
			t.Errorf("%s applied %d positions, these twice: %v", m.name, n, twice)
		}
	}
	// (the 150 are numbered 0..99 then 0..49)
	for stream, want := range wantSums(100) {
		want += wantSums(50)[stream]
		got, _ := a.sum(context.Background(), stream)
		if got != want {
			t.Errorf("sum of %s = %d, want %d", stream, got, want)
		}
	}
	// and in far fewer batches than events
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.batches > 100 {
		t.Errorf("%d batches for 150 events", a.batches)
	}
	if st := modelStatus(t, r, "a.v1"); st.State != projections.StateRunning || !st.CaughtUp || st.Target != 100 || st.Position != head {
		t.Errorf("status %+v", st)
	}
}

func TestModelRunnerRestartResumesEachModelAtItsOwnCheckpoint(t *testing.T) {
	// Given a run that stopped with a at 60 and b at 30 (b's commits failed
	// from 31 on)
	f := newModelFixture(t)
	appendNoted(t, f.store, 60)
	a, b := newSums("a.v1", f.ms), newSums("b.v1", f.ms)
	b.set(func(m *sums) { m.failAt = 31 })
	r := f.runner(t, a, b)
	stop := run(t, r)
	waitModels(t, r, 60, "a.v1")
	eventually(t, "b stops", func() bool { return modelStatus(t, r, "b.v1").State == projections.StateStopped })
	stop()
	// When a new runner starts over the same store with the bug fixed
	a2, b2 := newSums("a.v1", f.ms), newSums("b.v1", f.ms)
	a2.applied, b2.applied = a.applied, b.applied
	head := appendNoted(t, f.store, 30) // positions 61..90
	r2 := f.runner(t, a2, b2)
	run(t, r2)
	waitModels(t, r2, head)
	// Then each resumed after its own checkpoint: no event twice, none lost
	for _, m := range []*sums{a2, b2} {
		if n, twice := m.applied.count(), m.applied.twice(); n != 90 || twice != nil {
			t.Errorf("%s applied %d positions, these twice: %v", m.name, n, twice)
		}
	}
}

func TestModelRunnerStopsAModelAtItsPoisonEventAndTheOthersGoOn(t *testing.T) {
	// Given a model that cannot apply position 37
	f := newModelFixture(t)
	head := appendNoted(t, f.store, 80)
	bad, good := newSums("bad.v1", f.ms), newSums("good.v1", f.ms)
	bad.set(func(m *sums) { m.failAt = 37 })
	r := f.runner(t, bad, good)
	run(t, r)
	// When the runner runs
	waitModels(t, r, head)
	// Then the other model has everything, and bad stopped right before 37,
	// having committed 1..36 (its batch 33..48 was applied event by event to
	// find the one that fails)
	if good.applied.count() != 80 {
		t.Errorf("good applied %d", good.applied.count())
	}
	st := modelStatus(t, r, "bad.v1")
	if st.State != projections.StateStopped || st.Stopped == nil || st.Stopped.Position != 37 || st.Position != 36 {
		t.Fatalf("bad's status %+v", st)
	}
	if cp, _ := f.ms.Checkpoint(context.Background(), "bad.v1"); cp != 36 {
		t.Errorf("bad's checkpoint %d, want 36", cp)
	}
	// When the bug is fixed and it resumes, and more events arrive
	bad.set(func(m *sums) { m.failAt = 0 })
	if err := r.Resume(context.Background(), "bad.v1"); err != nil {
		t.Fatal(err)
	}
	head = appendNoted(t, f.store, 5)
	waitModels(t, r, head)
	// Then it has every event once
	if n, twice := bad.applied.count(), bad.applied.twice(); n != 85 || twice != nil {
		t.Errorf("bad applied %d, twice %v", n, twice)
	}
}

func TestModelRunnerStopsAModelWhoseCommitFailsBeforeTheBatch(t *testing.T) {
	// Given two models at 20, and the disk of one fills up
	f := newModelFixture(t)
	appendNoted(t, f.store, 20)
	full, other := newSums("full.v1", f.ms), newSums("other.v1", f.ms)
	r := f.runner(t, full, other)
	run(t, r)
	waitModels(t, r, 20)
	f.ms.set("full.v1", true)
	// When 20 more events arrive
	head := appendNoted(t, f.store, 20)
	// Then the other model goes on, and full stops before its next batch
	// with nothing of it committed
	waitModels(t, r, head, "other.v1")
	eventually(t, "full stops", func() bool { return modelStatus(t, r, "full.v1").State == projections.StateStopped })
	st := modelStatus(t, r, "full.v1")
	if st.Stopped.Position != 21 || st.Position != 20 || st.Stopped.Reason == "" {
		t.Errorf("full's status %+v", st)
	}
	if cp, _ := f.ms.Checkpoint(context.Background(), "full.v1"); cp != 20 {
		t.Errorf("full's checkpoint %d, want 20", cp)
	}
	// And WaitFor does not wait for a stopped model
	waitModels(t, r, head)
	// When the disk has room again and it resumes
	f.ms.set("full.v1", false)
	if err := r.Resume(context.Background(), "full.v1"); err != nil {
		t.Fatal(err)
	}
	waitModels(t, r, head, "full.v1")
	checkSums(t, full, 20, 20) // N 0..19 twice
	if n, twice := full.applied.count(), full.applied.twice(); n != 40 || twice != nil {
		t.Errorf("full applied %d, twice %v", n, twice)
	}
}

func TestModelRunnerRebuildsAModelFromOne(t *testing.T) {
	f := newModelFixture(t)
	head := appendNoted(t, f.store, 50)
	a := newSums("a.v1", f.ms)
	r := f.runner(t, a)
	run(t, r)
	waitModels(t, r, head)
	if err := r.Rebuild(context.Background(), "a.v1"); err != nil {
		t.Fatal(err)
	}
	waitModels(t, r, head)
	checkSums(t, a, 50)
	a.applied.mu.Lock()
	defer a.applied.mu.Unlock()
	for p := uint64(1); p <= head; p++ {
		if a.applied.n[p] != 2 {
			t.Fatalf("position %d applied %d times over a run and a rebuild", p, a.applied.n[p])
		}
	}
}

func TestModelRunnerRebuildsANewVersionBesideTheServingOneAndSwapsWhenCaughtUp(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		// Given households.v1 caught up with 64 events, serving
		f := newModelFixture(t)
		head := appendNoted(t, f.store, 64)
		v1 := newSums("households.v1", f.ms)
		r := f.runner(t, v1)
		stop := run(t, r)
		waitModels(t, r, head)
		stop()
		// When a new binary brings households.v2, held back so it can be
		// watched mid-rebuild
		v1b, v2 := newSums("households.v1", f.ms), newSums("households.v2", f.ms)
		gate := make(chan struct{})
		v2.set(func(m *sums) { m.gate = gate })
		serving := projections.NewCurrent(v1b)
		r = f.runner(t, v1b, v2)
		if err := r.Replace(v1b, v2, func() { serving.Store(v2) }); err != nil {
			t.Fatal(err)
		}
		run(t, r)
		gate <- struct{}{} // v2's first batch of 16
		synctest.Wait()
		// Then while v2 rebuilds, v1 keeps serving and following the log,
		// WaitFor waits for v1 only, and v2 says it is beside v1
		head = appendNoted(t, f.store, 4)
		waitModels(t, r, head)
		if serving.Load() != v1b {
			t.Fatal("swapped before the new version caught up")
		}
		st := modelStatus(t, r, "households.v2")
		if st.Beside != "households.v1" || st.Position != 16 || st.CaughtUp {
			t.Errorf("v2's status mid-rebuild %+v", st)
		}
		// When v2 is let go
		close(gate)
		synctest.Wait()
		// Then it has caught up, swapped in, and v1 is gone from the
		// runner; SwapDrainDelay later its state is dropped
		if serving.Load() != v2 {
			t.Fatal("not swapped once caught up")
		}
		checkSums(t, v2, 64, 4)
		if all, _ := r.Status(context.Background()); len(all) != 1 || all[0].Name != "households.v2" || all[0].Beside != "" {
			t.Errorf("status after the swap %+v", all)
		}
		if cp, _ := f.ms.Checkpoint(context.Background(), "households.v1"); cp == 0 {
			t.Error("v1 dropped at once: a read begun on it would see it vanish")
		}
		time.Sleep(projections.SwapDrainDelay)
		synctest.Wait()
		if cp, _ := f.ms.Checkpoint(context.Background(), "households.v1"); cp != 0 {
			t.Errorf("v1's checkpoint %d after the drain delay, want dropped", cp)
		}
		head = appendNoted(t, f.store, 1)
		waitModels(t, r, head)
	})
}

func TestModelRunnerDropsAnOlderStoredVersionOnceTheNewOneCaughtUp(t *testing.T) {
	// Given funds.v1 in the store, and a binary that only knows funds.v2
	f := newModelFixture(t)
	head := appendNoted(t, f.store, 40)
	v1 := newSums("funds.v1", f.ms)
	r := f.runner(t, v1)
	stop := run(t, r)
	waitModels(t, r, head)
	stop()
	v2 := newSums("funds.v2", f.ms)
	r = f.runner(t, v2)
	run(t, r)
	waitModels(t, r, head)
	eventually(t, "funds.v1 is dropped", func() bool {
		models, _ := f.ms.Models(context.Background())
		return len(models) == 1 && models[0] == "funds.v2"
	})
	checkSums(t, v2, 40)
}

func TestModelRunnerIsCaughtUpOnlyOnceItReachedTheStartHead(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		// Given 64 events and a model that applies one batch per token
		f := newModelFixture(t)
		head := appendNoted(t, f.store, 64)
		m := newSums("slow.v1", f.ms)
		gate := make(chan struct{})
		m.set(func(m *sums) { m.gate = gate })
		r := f.runner(t, m)
		run(t, r)
		// When it has applied 3 of its 4 batches
		for range 3 {
			gate <- struct{}{}
		}
		synctest.Wait()
		time.Sleep(time.Second)
		// Then it is not caught up, says where it is, where it goes and how
		// fast
		st := modelStatus(t, r, "slow.v1")
		if st.CaughtUp || st.Position != 48 || st.Target != head || st.EventsPerS <= 0 {
			t.Errorf("status mid catch-up %+v", st)
		}
		// When it applies the last one
		close(gate)
		synctest.Wait()
		if st := modelStatus(t, r, "slow.v1"); !st.CaughtUp || st.Position != head {
			t.Errorf("status after catch-up %+v", st)
		}
	})
}

func TestModelRunnerRunsAPerEventProjectionThroughAsModel(t *testing.T) {
	// Given a per-event projection that panics once at 12, and a log of 30
	f := newModelFixture(t)
	head := appendNoted(t, f.store, 30)
	p := newTotals("legacy")
	p.set(func(m *totals) { m.panicAt = 12 })
	cps := &projections.MemoryCheckpoints{}
	r := f.runner(t, projections.AsModel(p, cps))
	run(t, r)
	// Then it stops before 12, having applied 1..11 once each
	eventually(t, "legacy stops", func() bool { return modelStatus(t, r, "legacy").State == projections.StateStopped })
	if st := modelStatus(t, r, "legacy"); st.Stopped.Position != 12 || st.Position != 11 {
		t.Fatalf("status %+v", st)
	}
	p.set(func(m *totals) { m.panicAt = 0 })
	if err := r.Resume(context.Background(), "legacy"); err != nil {
		t.Fatal(err)
	}
	waitModels(t, r, head)
	if _, applied := p.snapshot(); fmt.Sprint(applied) != fmt.Sprint(seq(1, head)) {
		t.Errorf("applied %v", applied)
	}
}

func TestModelRunnerWaitForAfterCloseReturnsErrClosed(t *testing.T) {
	f := newModelFixture(t)
	appendNoted(t, f.store, 3)
	r := f.runner(t, newSums("a.v1", f.ms))
	stop := run(t, r)
	waitModels(t, r, 3)
	errc := make(chan error, 1)
	go func() { errc <- r.WaitFor(context.Background(), 1000) }()
	stop()
	if err := <-errc; !errors.Is(err, projections.ErrClosed) {
		t.Errorf("WaitFor after Close = %v, want ErrClosed", err)
	}
	if err := r.Rebuild(context.Background(), "a.v1"); !errors.Is(err, projections.ErrClosed) {
		t.Errorf("Rebuild after Close = %v", err)
	}
}

// typedSums is sums that declares the types it reads (projections.Typed).
type typedSums struct {
	*sums
	types []string
}

func (m typedSums) Types() []string { return m.types }

// payloads counts the events it is given with and without a payload.
type payloads struct {
	*sums
	mu            sync.Mutex
	with, without int
}

func (m *payloads) Types() []string { return []string{"other.thing.v1"} }

func (m *payloads) ApplyBatch(ctx context.Context, evs []projections.Decoded) error {
	m.mu.Lock()
	for _, d := range evs {
		if d.Payload == nil {
			m.without++
		} else {
			m.with++
		}
	}
	m.mu.Unlock()
	return m.ms.Commit(ctx, m.name, &modelstore.Batch{}, evs[len(evs)-1].Position)
}

func TestModelRunnerDecodesOnlyTheTypesItsModelsRead(t *testing.T) {
	// Given models that all say which types they read
	f := newModelFixture(t)
	head := appendNoted(t, f.store, 40)
	reads := typedSums{sums: newSums("reads.v1", f.ms), types: []string{storetest.TypeNoted}}
	other := &payloads{sums: newSums("other.v1", f.ms)}
	r := f.runner(t, reads, other)
	run(t, r)
	waitModels(t, r, head)
	// Then the one that reads Noted has its payloads, and the other gets
	// every event too, in its batches and its checkpoint
	checkSums(t, reads.sums, 40)
	other.mu.Lock()
	defer other.mu.Unlock()
	if other.without+other.with != 40 {
		t.Errorf("other got %d events, want 40", other.without+other.with)
	}
	// When no model reads Noted, it is not decoded at all
	f2 := newModelFixture(t)
	head = appendNoted(t, f2.store, 10)
	alone := &payloads{sums: newSums("alone.v1", f2.ms)}
	r2 := f2.runner(t, alone)
	run(t, r2)
	waitModels(t, r2, head)
	alone.mu.Lock()
	defer alone.mu.Unlock()
	if alone.with != 0 || alone.without != 10 {
		t.Errorf("alone got %d with and %d without a payload, want 0 and 10", alone.with, alone.without)
	}
}
