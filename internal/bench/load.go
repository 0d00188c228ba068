package bench

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"sync/atomic"
	"time"
)

// Latency is one measurement's figures: calls completed, their rate, and
// their latency's median and 99th percentile.
type Latency struct {
	Calls int     `json:"calls"`
	PerS  float64 `json:"per_s"`
	P50Ms float64 `json:"p50_ms"`
	P99Ms float64 `json:"p99_ms"`
}

// measure runs clients goroutines, each calling do in a loop (i counts the
// calls of the whole measurement, so each picks its own ID) until d has
// passed, and returns their figures. The calls in flight at d finish and
// count; the rate is the calls over the time until the last one finished.
// The first failing call ends the measurement with its error: a rate of
// refused requests would measure the refusal.
func measure(ctx context.Context, clients int, d time.Duration, do func(ctx context.Context, i int) error) (Latency, error) {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var next atomic.Int64
	lat := make([][]time.Duration, clients)
	var (
		mu    sync.Mutex
		first error
	)
	var wg sync.WaitGroup
	start := time.Now()
	end := start.Add(d)
	for c := range clients {
		wg.Go(func() {
			for time.Now().Before(end) && ctx.Err() == nil {
				i := int(next.Add(1) - 1)
				t0 := time.Now()
				if err := do(ctx, i); err != nil {
					mu.Lock()
					if first == nil {
						first = err
					}
					mu.Unlock()
					cancel()
					return
				}
				lat[c] = append(lat[c], time.Since(t0))
			}
		})
	}
	wg.Wait()
	elapsed := time.Since(start)
	if first != nil {
		return Latency{}, first
	}
	if err := ctx.Err(); err != nil {
		return Latency{}, err
	}
	all := slices.Concat(lat...)
	if len(all) == 0 {
		return Latency{}, errors.New("no call completed")
	}
	slices.Sort(all)
	return Latency{Calls: len(all), PerS: float64(len(all)) / elapsed.Seconds(),
		P50Ms: ms(quantile(all, 0.50)), P99Ms: ms(quantile(all, 0.99))}, nil
}

// quantile is the q-quantile of sorted (nearest rank).
func quantile(sorted []time.Duration, q float64) time.Duration {
	k := int(q*float64(len(sorted))+0.999999) - 1
	return sorted[max(0, min(k, len(sorted)-1))]
}

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

// callError is a request the server refused or failed.
type callError struct {
	what   string
	status int
	body   string
}

func (e *callError) Error() string {
	return fmt.Sprintf("%s: %d %s", e.what, e.status, e.body)
}
