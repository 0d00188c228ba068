package events_test

import (
	"context"
	"testing"
	"time"

	"github.com/drip-ledger/drip/events"
	"github.com/drip-ledger/drip/events/storetest"
)

func TestMemoryStore(t *testing.T) {
	storetest.Run(t, func(t *testing.T, reg *events.Registry) events.Store {
		return events.NewMemoryStore(reg, nil)
	})
}

func TestNewMemoryStoreWithoutRegistryPanics(t *testing.T) {
	defer func() {
		if recover() == nil {
			t.Error("NewMemoryStore(nil, nil) did not panic")
		}
	}()
	events.NewMemoryStore(nil, nil)
}

func TestMemoryStoreStampsRecordedAtWithItsClock(t *testing.T) {
	at := time.Date(2025, 6, 1, 8, 0, 0, 999_999_999, time.FixedZone("CST", 8*60*60))
	s := events.NewMemoryStore(storetest.Registry(), func() time.Time { return at })
	defer s.Close()
	ev := noted(t, 1, "clock")
	if _, err := s.Append(t.Context(), "clock-1", events.NoStream, ev); err != nil {
		t.Fatal(err)
	}
	got, err := s.ReadAll(t.Context(), 0, 1)
	if err != nil {
		t.Fatal(err)
	}
	want := time.Date(2025, 6, 1, 0, 0, 0, 999_999_000, time.UTC)
	if r := got[0].RecordedAt; !r.Equal(want) || r.Location() != time.UTC {
		t.Errorf("RecordedAt = %v; want %v (UTC, microseconds)", r, want)
	}
}

// gapped is a MemoryStore whose global positions are 10, 20, 30, ...: the
// shape of KurrentDB's commit positions. Running the suite on it checks the
// suite's PositionsMayHaveGaps mode before a real backend needs it.
type gapped struct {
	*events.MemoryStore
	notify *events.Notifier
}

const gap = 10

func (g gapped) Append(ctx context.Context, stream string, exp events.Expected, evs ...events.Event) (events.AppendResult, error) {
	res, err := g.MemoryStore.Append(ctx, stream, exp, evs...)
	res.Position *= gap
	res.First *= gap
	if err == nil {
		g.notify.Advance(res.Position)
	}
	return res, err
}

func (g gapped) AppendMulti(ctx context.Context, parts ...events.StreamAppend) ([]events.AppendResult, error) {
	res, err := g.MemoryStore.AppendMulti(ctx, parts...)
	for i := range res {
		res[i].Position *= gap
		res[i].First *= gap
	}
	if err == nil {
		g.notify.Advance(res[len(res)-1].Position)
	}
	return res, err
}

func (g gapped) ReadStream(ctx context.Context, stream string, from uint64, dir events.Direction, limit int) ([]events.Event, error) {
	evs, err := g.MemoryStore.ReadStream(ctx, stream, from, dir, limit)
	return spread(evs), err
}

func (g gapped) ReadAll(ctx context.Context, from uint64, limit int) ([]events.Event, error) {
	inner := from / gap
	if from%gap != 0 {
		inner++
	}
	evs, err := g.MemoryStore.ReadAll(ctx, inner, limit)
	return spread(evs), err
}

func (g gapped) Subscribe(ctx context.Context, from uint64) (*events.Subscription, error) {
	sub, err := g.MemoryStore.Subscribe(ctx, 0) // for its ctx and closed checks
	if err != nil {
		return nil, err
	}
	sub.Close()
	return events.Follow(ctx, from, events.FollowSource{ReadAll: g.ReadAll, Wait: g.notify.Wait}), nil
}

func (g gapped) Head(ctx context.Context) (uint64, error) {
	h, err := g.MemoryStore.Head(ctx)
	return h * gap, err
}

func (g gapped) Close() error {
	g.notify.Close()
	return g.MemoryStore.Close()
}

func spread(evs []events.Event) []events.Event {
	for i := range evs {
		evs[i].Position *= gap
	}
	return evs
}

func TestSuiteWithPositionGaps(t *testing.T) {
	storetest.Run(t, func(t *testing.T, reg *events.Registry) events.Store {
		return gapped{events.NewMemoryStore(reg, nil), events.NewNotifier(0)}
	}, storetest.PositionsMayHaveGaps())
}
