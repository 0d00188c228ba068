package demo_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/drip-ledger/drip/domain"
	"github.com/drip-ledger/drip/domain/household"
	"github.com/drip-ledger/drip/events"
	"github.com/drip-ledger/drip/internal/demo"
)

func registry() *events.Registry {
	r := events.NewRegistry()
	household.Register(r)
	domain.RegisterIdempotency(r)
	return r
}

// readAll is the whole log of store.
func readAll(t *testing.T, store events.Store) []events.Event {
	t.Helper()
	var all []events.Event
	for from := uint64(1); ; {
		page, err := store.ReadAll(context.Background(), from, events.ReadEventsMax)
		if err != nil {
			t.Fatal(err)
		}
		all = append(all, page...)
		if len(page) < events.ReadEventsMax {
			return all
		}
		from = page[len(page)-1].Position + 1
	}
}

// TestCountyWritesTheFileStoryInOrderThroughTheDecider: given an empty
// store, when County writes 120 households up to a day in 2026, then each
// household has about a hundred events, recorded times never go back, none
// is after that day, and the households end enrolled, exited, monitored
// and returned, as their plans say.
func TestCountyWritesTheFileStoryInOrderThroughTheDecider(t *testing.T) {
	reg := registry()
	clock := &demo.Clock{}
	store := events.NewMemoryStore(reg, clock.Now)
	now := time.Date(2026, 12, 2, 15, 0, 0, 0, time.UTC)
	res, err := demo.County(context.Background(), demo.CountyOptions{Households: 120, Seed: 3, Log: store, Registry: reg, Clock: clock, Now: now})
	if err != nil {
		t.Fatal(err)
	}
	log := readAll(t, store)
	if uint64(len(log)) != res.Events || res.Events < 120*90 {
		t.Fatalf("%d events in the log, the result says %d; want about 100 a household", len(log), res.Events)
	}
	streams := map[string][]events.Event{}
	last := demo.Start
	for _, ev := range log {
		if ev.RecordedAt.Before(last) || !ev.RecordedAt.Before(now) {
			t.Fatalf("event %d recorded at %s, after %s or not before %s", ev.Position, ev.RecordedAt, last, now)
		}
		last = ev.RecordedAt
		if strings.HasPrefix(ev.Stream, household.StreamPrefix) {
			streams[ev.Stream] = append(streams[ev.Stream], ev)
		}
	}
	statuses := map[household.Status]int{}
	for _, evs := range streams {
		s, err := household.StateAt(reg, evs, now)
		if err != nil {
			t.Fatal(err)
		}
		statuses[s.Status()]++
	}
	if len(streams) != 120 {
		t.Errorf("%d households in the log, want 120", len(streams))
	}
	for _, st := range []household.Status{household.StatusEnrolled, household.StatusExited, household.StatusMonitored, household.StatusReturned} {
		if statuses[st] == 0 {
			t.Errorf("no household ends %s: %v", st, statuses)
		}
	}
}

// TestPlanLeavesSomethingOpenToday: the story demo leaves, on any day,
// a publicity open, a reviewed household, and a project with a
// beneficiary still in the file.
func TestPlanLeavesSomethingOpenToday(t *testing.T) {
	for _, day := range []time.Time{time.Date(2026, 12, 2, 12, 0, 0, 0, time.UTC), time.Date(2027, 1, 3, 1, 0, 0, 0, time.UTC),
		time.Date(2026, 7, 1, 9, 0, 0, 0, time.UTC)} {
		got := demo.Plan(demo.HouseholdsDefault, 1, day)
		if got.InPublicity == "" || got.Enrollable == "" || got.PayProject == "" || got.PayHousehold == "" {
			t.Errorf("on %s the demo leaves %+v", day.Format(time.DateOnly), got)
		}
	}
}
