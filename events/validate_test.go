package events_test

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/drip-ledger/drip/events"
	"github.com/drip-ledger/drip/events/storetest"
)

func TestValidStream(t *testing.T) {
	tests := []struct {
		name   string
		stream string
		ok     bool
	}{
		{"LettersDigitsAndPunctuation", "household-520526104201_0007.a:b", true},
		{"OneByte", "a", true},
		{"AtTheLimit", strings.Repeat("a", events.StreamBytesMax), true},
		{"Empty", "", false},
		{"AboveTheLimit", strings.Repeat("a", events.StreamBytesMax+1), false},
		{"Space", "a b", false},
		{"Slash", "a/b", false},
		{"ReservedDollar", "$all", false},
		{"NotASCII", "户", false},
		{"NUL", "a\x00", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if why := events.ValidStream(tt.stream); (why == "") != tt.ok {
				t.Errorf("ValidStream(%q) = %q; want ok %v", tt.stream, why, tt.ok)
			}
		})
	}
}

func TestCheckAppendCountsTheStreamNameOnce(t *testing.T) {
	reg := storetest.Registry()
	const stream = "household-520526104201-0007"
	// An event that fits exactly once its stream is counted.
	ev := noted(t, 1, "")
	ev.Stream = stream
	ev.Data = json.RawMessage(`{"n":1,"text":""}`)
	ev.Data = json.RawMessage(`{"n":1,"text":"` + strings.Repeat("x", events.EventBytesMax-ev.Size()) + `"}`)
	if ev.Size() != events.EventBytesMax {
		t.Fatalf("fixture has %d bytes", ev.Size())
	}
	// Whatever the writer left in Stream, the stream appended to counts.
	for _, field := range []string{"", stream, "other-stream-with-a-much-longer-name", strings.Repeat("z", events.StreamBytesMax)} {
		ev.Stream = field
		if err := reg.CheckAppend(stream, []events.Event{ev}); err != nil {
			t.Errorf("Stream field %q: %v; want the event at the limit accepted", field, err)
		}
		if err := reg.CheckAppend(stream+"x", []events.Event{ev}); !errors.Is(err, events.ErrLimit) {
			t.Errorf("Stream field %q: one byte longer stream: %v; want ErrLimit", field, err)
		}
	}
}

func TestCheckAppendReportsEveryProblem(t *testing.T) {
	reg := storetest.Registry()
	long := strings.Repeat("m", events.MetaFieldBytesMax+1)
	ev := noted(t, 1, "x")
	ev.Meta = events.Metadata{
		ActorID: long, Role: long, Jurisdiction: "52x", IdempotencyKey: long,
		CorrelationID: "\xc3", CausationID: long, OccurredAt: time.Time{},
	}
	err := reg.CheckAppend("s-1", []events.Event{ev})
	var inv *events.InvalidError
	if !errors.As(err, &inv) || !errors.Is(err, events.ErrLimit) {
		t.Fatalf("CheckAppend: %v; want an *InvalidError with ErrLimit", err)
	}
	got := map[string]bool{}
	for _, p := range inv.Problems {
		got[p.Field] = true
	}
	for _, f := range []string{"actorId", "role", "jurisdiction", "idempotencyKey", "correlationId", "causationId", "occurredAt"} {
		if !got["events[0].meta."+f] {
			t.Errorf("no problem for meta.%s in %v", f, inv.Problems)
		}
	}
}

func TestProblemsErr(t *testing.T) {
	var ps events.Problems
	if err := ps.Err(); err != nil {
		t.Errorf("no problems: Err() = %v; want nil", err)
	}
	ps.Add("a", "is wrong")
	ps.Addf("b", "is %d too big", 3)
	err := ps.Err()
	var inv *events.InvalidError
	if !errors.As(err, &inv) || len(inv.Problems) != 2 || inv.Problems[1].Reason != "is 3 too big" {
		t.Errorf("Err() = %v; want both problems", err)
	}
}

func TestSameContent(t *testing.T) {
	base := noted(t, 1, "x")
	base.Meta.Role, base.Meta.OccurredAt = "clerk", time.Date(2025, 1, 2, 3, 4, 5, 6_000_700, time.UTC)
	tests := []struct {
		name   string
		change func(*events.Event)
		same   bool
	}{
		{"Identical", func(*events.Event) {}, true},
		{"PlaceIsNotContent", func(e *events.Event) {
			e.Stream, e.Version, e.Position, e.RecordedAt = "s-9", 4, 8, time.Now()
		}, true},
		{"SameMicrosecondOtherZone", func(e *events.Event) {
			e.Meta.OccurredAt = e.Meta.OccurredAt.Add(200).In(time.FixedZone("CST", 8*3600))
		}, true},
		{"OtherMicrosecond", func(e *events.Event) { e.Meta.OccurredAt = e.Meta.OccurredAt.Add(time.Microsecond) }, false},
		{"OtherID", func(e *events.Event) { e.ID = events.DeriveID(testNS, "other") }, false},
		{"OtherType", func(e *events.Event) { e.Type = "storetest.other.v1" }, false},
		{"OtherDataBytes", func(e *events.Event) { e.Data = json.RawMessage(`{"n":1, "text":"x"}`) }, false},
		{"OtherActor", func(e *events.Event) { e.Meta.ActorID = "b" }, false},
		{"OtherRole", func(e *events.Event) { e.Meta.Role = "b" }, false},
		{"OtherJurisdiction", func(e *events.Event) { e.Meta.Jurisdiction = "52" }, false},
		{"OtherIdempotencyKey", func(e *events.Event) { e.Meta.IdempotencyKey = "k" }, false},
		{"OtherCorrelation", func(e *events.Event) { e.Meta.CorrelationID = "c" }, false},
		{"OtherCausation", func(e *events.Event) { e.Meta.CausationID = "c" }, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			other := base
			tt.change(&other)
			if got := events.SameContent(base, other); got != tt.same {
				t.Errorf("SameContent = %v; want %v", got, tt.same)
			}
		})
	}
}

func TestSizeCountsEveryVariablePart(t *testing.T) {
	ev := events.Event{Stream: "ab", Type: "abc", Data: json.RawMessage(`{}`), Meta: events.Metadata{
		ActorID: "1", Role: "22", Jurisdiction: "333", IdempotencyKey: "4444", CorrelationID: "55555", CausationID: "666666",
	}}
	if got, want := ev.Size(), 2+3+2+1+2+3+4+5+6; got != want {
		t.Errorf("Size = %d; want %d", got, want)
	}
}

func TestCheckRetryReportsALookupFailure(t *testing.T) {
	errLookup := errors.New("index unreadable")
	_, _, err := events.CheckRetry("s-1", events.Any, []events.Event{noted(t, 1, "x")},
		func(events.ID) (events.Event, bool, error) { return events.Event{}, false, errLookup })
	if !errors.Is(err, errLookup) {
		t.Errorf("CheckRetry: %v; want the lookup's error", err)
	}
}
