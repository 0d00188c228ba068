package storetest

import (
	"encoding/json"
	"slices"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/drip-ledger/drip/events"
)

// clockSkewMax is how far a store's clock (a database server's) may be from
// the test's when it stamps RecordedAt.
const clockSkewMax = time.Minute

func testRoundTrip(t *testing.T, su *suite) {
	t.Run("EveryFieldReadsBackAsWritten", func(t *testing.T) {
		f := su.fresh(t)
		first := events.Event{
			ID:   events.MustParseID("0191f2a4-7b3c-7d5e-8f60-1a2b3c4d5e6f"),
			Type: TypeNoted,
			// Odd spacing and key order: stores keep the bytes, because an
			// idempotent retry compares them.
			Data: json.RawMessage(`{ "n": 7,  "text": "往返 round trip" }`),
			Meta: events.Metadata{
				ActorID:        "干部-0042",
				Role:           "county-clerk",
				Jurisdiction:   "520526",
				IdempotencyKey: "req-7f3a",
				CorrelationID:  "corr-1",
				CausationID:    "cause-1",
				OccurredAt:     occurredAt,
				Backfill:       true,
			},
		}
		second := f.event("second")
		before := time.Now()
		res := f.append("household-520526104201-0007", events.NoStream, first, second)
		after := time.Now()

		got := f.readStream("household-520526104201-0007")
		if len(got) != 2 {
			t.Fatalf("ReadStream returned %d events; want 2", len(got))
		}
		want := []events.Event{
			stored(first, "household-520526104201-0007", 1, f.wantPosition(1)),
			stored(second, "household-520526104201-0007", 2, f.wantPosition(2)),
		}
		if f.cfg.gaps {
			want[0].Position, want[1].Position = got[0].Position, got[1].Position
			if got[0].Position == 0 || got[1].Position <= got[0].Position {
				t.Errorf("positions %d, %d; want increasing from at least 1", got[0].Position, got[1].Position)
			}
		}
		if diff := cmp.Diff(want, got, eventsEqual, ignoreRecorded); diff != "" {
			t.Errorf("ReadStream (-want +got):\n%s", diff)
		}
		if wantRes := (events.AppendResult{Version: 2, Position: got[1].Position, First: got[0].Position}); res != wantRes {
			t.Errorf("Append returned %+v; want %+v", res, wantRes)
		}
		for i, ev := range got {
			r := ev.RecordedAt
			switch {
			case r.IsZero():
				t.Errorf("event %d: RecordedAt is zero; the store sets it", i)
			case !r.Equal(r.Truncate(time.Microsecond)):
				t.Errorf("event %d: RecordedAt %v has more than microsecond precision", i, r)
			case r.Before(before.Add(-clockSkewMax)) || r.After(after.Add(clockSkewMax)):
				t.Errorf("event %d: RecordedAt %v is not the time of the append (%v..%v)", i, r, before, after)
			}
		}
		if !got[0].Meta.OccurredAt.Equal(occurredAt.Truncate(time.Microsecond)) {
			t.Errorf("OccurredAt %v; want %v (microseconds)", got[0].Meta.OccurredAt, occurredAt.Truncate(time.Microsecond))
		}

		all := f.readAll()
		if diff := cmp.Diff(got, all, eventsEqual); diff != "" {
			t.Errorf("ReadAll differs from ReadStream (-stream +all):\n%s", diff)
		}
		back, err := f.s.ReadStream(f.ctx, "household-520526104201-0007", events.End, events.Backwards, 10)
		if err != nil {
			t.Fatalf("ReadStream backwards: %v", err)
		}
		if diff := cmp.Diff(got, reversed(back), eventsEqual); diff != "" {
			t.Errorf("ReadStream backwards is not the reverse (-forwards +reversed backwards):\n%s", diff)
		}
		if h := f.head(); h != got[1].Position {
			t.Errorf("Head = %d; want %d, the last position", h, got[1].Position)
		}
	})

	t.Run("StoreKeepsItsOwnCopyOfData", func(t *testing.T) {
		f := su.fresh(t)
		ev := f.event("mine")
		want := slices.Clone(ev.Data)
		f.append("copy-1", events.NoStream, ev)
		clear(ev.Data) // the caller reuses its buffer
		got := f.readStream("copy-1")
		if string(got[0].Data) != string(want) {
			t.Fatalf("after the caller changed its buffer, Data reads %q; want %q", got[0].Data, want)
		}
		clear(got[0].Data) // a reader scribbles on what it was given
		again := f.readStream("copy-1")
		if string(again[0].Data) != string(want) {
			t.Errorf("after a reader changed its result, Data reads %q; want %q", again[0].Data, want)
		}
		all := f.readAll()
		clear(all[0].Data)
		if again := f.readAll(); string(again[0].Data) != string(want) {
			t.Errorf("after a ReadAll caller changed its result, Data reads %q; want %q", again[0].Data, want)
		}
	})

	t.Run("HeadIsTheLastPosition", func(t *testing.T) {
		f := su.fresh(t)
		var last events.AppendResult
		for i := range 5 {
			last = f.append("head-"+string(rune('a'+i%2)), events.Any, f.batch(1+i%3, "head")...)
			if h := f.head(); h != last.Position {
				t.Fatalf("after append %d: Head = %d; want %d", i, h, last.Position)
			}
		}
		if want := f.wantPosition(1 + 2 + 3 + 1 + 2); want != 0 && last.Position != want {
			t.Errorf("after 9 events the last position is %d; want %d", last.Position, want)
		}
	})
}

func reversed(evs []events.Event) []events.Event {
	out := slices.Clone(evs)
	slices.Reverse(out)
	return out
}
