package events

import (
	"crypto/rand"
	"crypto/sha1"
	"encoding/hex"
	"fmt"
	"io"
)

// ID is an event ID: a UUID (RFC 9562) in its 16 raw bytes.
//
// IDs are chosen by the writer, never by the store, so that a retried append
// carries the same IDs and the store can recognise it (see Store.Append).
type ID [16]byte

// NilID is the zero ID; it is never a valid event ID.
var NilID ID

// NewID returns a random (version 4) UUID read from r, or from crypto/rand
// when r is nil. The domain never calls it: IDs come into the domain as
// arguments, so decisions stay pure and replayable.
func NewID(r io.Reader) (ID, error) {
	if r == nil {
		r = rand.Reader
	}
	var id ID
	if _, err := io.ReadFull(r, id[:]); err != nil {
		return NilID, fmt.Errorf("events: new id: %w", err)
	}
	id[6] = (id[6] & 0x0f) | 0x40
	id[8] = (id[8] & 0x3f) | 0x80
	return id, nil
}

// DeriveID returns a name-based (version 5, SHA-1) UUID for name within
// namespace. Writers derive event IDs from an idempotency key this way, so that
// a request retried after a lost response produces the very same events and the
// store answers it with the earlier result instead of writing twice.
func DeriveID(namespace ID, name string) ID {
	h := sha1.New()
	h.Write(namespace[:])
	h.Write([]byte(name))
	var id ID
	copy(id[:], h.Sum(nil))
	id[6] = (id[6] & 0x0f) | 0x50
	id[8] = (id[8] & 0x3f) | 0x80
	return id
}

// ParseID parses the canonical 36-character form
// (xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx).
func ParseID(s string) (ID, error) {
	var id ID
	if len(s) != 36 || s[8] != '-' || s[13] != '-' || s[18] != '-' || s[23] != '-' {
		return NilID, fmt.Errorf("events: id %q is not a canonical UUID", s)
	}
	hexs := s[0:8] + s[9:13] + s[14:18] + s[19:23] + s[24:36]
	if _, err := hex.Decode(id[:], []byte(hexs)); err != nil {
		return NilID, fmt.Errorf("events: id %q is not a canonical UUID", s)
	}
	return id, nil
}

// MustParseID is ParseID for constants in code and tests; it panics on error.
func MustParseID(s string) ID {
	id, err := ParseID(s)
	if err != nil {
		panic(err)
	}
	return id
}

func (id ID) String() string {
	var b [36]byte
	hex.Encode(b[0:8], id[0:4])
	b[8] = '-'
	hex.Encode(b[9:13], id[4:6])
	b[13] = '-'
	hex.Encode(b[14:18], id[6:8])
	b[18] = '-'
	hex.Encode(b[19:23], id[8:10])
	b[23] = '-'
	hex.Encode(b[24:36], id[10:16])
	return string(b[:])
}

// IsZero reports whether id is NilID.
func (id ID) IsZero() bool { return id == NilID }

// MarshalText encodes the canonical form, so IDs read well in JSON.
func (id ID) MarshalText() ([]byte, error) { return []byte(id.String()), nil }

// UnmarshalText decodes the canonical form.
func (id *ID) UnmarshalText(b []byte) error {
	p, err := ParseID(string(b))
	if err != nil {
		return err
	}
	*id = p
	return nil
}
