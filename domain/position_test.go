package domain_test

import (
	"context"
	"testing"

	"github.com/drip-ledger/drip/domain"
	"github.com/drip-ledger/drip/events"
	"github.com/drip-ledger/drip/events/storetest"
)

// gappedLog is a store whose global positions are 10, 20, 30, ...: the shape
// of KurrentDB's commit positions.
type gappedLog struct{ *events.MemoryStore }

func (g gappedLog) Append(ctx context.Context, stream string, exp events.Expected, evs ...events.Event) (events.AppendResult, error) {
	res, err := g.MemoryStore.Append(ctx, stream, exp, evs...)
	res.Position *= 10
	res.First *= 10
	return res, err
}

func (g gappedLog) ReadStream(ctx context.Context, stream string, from uint64, dir events.Direction, limit int) ([]events.Event, error) {
	evs, err := g.MemoryStore.ReadStream(ctx, stream, from, dir, limit)
	for i := range evs {
		evs[i].Position *= 10
	}
	return evs, err
}

func threeNotes(int) ([]events.Payload, error) {
	return []events.Payload{&storetest.Noted{Text: "a"}, &storetest.Noted{Text: "b"}, &storetest.Noted{Text: "c"}}, nil
}

// On a store whose positions have gaps, the result's events carry the
// positions the store gave them, not last-len+1+i.
func TestExecuteReturnsEveryEventsRealPositionOnAGappedStore(t *testing.T) {
	mem := events.NewMemoryStore(storetest.Registry(), nil)
	t.Cleanup(func() { mem.Close() })
	log := gappedLog{mem}
	x, err := domain.NewExecutor(log, storetest.Registry(), func() (events.ID, error) { return events.NewID(nil) })
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	if _, err := domain.Execute(ctx, x, req("", ""), "c-0", counter, noteIfBelow(5)); err != nil {
		t.Fatal(err)
	}
	res, err := domain.Execute(ctx, x, req("", ""), "c-1", counter, threeNotes)
	if err != nil {
		t.Fatal(err)
	}
	stored, err := log.ReadStream(ctx, "c-1", 1, events.Forwards, 10)
	if err != nil || len(stored) != 3 {
		t.Fatalf("read %d events, %v", len(stored), err)
	}
	for i, ev := range res.Events {
		if ev.Position != stored[i].Position || ev.Version != stored[i].Version {
			t.Errorf("result event %d at position %d version %d; stored at %d version %d", i, ev.Position, ev.Version, stored[i].Position, stored[i].Version)
		}
	}
	if res.Position != stored[2].Position {
		t.Errorf("result position %d; want %d", res.Position, stored[2].Position)
	}
}

// On a dense store the positions come from the append's result, no read.
func TestExecuteReturnsEveryEventsPositionOnADenseStore(t *testing.T) {
	x, store := newExecutor(t)
	ctx := context.Background()
	if _, err := domain.Execute(ctx, x, req("", ""), "c-0", counter, noteIfBelow(5)); err != nil {
		t.Fatal(err)
	}
	res, err := domain.Execute(ctx, x, req("", ""), "c-1", counter, threeNotes)
	if err != nil {
		t.Fatal(err)
	}
	stored, _ := store.ReadStream(ctx, "c-1", 1, events.Forwards, 10)
	for i, ev := range res.Events {
		if ev.Position != stored[i].Position {
			t.Errorf("result event %d at position %d; stored at %d", i, ev.Position, stored[i].Position)
		}
	}
}
