package api_test

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/drip-ledger/drip/events"
)

// Given a registration whose names carry a bidi override, a NUL, only
// zero-width spaces and invalid UTF-8, when it is posted, then it is refused
// with 422 naming every one of those fields with its code, and nothing is
// written.
func TestHouseholdRegistrationRefusesBadTextOverHTTP(t *testing.T) {
	d, _ := newOffice(t)
	body := registrationBody(t)
	body["head"].(map[string]any)["name"] = "Zhang\u202Eina"
	members := body["members"].([]any)
	members[0].(map[string]any)["name"] = "Li\x00Si"
	members[1].(map[string]any)["name"] = "\u200B\u200B"
	body["account"].(map[string]any)["holderName"] = "INVALID"
	raw, err := json.Marshal(body)
	if err != nil {
		t.Fatal(err)
	}
	// json.Marshal would replace the bad byte itself; put it in by hand.
	raw = []byte(strings.Replace(string(raw), "INVALID", "Zhang\xffSan", 1))
	r := d.post(d.enumerator(), "/households", "", string(raw))
	if r.status != 422 {
		t.Fatalf("got %d %+v", r.status, r.problem)
	}
	got := map[string]string{}
	for _, e := range r.problem.Errors {
		got[e.Field] = e.Code
	}
	want := map[string]string{
		"head.name":          events.CodeTextBidi,
		"members[0].name":    events.CodeTextControl,
		"members[1].name":    events.CodeTextInvisible,
		"account.holderName": events.CodeTextInvalidUTF8,
	}
	for f, code := range want {
		if got[f] != code {
			t.Errorf("field %s: code %q, want %q (all: %v)", f, got[f], code, got)
		}
	}
	if d.head() != 0 {
		t.Fatal("a registration with bad text was written")
	}
}

// Given a registration with a minority name (middle dot) typed decomposed
// elsewhere, when posted, then it is accepted.
func TestHouseholdRegistrationAcceptsRealNamesOverHTTP(t *testing.T) {
	d, _ := newOffice(t)
	body := registrationBody(t)
	body["head"].(map[string]any)["name"] = "阿依古丽·买买提"
	body["account"].(map[string]any)["holderName"] = "阿依古丽·买买提"
	d.must(d.enumerator(), "/households", body, 0)
}
