package events

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"hash/maphash"
	"regexp"
	"sort"
	"unicode/utf8"
)

// Payload is the typed body of an event. EventType returns the explicit,
// versioned name declared beside the type
// (const TypeHouseholdEnrolled = "household.enrolled.v1"); names are never
// derived by reflection, so renaming a Go type never renames a fact. Validate
// reports every problem at once, as an *InvalidError where it can.
//
// A payload type must round-trip: the JSON that json.Marshal makes of a
// payload that validates decodes strictly (Registry.Decode) into one that
// validates too. CheckAppend relies on it for events made by Encode (see
// there); a type that breaks it is a programming error, which Decode reports
// on the way out.
type Payload interface {
	EventType() string
	Validate() error
}

// Upcaster turns the JSON payload of an older event type into the payload of
// the next one. It must be pure and deterministic: the same stored bytes
// always read the same.
type Upcaster func(old json.RawMessage) (json.RawMessage, error)

type upcast struct {
	to string
	fn Upcaster
}

// Registry is the explicit list of event types a deployment writes and reads.
// It is a value handed to stores and codecs, never a package global, so tests
// and tools can build exactly the registry they need. Build it at start-up and
// do not change it after handing it out.
type Registry struct {
	payloads  map[string]func() Payload
	upcasters map[string]upcast
	// seed keys the seals Encode puts on its events; it is random per
	// registry, so no other registry's seal and no hand-made bytes match.
	seed maphash.Seed
}

// typeName is "area.fact.vN": lower-case words separated by dots, then an
// explicit version.
var typeName = regexp.MustCompile(`^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)+\.v[1-9][0-9]*$`)

// ValidTypeName reports whether s has the form "area.fact.vN".
func ValidTypeName(s string) bool { return len(s) <= TypeBytesMax && typeName.MatchString(s) }

// NewRegistry returns an empty registry.
func NewRegistry() *Registry {
	return &Registry{payloads: map[string]func() Payload{}, upcasters: map[string]upcast{}, seed: maphash.MakeSeed()}
}

// Register adds the payload types made by each constructor. It panics on a
// malformed or repeated name, because that is a programming error found at
// start-up.
func (r *Registry) Register(constructors ...func() Payload) {
	for _, newP := range constructors {
		name := newP().EventType()
		if !ValidTypeName(name) {
			panic(fmt.Sprintf("events: register %q: type name must look like area.fact.v1", name))
		}
		if _, dup := r.payloads[name]; dup {
			panic(fmt.Sprintf("events: register %q twice", name))
		}
		if _, dup := r.upcasters[name]; dup {
			panic(fmt.Sprintf("events: %q is both a payload and an upcaster source", name))
		}
		r.payloads[name] = newP
	}
}

// Upcast declares that stored events of type from are read as type to after
// fn rewrites their payload. from is no longer accepted by Append: only
// current types are written. Chains (v1 → v2 → v3) are followed on read.
func (r *Registry) Upcast(from, to string, fn Upcaster) {
	if !ValidTypeName(from) || !ValidTypeName(to) || from == to {
		panic(fmt.Sprintf("events: upcast %q to %q: malformed names", from, to))
	}
	if _, dup := r.payloads[from]; dup {
		panic(fmt.Sprintf("events: upcast %q: it is registered as a current payload", from))
	}
	if _, dup := r.upcasters[from]; dup {
		panic(fmt.Sprintf("events: upcast %q twice", from))
	}
	r.upcasters[from] = upcast{to: to, fn: fn}
}

// Known reports whether typ is a current (writable) type.
func (r *Registry) Known(typ string) bool {
	_, ok := r.payloads[typ]
	return ok
}

// Types returns the current type names, sorted.
func (r *Registry) Types() []string {
	out := make([]string, 0, len(r.payloads))
	for t := range r.payloads {
		out = append(out, t)
	}
	sort.Strings(out)
	return out
}

// Decode returns the payload of a stored event as its current type: it
// applies upcasters until it reaches a registered type, decodes the JSON
// strictly (unknown fields are an error) and validates the result. This is the
// check on the way out: data that decodes but fails validation is reported,
// never used.
func (r *Registry) Decode(ev Event) (Payload, error) {
	typ, data := ev.Type, json.RawMessage(ev.Data)
	for hops := 0; ; hops++ {
		if _, ok := r.payloads[typ]; ok {
			break
		}
		up, ok := r.upcasters[typ]
		if !ok || hops > 100 {
			return nil, fmt.Errorf("events: decode position %d: %q: %w", ev.Position, typ, ErrUnknownType)
		}
		var err error
		if data, err = up.fn(data); err != nil {
			return nil, fmt.Errorf("events: upcast position %d from %q to %q: %w", ev.Position, typ, up.to, err)
		}
		typ = up.to
	}
	p, err := r.decodeCurrent(typ, data)
	if err != nil {
		return nil, fmt.Errorf("events: decode position %d (%s): %w", ev.Position, ev.Type, err)
	}
	return p, nil
}

func (r *Registry) decodeCurrent(typ string, data []byte) (Payload, error) {
	// json decodes null into a payload as "no change"; a payload must be an
	// object, so null, arrays and scalars are refused here.
	if t := bytes.TrimLeft(data, " \t\r\n"); len(t) == 0 || t[0] != '{' {
		return nil, fmt.Errorf("payload is not a JSON object")
	}
	// encoding/json would put U+FFFD in place of invalid UTF-8 silently.
	if !utf8.Valid(data) {
		return nil, &InvalidError{Problems: []Problem{{Field: "", Reason: "is not valid UTF-8"}}}
	}
	p := r.payloads[typ]()
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(p); err != nil {
		return nil, err
	}
	if dec.More() {
		return nil, fmt.Errorf("trailing data after the JSON object")
	}
	if err := p.Validate(); err != nil {
		return nil, err
	}
	if err := CheckPayloadText(p); err != nil {
		return nil, err
	}
	return p, nil
}

// Encode makes an event of payload p: it validates p (the check on the way
// in) and marshals it. The caller supplies the ID and metadata.
//
// The event carries a seal, so that CheckAppend of the same registry does
// not decode and validate its payload a second time (on a busy store that
// decode is most of the CPU an append costs). The trust rule:
//
//   - The seal is a 64-bit hash, keyed with the registry's random seed, of
//     Type and of the bytes of Data, stored in Data's spare capacity just
//     past its length, where nothing that reads Data looks (json, cmp and
//     reflect.DeepEqual see len(Data) bytes only). Event has no field for it.
//   - CheckAppend skips the payload decode only when that hash matches Type
//     and Data exactly as they are at the call. An event whose Data was
//     replaced, copied, resliced, appended to or edited in place, whose Type
//     was changed, that was built by hand, read back from a store or made by
//     another registry, is decoded and validated in full, as before.
//     Everything else CheckAppend checks (stream, ID, size, metadata, type)
//     is checked for every event.
//   - The seal guards against mistakes, not against an attacker who already
//     runs code in the process: maphash is not a MAC. A chance match needs
//     64 bits to agree (about 5e-20). Writing into Data's capacity past its
//     length while an append reads the event is a data race, a programming
//     error like any other.
//   - Skipping the decode is sound because Encode validated p and Data is
//     json.Marshal(p), which decodes back to a valid payload when the
//     payload type round-trips (see Payload).
func (r *Registry) Encode(id ID, meta Metadata, p Payload) (Event, error) {
	typ := p.EventType()
	if !r.Known(typ) {
		return Event{}, fmt.Errorf("events: encode %q: %w", typ, ErrUnknownType)
	}
	if err := p.Validate(); err != nil {
		return Event{}, fmt.Errorf("events: encode %q: %w", typ, err)
	}
	// The last line of the text rule: whatever entry point let a control
	// character or an invalid byte through, the log does not take it.
	if err := CheckPayloadText(p); err != nil {
		return Event{}, fmt.Errorf("events: encode %q: %w", typ, err)
	}
	data, err := json.Marshal(p)
	if err != nil {
		return Event{}, fmt.Errorf("events: encode %q: %w", typ, err)
	}
	sealed := make([]byte, len(data), len(data)+sealBytes)
	copy(sealed, data)
	binary.LittleEndian.PutUint64(sealed[len(data):len(data)+sealBytes], r.seal(typ, data))
	return Event{ID: id, Type: typ, Data: sealed, Meta: meta}, nil
}

// sealBytes is the size of the seal Encode stores past the end of Data.
const sealBytes = 8

// seal is the keyed hash of an event's type and payload bytes.
func (r *Registry) seal(typ string, data []byte) uint64 {
	var h maphash.Hash
	h.SetSeed(r.seed)
	h.WriteString(typ)
	h.WriteByte(0) // type names hold no NUL, so type and data cannot shift into each other
	h.Write(data)
	return h.Sum64()
}

// sealed reports whether data carries this registry's seal of typ and data,
// exactly as Encode made them.
func (r *Registry) sealed(typ string, data []byte) bool {
	if len(data) == 0 || cap(data)-len(data) < sealBytes {
		return false
	}
	tag := data[len(data) : len(data)+sealBytes]
	return binary.LittleEndian.Uint64(tag) == r.seal(typ, data)
}
