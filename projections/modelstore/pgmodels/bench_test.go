package pgmodels_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/drip-ledger/drip/projections/modelstore"
	"github.com/drip-ledger/drip/projections/modelstore/pgmodels"
)

// A Commit of 1,000 puts: new keys, and the same keys rewritten (the usual
// case of a read model: counters and records updated in place); the
// upsert from unnest that Commit uses against COPY into a temporary table
// and a merge; Get and Scan latencies over 100,000 keys.
//
//	DRIP_TEST_POSTGRES=... go test -run '^$' -bench . -benchtime 100x ./projections/modelstore/pgmodels/

const (
	benchOps       = 1000
	benchValueSize = 100
	benchKeys      = 100_000
)

func benchKey(i int) []byte { return fmt.Appendf(nil, "r/%012d", i) }

func benchCommit(b *testing.B, commit func(s *pgmodels.Store, batch *modelstore.Batch, cp uint64) error, rewrite bool) {
	d := dsn(b)
	s := open(b, d, newSchema(b, d))
	value := make([]byte, benchValueSize)
	var batch modelstore.Batch
	b.ResetTimer()
	for n := 0; b.Loop(); n++ {
		batch.Reset()
		base := n * benchOps
		if rewrite {
			base = 0
		}
		for i := range benchOps {
			batch.Put(benchKey(base+i), value)
		}
		if err := commit(s, &batch, uint64(n+1)); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*benchOps), "ns/put")
}

func BenchmarkCommit1000(b *testing.B) {
	for _, rewrite := range []bool{false, true} {
		name := map[bool]string{false: "new", true: "rewrite"}[rewrite]
		b.Run("unnest/"+name, func(b *testing.B) {
			benchCommit(b, func(s *pgmodels.Store, batch *modelstore.Batch, cp uint64) error {
				return s.Commit(b.Context(), "bench", batch, cp)
			}, rewrite)
		})
		b.Run("unnest-fenced/"+name, func(b *testing.B) {
			var ms modelstore.Store
			benchCommit(b, func(s *pgmodels.Store, batch *modelstore.Batch, cp uint64) error {
				if ms == nil {
					l, err := s.TryLead(b.Context(), "bench", pgmodels.LeaderOptions{})
					if err != nil || l == nil {
						b.Fatal(l, err)
					}
					b.Cleanup(func() { l.Resign(context.Background()) })
					ms = l.Store()
				}
				return ms.Commit(b.Context(), "bench", batch, cp)
			}, rewrite)
		})
		b.Run("copy/"+name, func(b *testing.B) {
			benchCommit(b, func(s *pgmodels.Store, batch *modelstore.Batch, cp uint64) error {
				return pgmodels.CommitByCopy(b.Context(), s, "bench", batch, cp)
			}, rewrite)
		})
	}
}

func filled(b *testing.B) *pgmodels.Store {
	d := dsn(b)
	s := open(b, d, newSchema(b, d))
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
	b.ResetTimer()
	for b.Loop() {
		if _, ok, err := s.Get(b.Context(), "bench", benchKey(rand.IntN(benchKeys))); err != nil || !ok {
			b.Fatal(ok, err)
		}
	}
}

func BenchmarkScan100(b *testing.B) {
	s := filled(b)
	b.ResetTimer()
	for b.Loop() {
		n := 0
		err := s.Scan(b.Context(), "bench", benchKey(rand.IntN(benchKeys-100)), nil, 100, func(k, v []byte) error { n++; return nil })
		if err != nil || n != 100 {
			b.Fatal(n, err)
		}
	}
}
