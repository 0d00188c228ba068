package bench

import (
	"context"
	"fmt"
	"sync/atomic"
	"time"

	"github.com/drip-ledger/drip/events"
	"github.com/drip-ledger/drip/projections"
)

// ReplayRow is one store's replay figures: reading the whole log through
// ReadAll (the baseline: what the store can deliver) and replaying it
// through the ModelRunner (batches read once, each event decoded once, one
// checkpoint per batch), as a read model is rebuilt.
type ReplayRow struct {
	Store                 string  `json:"store"`
	Events                int     `json:"events"`
	ReadAllEventsPerS     float64 `json:"read_all_events_per_s"`
	ProjectionEventsPerS  float64 `json:"projection_events_per_s"`
	ProjectionOverReadAll float64 `json:"ratio"`
}

// Replay fills a fresh store (spec: "embedded" or a postgres:// URL) in a
// scratch directory under dir with n events, then measures reading the
// whole log with ReadAll and replaying it through the projection runner.
func Replay(ctx context.Context, dir, spec string, n int) (_ ReplayRow, err error) {
	tmp, remove, err := scratch(dir)
	if err != nil {
		return ReplayRow{}, err
	}
	defer remove(&err)
	reg := Registry()
	store, done, err := openStore(ctx, spec, tmp+"/store", reg)
	if err != nil {
		return ReplayRow{}, err
	}
	defer done()
	if err := fillForReplay(ctx, store, reg, n); err != nil {
		return ReplayRow{}, err
	}
	row := ReplayRow{Store: StoreLabel(spec), Events: n}
	start := time.Now()
	read := 0
	for from := uint64(1); ; {
		page, err := store.ReadAll(ctx, from, events.ReadEventsMax)
		if err != nil {
			return row, err
		}
		if len(page) == 0 {
			break
		}
		read += len(page)
		from = page[len(page)-1].Position + 1
	}
	row.ReadAllEventsPerS = float64(read) / time.Since(start).Seconds()
	if row.ProjectionEventsPerS, err = timeProjection(ctx, store, uint64(n)); err != nil {
		return row, err
	}
	row.ProjectionOverReadAll = row.ProjectionEventsPerS / row.ReadAllEventsPerS
	return row, nil
}

// fillForReplay appends n events quickly: 16 writers, 100 events per
// append, over many streams (the fill is not what is measured).
func fillForReplay(ctx context.Context, store events.Store, reg *events.Registry, n int) error {
	evs, _, err := Events(reg, n)
	if err != nil {
		return err
	}
	const perAppend = 100
	batches := (n + perAppend - 1) / perAppend
	_, err = timeWriters(16, 0, batches, func(_, b int) error {
		lo, hi := b*perAppend, min(n, (b+1)*perAppend)
		_, err := store.Append(ctx, fmt.Sprintf("bench-replay-%d", b), events.NoStream, evs[lo:hi]...)
		return err
	})
	return err
}

// counter is a read model that only counts, so the replay measures the
// runner (read, decode once, hand a batch over, one commit per batch), not
// a model.
type counter struct{ n, checkpoint atomic.Uint64 }

func (*counter) Name() string { return "bench-counter" }

func (c *counter) Checkpoint(context.Context) (uint64, error) { return c.checkpoint.Load(), nil }

func (c *counter) ApplyBatch(_ context.Context, evs []projections.Decoded) error {
	c.n.Add(uint64(len(evs)))
	c.checkpoint.Store(evs[len(evs)-1].Position)
	return nil
}

func (c *counter) Reset(context.Context) error { c.n.Store(0); c.checkpoint.Store(0); return nil }

func timeProjection(ctx context.Context, store events.Store, head uint64) (float64, error) {
	c := &counter{}
	r, err := projections.NewModelRunner(projections.ModelRunnerConfig{Store: store, Registry: Registry()}, c)
	if err != nil {
		return 0, err
	}
	rctx, cancel := context.WithCancel(ctx)
	defer cancel()
	errc := make(chan error, 1)
	start := time.Now()
	go func() { errc <- r.Run(rctx) }()
	if err := r.WaitFor(ctx, head); err != nil {
		return 0, err
	}
	elapsed := time.Since(start).Seconds()
	cancel()
	<-errc
	if got := c.n.Load(); got != head {
		return 0, fmt.Errorf("bench replay: the read model applied %d of %d events", got, head)
	}
	return float64(head) / elapsed, nil
}
