package redflags_test

import (
	"context"
	"errors"
	"slices"
	"testing"

	rt "github.com/drip-ledger/drip/domain/reconcile/reconciletest"
	"github.com/drip-ledger/drip/events"
	"github.com/drip-ledger/drip/projections"
	"github.com/drip-ledger/drip/projections/modelstore"
	"github.com/drip-ledger/drip/projections/redflags"
)

// logStreams reads streams from a slice of events: the log a restarted
// view refolds a household from.
type logStreams []events.Event

func (l logStreams) ReadStream(_ context.Context, stream string, from uint64, _ events.Direction, limit int) ([]events.Event, error) {
	var out []events.Event
	for _, ev := range l {
		if ev.Stream == stream && ev.Version >= from && len(out) < limit {
			out = append(out, ev)
		}
	}
	if len(out) == 0 {
		return nil, events.ErrStreamNotFound
	}
	return out, nil
}

func decoded(evs []events.Event) []projections.Decoded {
	out := make([]projections.Decoded, len(evs))
	for i, ev := range evs {
		out[i] = projections.Decoded{Event: ev}
	}
	return out
}

func newView(t *testing.T, ms modelstore.Store, log []events.Event) *redflags.View {
	t.Helper()
	v, err := redflags.New(rt.Registry(), ms, redflags.Name, logStreams(log), redflags.DefaultConfig())
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// TestARestartedViewResumesAtItsCheckpoint: given a view that folded half
// a history, when a new view over the same store (its caches empty) says
// where it stands and folds the rest, then it resumes at the checkpoint
// and answers as a view that folded everything at once.
func TestARestartedViewResumesAtItsCheckpoint(t *testing.T) {
	ctx := context.Background()
	evs := randomHistory(t, 42, 250)
	half := len(evs) / 2
	ms := &modelstore.Memory{}
	if err := newView(t, ms, evs).ApplyBatch(ctx, decoded(evs[:half])); err != nil {
		t.Fatal(err)
	}
	restarted := newView(t, ms, evs)
	cp, err := restarted.Checkpoint(ctx)
	if err != nil || cp != uint64(half) || restarted.Position() != uint64(half) {
		t.Fatalf("checkpoint %d (%v), want %d", cp, err, half)
	}
	for i := int(cp); i < len(evs); i += 5 {
		if err := restarted.ApplyBatch(ctx, decoded(evs[i:min(i+5, len(evs))])); err != nil {
			t.Fatal(err)
		}
	}
	if !slices.Equal(answers(t, restarted), answers(t, foldBatches(t, &modelstore.Memory{}, evs, 0))) {
		t.Error("the restarted view answers otherwise")
	}
}

// faultyStoreForTests is a modelstore.Memory whose Commit fails while
// fail is set: what a full disk or a lost connection does.
type faultyStoreForTests struct {
	*modelstore.Memory
	fail bool
}

var errFault = errors.New("injected commit failure")

func (f *faultyStoreForTests) Commit(ctx context.Context, model string, b *modelstore.Batch, checkpoint uint64) error {
	if f.fail {
		return errFault
	}
	return f.Memory.Commit(ctx, model, b, checkpoint)
}

// TestAFailedCommitLeavesTheViewAsItWas: given a view part way through a
// history, when the commit of the next batch fails, then the view answers
// as before that batch and stands at the same checkpoint; and when the
// same batch is applied again and commits, it answers as a view that
// never failed.
func TestAFailedCommitLeavesTheViewAsItWas(t *testing.T) {
	ctx := context.Background()
	evs := randomHistory(t, 7, 250)
	ms := &faultyStoreForTests{Memory: &modelstore.Memory{}}
	v := newView(t, ms, evs)
	cut := len(evs) * 2 / 3
	if err := v.ApplyBatch(ctx, decoded(evs[:cut])); err != nil {
		t.Fatal(err)
	}
	before := answers(t, v)
	ms.fail = true
	if err := v.ApplyBatch(ctx, decoded(evs[cut:])); !errors.Is(err, errFault) {
		t.Fatalf("got %v, want the injected failure", err)
	}
	ms.fail = false
	if cp, _ := v.Checkpoint(ctx); cp != uint64(cut) {
		t.Errorf("checkpoint %d after a failed commit, want %d", cp, cut)
	}
	if !slices.Equal(answers(t, v), before) {
		t.Error("a failed commit changed the answers")
	}
	if err := v.ApplyBatch(ctx, decoded(evs[cut:])); err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(answers(t, v), answers(t, foldBatches(t, &modelstore.Memory{}, evs, 0))) {
		t.Error("after the retry the view answers otherwise than one that never failed")
	}
}

// TestAViewAdvancedByAnotherProcessDropsItsCaches: given two views over
// one store (two processes, leadership moving between them), when one
// folds a batch, the other the next and the first the rest, then the
// first answers as a view that folded everything: it did not fold over
// records its caches held from before the other's batch.
func TestAViewAdvancedByAnotherProcessDropsItsCaches(t *testing.T) {
	ctx := context.Background()
	evs := randomHistory(t, 11, 250)
	ms := &modelstore.Memory{}
	a, b := newView(t, ms, evs), newView(t, ms, evs)
	third := len(evs) / 3
	for _, step := range []struct {
		v        *redflags.View
		from, to int
	}{{a, 0, third}, {b, third, 2 * third}, {a, 2 * third, len(evs)}} {
		if err := step.v.ApplyBatch(ctx, decoded(evs[step.from:step.to])); err != nil {
			t.Fatal(err)
		}
	}
	if !slices.Equal(answers(t, a), answers(t, foldBatches(t, &modelstore.Memory{}, evs, 0))) {
		t.Error("the view folded over stale caches")
	}
}
