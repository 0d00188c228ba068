package projections_test

import (
	"context"
	"testing"
)

// BenchmarkDecode is the cost of one events.Registry.Decode of the replay
// benchmark's event, beside BenchmarkReadAllPerEvent: the two halves of a
// catch-up's critical path.
func BenchmarkDecode(b *testing.B) {
	store, reg := openBenchLog(b)
	page, err := store.ReadAll(context.Background(), 1, 1000)
	if err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	for i := 0; b.Loop(); i++ {
		if _, err := reg.Decode(page[i%len(page)]); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkReadAllPerEvent(b *testing.B) {
	store, _ := openBenchLog(b)
	ctx := context.Background()
	from := uint64(1)
	for b.Loop() {
		if from > benchEvents-1000 {
			from = 1
		}
		page, err := store.ReadAll(ctx, from, 1000)
		if err != nil {
			b.Fatal(err)
		}
		from += uint64(len(page))
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*1000), "ns/event")
}
