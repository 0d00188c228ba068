package projections

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/drip-ledger/drip/events"
)

// RebuildReport is what a deliberate rebuild measured: the models' rate
// beside a plain ReadAll of the same log in the same run, so the ratio says
// what the models cost beyond reading (issue 11's goal: ≥ 0.3).
type RebuildReport struct {
	Models []string `json:"models"`
	// Events is the log's head the rebuild went up to.
	Events            uint64  `json:"events"`
	Seconds           float64 `json:"seconds"`
	EventsPerS        float64 `json:"eventsPerS"`
	ReadAllEventsPerS float64 `json:"readAllEventsPerS"`
	Ratio             float64 `json:"ratio"`
}

// Rebuild resets ms and replays the log's head into them through a
// ModelRunner (offline: nothing else may be writing to them), then reads
// the same log with a plain ReadAll loop in BatchEvents pages. The ReadAll
// runs second, so it finds the log as warm in the page cache as the rebuild
// left it: the ratio errs against the runner, not for it.
func Rebuild(ctx context.Context, cfg ModelRunnerConfig, ms ...Model) (RebuildReport, error) {
	var rep RebuildReport
	r, err := NewModelRunner(cfg, ms...)
	if err != nil {
		return rep, err
	}
	cfg = r.cfg
	for _, m := range ms {
		if err := m.Reset(ctx); err != nil {
			return rep, fmt.Errorf("projections: rebuild: reset %q: %w", m.Name(), err)
		}
		rep.Models = append(rep.Models, m.Name())
	}
	head, err := cfg.Store.Head(ctx)
	if err != nil {
		return rep, err
	}
	rep.Events = head
	if head == 0 {
		return rep, nil
	}
	rctx, cancel := context.WithCancel(ctx)
	defer cancel()
	done := make(chan error, 1)
	start := time.Now()
	go func() { done <- r.Run(rctx) }()
	werr := r.WaitFor(ctx, head)
	elapsed := time.Since(start)
	cancel()
	if err := errors.Join(werr, <-done); err != nil {
		return rep, fmt.Errorf("projections: rebuild: %w", err)
	}
	st, err := r.Status(ctx)
	if err != nil {
		return rep, err
	}
	for _, s := range st {
		if s.Stopped != nil {
			return rep, fmt.Errorf("projections: rebuild: %q stopped before position %d: %s", s.Name, s.Stopped.Position, s.Stopped.Reason)
		}
	}
	rep.Seconds = elapsed.Seconds()
	rep.EventsPerS = float64(head) / rep.Seconds
	n, readAll, err := readAllOnce(ctx, cfg.Store, cfg.BatchEvents)
	if err != nil {
		return rep, err
	}
	rep.ReadAllEventsPerS = float64(n) / max(readAll.Seconds(), 1e-9)
	rep.Ratio = rep.EventsPerS / rep.ReadAllEventsPerS
	return rep, nil
}

// readAllOnce reads the whole log and returns how many events and how long.
func readAllOnce(ctx context.Context, store events.Store, page int) (int, time.Duration, error) {
	start := time.Now()
	n := 0
	for from := uint64(1); ; {
		evs, err := store.ReadAll(ctx, from, page)
		if err != nil {
			return n, 0, err
		}
		if len(evs) == 0 {
			return n, time.Since(start), nil
		}
		n += len(evs)
		from = evs[len(evs)-1].Position + 1
	}
}
