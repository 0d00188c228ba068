package pebblemodels_test

import (
	"fmt"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/cockroachdb/pebble/v2"

	"github.com/drip-ledger/drip/projections/modelstore"
)

// The benchmarks of issue 11: a Commit of 1,000 ops against a raw Pebble
// batch of the same 1,000 sets with Sync, in the same run (the store's
// overhead is the ratio), and Get and Scan latencies over 100,000 keys.
//
//	go test -run '^$' -bench . -benchtime 200x ./projections/modelstore/pebblemodels/

const (
	benchOps       = 1000
	benchValueSize = 100
	benchKeys      = 100_000
)

func benchKey(i int) []byte { return fmt.Appendf(nil, "r/%012d", i) }

func BenchmarkCommit1000(b *testing.B) {
	s := open(b, b.TempDir())
	defer s.Close()
	value := make([]byte, benchValueSize)
	var batch modelstore.Batch
	b.ReportAllocs()
	b.ResetTimer()
	for n := 0; b.Loop(); n++ {
		batch.Reset()
		for i := range benchOps {
			batch.Put(benchKey(n*benchOps+i), value)
		}
		if err := s.Commit(b.Context(), "bench", &batch, uint64(n+1)); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*benchOps), "ns/put")
}

// BenchmarkRawPebbleCommit1000 is the yardstick: the same keys and values
// in a bare pebble.Batch committed with Sync.
func BenchmarkRawPebbleCommit1000(b *testing.B) {
	db, err := pebble.Open(b.TempDir(), &pebble.Options{MemTableSize: 32 << 20, Logger: quietPebble{}})
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	value := make([]byte, benchValueSize)
	b.ReportAllocs()
	b.ResetTimer()
	for n := 0; b.Loop(); n++ {
		pb := db.NewBatch()
		for i := range benchOps {
			pb.Set(append([]byte("kbench\x00"), benchKey(n*benchOps+i)...), value, nil)
		}
		if err := pb.Commit(pebble.Sync); err != nil {
			b.Fatal(err)
		}
		pb.Close()
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*benchOps), "ns/put")
}

func filled(b *testing.B) modelstore.Store {
	s := open(b, b.TempDir())
	value := make([]byte, benchValueSize)
	var batch modelstore.Batch
	for c := range benchKeys / benchOps {
		batch.Reset()
		for i := range benchOps {
			batch.Put(benchKey(c*benchOps+i), value)
		}
		if err := s.Commit(b.Context(), "bench", &batch, uint64(c+1)); err != nil {
			b.Fatal(err)
		}
	}
	return s
}

func BenchmarkGet(b *testing.B) {
	s := filled(b)
	defer s.Close()
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		if _, ok, err := s.Get(b.Context(), "bench", benchKey(rand.IntN(benchKeys))); err != nil || !ok {
			b.Fatal(ok, err)
		}
	}
}

func BenchmarkScan100(b *testing.B) {
	s := filled(b)
	defer s.Close()
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		n := 0
		err := s.Scan(b.Context(), "bench", benchKey(rand.IntN(benchKeys-100)), nil, 100, func(k, v []byte) error { n++; return nil })
		if err != nil || n != 100 {
			b.Fatal(n, err)
		}
	}
}

type quietPebble struct{}

func (quietPebble) Infof(string, ...any)         {}
func (quietPebble) Errorf(string, ...any)        {}
func (quietPebble) Fatalf(f string, args ...any) { panic(fmt.Sprintf(f, args...)) }

// BenchmarkCommit1000VsRaw interleaves the two, one Commit and one raw
// batch per iteration, each timed on its own: on a shared machine whose
// load drifts, the ratio of the same iterations is steadier than that of
// two benchmarks run one after the other.
func BenchmarkCommit1000VsRaw(b *testing.B) {
	s := open(b, b.TempDir())
	defer s.Close()
	db, err := pebble.Open(b.TempDir(), &pebble.Options{MemTableSize: 32 << 20, Logger: quietPebble{}})
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	value := make([]byte, benchValueSize)
	var batch modelstore.Batch
	var store, raw time.Duration
	for n := 0; b.Loop(); n++ {
		t0 := time.Now()
		batch.Reset()
		for i := range benchOps {
			batch.Put(benchKey(n*benchOps+i), value)
		}
		if err := s.Commit(b.Context(), "bench", &batch, uint64(n+1)); err != nil {
			b.Fatal(err)
		}
		t1 := time.Now()
		pb := db.NewBatch()
		for i := range benchOps {
			pb.Set(append([]byte("kbench\x00"), benchKey(n*benchOps+i)...), value, nil)
		}
		if err := pb.Commit(pebble.Sync); err != nil {
			b.Fatal(err)
		}
		pb.Close()
		store, raw = store+t1.Sub(t0), raw+time.Since(t1)
	}
	b.ReportMetric(float64(store.Nanoseconds())/float64(b.N), "store-ns/commit")
	b.ReportMetric(float64(raw.Nanoseconds())/float64(b.N), "raw-ns/commit")
	b.ReportMetric(float64(store)/float64(raw), "store/raw")
}
