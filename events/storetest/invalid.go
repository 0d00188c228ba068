package storetest

import (
	"encoding/json"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/drip-ledger/drip/events"
)

func testInvalid(t *testing.T, su *suite) {
	type edit func(f *fixture, evs []events.Event) []events.Event
	// second changes the second event of a valid batch of two, so a store
	// that writes the good first event alone is caught.
	second := func(change func(*events.Event)) edit {
		return func(f *fixture, evs []events.Event) []events.Event {
			change(&evs[1])
			return evs
		}
	}
	tests := []struct {
		name    string
		stream  string
		edit    edit
		limit   bool   // errors.Is ErrLimit
		unknown bool   // errors.Is ErrUnknownType
		field   string // a Problem names it
	}{
		{name: "EmptyStreamName", stream: "", field: "stream"},
		{name: "StreamNameWithASpace", stream: "house hold", field: "stream"},
		{name: "StreamNameWithASlash", stream: "household/1", field: "stream"},
		{name: "StreamNameNotASCII", stream: "户-1", field: "stream"},
		{name: "StreamNameReserved", stream: "$all", field: "stream"},
		{name: "StreamNameAboveTheLimit", stream: strings.Repeat("s", events.StreamBytesMax+1), limit: true, field: "stream"},
		{name: "NoEvents", edit: func(*fixture, []events.Event) []events.Event { return nil }, field: "events"},
		{name: "MoreEventsThanBatchEventsMax", limit: true, field: "events",
			edit: func(f *fixture, _ []events.Event) []events.Event { return f.batch(events.BatchEventsMax+1, "many") }},
		{name: "EventAboveEventBytesMax", limit: true, field: "events[1]",
			edit: func(f *fixture, evs []events.Event) []events.Event { evs[1] = sized(f, "invalid-1", 1); return evs }},
		{name: "EventFarAboveEventBytesMax", limit: true, field: "events[1]",
			edit: second(func(ev *events.Event) { ev.Data = noted(strings.Repeat("x", 2*events.EventBytesMax), 1) })},
		{name: "BatchAboveBatchBytesMax", limit: true, field: "events",
			edit: func(f *fixture, _ []events.Event) []events.Event {
				evs := make([]events.Event, events.BatchBytesMax/events.EventBytesMax+1)
				for i := range evs {
					evs[i] = sized(f, "invalid-1", 0)
				}
				return evs
			}},
		{name: "MissingID", field: "events[1].id", edit: second(func(ev *events.Event) { ev.ID = events.NilID })},
		{name: "DuplicateIDInTheBatch", field: "events[1].id",
			edit: func(f *fixture, evs []events.Event) []events.Event { evs[1].ID = evs[0].ID; return evs }},
		{name: "MalformedTypeName", field: "events[1].type", edit: second(func(ev *events.Event) { ev.Type = "Noted" })},
		{name: "TypeNameWithoutVersion", field: "events[1].type", edit: second(func(ev *events.Event) { ev.Type = "storetest.noted" })},
		{name: "UnknownType", unknown: true, field: "events[1].type",
			edit: second(func(ev *events.Event) { ev.Type = "storetest.unheard_of.v1" })},
		{name: "PayloadNotJSON", field: "events[1].data", edit: second(func(ev *events.Event) { ev.Data = json.RawMessage(`not json`) })},
		{name: "PayloadJSONArray", field: "events[1].data", edit: second(func(ev *events.Event) { ev.Data = json.RawMessage(`[1]`) })},
		{name: "PayloadEmpty", field: "events[1].data", edit: second(func(ev *events.Event) { ev.Data = nil })},
		{name: "PayloadWithUnknownField", field: "events[1].data",
			edit: second(func(ev *events.Event) { ev.Data = json.RawMessage(`{"text":"x","n":1,"extra":true}`) })},
		{name: "PayloadWithTrailingData", field: "events[1].data",
			edit: second(func(ev *events.Event) { ev.Data = json.RawMessage(`{"text":"x","n":1} {}`) })},
		{name: "PayloadFailsValidation", field: "events[1].data.text", edit: second(func(ev *events.Event) { ev.Data = noted("", 1) })},
		{name: "MissingActorID", field: "events[1].meta.actorId", edit: second(func(ev *events.Event) { ev.Meta.ActorID = "" })},
		{name: "MissingOccurredAt", field: "events[1].meta.occurredAt", edit: second(func(ev *events.Event) { ev.Meta.OccurredAt = time.Time{} })},
		{name: "JurisdictionNotDigits", field: "events[1].meta.jurisdiction", edit: second(func(ev *events.Event) { ev.Meta.Jurisdiction = "52a" })},
		{name: "MetadataAboveMetaFieldBytesMax", limit: true, field: "events[1].meta.role",
			edit: second(func(ev *events.Event) { ev.Meta.Role = strings.Repeat("r", events.MetaFieldBytesMax+1) })},
		{name: "MetadataNotUTF8", field: "events[1].meta.causationId", edit: second(func(ev *events.Event) { ev.Meta.CausationID = "\xff" })},
	}
	f := su.fresh(t)
	f.append("invalid-0", events.NoStream, f.event("the log is not empty"))
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before, err := f.s.ReadAll(f.ctx, 0, 10)
			if err != nil {
				t.Fatalf("ReadAll: %v", err)
			}
			stream := tt.stream
			if stream == "" && tt.field != "stream" {
				stream = "invalid-1"
			}
			evs := f.batch(2, "valid")
			if tt.edit != nil {
				evs = tt.edit(f, evs)
			}
			res, err := f.s.Append(f.ctx, stream, events.Any, evs...)
			checkInvalid(t, err, tt.limit, tt.unknown)
			if res != (events.AppendResult{}) {
				t.Errorf("a refused Append returned %+v; want the zero result", res)
			}
			var inv *events.InvalidError
			if errors.As(err, &inv) && !slices.Contains(problemFields(inv), tt.field) {
				t.Errorf("problems name %q; want one for %q", problemFields(inv), tt.field)
			}
			after, err := f.s.ReadAll(f.ctx, 0, 10)
			if err != nil {
				t.Fatalf("ReadAll: %v", err)
			}
			if diff := cmp.Diff(keys(before), keys(after)); diff != "" {
				t.Errorf("a refused append changed the log (-before +after):\n%s", diff)
			}
		})
	}

	t.Run("EveryProblemIsReportedAtOnce", func(t *testing.T) {
		evs := f.batch(5, "many problems")
		evs[0].ID = events.NilID
		evs[1].Type = "Bad Type"
		evs[2].Meta.ActorID = ""
		evs[2].Meta.OccurredAt = time.Time{}
		evs[3].Data = noted("", -1)
		evs[4].Type = "storetest.unheard_of.v1"
		_, err := f.s.Append(f.ctx, "bad stream", events.Any, evs...)
		checkInvalid(t, err, false, true)
		var inv *events.InvalidError
		if !errors.As(err, &inv) {
			t.Fatalf("error %v is not an *events.InvalidError", err)
		}
		want := []string{
			"events[0].id", "events[1].type", "events[2].meta.actorId", "events[2].meta.occurredAt",
			"events[3].data.n", "events[3].data.text", "events[4].type", "stream",
		}
		got := problemFields(inv)
		slices.Sort(got)
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("problems (-want +got):\n%s", diff)
		}
		for _, p := range inv.Problems {
			if p.Reason == "" {
				t.Errorf("problem %q has no reason", p.Field)
			}
		}
	})

	t.Run("InputAtTheLimitsIsAccepted", func(t *testing.T) {
		g := su.fresh(t)
		long := strings.Repeat("s", events.StreamBytesMax)
		g.append(long, events.NoStream, g.batch(events.BatchEventsMax, "at the limit")...)
		evs := make([]events.Event, events.BatchBytesMax/events.EventBytesMax)
		for i := range evs {
			evs[i] = sized(g, "limits", 0)
		}
		g.append("limits", events.NoStream, evs...)
		if got := g.readStream("limits"); len(got) != len(evs) || got[0].Size() != events.EventBytesMax {
			t.Errorf("read back %d events (first of %d bytes); want %d of %d bytes", len(got), got[0].Size(), len(evs), events.EventBytesMax)
		}
	})
}

// sized returns a valid event that is extra bytes above EventBytesMax once it
// is in stream: the stream name counts towards the limit.
func sized(f *fixture, stream string, extra int) events.Event {
	ev := f.event("")
	ev.Stream, ev.Data = stream, noted("", 1)
	ev.Data = noted(strings.Repeat("x", events.EventBytesMax-ev.Size()+extra), 1)
	ev.Stream = ""
	return ev
}

func checkInvalid(t *testing.T, err error, limit, unknown bool) {
	t.Helper()
	if !errors.Is(err, events.ErrInvalid) {
		t.Fatalf("Append: %v; want ErrInvalid", err)
	}
	if got := errors.Is(err, events.ErrLimit); got != limit {
		t.Errorf("errors.Is(%v, ErrLimit) = %v; want %v", err, got, limit)
	}
	if got := errors.Is(err, events.ErrUnknownType); got != unknown {
		t.Errorf("errors.Is(%v, ErrUnknownType) = %v; want %v", err, got, unknown)
	}
}

func problemFields(inv *events.InvalidError) []string {
	out := make([]string, len(inv.Problems))
	for i, p := range inv.Problems {
		out[i] = p.Field
	}
	return out
}
