package api_test

import (
	"encoding/json"
	"net/http"
	"regexp"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/drip-ledger/drip/api"
	"github.com/drip-ledger/drip/domain"
)

// commandOp is one command route of the OpenAPI document: its path with the
// parameters filled, the roles that may call it, and its body's schema.
type commandOp struct {
	method, path string
	roles        []domain.Role
	schema       map[string]any
}

// pathValues are well-formed values of every path parameter, so the body is
// what the server judges.
var pathValues = map[string]string{
	"file": storyFile, "id": "12317-2026-000001", "project": "520526-2026-0042", "county": storyCounty,
	"ref": "ALLOC-1", "objection": "1", "number": "1", "doc": "DOC-1", "hash": strings.Repeat("a", 64),
}

func commandOps(t *testing.T, d *desk) []commandOp {
	t.Helper()
	r, body := get(t, d.url+"/openapi.json")
	if r.StatusCode != http.StatusOK {
		t.Fatalf("openapi.json = %d", r.StatusCode)
	}
	var doc struct {
		Paths map[string]map[string]struct {
			Roles       []domain.Role `json:"x-drip-roles"`
			RequestBody *struct {
				Content map[string]struct {
					Schema map[string]any `json:"schema"`
				} `json:"content"`
			} `json:"requestBody"`
		} `json:"paths"`
	}
	if err := json.Unmarshal([]byte(body), &doc); err != nil {
		t.Fatal(err)
	}
	param := regexp.MustCompile(`\{(\w+)\}`)
	var ops []commandOp
	for p, item := range doc.Paths {
		for m, op := range item {
			if op.RequestBody == nil {
				continue
			}
			s, ok := op.RequestBody.Content["application/json"]
			if !ok {
				continue
			}
			filled := param.ReplaceAllStringFunc(p, func(s string) string {
				v, ok := pathValues[s[1:len(s)-1]]
				if !ok {
					t.Fatalf("%s: no value for path parameter %s", p, s)
				}
				return v
			})
			ops = append(ops, commandOp{method: strings.ToUpper(m), path: filled, roles: op.Roles, schema: s.Schema})
		}
	}
	sort.Slice(ops, func(i, j int) bool { return ops[i].path < ops[j].path })
	if len(ops) < 30 {
		t.Fatalf("only %d command routes in the document", len(ops))
	}
	return ops
}

func requiredOf(schema map[string]any) []string {
	var out []string
	rs, _ := schema["required"].([]any)
	for _, r := range rs {
		out = append(out, r.(string))
	}
	return out
}

// named reports whether a problem of r is about field or inside it.
func named(r reply, field string) bool {
	return slices.ContainsFunc(r.problem.Errors, func(e api.FieldProblem) bool {
		return e.Field == field || strings.HasPrefix(e.Field, field+".") || strings.HasPrefix(e.Field, field+"[")
	})
}

// checkNamesRequestFields fails on a problem naming a field the request does
// not have (transfer.amountFen of the event rather than amountFen).
func checkNamesRequestFields(t *testing.T, op commandOp, r reply) {
	t.Helper()
	props, _ := op.schema["properties"].(map[string]any)
	for _, e := range r.problem.Errors {
		top, _, _ := strings.Cut(e.Field, ".")
		top, _, _ = strings.Cut(top, "[")
		if _, ok := props[top]; !ok && top != "body" {
			t.Errorf("%s %s: problem names %q, not a field of the request (%s)", op.method, op.path, e.Field, e.Reason)
		}
	}
}

func TestEveryCommandNamesEveryRequiredFieldOfAnEmptyBodyAtOnce(t *testing.T) {
	d := newCounty(t)
	for _, op := range commandOps(t, d) {
		req := requiredOf(op.schema)
		if len(req) == 0 {
			continue
		}
		r := d.post(d.token("clerk", op.roles[0], storyCounty), op.path, "", map[string]any{})
		if r.status != http.StatusUnprocessableEntity || r.problem.Code != "validation_failed" {
			t.Errorf("%s %s {} = %d %q (%s), want 422 validation_failed", op.method, op.path, r.status, r.problem.Code, r.problem.Detail)
			continue
		}
		for _, f := range req {
			if !named(r, f) {
				t.Errorf("%s %s {}: required field %q not named in %+v", op.method, op.path, f, r.problem.Errors)
			}
		}
		checkNamesRequestFields(t, op, r)
	}
}

// wrongValue is a JSON value of another type than the schema's.
func wrongValue(schema map[string]any) any {
	typ := schema["type"]
	if ts, ok := typ.([]any); ok { // ["array", "null"]: a nil list is written as null
		typ = ts[0]
	}
	switch typ {
	case "string":
		return 12345
	case "array", "object", "integer", "number", "boolean":
		return "wrong"
	}
	return nil
}

func TestEveryCommandNamesEveryMistypedFieldAtOnce(t *testing.T) {
	d := newCounty(t)
	for _, op := range commandOps(t, d) {
		props, _ := op.schema["properties"].(map[string]any)
		if len(props) == 0 {
			continue
		}
		body := map[string]any{}
		for name, s := range props {
			body[name] = wrongValue(s.(map[string]any))
		}
		r := d.post(d.token("clerk", op.roles[0], storyCounty), op.path, "", body)
		if r.status != http.StatusUnprocessableEntity {
			t.Errorf("%s %s every field wrong = %d %q (%s), want 422", op.method, op.path, r.status, r.problem.Code, r.problem.Detail)
			continue
		}
		for name := range props {
			if !named(r, name) {
				t.Errorf("%s %s: wrong field %q not named in %+v", op.method, op.path, name, r.problem.Errors)
			}
		}
		checkNamesRequestFields(t, op, r)
	}
}

// A rule broken by every field of a present body is named under the
// request's names: the transfer an appropriation derives from its level and
// amount is the event's, and its problems only echo those of level and
// amountFen.
func TestAppropriationWithEveryValueWrongNamesOnlyRequestFields(t *testing.T) {
	d := newCounty(t)
	var op commandOp
	for _, o := range commandOps(t, d) {
		if strings.HasSuffix(o.path, "/appropriations") {
			op = o
		}
	}
	r := d.post(d.token("clerk", op.roles[0], storyCounty), op.path, "",
		map[string]any{"document": "", "fiscalYear": 1, "level": "galactic", "purpose": "", "amountFen": 0})
	if r.status != http.StatusUnprocessableEntity {
		t.Fatalf("= %d %q %s", r.status, r.problem.Code, r.problem.Detail)
	}
	for _, f := range requiredOf(op.schema) {
		if !named(r, f) {
			t.Errorf("field %q not named in %+v", f, r.problem.Errors)
		}
	}
	checkNamesRequestFields(t, op, r)
}
