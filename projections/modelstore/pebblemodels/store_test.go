package pebblemodels_test

import (
	"io"
	"log/slog"
	"testing"

	"github.com/drip-ledger/drip/projections/modelstore"
	"github.com/drip-ledger/drip/projections/modelstore/modeltest"
	"github.com/drip-ledger/drip/projections/modelstore/pebblemodels"
)

var quiet = slog.New(slog.NewTextHandler(io.Discard, nil))

func open(t testing.TB, dir string) *pebblemodels.Store {
	t.Helper()
	s, err := pebblemodels.Open(dir, pebblemodels.Options{Logger: quiet})
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	return s
}

func TestConformance(t *testing.T) {
	modeltest.Run(t, func(t *testing.T) modelstore.Store { return open(t, t.TempDir()) })
}

func TestReopenResumesAtTheCheckpoint(t *testing.T) {
	// Given a store with two models, closed.
	dir := t.TempDir()
	s := open(t, dir)
	var b modelstore.Batch
	b.Put([]byte("a"), []byte("1"))
	if err := s.Commit(t.Context(), "m", &b, 41); err != nil {
		t.Fatal(err)
	}
	if err := s.Commit(t.Context(), "n", nil, 7); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	// When it is opened again.
	s = open(t, dir)
	defer s.Close()
	// Then the keys and checkpoints are there.
	if c, err := s.Checkpoint(t.Context(), "m"); err != nil || c != 41 {
		t.Errorf("Checkpoint(m) = %d, %v; want 41", c, err)
	}
	if v, ok, err := s.Get(t.Context(), "m", []byte("a")); err != nil || !ok || string(v) != "1" {
		t.Errorf("Get(m, a) = %q, %v, %v", v, ok, err)
	}
	if ms, err := s.Models(t.Context()); err != nil || len(ms) != 2 {
		t.Errorf("Models = %q, %v", ms, err)
	}
}

func TestOpenRefusesBadOptions(t *testing.T) {
	if _, err := pebblemodels.Open(t.TempDir(), pebblemodels.Options{CacheBytes: 1}); err == nil {
		t.Error("Open accepted a 1-byte cache")
	}
}
