package storetest

import (
	"sync"
	"sync/atomic"
	"testing"
)

// RunWriters runs b.N operations spread over n goroutines (each takes the
// next index, from 1, until b.N are taken) and reports events/s: the
// write-path benchmarks of every backend measure the same way.
func RunWriters(b *testing.B, n int, op func(w int, i int64) error) {
	var next atomic.Int64
	var wg sync.WaitGroup
	b.ResetTimer()
	for w := range n {
		wg.Go(func() {
			for {
				i := next.Add(1)
				if i > int64(b.N) {
					return
				}
				if err := op(w, i); err != nil {
					b.Error(err)
					return
				}
			}
		})
	}
	wg.Wait()
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "events/s")
}
