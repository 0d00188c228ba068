package modeltest

import (
	"testing"

	"github.com/drip-ledger/drip/projections/modelstore"
)

// testCheckpoint: the checkpoint starts at 0, moves only forward, and a
// commit at or below it writes nothing.
func testCheckpoint(t *testing.T, f *fixture) {
	if c := f.checkpoint("m"); c != 0 {
		t.Errorf("a new model's checkpoint is %d, want 0", c)
	}
	f.commit("m", 5, "a", "1")
	if c := f.checkpoint("m"); c != 5 {
		t.Errorf("checkpoint %d after a commit at 5", c)
	}
	for _, cp := range []uint64{5, 4, 0} {
		var b modelstore.Batch
		b.Put([]byte("a"), []byte("overwritten"))
		b.Put([]byte("new"), []byte("x"))
		b.Delete([]byte("a"))
		wantErr(t, "Commit at a checkpoint not after 5", f.s.Commit(f.ctx, "m", &b, cp), modelstore.ErrCheckpoint)
	}
	f.wantAll("m", kv{"a", "1"})
	if c := f.checkpoint("m"); c != 5 {
		t.Errorf("checkpoint %d after refused commits, want 5", c)
	}
	// A nil or empty batch moves the checkpoint alone; gaps are fine.
	if err := f.s.Commit(f.ctx, "m", nil, 6); err != nil {
		t.Fatal(err)
	}
	if err := f.s.Commit(f.ctx, "m", &modelstore.Batch{}, 1000); err != nil {
		t.Fatal(err)
	}
	if c := f.checkpoint("m"); c != 1000 {
		t.Errorf("checkpoint %d, want 1000", c)
	}
	f.wantAll("m", kv{"a", "1"})
	// Checkpoints are per model.
	f.commit("n", 1, "b", "2")
	if c := f.checkpoint("n"); c != 1 {
		t.Errorf("the second model's checkpoint is %d, want 1", c)
	}
	// The largest position a log hands out in practice (int64's range).
	if err := f.s.Commit(f.ctx, "n", nil, 1<<63-1); err != nil {
		t.Errorf("Commit at 2^63-1: %v", err)
	}
}

// testAtomic: a batch that breaks a limit anywhere, even in its last op,
// writes nothing at all, not its first ops and not the checkpoint.
func testAtomic(t *testing.T, f *fixture) {
	f.commit("m", 1, "a", "1")
	var b modelstore.Batch
	for i := range 500 {
		b.Put([]byte(key(i)), []byte("x"))
	}
	b.Delete([]byte("a"))
	b.Put(bytesOf('k', modelstore.KeyBytesMax+1), []byte("too long a key"))
	wantErr(t, "Commit with a bad last op", f.s.Commit(f.ctx, "m", &b, 2), modelstore.ErrLimit)
	b.Reset()
	b.Put([]byte("b"), make([]byte, modelstore.ValueBytesMax+1))
	wantErr(t, "Commit with too large a value", f.s.Commit(f.ctx, "m", &b, 2), modelstore.ErrLimit)
	f.wantAll("m", kv{"a", "1"})
	if c := f.checkpoint("m"); c != 1 {
		t.Errorf("checkpoint %d after refused batches, want 1", c)
	}
	// A whole batch of many keys lands whole.
	b.Reset()
	var want []kv
	for i := range 2000 {
		b.Put([]byte(key(i)), []byte(key(i)))
		want = append(want, kv{key(i), key(i)})
	}
	b.Delete([]byte("a"))
	if err := f.s.Commit(f.ctx, "m", &b, 2); err != nil {
		t.Fatal(err)
	}
	f.wantAll("m", want...)
}

// testDrop: Drop removes a model's keys and checkpoint; the model then
// starts again from nothing. Dropping a model never written is no error.
func testDrop(t *testing.T, f *fixture) {
	f.commit("m", 7, "a", "1", "b", "2")
	f.commit("keep", 3, "a", "kept")
	if err := f.s.Drop(f.ctx, "m"); err != nil {
		t.Fatal(err)
	}
	f.wantAll("m")
	if _, ok := f.get("m", "a"); ok {
		t.Error("Get finds a dropped key")
	}
	if c := f.checkpoint("m"); c != 0 {
		t.Errorf("a dropped model's checkpoint is %d, want 0", c)
	}
	f.commit("m", 1, "c", "3")
	f.wantAll("m", kv{"c", "3"})
	f.wantAll("keep", kv{"a", "kept"})
	if err := f.s.Drop(f.ctx, "never"); err != nil {
		t.Errorf("Drop of a model never written: %v", err)
	}
}

// testModels: the models that hold a checkpoint, in byte order of name.
func testModels(t *testing.T, f *fixture) {
	ms, err := f.s.Models(f.ctx)
	if err != nil || len(ms) != 0 {
		t.Errorf("Models of an empty store: %q, %v", ms, err)
	}
	for i, m := range []string{"b", "a.v2", "B", "a", "a.v10", "gone"} {
		f.commit(m, uint64(i+1))
	}
	if err := f.s.Drop(f.ctx, "gone"); err != nil {
		t.Fatal(err)
	}
	ms, err = f.s.Models(f.ctx)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"B", "a", "a.v10", "a.v2", "b"}
	if len(ms) != len(want) {
		t.Fatalf("Models = %q, want %q", ms, want)
	}
	for i := range want {
		if ms[i] != want[i] {
			t.Fatalf("Models = %q, want %q", ms, want)
		}
	}
}
