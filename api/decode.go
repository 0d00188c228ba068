package api

import (
	"bytes"
	"encoding"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"reflect"
	"sort"
	"strings"
	"unicode/utf8"

	"github.com/drip-ledger/drip/events"
	"github.com/labstack/echo/v4"
)

// bodyFieldsMax bounds the top-level fields of a command body, so a body of a
// million tiny keys is refused before any work is done on it.
const bodyFieldsMax = 256

// validator is implemented by command bodies that check their own fields.
type validator interface{ Validate() error }

// bindJSON decodes the request's JSON body into dst (a pointer to a struct)
// and reports every bad field at once: unknown fields, values of the wrong
// type, and whatever dst's Validate finds. Encoding/json alone stops at the
// first problem; a clerk fixing a form needs all of them.
func bindJSON(c echo.Context, dst any) error {
	body, err := readBody(c)
	if err != nil {
		return err
	}
	return DecodeCommand(body, dst)
}

// readBody reads a JSON request body, bounded by the server's body limit.
func readBody(c echo.Context) ([]byte, error) {
	ct := c.Request().Header.Get(echo.HeaderContentType)
	if mt, _, err := mime.ParseMediaType(ct); err != nil || mt != "application/json" {
		return nil, echo.NewHTTPError(http.StatusUnsupportedMediaType, "send the body as application/json")
	}
	body, err := io.ReadAll(c.Request().Body)
	var tooLarge *http.MaxBytesError
	if errors.As(err, &tooLarge) {
		return nil, echo.NewHTTPError(http.StatusRequestEntityTooLarge, err.Error())
	}
	return body, err
}

func fieldProblem(field, reason string) events.Problem {
	return events.Problem{Field: field, Reason: reason}
}

// DecodeCommand is bindJSON's decoding, exported for its fuzz test: body must
// be one JSON object whose fields all belong to dst, a pointer to a struct.
func DecodeCommand(body []byte, dst any) error {
	dec := json.NewDecoder(bytes.NewReader(body))
	var raw json.RawMessage
	if err := dec.Decode(&raw); err != nil {
		return invalid(events.Problem{Field: "body", Reason: "is not JSON: " + err.Error()})
	}
	if dec.More() {
		return invalid(events.Problem{Field: "body", Reason: "has data after the JSON object"})
	}
	var ps []events.Problem
	decodeValue("", raw, reflect.ValueOf(dst).Elem(), 0, &ps)
	if len(ps) > 0 {
		return invalid(ps...)
	}
	// Invalid UTF-8 is found at the leaves (decodeValue). Nowhere else can
	// it pass: a mangled object key is no known field, and the types that
	// decode themselves parse ASCII codes or descend to their leaves.
	if v, ok := dst.(validator); ok {
		return v.Validate()
	}
	return nil
}

// decodeDepthMax bounds how deeply decodeValue follows nested objects and
// lists; command bodies are shallow, so deeper input is refused.
const decodeDepthMax = 8

// decodeValue decodes raw into v, descending into structs and lists itself
// (so each problem is named by its full path, members[2].residentId) and
// leaving every other value, including types with their own UnmarshalJSON or
// UnmarshalText, to encoding/json.
func decodeValue(path string, raw json.RawMessage, v reflect.Value, depth int, ps *[]events.Problem) {
	add := func(reason string) {
		*ps = append(*ps, events.Problem{Field: orBody(path), Reason: reason})
	}
	if depth > decodeDepthMax {
		add(fmt.Sprintf("is nested more than %d levels deep", decodeDepthMax))
		return
	}
	if isNull(raw) {
		if path == "" {
			add("is not a JSON object: null")
		}
		return
	}
	switch {
	case decodesItself(v):
	case v.Kind() == reflect.Pointer:
		// An optional part (account): its leaves are named and checked like
		// any other's.
		if v.IsNil() {
			v.Set(reflect.New(v.Type().Elem()))
		}
		decodeValue(path, raw, v.Elem(), depth, ps)
		return
	case v.Kind() == reflect.Struct:
		decodeObject(path, raw, v, depth, ps)
		return
	case v.Kind() == reflect.Slice && v.Type().Elem().Kind() != reflect.Uint8:
		decodeList(path, raw, v, depth, ps)
		return
	}
	// encoding/json puts U+FFFD in place of invalid UTF-8 without a word, so
	// the raw bytes are checked before it sees them. A type that decodes
	// itself either parses strict ASCII (codes, IDs) or descends with
	// decodeObject (and so reaches this check for each of its leaves).
	if !decodesItself(v) && !utf8.Valid(raw) {
		addText(orBody(path), events.CodeTextInvalidUTF8, "is not valid UTF-8", ps)
		return
	}
	if err := strictUnmarshal(raw, v.Addr().Interface()); err != nil {
		add(typeReason(err))
		return
	}
	if !decodesItself(v) {
		checkText(path, v, ps)
	}
}

func decodeObject(path string, raw json.RawMessage, v reflect.Value, depth int, ps *[]events.Problem) {
	var m map[string]json.RawMessage
	if err := json.Unmarshal(raw, &m); err != nil {
		*ps = append(*ps, events.Problem{Field: orBody(path), Reason: "must be an object"})
		return
	}
	if len(m) > bodyFieldsMax {
		*ps = append(*ps, events.Problem{Field: orBody(path), Cause: events.ErrLimit,
			Reason: fmt.Sprintf("has %d fields, above the limit of %d", len(m), bodyFieldsMax)})
		return
	}
	fields := jsonFields(v.Type())
	for _, name := range sortedKeys(m) {
		sub := joinPath(path, name)
		idx, ok := fields[name]
		if !ok {
			*ps = append(*ps, events.Problem{Field: sub, Reason: "is not a known field"})
			continue
		}
		decodeValue(sub, m[name], v.FieldByIndex(idx), depth+1, ps)
	}
}

func decodeList(path string, raw json.RawMessage, v reflect.Value, depth int, ps *[]events.Problem) {
	var items []json.RawMessage
	if err := json.Unmarshal(raw, &items); err != nil {
		*ps = append(*ps, events.Problem{Field: orBody(path), Reason: "must be a list"})
		return
	}
	if len(items) > listItemsMax {
		*ps = append(*ps, events.Problem{Field: orBody(path), Cause: events.ErrLimit,
			Reason: fmt.Sprintf("has %d items, above the limit of %d", len(items), listItemsMax)})
		return
	}
	out := reflect.MakeSlice(v.Type(), len(items), len(items))
	for i, item := range items {
		decodeValue(fmt.Sprintf("%s[%d]", path, i), item, out.Index(i), depth+1, ps)
	}
	v.Set(out)
}

// listItemsMax bounds any list in a command body (members of a household,
// lines of a batch).
const listItemsMax = 1000

var (
	jsonUnmarshaler = reflect.TypeFor[json.Unmarshaler]()
	textUnmarshaler = reflect.TypeFor[encoding.TextUnmarshaler]()
)

func decodesItself(v reflect.Value) bool {
	pt := v.Addr().Type()
	return pt.Implements(jsonUnmarshaler) || pt.Implements(textUnmarshaler)
}

func isNull(raw json.RawMessage) bool { return string(bytes.TrimSpace(raw)) == "null" }

func orBody(path string) string {
	if path == "" {
		return "body"
	}
	return path
}

func joinPath(path, name string) string {
	if path == "" {
		return name
	}
	return path + "." + name
}

func strictUnmarshal(b []byte, dst any) error {
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	return dec.Decode(dst)
}

func invalid(ps ...events.Problem) error { return &events.InvalidError{Problems: ps} }

func typeReason(err error) string {
	var te *json.UnmarshalTypeError
	if errors.As(err, &te) {
		return fmt.Sprintf("must be %s, not a JSON %s", kindName(te.Type), te.Value)
	}
	msg := err.Error()
	if f, ok := strings.CutPrefix(msg, "json: unknown field "); ok {
		return "has an unknown field " + f
	}
	return strings.TrimPrefix(msg, "json: ")
}

func kindName(t reflect.Type) string {
	switch t.Kind() {
	case reflect.String:
		return "a string"
	case reflect.Bool:
		return "true or false"
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return "a whole number"
	case reflect.Float32, reflect.Float64:
		return "a number"
	case reflect.Slice, reflect.Array:
		return "a list"
	case reflect.Struct, reflect.Map:
		return "an object"
	}
	return t.String()
}

// jsonFields maps each JSON name of struct t (embedded structs flattened) to
// its field index.
func jsonFields(t reflect.Type) map[string][]int {
	out := map[string][]int{}
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
		out[name] = f.Index
	}
	return out
}

func sortedKeys(m map[string]json.RawMessage) []string {
	ks := make([]string, 0, len(m))
	for k := range m {
		ks = append(ks, k)
	}
	sort.Strings(ks)
	return ks
}
