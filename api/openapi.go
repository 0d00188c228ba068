package api

import (
	"encoding/json"
	"net/http"
	"reflect"
	"strings"
	"sync"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/drip-ledger/drip/domain"
	"github.com/drip-ledger/drip/domain/complaint"
	"github.com/drip-ledger/drip/domain/fund"
)

// openAPI serves the OpenAPI 3.1 document built from the route table.
func (s *Server) openAPI(c echo.Context) error {
	s.docOnce.Do(func() { s.doc = buildOpenAPI(s.routeTable()) })
	return c.JSON(http.StatusOK, s.doc)
}

type docCache struct {
	docOnce sync.Once
	doc     map[string]any
}

func buildOpenAPI(rs []route) map[string]any {
	paths := map[string]any{}
	for _, r := range rs {
		op := map[string]any{
			"summary":     r.summary,
			"tags":        []string{r.tag},
			"operationId": strings.ToLower(r.method) + strings.ReplaceAll(strings.ReplaceAll(r.path, "/", "_"), ":", ""),
			"responses":   responses(r),
		}
		if !r.public {
			op["security"] = []any{map[string]any{"bearer": []string{}}}
			if r.roles != nil {
				op["x-drip-roles"] = r.roles
			}
		}
		var params []any
		for _, seg := range strings.Split(r.path, "/") {
			if name, ok := strings.CutPrefix(seg, ":"); ok {
				params = append(params, map[string]any{"name": name, "in": "path", "required": true, "schema": map[string]any{"type": "string"}})
			}
		}
		if r.body != nil {
			op["requestBody"] = map[string]any{"required": true, "content": map[string]any{
				"application/json": map[string]any{"schema": schemaOf(reflect.TypeOf(r.body), 0)}}}
			params = append(params, map[string]any{"name": "Idempotency-Key", "in": "header", "required": false,
				"description": "Makes a retry safe: the same key returns the first answer and writes nothing.",
				"schema":      map[string]any{"type": "string", "maxLength": 100}})
		}
		if params != nil {
			op["parameters"] = params
		}
		p := openAPIPath(r.path)
		item, _ := paths[p].(map[string]any)
		if item == nil {
			item = map[string]any{}
			paths[p] = item
		}
		item[strings.ToLower(r.method)] = op
	}
	return map[string]any{
		"openapi": "3.1.0",
		"info": map[string]any{"title": "Drip", "version": "1",
			"description": "An event-sourced ledger for poverty-alleviation funds and household status. Errors are RFC 9457 application/problem+json with a stable code."},
		"paths": paths,
		"components": map[string]any{
			"securitySchemes": map[string]any{"bearer": map[string]any{"type": "http", "scheme": "bearer",
				"description": "A token from `drip token issue`."}},
			"schemas": map[string]any{"Problem": schemaOf(reflect.TypeOf(Problem{}), 0)},
		},
	}
}

func responses(r route) map[string]any {
	ok := map[string]any{"description": "OK"}
	if r.response != nil {
		ok["content"] = map[string]any{"application/json": map[string]any{"schema": schemaOf(reflect.TypeOf(r.response), 0)}}
	}
	if r.method == http.MethodGet && !r.public {
		ok["headers"] = map[string]any{PositionHeader: map[string]any{
			"description": "The log position this answer reflects at least; pass it as ?position= to read your writes elsewhere.",
			"schema":      map[string]any{"type": "integer", "minimum": 0}}}
	}
	status := "200"
	if r.body != nil {
		status = "201"
		ok["content"] = map[string]any{"application/json": map[string]any{"schema": schemaOf(reflect.TypeOf(CommandResponse{}), 0)}}
	}
	problem := map[string]any{"description": "A problem", "content": map[string]any{
		"application/problem+json": map[string]any{"schema": map[string]any{"$ref": "#/components/schemas/Problem"}}}}
	out := map[string]any{status: ok, "default": problem}
	if r.method == http.MethodPost {
		// A write answers 201 when it recorded something and 200 when it
		// did not (an Idempotency-Key replayed, a file imported before),
		// with the same body.
		again := map[string]any{"description": "Nothing new was written", "content": ok["content"]}
		out["201"], out["200"] = ok, again
	}
	return out
}

// openAPIPath turns echo's /households/:file into OpenAPI's /households/{file}.
func openAPIPath(p string) string {
	segs := strings.Split(p, "/")
	for i, s := range segs {
		if name, ok := strings.CutPrefix(s, ":"); ok {
			segs[i] = "{" + name + "}"
		}
	}
	return strings.Join(segs, "/")
}

var (
	timeType       = reflect.TypeFor[time.Time]()
	rawMessageType = reflect.TypeFor[json.RawMessage]()
)

// schemaOf describes a Go type as a JSON Schema, following encoding/json's
// rules (json tags, omitempty, TextMarshalers as strings).
// enums are the closed vocabularies the document lists as enum, taken from
// the domain's own lists so the document cannot drift from the rules.
var enums = map[reflect.Type][]string{
	reflect.TypeFor[complaint.Category](): stringsOf(complaint.Categories()),
	reflect.TypeFor[complaint.Channel]():  stringsOf(complaint.Channels()),
	reflect.TypeFor[fund.Level]():         stringsOf(fund.Levels()),
	reflect.TypeFor[fund.ProjectKind]():   stringsOf(fund.ProjectKinds()),
	reflect.TypeFor[fund.Purpose]():       stringsOf(fund.Purposes()),
	reflect.TypeFor[domain.Role]():        stringsOf(domain.Roles()),
}

func stringsOf[T ~string](vs []T) []string {
	out := make([]string, len(vs))
	for i, v := range vs {
		out[i] = string(v)
	}
	return out
}

func schemaOf(t reflect.Type, depth int) map[string]any {
	if depth > 8 {
		return map[string]any{}
	}
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if vals, ok := enums[t]; ok {
		return map[string]any{"type": "string", "enum": vals}
	}
	switch {
	case t == timeType:
		return map[string]any{"type": "string", "format": "date-time"}
	case reflect.PointerTo(t).Implements(textUnmarshaler):
		return map[string]any{"type": "string"}
	case t == rawMessageType:
		return map[string]any{} // any JSON value, as stored
	}
	switch t.Kind() {
	case reflect.String:
		return map[string]any{"type": "string"}
	case reflect.Bool:
		return map[string]any{"type": "boolean"}
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return map[string]any{"type": "integer"}
	case reflect.Float32, reflect.Float64:
		return map[string]any{"type": "number"}
	case reflect.Slice:
		if t.Elem().Kind() == reflect.Uint8 {
			// encoding/json writes a []byte as a base64 string, not a list
			// of numbers (the bundle's dataBase64).
			return map[string]any{"type": "string", "contentEncoding": "base64"}
		}
		// A nil slice is written as null.
		return map[string]any{"type": []string{"array", "null"}, "items": schemaOf(t.Elem(), depth+1)}
	case reflect.Array:
		return map[string]any{"type": "array", "items": schemaOf(t.Elem(), depth+1)}
	case reflect.Map:
		return map[string]any{"type": []string{"object", "null"}, "additionalProperties": schemaOf(t.Elem(), depth+1)}
	case reflect.Struct:
		props := map[string]any{}
		for _, f := range reflect.VisibleFields(t) {
			if !f.IsExported() || f.Anonymous {
				continue
			}
			name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
			if name == "-" {
				continue
			}
			if name == "" {
				name = f.Name
			}
			props[name] = schemaOf(f.Type, depth+1)
		}
		out := map[string]any{"type": "object", "properties": props, "additionalProperties": false}
		if req := requiredFields(t); len(req) > 0 {
			out["required"] = req
		}
		return out
	}
	return map[string]any{}
}
