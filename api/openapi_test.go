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
