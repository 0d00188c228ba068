package notary_test

import (
	"context"
	"flag"
	"fmt"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/transparency-dev/merkle/proof"
	"github.com/transparency-dev/merkle/rfc6962"

	"github.com/drip-ledger/drip/projections/notary"
)

var bigTree = flag.Bool("notary.bigtree", false, "also benchmark proofs at 10 million leaves (builds a 640 MB tree, about a minute)")

// BenchmarkProofs measures inclusion and consistency proofs at 1 million
// leaves (and 10 million with -notary.bigtree), built from synthetic leaf
// hashes rather than events. It also reports how fast the tree files were
// built and how long reopening them takes.
//
//	go test -run '^$' -bench Proofs ./projections/notary
//	go test -run '^$' -bench Proofs ./projections/notary -args -notary.bigtree
func BenchmarkProofs(b *testing.B) {
	sizes := []uint64{1_000_000}
	if *bigTree {
		sizes = append(sizes, 10_000_000)
	}
	for _, size := range sizes {
		b.Run(fmt.Sprintf("leaves=%d", size), func(b *testing.B) { benchProofs(b, size) })
	}
}

func benchProofs(b *testing.B, size uint64) {
	ctx := context.Background()
	dir := b.TempDir()
	start := time.Now()
	n, err := notary.NewTreeForTest(dir, size)
	if err != nil {
		b.Fatal(err)
	}
	built := time.Since(start)
	if err := notary.CloseTreeForTest(n); err != nil {
		b.Fatal(err)
	}
	start = time.Now()
	n, err = notary.ReopenTreeForTest(dir, size)
	if err != nil {
		b.Fatal(err)
	}
	reopened := time.Since(start)
	defer notary.CloseTreeForTest(n)
	root := refRootOfTree(b, n, size)
	rng := rand.New(rand.NewPCG(3, 4))

	b.Run("inclusion", func(b *testing.B) {
		for b.Loop() {
			i := rng.Uint64N(size)
			if _, err := n.InclusionProof(ctx, i+1, size); err != nil {
				b.Fatal(err)
			}
		}
		b.ReportMetric(float64(size)/built.Seconds(), "build_leaves/s")
		b.ReportMetric(float64(reopened.Microseconds()), "reopen_µs")
		// Spot-check that what was measured is right.
		i := rng.Uint64N(size)
		p, _ := n.InclusionProof(ctx, i+1, size)
		if err := proof.VerifyInclusion(rfc6962.DefaultHasher, i, size, notary.SyntheticLeafForTest(i), p, root); err != nil {
			b.Fatal(err)
		}
	})
	b.Run("consistency", func(b *testing.B) {
		for b.Loop() {
			if _, err := n.ConsistencyProof(ctx, 1+rng.Uint64N(size-1), size); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// refRootOfTree returns the root that leaf 0's inclusion proof implies; the
// spot-check then proves a random other leaf against it, which holds only if
// both proofs were read from the same, correct tree.
func refRootOfTree(b *testing.B, n *notary.Notary, size uint64) []byte {
	b.Helper()
	p, err := n.InclusionProof(context.Background(), 1, size)
	if err != nil {
		b.Fatal(err)
	}
	root, err := proof.RootFromInclusionProof(rfc6962.DefaultHasher, 0, size, notary.SyntheticLeafForTest(0), p)
	if err != nil {
		b.Fatal(err)
	}
	return root
}
