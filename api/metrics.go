package api

import (
	"context"
	"errors"
	"time"

	"github.com/drip-ledger/drip/events"
	"github.com/prometheus/client_golang/prometheus"
)

// InstrumentStore wraps store so every append is counted and timed in reg:
// drip_append_seconds (latency, by outcome) and drip_events_appended_total.
// It changes nothing else about the store.
func InstrumentStore(store events.Store, reg prometheus.Registerer) events.Store {
	m := &meteredStore{Store: store,
		latency: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "drip_append_seconds",
			Help:    "Time from Append call to durable acknowledgement, by outcome.",
			Buckets: prometheus.ExponentialBuckets(0.0001, 2, 16),
		}, []string{"outcome"}),
		appended: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "drip_events_appended_total",
			Help: "Events durably appended by this process.",
		}),
	}
	reg.MustRegister(m.latency, m.appended)
	return m
}

type meteredStore struct {
	events.Store
	latency  *prometheus.HistogramVec
	appended prometheus.Counter
}

func (m *meteredStore) Append(ctx context.Context, stream string, expected events.Expected, evs ...events.Event) (events.AppendResult, error) {
	start := time.Now()
	res, err := m.Store.Append(ctx, stream, expected, evs...)
	outcome := "ok"
	switch {
	case err == nil:
		m.appended.Add(float64(len(evs)))
	case errors.Is(err, events.ErrConcurrency):
		outcome = "conflict"
	case errors.Is(err, events.ErrInvalid):
		outcome = "invalid"
	default:
		outcome = "error"
	}
	m.latency.WithLabelValues(outcome).Observe(time.Since(start).Seconds())
	return res, err
}

// failer is a store that can fail for good, as the embedded one does when
// its disk fails: Err says why, nil while it works.
type failer interface{ Err() error }

// storeErr is why store failed for good, or nil (also for a store that
// cannot tell).
func storeErr(store events.Store) error {
	if f, ok := store.(failer); ok {
		return f.Err()
	}
	return nil
}

// Err passes on the wrapped store's failure (failer).
func (m *meteredStore) Err() error { return storeErr(m.Store) }

// RegisterProjectionLag exports drip_projection_lag_events{projection} and
// drip_projection_stopped{projection}, read from status at each scrape, and
// drip_store_failed.
func RegisterProjectionLag(reg prometheus.Registerer, store events.Store, status func(context.Context) []ProjectionStatus) {
	reg.MustRegister(&lagCollector{store: store, status: status,
		failed: prometheus.NewDesc("drip_store_failed",
			"1 if the event store failed for good: it writes nothing more, and the process should end.", nil, nil),
		lag: prometheus.NewDesc("drip_projection_lag_events",
			"Events in the log that the projection has not applied yet.", []string{"projection"}, nil),
		stopped: prometheus.NewDesc("drip_projection_stopped",
			"1 if the projection stopped at an event it could not apply.", []string{"projection"}, nil),
		catchingUp: prometheus.NewDesc("drip_projection_catching_up",
			"1 while the projection has not yet reached the log's head as it was when the projection started.", []string{"projection"}, nil),
		rate: prometheus.NewDesc("drip_projection_catch_up_events_per_second",
			"The rate of the projection's catch-up: so far while catching up, the whole catch-up's once caught up.", []string{"projection"}, nil),
	})
}

type lagCollector struct {
	store            events.Store
	status           func(context.Context) []ProjectionStatus
	lag, stopped     *prometheus.Desc
	catchingUp, rate *prometheus.Desc
	failed           *prometheus.Desc
}

func (l *lagCollector) Describe(ch chan<- *prometheus.Desc) {
	ch <- l.lag
	ch <- l.stopped
	ch <- l.catchingUp
	ch <- l.rate
	ch <- l.failed
}

func (l *lagCollector) Collect(ch chan<- prometheus.Metric) {
	failed := 0.0
	if storeErr(l.store) != nil {
		failed = 1
	}
	ch <- prometheus.MustNewConstMetric(l.failed, prometheus.GaugeValue, failed)
	// Collect is given no context by Prometheus; a scrape must not hang on a
	// busy store, so bound it here.
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	head, err := l.store.Head(ctx)
	if err != nil {
		return
	}
	for _, p := range l.status(ctx) {
		ch <- prometheus.MustNewConstMetric(l.lag, prometheus.GaugeValue, float64(head-min(head, p.Position)), p.Name)
		stopped := 0.0
		if p.StoppedAt != 0 {
			stopped = 1
		}
		ch <- prometheus.MustNewConstMetric(l.stopped, prometheus.GaugeValue, stopped, p.Name)
		catchingUp := 0.0
		if p.CatchingUp {
			catchingUp = 1
		}
		ch <- prometheus.MustNewConstMetric(l.catchingUp, prometheus.GaugeValue, catchingUp, p.Name)
		ch <- prometheus.MustNewConstMetric(l.rate, prometheus.GaugeValue, p.EventsPerS, p.Name)
	}
}
