package events_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"testing/iotest"

	"github.com/drip-ledger/drip/events"
)

// dnsNS is RFC 9562's DNS namespace.
var dnsNS = events.MustParseID("6ba7b810-9dad-11d1-80b4-00c04fd430c8")

func TestParseIDRoundTrips(t *testing.T) {
	tests := []struct {
		name, in, want string
	}{
		{"LowerCase", "0191f2a4-7b3c-7d5e-8f60-1a2b3c4d5e6f", "0191f2a4-7b3c-7d5e-8f60-1a2b3c4d5e6f"},
		{"UpperCaseReadsAsLowerCase", "0191F2A4-7B3C-7D5E-8F60-1A2B3C4D5E6F", "0191f2a4-7b3c-7d5e-8f60-1a2b3c4d5e6f"},
		{"Nil", "00000000-0000-0000-0000-000000000000", "00000000-0000-0000-0000-000000000000"},
		{"Max", "ffffffff-ffff-ffff-ffff-ffffffffffff", "ffffffff-ffff-ffff-ffff-ffffffffffff"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			id, err := events.ParseID(tt.in)
			if err != nil {
				t.Fatalf("ParseID(%q): %v", tt.in, err)
			}
			if got := id.String(); got != tt.want {
				t.Errorf("ParseID(%q).String() = %q; want %q", tt.in, got, tt.want)
			}
		})
	}
}

func TestParseIDBytesAreInOrder(t *testing.T) {
	id := events.MustParseID("00010203-0405-0607-0809-0a0b0c0d0e0f")
	for i, b := range id {
		if int(b) != i {
			t.Fatalf("byte %d is %#x; want %#x", i, b, i)
		}
	}
}

func TestParseIDRefusesNonCanonicalForms(t *testing.T) {
	tests := []struct{ name, in string }{
		{"Empty", ""},
		{"NoDashes", "0191f2a47b3c7d5e8f601a2b3c4d5e6f"},
		{"Braces", "{0191f2a4-7b3c-7d5e-8f60-1a2b3c4d5e6f}"},
		{"URN", "urn:uuid:0191f2a4-7b3c-7d5e-8f60-1a2b3c4d5e6f"},
		{"DashMoved", "0191f2a47-b3c-7d5e-8f60-1a2b3c4d5e6f"},
		{"OneShort", "0191f2a4-7b3c-7d5e-8f60-1a2b3c4d5e6"},
		{"OneLong", "0191f2a4-7b3c-7d5e-8f60-1a2b3c4d5e6f0"},
		{"NotHex", "0191f2a4-7b3c-7d5e-8f60-1a2b3c4d5e6g"},
		{"SpaceInside", "0191f2a4-7b3c-7d5e-8f60-1a2b3c4d5e 6"},
		{"DashInHex", "0191f2a4-7b3c-7d5e-8f60--a2b3c4d5e6f"},
		{"PlusSign", "+191f2a4-7b3c-7d5e-8f60-1a2b3c4d5e6f"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			id, err := events.ParseID(tt.in)
			if err == nil {
				t.Fatalf("ParseID(%q) = %s; want an error", tt.in, id)
			}
			if !id.IsZero() {
				t.Errorf("ParseID(%q) failed but returned %s; want NilID", tt.in, id)
			}
		})
	}
}

func TestMustParseIDPanicsOnBadInput(t *testing.T) {
	defer func() {
		if recover() == nil {
			t.Error("MustParseID(\"nope\") did not panic")
		}
	}()
	events.MustParseID("nope")
}

func TestIDTextRoundTripsThroughJSON(t *testing.T) {
	type doc struct {
		ID events.ID `json:"id"`
	}
	in := doc{events.MustParseID("0191f2a4-7b3c-7d5e-8f60-1a2b3c4d5e6f")}
	b, err := json.Marshal(in)
	if err != nil {
		t.Fatal(err)
	}
	if want := `{"id":"0191f2a4-7b3c-7d5e-8f60-1a2b3c4d5e6f"}`; string(b) != want {
		t.Errorf("json = %s; want %s", b, want)
	}
	var out doc
	if err := json.Unmarshal(b, &out); err != nil || out != in {
		t.Errorf("Unmarshal = %v, %v; want %v", out, err, in)
	}
	if err := json.Unmarshal([]byte(`{"id":"nope"}`), &out); err == nil {
		t.Error("Unmarshal of a bad id succeeded")
	}
}

func TestDeriveIDMatchesRFC9562(t *testing.T) {
	tests := []struct{ name, want string }{
		{"www.example.com", "2ed6657d-e927-568b-95e1-2665a8aea6a2"}, // RFC 9562, appendix A.4
		{"python.org", "886313e1-3b8a-5372-9b90-0c9aee199e5d"},      // Python's uuid docs
	}
	for _, tt := range tests {
		if got := events.DeriveID(dnsNS, tt.name).String(); got != tt.want {
			t.Errorf("DeriveID(DNS, %q) = %s; want %s", tt.name, got, tt.want)
		}
	}
}

func TestDeriveIDIsDeterministicAndSeparatesInputs(t *testing.T) {
	ns2 := events.DeriveID(dnsNS, "drip")
	a := events.DeriveID(dnsNS, "req-1")
	if again := events.DeriveID(dnsNS, "req-1"); again != a {
		t.Errorf("DeriveID gave %s then %s for the same input", a, again)
	}
	seen := map[events.ID]string{a: "dns/req-1"}
	for label, id := range map[string]events.ID{
		"dns/req-2": events.DeriveID(dnsNS, "req-2"),
		"dns/":      events.DeriveID(dnsNS, ""),
		"ns2/req-1": events.DeriveID(ns2, "req-1"),
	} {
		if prev, dup := seen[id]; dup {
			t.Errorf("%s and %s derive the same id %s", prev, label, id)
		}
		seen[id] = label
	}
	for id := range seen {
		checkVersion(t, id, 5)
	}
}

func TestNewIDSetsVersion4(t *testing.T) {
	// All ones and all zeros: the version and variant bits must be forced
	// both ways.
	for _, fill := range []byte{0x00, 0xff} {
		id, err := events.NewID(bytes.NewReader(bytes.Repeat([]byte{fill}, 16)))
		if err != nil {
			t.Fatal(err)
		}
		checkVersion(t, id, 4)
	}
	a, err := events.NewID(nil)
	if err != nil {
		t.Fatal(err)
	}
	b, err := events.NewID(nil)
	if err != nil {
		t.Fatal(err)
	}
	checkVersion(t, a, 4)
	if a == b {
		t.Errorf("two random ids are both %s", a)
	}
}

func TestNewIDReportsAShortRead(t *testing.T) {
	for _, r := range []interface{ Read([]byte) (int, error) }{
		strings.NewReader("short"),
		iotest.ErrReader(errors.New("no entropy")),
	} {
		id, err := events.NewID(r)
		if err == nil || !id.IsZero() {
			t.Errorf("NewID(%T) = %s, %v; want NilID and an error", r, id, err)
		}
	}
}

func checkVersion(t *testing.T, id events.ID, version byte) {
	t.Helper()
	if got := id[6] >> 4; got != version {
		t.Errorf("%s: version %d; want %d", id, got, version)
	}
	if got := id[8] >> 6; got != 0b10 {
		t.Errorf("%s: variant bits %02b; want 10 (RFC 9562)", id, got)
	}
	if s := id.String(); s[14] != '0'+version {
		t.Errorf("%s: the version digit is %c; want %d", s, s[14], version)
	}
}

func FuzzParseID(f *testing.F) {
	f.Add("0191f2a4-7b3c-7d5e-8f60-1a2b3c4d5e6f")
	f.Add("0191F2A4-7B3C-7D5E-8F60-1A2B3C4D5E6F")
	f.Add("00000000-0000-0000-0000-000000000000")
	f.Add("0191f2a47b3c7d5e8f601a2b3c4d5e6f")
	f.Add("")
	f.Fuzz(func(t *testing.T, s string) {
		id, err := events.ParseID(s)
		if err != nil {
			if !id.IsZero() {
				t.Fatalf("ParseID(%q) failed with a non-nil id %s", s, id)
			}
			return
		}
		// A parsed id prints as the input, lower-cased, and parses back.
		if got := id.String(); got != strings.ToLower(s) {
			t.Fatalf("ParseID(%q).String() = %q", s, got)
		}
		again, err := events.ParseID(id.String())
		if err != nil || again != id {
			t.Fatalf("ParseID(String()) = %s, %v; want %s", again, err, id)
		}
	})
}
