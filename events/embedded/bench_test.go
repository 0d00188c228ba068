package embedded_test

import (
	"context"
	"encoding/binary"
	"fmt"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/drip-ledger/drip/events"
	"github.com/drip-ledger/drip/events/embedded"
	"github.com/drip-ledger/drip/events/storetest"
	"github.com/drip-ledger/drip/internal/bench/baseline"
)

// The append benchmarks compare the store with the baseline, a bare
// group-fsync file (internal/bench/baseline), at the writer counts `drip bench append` uses: one event of about
// 300 bytes (Event.Size) per append. Run them with
//
//	go test -run '^$' -bench 'Append|Baseline' -benchtime 4s ./events/embedded
var benchWriters = []int{1, 16, 64, 256}

// benchReg encodes the benchmarks' events and is the registry of their
// stores, as one registry serves the command services and the store in
// `drip serve`.
var benchReg = storetest.Registry()

// benchEvent returns the event the store benchmarks append: a Noted payload
// padded to an Event.Size of about 300 bytes, made by benchReg.Encode. The
// benchmarks change only its ID.
func benchEvent() events.Event {
	ev, err := benchReg.Encode(events.ID{}, events.Metadata{ActorID: "bench-actor", Role: "clerk", Jurisdiction: "520526",
		OccurredAt: time.Date(2025, 1, 2, 3, 4, 5, 0, time.UTC)}, storetest.Noted{Text: strings.Repeat("b", 230), N: 7})
	if err != nil {
		panic(err)
	}
	return ev
}

func BenchmarkAppend(b *testing.B) {
	for _, n := range benchWriters {
		b.Run(fmt.Sprintf("writers=%d", n), func(b *testing.B) { benchAppendN(b, n) })
	}
}

func benchAppendN(b *testing.B, n int) {
	{
		{
			s, err := embedded.Open(b.TempDir(), benchReg, embedded.Options{Logger: quiet})
			if err != nil {
				b.Fatal(err)
			}
			defer s.Close()
			ev := benchEvent()
			b.Logf("event size %d bytes", ev.Size())
			streams := make([]string, n)
			for w := range streams {
				streams[w] = fmt.Sprintf("bench-%d", w)
			}
			ctx := context.Background()
			storetest.RunWriters(b, n, func(w int, i int64) error {
				e := ev
				binary.BigEndian.PutUint64(e.ID[8:], uint64(i))
				e.ID[0] = 1
				_, err := s.Append(ctx, streams[w], events.Any, e)
				return err
			})
		}
	}
}

func BenchmarkBaseline(b *testing.B) {
	for _, n := range benchWriters {
		b.Run(fmt.Sprintf("writers=%d", n), func(b *testing.B) {
			bl, err := baseline.Open(filepath.Join(b.TempDir(), "baseline"), baseline.Options{})
			if err != nil {
				b.Fatal(err)
			}
			defer bl.Close()
			rec := make([]byte, 300)
			ctx := context.Background()
			storetest.RunWriters(b, n, func(w int, i int64) error { return bl.Append(ctx, rec) })
		})
	}
}

// BenchmarkReadAll reads a log of 100,000 events from the start in pages of
// events.ReadEventsMax.
func BenchmarkReadAll(b *testing.B) {
	s, err := embedded.Open(b.TempDir(), benchReg, embedded.Options{Logger: quiet})
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	const total = 100_000
	ev := benchEvent()
	ctx := context.Background()
	var next atomic.Int64
	var wg sync.WaitGroup
	for w := range 64 {
		wg.Go(func() {
			for i := next.Add(1); i <= total; i = next.Add(1) {
				e := ev
				binary.BigEndian.PutUint64(e.ID[8:], uint64(i))
				e.ID[0] = 2
				if _, err := s.Append(ctx, fmt.Sprintf("read-%d", w), events.Any, e); err != nil {
					b.Error(err)
					return
				}
			}
		})
	}
	wg.Wait()
	b.ResetTimer()
	for b.Loop() {
		n := 0
		for from := uint64(1); ; {
			page, err := s.ReadAll(ctx, from, events.ReadEventsMax)
			if err != nil {
				b.Fatal(err)
			}
			if len(page) == 0 {
				break
			}
			n += len(page)
			from = page[len(page)-1].Position + 1
		}
		if n != total {
			b.Fatalf("read %d events", n)
		}
	}
	b.ReportMetric(float64(total*b.N)/b.Elapsed().Seconds(), "events/s")
}

// BenchmarkAppendVsBaseline measures the store and the baseline alternately, in
// rounds of roundS seconds each, and reports both rates and their ratio: the
// disk of a shared machine changes speed from minute to minute, so only
// measurements taken side by side compare. The target is a ratio of at
// least 0.8 at every writer count.
func BenchmarkAppendVsBaseline(b *testing.B) {
	const rounds, roundS = 3, 1
	for _, n := range benchWriters {
		b.Run(fmt.Sprintf("writers=%d", n), func(b *testing.B) {
			var store, base float64
			for range rounds {
				store += rate(b, n, roundS, func(dir string) (func(context.Context, int, int64) error, func()) {
					s, err := embedded.Open(dir, benchReg, embedded.Options{Logger: quiet})
					if err != nil {
						b.Fatal(err)
					}
					ev := benchEvent()
					streams := make([]string, n)
					for w := range streams {
						streams[w] = fmt.Sprintf("bench-%d", w)
					}
					return func(ctx context.Context, w int, i int64) error {
						e := ev
						binary.BigEndian.PutUint64(e.ID[8:], uint64(i))
						e.ID[0] = 1
						_, err := s.Append(ctx, streams[w], events.Any, e)
						return err
					}, func() { s.Close() }
				})
				base += rate(b, n, roundS, func(dir string) (func(context.Context, int, int64) error, func()) {
					bl, err := baseline.Open(filepath.Join(dir, "baseline"), baseline.Options{})
					if err != nil {
						b.Fatal(err)
					}
					rec := make([]byte, 300)
					return func(ctx context.Context, _ int, _ int64) error { return bl.Append(ctx, rec) }, func() { bl.Close() }
				})
			}
			b.ReportMetric(store/rounds, "store-events/s")
			b.ReportMetric(base/rounds, "baseline-events/s")
			b.ReportMetric(store/base, "ratio")
		})
	}
}

// rate runs n writers against a fresh target for about seconds and returns
// events per second.
func rate(b *testing.B, n, seconds int, open func(dir string) (func(context.Context, int, int64) error, func())) float64 {
	op, done := open(b.TempDir())
	defer done()
	ctx, cancel := context.WithTimeout(context.Background(), time.Duration(seconds)*time.Second)
	defer cancel()
	var count atomic.Int64
	var wg sync.WaitGroup
	start := time.Now()
	for w := range n {
		wg.Go(func() {
			for ctx.Err() == nil {
				if err := op(context.Background(), w, count.Add(1)); err != nil {
					b.Error(err)
					return
				}
			}
		})
	}
	wg.Wait()
	return float64(count.Load()) / time.Since(start).Seconds()
}
