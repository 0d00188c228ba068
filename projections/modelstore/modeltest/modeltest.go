// Package modeltest is the conformance suite every modelstore.Store passes:
// Memory, Pebble (pebblemodels) and PostgreSQL (pgmodels). A backend is a
// Store when it passes Run, not when it compiles.
//
// A backend's test calls Run with a function that opens a fresh, empty
// store:
//
//	func TestConformance(t *testing.T) {
//		modeltest.Run(t, func(t *testing.T) modelstore.Store {
//			s, err := pebblemodels.Open(t.TempDir(), pebblemodels.Options{})
//			if err != nil {
//				t.Fatal(err)
//			}
//			return s
//		})
//	}
//
// The suite closes every store it opens (a second Close may return nil or
// ErrClosed). It asserts only what the Store contract promises; what it
// cannot see from outside (durability across a crash) each backend tests
// itself.
package modeltest

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/drip-ledger/drip/projections/modelstore"
)

// testTimeoutS bounds every subtest, so a store that hangs fails instead of
// stalling the run until go test's own deadline.
const testTimeoutS = 60

// Opener opens a fresh, empty store.
type Opener = func(t *testing.T) modelstore.Store

// Run runs the suite against the stores open returns; each subtest opens
// its own.
func Run(t *testing.T, open Opener) {
	t.Helper()
	groups := []struct {
		name string
		run  func(*testing.T, *fixture)
	}{
		{"GetScan", testGetScan},
		{"BatchOrder", testBatchOrder},
		{"Checkpoint", testCheckpoint},
		{"Atomic", testAtomic},
		{"Drop", testDrop},
		{"Models", testModels},
		{"Namespaces", testNamespaces},
		{"Limits", testLimits},
		{"Context", testContext},
		{"Reentrant", testReentrant},
		{"Race", testRace},
		{"Close", testClose},
	}
	for _, g := range groups {
		t.Run(g.name, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(t.Context(), testTimeoutS*time.Second)
			defer cancel()
			s := open(t)
			t.Cleanup(func() { s.Close() })
			g.run(t, &fixture{t: t, ctx: ctx, s: s})
		})
	}
}

// fixture is one subtest's fresh store.
type fixture struct {
	t   *testing.T
	ctx context.Context
	s   modelstore.Store
}

// kv is one key and its value, as Scan reports them.
type kv struct{ k, v string }

// commit commits puts (key, value, key, value, ...) at checkpoint and fails
// the test on an error.
func (f *fixture) commit(model string, checkpoint uint64, puts ...string) {
	f.t.Helper()
	var b modelstore.Batch
	for i := 0; i+1 < len(puts); i += 2 {
		b.Put([]byte(puts[i]), []byte(puts[i+1]))
	}
	if err := f.s.Commit(f.ctx, model, &b, checkpoint); err != nil {
		f.t.Fatalf("Commit(%s, %d): %v", model, checkpoint, err)
	}
}

// scan returns model's keys in [from, to), at most limit.
func (f *fixture) scan(model string, from, to []byte, limit int) []kv {
	f.t.Helper()
	var out []kv
	err := f.s.Scan(f.ctx, model, from, to, limit, func(k, v []byte) error {
		out = append(out, kv{string(k), string(v)})
		return nil
	})
	if err != nil {
		f.t.Fatalf("Scan(%s, %q, %q, %d): %v", model, from, to, limit, err)
	}
	return out
}

// all returns every key of model (at most ScanLimitMax).
func (f *fixture) all(model string) []kv {
	f.t.Helper()
	return f.scan(model, nil, nil, modelstore.ScanLimitMax)
}

func (f *fixture) checkpoint(model string) uint64 {
	f.t.Helper()
	c, err := f.s.Checkpoint(f.ctx, model)
	if err != nil {
		f.t.Fatalf("Checkpoint(%s): %v", model, err)
	}
	return c
}

func (f *fixture) get(model, key string) (string, bool) {
	f.t.Helper()
	v, ok, err := f.s.Get(f.ctx, model, []byte(key))
	if err != nil {
		f.t.Fatalf("Get(%s, %q): %v", model, key, err)
	}
	return string(v), ok
}

func equal(a, b []kv) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func (f *fixture) wantAll(model string, want ...kv) {
	f.t.Helper()
	if got := f.all(model); !equal(got, want) {
		f.t.Errorf("%s holds %q, want %q", model, got, want)
	}
}

// wantErr fails unless err is target.
func wantErr(t *testing.T, what string, err, target error) {
	t.Helper()
	if !errors.Is(err, target) {
		t.Errorf("%s: got %v, want %v", what, err, target)
	}
}

func key(i int) string { return fmt.Sprintf("k%04d", i) }

// bytesKV is for tests that compare raw keys.
func bytesKV(k, v []byte) kv { return kv{string(bytes.Clone(k)), string(bytes.Clone(v))} }
