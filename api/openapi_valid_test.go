package api_test

import (
	"bytes"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/pb33f/libopenapi"
	validator "github.com/pb33f/libopenapi-validator"
)

// openAPIValidator builds a validator of the document that h serves, failing
// the test on a document that is not valid OpenAPI 3.1.
func openAPIValidator(t *testing.T, h http.Handler) validator.Validator {
	t.Helper()
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/openapi.json", nil))
	if rec.Code != http.StatusOK {
		t.Fatalf("openapi.json = %d", rec.Code)
	}
	return documentValidator(t, rec.Body.Bytes())
}

func documentValidator(t *testing.T, body []byte) validator.Validator {
	t.Helper()
	doc, err := libopenapi.NewDocument(body)
	if err != nil {
		t.Fatalf("openapi.json does not parse: %v", err)
	}
	v, errs := validator.NewValidator(doc)
	if len(errs) > 0 {
		t.Fatalf("openapi.json: %v", errs)
	}
	if ok, verrs := v.ValidateDocument(); !ok {
		for _, e := range verrs {
			t.Errorf("openapi.json: %s: %s", e.Message, e.Reason)
			for _, se := range e.SchemaValidationErrors {
				t.Errorf("  %s at %s", se.Reason, se.FieldPath)
			}
		}
		t.FailNow()
	}
	return v
}

func TestOpenAPIDocumentIsValidOpenAPI31(t *testing.T) {
	d := newCounty(t)
	_, body := get(t, d.url+"/openapi.json")
	documentValidator(t, []byte(body))
}

// conforming wraps h so that every response it gives in a test is checked
// against the OpenAPI document it serves: the document promises what the
// clients get, so a field named otherwise (Outcome for outcome) or a
// missing required one fails the test that met it.
func conforming(t *testing.T, h http.Handler) http.Handler {
	var once sync.Once
	var v validator.Validator
	var mu sync.Mutex
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		once.Do(func() { v = openAPIValidator(t, h) })
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, r)
		for k, vs := range rec.Header() {
			w.Header()[k] = vs
		}
		w.WriteHeader(rec.Code)
		body := rec.Body.Bytes()
		w.Write(body)
		ct := rec.Header().Get("Content-Type")
		if r.URL.Path == "/openapi.json" || r.URL.Path == "/metrics" || !strings.Contains(ct, "json") {
			return
		}
		resp := &http.Response{StatusCode: rec.Code, Header: rec.Header(), Body: io.NopCloser(bytes.NewReader(body)), Request: r}
		mu.Lock()
		defer mu.Unlock()
		if ok, errs := v.ValidateHttpResponse(r, resp); !ok {
			for _, e := range errs {
				msg := e.Message + ": " + e.Reason
				for _, se := range e.SchemaValidationErrors {
					msg += "; " + se.Reason + " at " + se.FieldPath
				}
				t.Errorf("%s %s answered %d not as documented: %s\n%s", r.Method, r.URL.Path, rec.Code, msg, body)
			}
		}
	})
}
