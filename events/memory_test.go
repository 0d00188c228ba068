package events_test

import (
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
