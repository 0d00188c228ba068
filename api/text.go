package api

import (
	"reflect"
	"strconv"
	"strings"

	"github.com/drip-ledger/drip/domain"
	"github.com/drip-ledger/drip/events"
	"golang.org/x/text/unicode/norm"
)

// multilineFields are the JSON names of the free-text fields of command
// bodies: a villager's statement or a reason is written in paragraphs, so
// newlines and tabs are allowed there and nowhere else (a name, a reference
// or a code is one line).
var multilineFields = map[string]bool{
	"statement": true, "reason": true, "reasons": true, "description": true,
	"explanation": true, "opinion": true, "text": true, "note": true, "answers": true,
}

// checkText applies the text rule (events.TextProblem) to every string in v,
// a freshly decoded leaf of a command body, each named by its JSON path, and
// normalises the good ones to NFC.
//
// Why NFC, and here: the same name typed on two input methods can arrive
// composed or decomposed (a Pinyin ǚ, a Zhuang or Yi name in Latin script);
// canonically equivalent strings must compare equal, or the resident-name
// search and the duplicate checks miss them. NFC never changes what a text
// says, only how it is spelled in code points, and the codes and IDs of Drip
// are ASCII, which NFC leaves alone, so every string of a body is
// normalised, once, where it enters; the log stores what the decoder kept.
func checkText(path string, v reflect.Value, ps *[]events.Problem) {
	switch v.Kind() {
	case reflect.String:
		s := v.String()
		if code, why := events.TextProblem(s, multilineFields[lastName(path)]); code != "" {
			addText(orBody(path), code, why, ps)
			return
		}
		if !norm.NFC.IsNormalString(s) && v.CanSet() {
			v.SetString(norm.NFC.String(s))
		}
	case reflect.Pointer:
		if !v.IsNil() {
			checkText(path, v.Elem(), ps)
		}
	case reflect.Slice, reflect.Array:
		for i := range v.Len() {
			checkText(path+"["+strconv.Itoa(i)+"]", v.Index(i), ps)
		}
	case reflect.Map:
		// Map values cannot be set in place; a body's maps are keyed
		// answers, so each value is checked and rewritten normalised.
		it := v.MapRange()
		for it.Next() {
			k, val := it.Key(), it.Value()
			if k.Kind() == reflect.String {
				if code, why := events.TextProblem(k.String(), false); code != "" {
					addText(orBody(path), code, "has a key that "+why, ps)
					continue
				}
			}
			if val.Kind() == reflect.String {
				s := val.String()
				if code, why := events.TextProblem(s, multilineFields[lastName(path)]); code != "" {
					addText(joinPath(path, k.String()), code, why, ps)
					continue
				}
				if !norm.NFC.IsNormalString(s) {
					v.SetMapIndex(k, reflect.ValueOf(norm.NFC.String(s)).Convert(val.Type()))
				}
			}
		}
	case reflect.Struct:
		for name, idx := range jsonFields(v.Type()) {
			if f := v.FieldByIndex(idx); !decodesItself(f) {
				checkText(joinPath(path, name), f, ps)
			}
		}
	}
}

// lastName is the last field name of a JSON path: members[2].name → name.
func lastName(path string) string {
	if i := strings.LastIndexByte(path, '.'); i >= 0 {
		path = path[i+1:]
	}
	if i := strings.IndexByte(path, '['); i >= 0 {
		path = path[:i]
	}
	return path
}

func addText(field, code, reason string, ps *[]events.Problem) {
	*ps = append(*ps, textProblem(field, code, reason))
}

func textProblem(field, code, reason string) events.Problem {
	e := &domain.Error{Code: code, Field: field, Message: reason}
	return events.Problem{Field: field, Reason: reason, Cause: e}
}
