package embedded

import (
	"encoding/binary"
	"testing"
)

// TestFilterFalsePositiveRate adds keys across several layers, checks that
// every one is found (no false negatives, ever) and measures the rate of
// false positives and the bytes per key that filter.go documents.
func TestFilterFalsePositiveRate(t *testing.T) {
	if testing.Short() {
		t.Skip("adds millions of keys")
	}
	f := newFilter()
	f.ready.Store(true)
	const n = 3 << 20 // two full layers of the writer's
	key := func(i uint64) []byte { return binary.BigEndian.AppendUint64(make([]byte, 8, 16), i) }
	for i := range uint64(n) {
		f.add(f.hashBytes(key(i)))
	}
	for i := range uint64(n) {
		if !f.mayContain(f.hashBytes(key(i))) {
			t.Fatalf("key %d added but not found", i)
		}
	}
	const probes = 1 << 20
	fp := 0
	for i := range uint64(probes) {
		if f.mayContain(f.hashBytes(key(n + i))) {
			fp++
		}
	}
	rate := float64(fp) / probes
	layers := len(*f.layers.Load())
	t.Logf("%d keys in %d layers: %.3f%% false positives, %.2f bytes per key", n, layers, 100*rate, float64(f.bytes())/n)
	if layers != 2 {
		t.Errorf("%d layers; want 2", layers)
	}
	if rate > 0.015 {
		t.Errorf("false-positive rate %.3f%%; want under 1.5%%", 100*rate)
	}

	// One full layer alone.
	l := newFilterLayer(n)
	g := &filter{seed: f.seed}
	ls := []*filterLayer{l}
	g.layers.Store(&ls)
	g.ready.Store(true)
	for i := range uint64(n) {
		l.add(g.hashBytes(key(i)))
	}
	fp = 0
	for i := range uint64(probes) {
		if g.mayContain(g.hashBytes(key(n + i))) {
			fp++
		}
	}
	t.Logf("one full layer of %d keys: %.3f%% false positives", n, 100*float64(fp)/probes)
}

func TestFilterAnswersMaybeUntilReady(t *testing.T) {
	f := newFilter()
	if !f.mayContain(f.hashString("never-added")) {
		t.Error("a filter not yet ready ruled a key out")
	}
	f.ready.Store(true)
	if f.mayContain(f.hashString("never-added")) {
		t.Log("a false positive on the one key tried (possible, but unlikely)")
	}
	f.add(f.hashString("added"))
	if !f.mayContain(f.hashBytes([]byte("added"))) {
		t.Error("hashString and hashBytes disagree, or an added key was lost")
	}
}
