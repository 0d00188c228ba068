package modeltest

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/drip-ledger/drip/projections/modelstore"
)

// testLimits: every input above a limit is refused with ErrLimit, by every
// method that takes it; a bad model name is refused.
func testLimits(t *testing.T, f *fixture) {
	ctx, s := f.ctx, f.s
	longModel := strings.Repeat("m", modelstore.ModelBytesMax+1)
	longKey := bytesOf('k', modelstore.KeyBytesMax+1)
	noop := func(k, v []byte) error { return nil }
	for _, c := range []struct {
		what string
		err  error
	}{
		{"Checkpoint of an empty model name", second(s.Checkpoint(ctx, ""))},
		{"Checkpoint of a long model name", second(s.Checkpoint(ctx, longModel))},
		{"Get of a long model name", third(s.Get(ctx, longModel, []byte("k")))},
		{"Get of an empty key", third(s.Get(ctx, "m", nil))},
		{"Get of a long key", third(s.Get(ctx, "m", longKey))},
		{"Scan limit 0", s.Scan(ctx, "m", nil, nil, 0, noop)},
		{"Scan limit -1", s.Scan(ctx, "m", nil, nil, -1, noop)},
		{"Scan limit above the max", s.Scan(ctx, "m", nil, nil, modelstore.ScanLimitMax+1, noop)},
		{"Scan of a long model name", s.Scan(ctx, longModel, nil, nil, 1, noop)},
		{"Commit to a long model name", s.Commit(ctx, longModel, nil, 1)},
		{"Drop of a long model name", s.Drop(ctx, longModel)},
	} {
		wantErr(t, c.what, c.err, modelstore.ErrLimit)
	}
	var b modelstore.Batch
	b.Put(nil, []byte("v"))
	wantErr(t, "Commit of an empty key", s.Commit(ctx, "m", &b, 1), modelstore.ErrLimit)
	b.Reset()
	for range modelstore.BatchOpsMax + 1 {
		b.Delete([]byte{'k'})
	}
	wantErr(t, "Commit of BatchOpsMax+1 ops", s.Commit(ctx, "m", &b, 1), modelstore.ErrLimit)
	b.Reset()
	for _, bad := range []string{"a/b", "a b", "a\x00", "é", "a:b"} {
		if err := s.Commit(ctx, bad, nil, 1); err == nil {
			t.Errorf("Commit to model %q: accepted", bad)
		}
		if _, err := s.Checkpoint(ctx, bad); err == nil {
			t.Errorf("Checkpoint of model %q: accepted", bad)
		}
	}
	if ms, err := s.Models(ctx); err != nil || len(ms) != 0 {
		t.Errorf("after refused commits, Models = %q, %v; want none", ms, err)
	}
}

// testContext: a cancelled context is refused by every call, and a commit
// with one writes nothing.
func testContext(t *testing.T, f *fixture) {
	f.commit("m", 1, "a", "1")
	ctx, cancel := context.WithCancel(f.ctx)
	cancel()
	s := f.s
	var b modelstore.Batch
	b.Put([]byte("b"), []byte("2"))
	for _, c := range []struct {
		what string
		err  error
	}{
		{"Checkpoint", second(s.Checkpoint(ctx, "m"))},
		{"Get", third(s.Get(ctx, "m", []byte("a")))},
		{"Scan", s.Scan(ctx, "m", nil, nil, 10, func(k, v []byte) error { return nil })},
		{"Commit", s.Commit(ctx, "m", &b, 2)},
		{"Drop", s.Drop(ctx, "m")},
		{"Models", second(s.Models(ctx))},
	} {
		wantErr(t, c.what+" with a cancelled context", c.err, context.Canceled)
	}
	f.wantAll("m", kv{"a", "1"})
	if c := f.checkpoint("m"); c != 1 {
		t.Errorf("checkpoint %d after a cancelled commit, want 1", c)
	}
}

// testClose: after Close every call returns ErrClosed; Close again is nil
// or ErrClosed.
func testClose(t *testing.T, f *fixture) {
	f.commit("m", 1, "a", "1")
	s, ctx := f.s, f.ctx
	if err := s.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	for _, c := range []struct {
		what string
		err  error
	}{
		{"Checkpoint", second(s.Checkpoint(ctx, "m"))},
		{"Get", third(s.Get(ctx, "m", []byte("a")))},
		{"Scan", s.Scan(ctx, "m", nil, nil, 10, func(k, v []byte) error { return nil })},
		{"Commit", s.Commit(ctx, "m", nil, 2)},
		{"Drop", s.Drop(ctx, "m")},
		{"Models", second(s.Models(ctx))},
	} {
		wantErr(t, c.what+" after Close", c.err, modelstore.ErrClosed)
	}
	if err := s.Close(); err != nil && !errors.Is(err, modelstore.ErrClosed) {
		t.Errorf("second Close: %v", err)
	}
}

func second[A any](_ A, err error) error        { return err }
func third[A, B any](_ A, _ B, err error) error { return err }
