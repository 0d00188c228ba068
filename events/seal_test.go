package events_test

import (
	"encoding/json"
	"errors"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/drip-ledger/drip/events"
	"github.com/drip-ledger/drip/events/storetest"
)

// typeHidden is a payload whose JSON cannot pass a full decode and
// validation (the field Validate needs is never marshalled), so these tests
// can tell whether CheckAppend decoded a payload or trusted Encode's seal.
// A real payload type must round-trip (see events.Payload); this one breaks
// the rule on purpose.
const typeHidden = "sealtest.hidden.v1"

type hidden struct {
	Secret string `json:"-"`
}

func (hidden) EventType() string { return typeHidden }

func (h hidden) Validate() error {
	var ps events.Problems
	if h.Secret == "" {
		ps.Add("secret", "is required")
	}
	return ps.Err()
}

func sealRegistry() *events.Registry {
	r := events.NewRegistry()
	r.Register(func() events.Payload { return new(hidden) }, func() events.Payload { return new(storetest.Noted) })
	return r
}

func sealMeta() events.Metadata {
	return events.Metadata{ActorID: "actor-1", OccurredAt: time.Date(2025, 1, 2, 3, 4, 5, 0, time.UTC)}
}

func TestCheckAppendTrustsOnlyAnUnchangedEventFromItsOwnEncode(t *testing.T) {
	reg := sealRegistry()
	encode := func(t *testing.T) events.Event {
		ev, err := reg.Encode(events.DeriveID(testNS, t.Name()), sealMeta(), hidden{Secret: "s"})
		if err != nil {
			t.Fatal(err)
		}
		return ev
	}
	t.Run("UnchangedIsNotDecodedAgain", func(t *testing.T) {
		if err := reg.CheckAppend("s-1", []events.Event{encode(t)}); err != nil {
			t.Errorf("CheckAppend of an unchanged Encode'd event: %v; want nil", err)
		}
	})
	t.Run("MetadataIsStillChecked", func(t *testing.T) {
		ev := encode(t)
		ev.Meta.ActorID = ""
		if err := reg.CheckAppend("s-1", []events.Event{ev}); !hasField(err, "events[0].meta.actorId") {
			t.Errorf("CheckAppend: %v; want events[0].meta.actorId refused", err)
		}
	})
	refused := map[string]func(ev *events.Event){
		"DataReplacedBySameBytes": func(ev *events.Event) { ev.Data = append(json.RawMessage(nil), ev.Data...) },
		"DataReplacedWithSpareCapacity": func(ev *events.Event) {
			ev.Data = append(make(json.RawMessage, 0, 64), ev.Data...)
		},
		"DataResliced":      func(ev *events.Event) { ev.Data = ev.Data[:len(ev.Data):len(ev.Data)] },
		"DataEditedInPlace": func(ev *events.Event) { ev.Data[0] = ' ' },
		"DataAppendedTo":    func(ev *events.Event) { ev.Data = append(ev.Data, ' ') },
		"TypeChanged":       func(ev *events.Event) { ev.Type = storetest.TypeNoted },
	}
	for name, change := range refused {
		t.Run(name, func(t *testing.T) {
			ev := encode(t)
			change(&ev)
			if err := reg.CheckAppend("s-1", []events.Event{ev}); !hasField(err, "events[0].data") {
				t.Errorf("CheckAppend: %v; want the payload decoded again and refused", err)
			}
		})
	}
	t.Run("AnotherRegistry", func(t *testing.T) {
		if err := sealRegistry().CheckAppend("s-1", []events.Event{encode(t)}); !hasField(err, "events[0].data") {
			t.Errorf("CheckAppend by another registry: %v; want the payload decoded and refused", err)
		}
	})
}

func TestCheckAppendRevalidatesAnEncodedEventWhoseDataWasReplaced(t *testing.T) {
	reg := storetest.Registry()
	ev, err := reg.Encode(events.DeriveID(testNS, t.Name()), sealMeta(), storetest.Noted{Text: "ok", N: 1})
	if err != nil {
		t.Fatal(err)
	}
	if err := reg.CheckAppend("s-1", []events.Event{ev}); err != nil {
		t.Fatalf("CheckAppend of the Encode'd event: %v", err)
	}
	replaced := ev
	replaced.Data = json.RawMessage(`{"text":"","n":1}`)
	if err := reg.CheckAppend("s-1", []events.Event{replaced}); !hasField(err, "events[0].data.text") {
		t.Errorf("Data replaced by an invalid payload: %v; want events[0].data.text refused", err)
	}
	// Same length, edited in place: `{"text":"ok","n":1}` → `{"text":""  ,"n":1}`.
	edited := ev
	copy(edited.Data[len(`{"text":`):], `""  `)
	if err := reg.CheckAppend("s-1", []events.Event{edited}); !hasField(err, "events[0].data.text") {
		t.Errorf("Data edited in place into an invalid payload (%s): %v; want events[0].data.text refused", edited.Data, err)
	}
}

func TestEncodeSealIsInvisibleToReaders(t *testing.T) {
	reg := storetest.Registry()
	ev, err := reg.Encode(events.DeriveID(testNS, t.Name()), sealMeta(), storetest.Noted{Text: "ok", N: 1})
	if err != nil {
		t.Fatal(err)
	}
	want := events.Event{ID: ev.ID, Type: storetest.TypeNoted, Data: json.RawMessage(`{"text":"ok","n":1}`), Meta: sealMeta()}
	if diff := cmp.Diff(want, ev); diff != "" {
		t.Errorf("Encode (-want +got):\n%s", diff)
	}
	b, _ := json.Marshal(ev.Data)
	if string(b) != `{"text":"ok","n":1}` {
		t.Errorf("json of Data = %s", b)
	}
}

func TestCheckAppendOfAnEncodedEventAllocatesNothing(t *testing.T) {
	reg := storetest.Registry()
	ev, err := reg.Encode(events.DeriveID(testNS, t.Name()), sealMeta(), storetest.Noted{Text: "ok", N: 1})
	if err != nil {
		t.Fatal(err)
	}
	evs := []events.Event{ev}
	if n := testing.AllocsPerRun(100, func() {
		if err := reg.CheckAppend("household-1", evs); err != nil {
			t.Fatal(err)
		}
	}); n != 0 {
		t.Errorf("CheckAppend allocates %v times per call; want 0", n)
	}
}

func hasField(err error, field string) bool {
	var inv *events.InvalidError
	if !errors.As(err, &inv) {
		return false
	}
	for _, p := range inv.Problems {
		if p.Field == field || len(p.Field) > len(field) && p.Field[:len(field)+1] == field+"." {
			return true
		}
	}
	return false
}
