package events_test

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/drip-ledger/drip/events"
	"github.com/drip-ledger/drip/events/storetest"
)

// A transfer's amount was first recorded in whole yuan (v1), then in fen
// (v2), then in fen with a memo (v3): each change is a new type and an
// upcaster from the one before.
const (
	typeTransferV1 = "transfer.recorded.v1"
	typeTransferV2 = "transfer.recorded.v2"
	typeTransferV3 = "transfer.recorded.v3"
)

type transferV1 struct {
	AmountYuan int64 `json:"amountYuan"`
}

func (transferV1) EventType() string { return typeTransferV1 }
func (p transferV1) Validate() error {
	var ps events.Problems
	if p.AmountYuan <= 0 {
		ps.Add("amountYuan", "must be positive")
	}
	return ps.Err()
}

type transferV2 struct {
	AmountFen int64 `json:"amountFen"`
}

func (transferV2) EventType() string { return typeTransferV2 }
func (p transferV2) Validate() error {
	var ps events.Problems
	if p.AmountFen <= 0 {
		ps.Add("amountFen", "must be positive")
	}
	return ps.Err()
}

type transferV3 struct {
	AmountFen int64  `json:"amountFen"`
	Memo      string `json:"memo"`
}

func (transferV3) EventType() string { return typeTransferV3 }
func (p transferV3) Validate() error {
	var ps events.Problems
	if p.AmountFen <= 0 {
		ps.Add("amountFen", "must be positive")
	}
	if p.Memo == "" {
		ps.Add("memo", "is required")
	}
	return ps.Err()
}

// optional has no required field, so only the codec can refuse its input.
type optional struct {
	Note string `json:"note,omitempty"`
}

func (optional) EventType() string { return "test.optional.v1" }
func (optional) Validate() error   { return nil }

func yuanToFen(old json.RawMessage) (json.RawMessage, error) {
	var v1 transferV1
	if err := json.Unmarshal(old, &v1); err != nil {
		return nil, err
	}
	return json.Marshal(transferV2{AmountFen: v1.AmountYuan * 100})
}

func addMemo(old json.RawMessage) (json.RawMessage, error) {
	var v2 transferV2
	if err := json.Unmarshal(old, &v2); err != nil {
		return nil, err
	}
	return json.Marshal(transferV3{AmountFen: v2.AmountFen, Memo: "recorded before memos"})
}

func newV1() events.Payload { return new(transferV1) }
func newV2() events.Payload { return new(transferV2) }
func newV3() events.Payload { return new(transferV3) }

// storedEvent appends p with a registry where p's type is current (the
// deployment of its time) and returns the event as it reads back.
func storedEvent(t *testing.T, p events.Payload, register ...func() events.Payload) events.Event {
	t.Helper()
	old := events.NewRegistry()
	old.Register(register...)
	s := events.NewMemoryStore(old, nil)
	defer s.Close()
	ev, err := old.Encode(events.DeriveID(testNS, t.Name()), noted(t, 1, "x").Meta, p)
	if err != nil {
		t.Fatalf("Encode: %v", err)
	}
	if _, err := s.Append(t.Context(), "transfer-1", events.NoStream, ev); err != nil {
		t.Fatalf("Append with the old registry: %v", err)
	}
	got, err := s.ReadStream(t.Context(), "transfer-1", 1, events.Forwards, 1)
	if err != nil {
		t.Fatalf("ReadStream: %v", err)
	}
	return got[0]
}

func TestUpcasterReadsAStoredV1EventAsV2(t *testing.T) {
	v1 := storedEvent(t, transferV1{AmountYuan: 12}, newV1)

	reg := events.NewRegistry()
	reg.Register(newV2)
	reg.Upcast(typeTransferV1, typeTransferV2, yuanToFen)
	p, err := reg.Decode(v1)
	if err != nil {
		t.Fatalf("Decode of a stored v1 event: %v", err)
	}
	if diff := cmp.Diff(&transferV2{AmountFen: 1200}, p); diff != "" {
		t.Errorf("Decode (-want +got):\n%s", diff)
	}
	if string(v1.Data) != `{"amountYuan":12}` || v1.Type != typeTransferV1 {
		t.Errorf("Decode changed the stored event: %s %s", v1.Type, v1.Data)
	}

	t.Run("V1IsNoLongerWritable", func(t *testing.T) {
		if reg.Known(typeTransferV1) {
			t.Error("Known(v1) = true; an upcast type is not current")
		}
		if _, err := reg.Encode(v1.ID, v1.Meta, transferV1{AmountYuan: 1}); !errors.Is(err, events.ErrUnknownType) {
			t.Errorf("Encode(v1): %v; want ErrUnknownType", err)
		}
		s := events.NewMemoryStore(reg, nil)
		defer s.Close()
		ev := v1
		ev.Stream, ev.Version, ev.Position = "", 0, 0
		_, err := s.Append(t.Context(), "transfer-1", events.NoStream, ev)
		if !errors.Is(err, events.ErrInvalid) || !errors.Is(err, events.ErrUnknownType) {
			t.Errorf("Append(v1): %v; want ErrInvalid and ErrUnknownType", err)
		}
	})

	t.Run("UpcastResultIsValidatedOnTheWayOut", func(t *testing.T) {
		bad := v1
		bad.Data = json.RawMessage(`{"amountYuan":0}`) // a v1 that v1's rules would refuse too
		if _, err := reg.Decode(bad); !errors.Is(err, events.ErrInvalid) {
			t.Errorf("Decode of a v1 that upcasts to an invalid v2: %v; want ErrInvalid", err)
		}
	})
}

func TestUpcastersChainV1ToV2ToV3(t *testing.T) {
	v1 := storedEvent(t, transferV1{AmountYuan: 3}, newV1)
	v2 := storedEvent(t, transferV2{AmountFen: 250}, newV2)
	v3 := storedEvent(t, transferV3{AmountFen: 99, Memo: "new"}, newV3)

	reg := events.NewRegistry()
	reg.Register(newV3)
	// Declared newest first: the chain is followed when reading, not when
	// declaring.
	reg.Upcast(typeTransferV2, typeTransferV3, addMemo)
	reg.Upcast(typeTransferV1, typeTransferV2, yuanToFen)

	tests := []struct {
		name string
		ev   events.Event
		want events.Payload
	}{
		{"V1ReadsAsV3", v1, &transferV3{AmountFen: 300, Memo: "recorded before memos"}},
		{"V2ReadsAsV3", v2, &transferV3{AmountFen: 250, Memo: "recorded before memos"}},
		{"V3ReadsAsItself", v3, &transferV3{AmountFen: 99, Memo: "new"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := reg.Decode(tt.ev)
			if err != nil {
				t.Fatalf("Decode: %v", err)
			}
			if diff := cmp.Diff(tt.want, p); diff != "" {
				t.Errorf("Decode (-want +got):\n%s", diff)
			}
		})
	}
	if got, want := reg.Types(), []string{typeTransferV3}; !cmp.Equal(got, want) {
		t.Errorf("Types() = %v; want %v", got, want)
	}
}

func TestDecodeFailures(t *testing.T) {
	errUpcast := errors.New("upcast failed")
	reg := events.NewRegistry()
	reg.Register(newV2, func() events.Payload { return new(optional) })
	reg.Upcast(typeTransferV1, typeTransferV2, func(json.RawMessage) (json.RawMessage, error) { return nil, errUpcast })
	reg.Upcast("loop.a.v1", "loop.b.v1", func(m json.RawMessage) (json.RawMessage, error) { return m, nil })
	reg.Upcast("loop.b.v1", "loop.a.v1", func(m json.RawMessage) (json.RawMessage, error) { return m, nil })

	tests := []struct {
		name string
		typ  string
		data string
		want error // errors.Is, or nil for any error
	}{
		{"UnknownFieldIsRefused", typeTransferV2, `{"amountFen":1,"amountYuan":1}`, nil},
		{"TrailingDataIsRefused", typeTransferV2, `{"amountFen":1}{"amountFen":2}`, nil},
		{"NotJSONIsRefused", typeTransferV2, `amountFen=1`, nil},
		{"WrongJSONTypeIsRefused", typeTransferV2, `{"amountFen":"1"}`, nil},
		{"FloatForIntIsRefused", typeTransferV2, `{"amountFen":1.5}`, nil},
		{"ArrayIsRefused", "test.optional.v1", `[]`, nil},
		{"NullIsRefused", "test.optional.v1", `null`, nil},
		{"EmptyIsRefused", "test.optional.v1", ``, nil},
		{"InvalidPayloadIsRefusedOnTheWayOut", typeTransferV2, `{"amountFen":-5}`, events.ErrInvalid},
		{"UnknownTypeIsRefused", "transfer.unheard_of.v1", `{}`, events.ErrUnknownType},
		{"UpcasterErrorIsReported", typeTransferV1, `{"amountYuan":1}`, errUpcast},
		{"UpcastCycleIsUnknown", "loop.a.v1", `{}`, events.ErrUnknownType},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := reg.Decode(events.Event{Type: tt.typ, Data: json.RawMessage(tt.data), Position: 42})
			if err == nil {
				t.Fatalf("Decode(%s %s) = %#v; want an error", tt.typ, tt.data, p)
			}
			if tt.want != nil && !errors.Is(err, tt.want) {
				t.Errorf("Decode: %v; want %v", err, tt.want)
			}
			if !strings.Contains(err.Error(), "42") {
				t.Errorf("Decode error %q does not name the position", err)
			}
		})
	}
	if p, err := reg.Decode(events.Event{Type: "test.optional.v1", Data: json.RawMessage(` {} `)}); err != nil {
		t.Errorf("Decode of an empty object with spaces = %v, %v; want success", p, err)
	}
}

func TestEncodeValidatesOnTheWayIn(t *testing.T) {
	reg := storetest.Registry()
	meta := noted(t, 1, "x").Meta
	id := events.DeriveID(testNS, "encode")

	ev, err := reg.Encode(id, meta, storetest.Noted{Text: "hello", N: 2})
	if err != nil {
		t.Fatalf("Encode: %v", err)
	}
	want := events.Event{ID: id, Type: storetest.TypeNoted, Data: json.RawMessage(`{"text":"hello","n":2}`), Meta: meta}
	if diff := cmp.Diff(want, ev); diff != "" {
		t.Errorf("Encode (-want +got):\n%s", diff)
	}
	p, err := reg.Decode(ev)
	if err != nil || !cmp.Equal(p, &storetest.Noted{Text: "hello", N: 2}) {
		t.Errorf("Decode(Encode(p)) = %#v, %v; want p", p, err)
	}

	_, err = reg.Encode(id, meta, storetest.Noted{Text: "", N: -1})
	var inv *events.InvalidError
	if !errors.Is(err, events.ErrInvalid) || !errors.As(err, &inv) || len(inv.Problems) != 2 {
		t.Errorf("Encode of an invalid payload: %v; want ErrInvalid with both problems", err)
	}
	if _, err := reg.Encode(id, meta, transferV2{AmountFen: 1}); !errors.Is(err, events.ErrUnknownType) {
		t.Errorf("Encode of an unregistered type: %v; want ErrUnknownType", err)
	}
}

func TestRegisterPanicsOnAProgrammingError(t *testing.T) {
	tests := []struct {
		name  string
		setup func(r *events.Registry)
	}{
		{"MalformedName", func(r *events.Registry) { r.Register(named("Transfer")) }},
		{"NameWithoutVersion", func(r *events.Registry) { r.Register(named("transfer.recorded")) }},
		{"NameWithOneWord", func(r *events.Registry) { r.Register(named("transfer.v1")) }},
		{"VersionZero", func(r *events.Registry) { r.Register(named("transfer.recorded.v0")) }},
		{"UpperCase", func(r *events.Registry) { r.Register(named("Transfer.Recorded.v1")) }},
		{"NameAboveTypeBytesMax", func(r *events.Registry) {
			r.Register(named("a." + strings.Repeat("b", events.TypeBytesMax) + ".v1"))
		}},
		{"SameNameTwice", func(r *events.Registry) { r.Register(newV2, newV2) }},
		{"SameNameInTwoCalls", func(r *events.Registry) { r.Register(newV2); r.Register(newV2) }},
		{"NameThatIsUpcast", func(r *events.Registry) {
			r.Upcast(typeTransferV1, typeTransferV2, yuanToFen)
			r.Register(newV1)
		}},
		{"UpcastFromACurrentType", func(r *events.Registry) {
			r.Register(newV1)
			r.Upcast(typeTransferV1, typeTransferV2, yuanToFen)
		}},
		{"UpcastTwice", func(r *events.Registry) {
			r.Upcast(typeTransferV1, typeTransferV2, yuanToFen)
			r.Upcast(typeTransferV1, typeTransferV3, yuanToFen)
		}},
		{"UpcastToItself", func(r *events.Registry) { r.Upcast(typeTransferV1, typeTransferV1, yuanToFen) }},
		{"UpcastFromAMalformedName", func(r *events.Registry) { r.Upcast("v1", typeTransferV2, yuanToFen) }},
		{"UpcastToAMalformedName", func(r *events.Registry) { r.Upcast(typeTransferV1, "V2", yuanToFen) }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			defer func() {
				if recover() == nil {
					t.Error("no panic")
				}
			}()
			tt.setup(events.NewRegistry())
		})
	}
}

func TestRegistryListsCurrentTypes(t *testing.T) {
	r := events.NewRegistry()
	if got := r.Types(); len(got) != 0 {
		t.Errorf("an empty registry has types %v", got)
	}
	r.Register(newV3, func() events.Payload { return new(optional) }, newV2)
	r.Upcast(typeTransferV1, typeTransferV2, yuanToFen)
	want := []string{"test.optional.v1", typeTransferV2, typeTransferV3}
	if diff := cmp.Diff(want, r.Types()); diff != "" {
		t.Errorf("Types (-want +got):\n%s", diff)
	}
	for typ, known := range map[string]bool{typeTransferV2: true, typeTransferV1: false, "nope.nope.v1": false} {
		if got := r.Known(typ); got != known {
			t.Errorf("Known(%q) = %v; want %v", typ, got, known)
		}
	}
}

func TestValidTypeName(t *testing.T) {
	tests := []struct {
		name string
		ok   bool
	}{
		{"household.enrolled.v1", true},
		{"fund.pool.disbursed.v12", true},
		{"snake_case.fact_name.v2", true},
		{"area9.fact.v1", true},
		{"household.enrolled", false},
		{"household.enrolled.v01", false},
		{"household.enrolled.V1", false},
		{"9area.fact.v1", false},
		{"area..fact.v1", false},
		{"area.fact.v1 ", false},
		{"", false},
	}
	for _, tt := range tests {
		if got := events.ValidTypeName(tt.name); got != tt.ok {
			t.Errorf("ValidTypeName(%q) = %v; want %v", tt.name, got, tt.ok)
		}
	}
}

type namedPayload struct{ name string }

func (p namedPayload) EventType() string { return p.name }
func (namedPayload) Validate() error     { return nil }

func named(name string) func() events.Payload {
	return func() events.Payload { return namedPayload{name} }
}
