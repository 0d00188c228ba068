package kurrentdb

// White-box tests: the mappings are unexported on purpose (the client's
// types stay inside this package), so they are tested from inside it.

import (
	"errors"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/EventStore/EventStore-Client-Go/v4/esdb"
	"github.com/google/go-cmp/cmp"
	"github.com/google/uuid"

	"github.com/drip-ledger/drip/events"
)

func TestExpectedRevisionMapsDripVersionsOntoRevisions(t *testing.T) {
	tests := []struct {
		in   events.Expected
		want esdb.ExpectedRevision
	}{
		{events.Any, esdb.Any{}},
		{events.NoStream, esdb.NoStream{}},
		{events.Exact(0), esdb.NoStream{}},
		{events.StreamExists, esdb.StreamExists{}},
		{events.Exact(1), esdb.Revision(0)},
		{events.Exact(7), esdb.Revision(6)},
	}
	for _, tt := range tests {
		if got := expectedRevision(tt.in); got != tt.want {
			t.Errorf("expectedRevision(%v) = %#v; want %#v", tt.in, got, tt.want)
		}
	}
	if version(0) != 1 || revision(1) != 0 || version(revision(42)) != 42 {
		t.Error("version and revision are not each other's inverse with versions from 1")
	}
}

func TestStreamNamesCarryThePrefixAndOnlyTheirOwn(t *testing.T) {
	if got := streamName("prod-gz:", "household-1"); got != "prod-gz:household-1" {
		t.Errorf("streamName = %q", got)
	}
	tests := []struct {
		prefix, name string
		want         string
		ok           bool
	}{
		{"prod-gz:", "prod-gz:household-1", "household-1", true},
		{"prod-gz:", "prod-gy:household-1", "", false},
		{"prod-gz:", "prod-gz:", "", false}, // nothing after the prefix
		{"prod-gz:", "$stats-127.0.0.1:2113", "", false},
		{"", "household-1", "household-1", true},
		{"", "$users", "", false},
		{"", "$$household-1", "", false}, // stream metadata
	}
	for _, tt := range tests {
		got, ok := dripStream(tt.prefix, tt.name)
		if got != tt.want || ok != tt.ok {
			t.Errorf("dripStream(%q, %q) = %q, %v; want %q, %v", tt.prefix, tt.name, got, ok, tt.want, tt.ok)
		}
	}
}

func TestTokensAreOddOrderedAndMapBackToRecordStarts(t *testing.T) {
	positions := []uint64{0, 1, 127, 128, 4096, 1 << 40, math.MaxInt64}
	var last uint64
	for i, c := range positions {
		tok := token(esdb.Position{Commit: c, Prepare: c})
		if tok%2 != 1 || (i > 0 && tok <= last) {
			t.Fatalf("token(%d) = %d after %d; want odd and increasing", c, tok, last)
		}
		last = tok
		if st := boundary(tok); c > 0 && (st.at == nil || st.at.Commit != c || st.after) {
			t.Errorf("boundary(token(%d)) = %+v; want at %d, inclusive", c, st, c)
		}
		if st := boundary(tok + 1); tok+1 != 0 && (st.at == nil || st.at.Commit != c || !st.after) {
			t.Errorf("boundary(token(%d)+1) = %+v; want at %d, after it", c, st, c)
		}
	}
	for _, from := range []uint64{0, 1} {
		if st := boundary(from); st.at != nil {
			t.Errorf("boundary(%d) = %+v; want the start of $all", from, st)
		}
	}
}

func TestFiltersSelectThePrefixOrExcludeSystemEvents(t *testing.T) {
	if f := streamFilter("prod:"); f.Type != esdb.StreamFilterType || !cmp.Equal(f.Prefixes, []string{"prod:"}) {
		t.Errorf("streamFilter(prefix) = %+v", f)
	}
	if f := streamFilter(""); f.Type != esdb.EventFilterType || f.Regex == "" {
		t.Errorf("streamFilter(\"\") = %+v; want the system-events exclusion", f)
	}
}

var occurred = time.Date(2025, 3, 5, 10, 11, 12, 123456789, time.FixedZone("CST", 8*60*60))

func sampleEvent() events.Event {
	return events.Event{
		ID:   events.MustParseID("0191f2a4-7b3c-7d5e-8f60-1a2b3c4d5e6f"),
		Type: "household.enrolled.v1",
		Data: []byte(`{ "n": 7,  "text": "往返" }`),
		Meta: events.Metadata{ActorID: "干部-0042", Role: "county-clerk", Jurisdiction: "520526",
			IdempotencyKey: "req-7f3a", CorrelationID: "corr-1", CausationID: "cause-1", OccurredAt: occurred},
	}
}

func TestEventDataKeepsIDTypeAndBytesAndRoundTrips(t *testing.T) {
	ev := sampleEvent()
	at := time.Date(2025, 3, 6, 1, 2, 3, 456789999, time.UTC)
	d, err := eventData(ev, at)
	if err != nil {
		t.Fatal(err)
	}
	if d.EventID != uuid.UUID(ev.ID) || d.EventType != ev.Type || string(d.Data) != string(ev.Data) || d.ContentType != esdb.ContentTypeJson {
		t.Fatalf("eventData = %+v; want the ID, type and payload bytes unchanged", d)
	}
	ev.Data[0] = 'X' // the caller reuses its buffer
	if d.Data[0] != '{' {
		t.Error("eventData shares the caller's payload buffer")
	}
	r := &esdb.RecordedEvent{EventID: d.EventID, EventType: d.EventType, StreamID: "p:household-1", EventNumber: 4,
		Position: esdb.Position{Commit: 900, Prepare: 900}, Data: d.Data, UserMetadata: d.Metadata}
	got, ok, err := fromRecorded("p:", r)
	if err != nil || !ok {
		t.Fatalf("fromRecorded = %v, %v", ok, err)
	}
	want := sampleEvent()
	want.Stream, want.Version, want.Position = "household-1", 5, 1801
	want.Meta.OccurredAt = events.RecordedTime(occurred)
	want.RecordedAt = events.RecordedTime(at)
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("round trip (-want +got):\n%s", diff)
	}
	if !events.SameContent(got, sampleEvent()) {
		t.Error("the round trip is not the same content")
	}
}

func TestMetadataIsDocumentedJSON(t *testing.T) {
	b, err := encodeMeta(sampleEvent().Meta, time.Date(2025, 3, 6, 1, 2, 3, 456789999, time.UTC))
	if err != nil {
		t.Fatal(err)
	}
	const want = `{"dripMeta":1,"actorId":"干部-0042","role":"county-clerk","jurisdiction":"520526",` +
		`"idempotencyKey":"req-7f3a","correlationId":"corr-1","causationId":"cause-1",` +
		`"occurredAt":"2025-03-05T02:11:12.123456Z","recordedAt":"2025-03-06T01:02:03.456789Z"}`
	if string(b) != want {
		t.Errorf("metadata\n got %s\nwant %s", b, want)
	}
}

func TestDamagedEventsInOwnStreamsAreCorruptOthersAreSkipped(t *testing.T) {
	good, _ := encodeMeta(sampleEvent().Meta, time.Now())
	tests := []struct {
		name    string
		r       esdb.RecordedEvent
		ok      bool
		corrupt bool
	}{
		{"OwnEvent", esdb.RecordedEvent{StreamID: "p:s-1", EventType: "a.b.v1", UserMetadata: good}, true, false},
		{"OtherPrefix", esdb.RecordedEvent{StreamID: "q:s-1", EventType: "a.b.v1"}, false, false},
		{"SystemStream", esdb.RecordedEvent{StreamID: "$stats-1", EventType: "$statsCollected"}, false, false},
		{"SystemTypeInOwnStream", esdb.RecordedEvent{StreamID: "p:s-1", EventType: "$metadata"}, false, false},
		{"NoMetadata", esdb.RecordedEvent{StreamID: "p:s-1", EventType: "a.b.v1"}, false, true},
		{"ForeignMetadata", esdb.RecordedEvent{StreamID: "p:s-1", EventType: "a.b.v1", UserMetadata: []byte(`{"$correlationId":"x"}`)}, false, true},
		{"OtherFormat", esdb.RecordedEvent{StreamID: "p:s-1", EventType: "a.b.v1", UserMetadata: []byte(strings.Replace(string(good), `"dripMeta":1`, `"dripMeta":2`, 1))}, false, true},
		{"NoRecordedAt", esdb.RecordedEvent{StreamID: "p:s-1", EventType: "a.b.v1", UserMetadata: []byte(`{"dripMeta":1,"actorId":"a","occurredAt":"2025-01-01T00:00:00Z","recordedAt":"0001-01-01T00:00:00Z"}`)}, false, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, ok, err := fromRecorded("p:", &tt.r)
			if ok != tt.ok || errors.Is(err, events.ErrCorrupt) != tt.corrupt {
				t.Errorf("fromRecorded = %v, %v; want ok %v, corrupt %v", ok, err, tt.ok, tt.corrupt)
			}
		})
	}
}

func TestOptionsValidateReportsEveryProblem(t *testing.T) {
	if err := (Options{}).Validate(); err != nil {
		t.Errorf("zero Options: %v; want valid (defaults)", err)
	}
	if err := (Options{Prefix: "prod-gz:", PollInterval: time.Second, HeadScanMax: 10}).Validate(); err != nil {
		t.Errorf("good Options: %v", err)
	}
	err := Options{Prefix: "$sys", PollInterval: time.Nanosecond, HeadScanMax: -1}.Validate()
	for _, field := range []string{"Prefix", "PollInterval", "HeadScanMax"} {
		if err == nil || !strings.Contains(err.Error(), field) {
			t.Errorf("Validate of bad options: %v; want %s named", err, field)
		}
	}
	if err := (Options{Prefix: strings.Repeat("p", PrefixBytesMax+1)}).Validate(); err == nil {
		t.Error("a prefix above PrefixBytesMax is valid; want an error")
	}
}

func TestKurrentDBSchemesAreTheClientsEsdbSchemes(t *testing.T) {
	tests := map[string]string{
		"kurrentdb://admin:changeit@localhost:2113?tlsCAFile=ca.crt": "esdb://admin:changeit@localhost:2113?tlsCAFile=ca.crt",
		"kurrentdb+discover://cluster.local:2113":                    "esdb+discover://cluster.local:2113",
		"kurrent://localhost:2113?tls=false":                         "esdb://localhost:2113?tls=false",
		"esdb://localhost:2113":                                      "esdb://localhost:2113",
	}
	for in, want := range tests {
		if got := clientConnString(in); got != want {
			t.Errorf("clientConnString(%q) = %q; want %q", in, got, want)
		}
	}
	if _, err := esdb.ParseConnectionString(clientConnString("kurrentdb://a:b@localhost:2111,localhost:2112?tls=false")); err != nil {
		t.Errorf("the client does not parse a converted cluster string: %v", err)
	}
}
