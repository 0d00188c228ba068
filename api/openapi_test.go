package api_test

import (
	"encoding/json"
	"strings"
	"testing"
)

// TestOpenAPIDocumentsExactlyTheRegisteredRoutes fetches /openapi.json and
// compares its operations with the routes the server answers: an endpoint
// added without documentation, or documented but not served, fails here.
func TestOpenAPIDocumentsExactlyTheRegisteredRoutes(t *testing.T) {
	srv, ts := newAPIServer(t)
	resp, body := get(t, ts.URL+"/openapi.json")
	if resp.StatusCode != 200 {
		t.Fatalf("openapi.json = %d", resp.StatusCode)
	}
	var doc struct {
		OpenAPI string                                `json:"openapi"`
		Paths   map[string]map[string]json.RawMessage `json:"paths"`
	}
	if err := json.Unmarshal([]byte(body), &doc); err != nil || !strings.HasPrefix(doc.OpenAPI, "3.") {
		t.Fatalf("not an OpenAPI 3 document: %v", err)
	}
	documented := map[string]bool{}
	for path, ops := range doc.Paths {
		for method := range ops {
			documented[strings.ToUpper(method)+" "+path] = true
		}
	}
	served := map[string]bool{}
	for _, r := range srv.Routes() {
		served[r] = true
		if !documented[r] {
			t.Errorf("%s is served but not documented", r)
		}
	}
	for r := range documented {
		if !served[r] {
			t.Errorf("%s is documented but not served", r)
		}
	}
	if len(served) < 4 {
		t.Fatalf("only %d routes found: %v", len(served), served)
	}
}

// TestOpenAPIListsTheClosedVocabulariesAsEnums: a complaint's category and
// channel are documented with exactly the values the domain accepts, taken
// from its own lists, so the document cannot drift from the rules.
func TestOpenAPIListsTheClosedVocabulariesAsEnums(t *testing.T) {
	_, body := get(t, newDesk(t).url+"/openapi.json")
	var doc struct {
		Paths map[string]map[string]struct {
			RequestBody struct {
				Content map[string]struct {
					Schema struct {
						Properties map[string]struct {
							Enum []string `json:"enum"`
						} `json:"properties"`
					} `json:"schema"`
				} `json:"content"`
			} `json:"requestBody"`
		} `json:"paths"`
	}
	if err := json.Unmarshal([]byte(body), &doc); err != nil {
		t.Fatal(err)
	}
	props := doc.Paths["/complaints"]["post"].RequestBody.Content["application/json"].Schema.Properties
	for field, want := range map[string][]string{
		"category": {"wrongly_excluded", "wrongly_included", "money_not_received", "money_deducted", "cadre_misconduct", "project_quality"},
		"channel":  {"phone_12317", "letter", "web", "in_person", "system"},
	} {
		if got := props[field].Enum; strings.Join(got, ",") != strings.Join(want, ",") {
			t.Errorf("POST /complaints %s enum = %v, want %v", field, got, want)
		}
	}
}
