package bench

import (
	"context"
	"errors"
	"testing"
	"time"
)

func TestQuantileIsTheNearestRank(t *testing.T) {
	var sorted []time.Duration
	for i := 1; i <= 100; i++ {
		sorted = append(sorted, time.Duration(i)*time.Millisecond)
	}
	for _, c := range []struct {
		q    float64
		want time.Duration
	}{{0.50, 50 * time.Millisecond}, {0.99, 99 * time.Millisecond}, {1, 100 * time.Millisecond}, {0, time.Millisecond}} {
		if got := quantile(sorted, c.q); got != c.want {
			t.Errorf("quantile(%v) = %v, want %v", c.q, got, c.want)
		}
	}
	if got := quantile([]time.Duration{7}, 0.99); got != 7 {
		t.Errorf("quantile of one = %v, want it", got)
	}
}

func TestMeasureCountsEveryCallAndStopsAtTheFirstFailure(t *testing.T) {
	l, err := measure(t.Context(), 4, 20*time.Millisecond, func(context.Context, int) error { return nil })
	if err != nil || l.Calls == 0 || l.PerS <= 0 || l.P99Ms < l.P50Ms {
		t.Fatalf("measure = %+v, %v; want calls, a rate and p99 >= p50", l, err)
	}
	refused := errors.New("refused")
	_, err = measure(t.Context(), 4, time.Minute, func(_ context.Context, i int) error {
		if i == 10 {
			return refused
		}
		return nil
	})
	if !errors.Is(err, refused) {
		t.Fatalf("err = %v, want the failing call's", err)
	}
}
