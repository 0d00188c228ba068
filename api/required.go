package api

import (
	"encoding/json"
	"errors"
	"reflect"
	"slices"
	"strings"

	"github.com/drip-ledger/drip/domain"
	"github.com/drip-ledger/drip/events"
)

// A command body's field is required unless its json tag says omitempty
// (or omitzero):
// the one rule the server enforces (requiredFields) and the OpenAPI
// document states (schemaOf), so the two cannot disagree.

// requiredFields are the JSON names of t's required top-level fields, in
// declaration order; t is a struct type or a pointer to one.
func requiredFields(t reflect.Type) []string {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if t.Kind() != reflect.Struct {
		return nil
	}
	var out []string
	for _, f := range reflect.VisibleFields(t) {
		if !f.IsExported() || f.Anonymous {
			continue
		}
		name, opts, _ := strings.Cut(f.Tag.Get("json"), ",")
		if o := strings.Split(opts, ","); name == "-" || slices.Contains(o, "omitempty") || slices.Contains(o, "omitzero") {
			continue
		}
		if name == "" {
			name = f.Name
		}
		out = append(out, name)
	}
	return out
}

// requiredChecker is a body whose command names its missing fields itself,
// nested ones included (head.name), before loading any record.
type requiredChecker interface{ checksRequired() }

// withMissing adds a "required" problem for every required field of dst
// that body lacks (or sends as null) to decodeErr, the outcome of decoding
// body into dst. Decoding stops at a field's first problem and a command's
// rules run only after its record is loaded, so without this a clerk who
// left five fields empty learns of them one answer at a time. A field that
// is named already keeps its own problem.
func withMissing(body []byte, dst any, decodeErr error) error {
	if _, ok := dst.(requiredChecker); ok {
		return decodeErr
	}
	var inv *events.InvalidError
	if decodeErr != nil && !errors.As(decodeErr, &inv) {
		return decodeErr
	}
	var present map[string]json.RawMessage
	if json.Unmarshal(body, &present) != nil {
		return decodeErr // not an object: the decoding's problem says so
	}
	var named []string
	if inv != nil {
		for _, p := range inv.Problems {
			named = append(named, p.Field)
		}
	}
	var ps domain.Problems
	for _, f := range requiredFields(reflect.TypeOf(dst)) {
		if v, ok := present[f]; (ok && string(v) != "null") || slices.Contains(named, f) {
			continue
		}
		ps.Addf(f, "required", "is required")
	}
	if len(ps) == 0 {
		return decodeErr
	}
	if inv != nil {
		ps = append(ps, inv.Problems...)
	}
	return ps.Err()
}
