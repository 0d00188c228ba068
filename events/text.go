package events

import (
	"fmt"
	"reflect"
	"strconv"
	"strings"
	"unicode/utf8"
)

// Codes of the text rule. Every layer that takes text in (the HTTP decoder,
// bank files, the CLI, and Append as the last line) refuses the same things
// with the same codes.
const (
	CodeTextInvalidUTF8 = "text_invalid_utf8"
	CodeTextControl     = "text_control_character"
	CodeTextBidi        = "text_bidi_control"
	CodeTextInvisible   = "text_invisible_only"
)

// TextProblem says why s is not acceptable text, as a stable code and a
// reason, or ("", "") if it is fine. The rule:
//   - s must be valid UTF-8 (a replacement character put in silently would
//     change a name without anyone noticing);
//   - no C0 control (NUL included), DEL or C1 control; newline, carriage
//     return and tab only where multiline is true (free-text statements and
//     reasons, which villagers write in paragraphs);
//   - no bidirectional embedding, override or isolate (U+202A–U+202E,
//     U+2066–U+2069): they make a text display in an order other than the one
//     it is stored in ("Trojan Source"), so a register could show one name and
//     hold another;
//   - not made only of invisible characters (zero-width space, joiners, word
//     joiner, BOM, soft hyphen): such a name looks empty but is not.
//
// Everything else is allowed, in particular the middle dot U+00B7 of
// minority and transliterated names (阿依古丽·买买提) and the zero-width
// joiner inside a longer text.
func TextProblem(s string, multiline bool) (code, reason string) {
	visible := false
	for i, r := range s {
		switch {
		case r == utf8.RuneError && !strings.HasPrefix(s[i:], "\uFFFD"):
			return CodeTextInvalidUTF8, fmt.Sprintf("is not valid UTF-8 at byte %d", i)
		case r == '\n' || r == '\r' || r == '\t':
			if !multiline {
				return CodeTextControl, fmt.Sprintf("has the control character %U at byte %d; it must be one line", r, i)
			}
		case r < 0x20 || r >= 0x7F && r <= 0x9F:
			return CodeTextControl, fmt.Sprintf("has the control character %U at byte %d", r, i)
		case r >= 0x202A && r <= 0x202E || r >= 0x2066 && r <= 0x2069:
			return CodeTextBidi, fmt.Sprintf("has the bidirectional control %U at byte %d", r, i)
		case isInvisible(r):
		default:
			visible = true
		}
	}
	if s != "" && !visible {
		return CodeTextInvisible, "has only invisible characters"
	}
	return "", ""
}

// isInvisible reports the characters that display as nothing at all.
func isInvisible(r rune) bool {
	switch r {
	case 0x00AD, 0x034F, 0x061C, 0x115F, 0x1160, 0x180E, 0x200B, 0x200C, 0x200D, 0x200E, 0x200F,
		0x2060, 0x2061, 0x2062, 0x2063, 0x2064, 0x3164, 0xFEFF, 0xFFA0:
		return true
	}
	return false
}

// checkText walks a decoded or about-to-be-encoded payload and reports every
// string that TextProblem refuses, named by its JSON path. Newlines are
// allowed here: the log cannot tell a name from a statement, so the one-line
// rule for names is the entry points' (api, bank files, CLI).
func checkText(path string, v reflect.Value, ps *problemList, depth int) {
	if depth > textDepthMax {
		return
	}
	switch v.Kind() {
	case reflect.String:
		if _, why := TextProblem(v.String(), true); why != "" {
			ps.add(path, why, nil)
		}
	case reflect.Pointer, reflect.Interface:
		if !v.IsNil() {
			checkText(path, v.Elem(), ps, depth+1)
		}
	case reflect.Struct:
		t := v.Type()
		for i := range t.NumField() {
			f := t.Field(i)
			if !f.IsExported() {
				continue
			}
			name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
			if name == "-" {
				continue
			}
			if name == "" {
				name = f.Name
			}
			sub := name
			if f.Anonymous && f.Tag.Get("json") == "" {
				sub = ""
			}
			checkText(joinJSON(path, sub), v.Field(i), ps, depth+1)
		}
	case reflect.Slice, reflect.Array:
		if v.Kind() == reflect.Slice && v.Type().Elem().Kind() == reflect.Uint8 {
			return // bytes travel as base64, not as text
		}
		for i := range v.Len() {
			checkText(path+"["+strconv.Itoa(i)+"]", v.Index(i), ps, depth+1)
		}
	case reflect.Map:
		it := v.MapRange()
		for it.Next() {
			k := it.Key()
			if k.Kind() == reflect.String {
				if _, why := TextProblem(k.String(), false); why != "" {
					ps.add(path, "has a key that "+why, nil)
				}
			}
			checkText(joinJSON(path, k.String()), it.Value(), ps, depth+1)
		}
	}
}

// textDepthMax bounds checkText's descent; payloads are shallow.
const textDepthMax = 16

func joinJSON(path, name string) string {
	switch {
	case path == "":
		return name
	case name == "":
		return path
	}
	return path + "." + name
}

// CheckPayloadText reports every string in p that the text rule refuses,
// as an *InvalidError, or nil.
func CheckPayloadText(p any) error {
	var ps problemList
	checkText("", reflect.ValueOf(p), &ps, 0)
	if len(ps) > 0 {
		return &InvalidError{Problems: []Problem(ps)}
	}
	return nil
}
