package events_test

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/drip-ledger/drip/events"
	"github.com/drip-ledger/drip/events/storetest"
)

func TestTextProblem(t *testing.T) {
	tests := []struct {
		name      string
		s         string
		multiline bool
		code      string
	}{
		{"PlainChinese", "张三", false, ""},
		{"MiddleDotOfAMinorityName", "阿依古丽·买买提", false, ""},
		{"JoinerInsideAText", "a\u200Db", false, ""},
		{"Empty", "", false, ""},
		{"ReplacementCharacterSentOnPurpose", "\uFFFD", false, ""},
		{"NewlineInAStatement", "第一段\n第二段\r\n\t第三段", true, ""},
		{"NewlineInAName", "张\n三", false, events.CodeTextControl},
		{"NUL", "张\x00三", true, events.CodeTextControl},
		{"Escape", "\x1b[31m", true, events.CodeTextControl},
		{"DEL", "a\x7f", true, events.CodeTextControl},
		{"C1", "a\u0085", true, events.CodeTextControl},
		{"RightToLeftOverride", "张\u202E三", true, events.CodeTextBidi},
		{"LeftToRightEmbedding", "\u202Aa", true, events.CodeTextBidi},
		{"FirstStrongIsolate", "a\u2068b", true, events.CodeTextBidi},
		{"PopDirectionalIsolate", "a\u2069", true, events.CodeTextBidi},
		{"OnlyZeroWidthSpaces", "\u200B\u200B", false, events.CodeTextInvisible},
		{"OnlyJoinersAndBOM", "\u200D\uFEFF\u2060", true, events.CodeTextInvisible},
		{"InvalidUTF8", "张\xff三", true, events.CodeTextInvalidUTF8},
		{"TruncatedUTF8", "张"[:2], false, events.CodeTextInvalidUTF8},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, why := events.TextProblem(tt.s, tt.multiline)
			if code != tt.code {
				t.Errorf("TextProblem(%q, %v) = %q (%s); want %q", tt.s, tt.multiline, code, why, tt.code)
			}
			if (code == "") != (why == "") {
				t.Errorf("code %q with reason %q", code, why)
			}
		})
	}
}

// Given a registry, when an event's payload holds a bidi override, a NUL or
// invalid UTF-8, then Encode (the domain's path) and CheckAppend (the path of
// imports and foreign writers) both refuse it, naming the field.
func TestTheLogRefusesBadText(t *testing.T) {
	reg := storetest.Registry()
	for _, text := range []string{"a\u202Eb", "a\x00b", "\u200B"} {
		if _, err := reg.Encode(events.DeriveID(testNS, text), events.Metadata{ActorID: "a"}, storetest.Noted{Text: text, N: 1}); !errors.Is(err, events.ErrInvalid) || !strings.Contains(err.Error(), "text:") {
			t.Errorf("Encode(%q) = %v; want ErrInvalid naming text", text, err)
		}
		ev := noted(t, 1, text)
		err := reg.CheckAppend("s-1", []events.Event{ev})
		var inv *events.InvalidError
		if !errors.As(err, &inv) || inv.Problems[0].Field != "events[0].data.text" {
			t.Errorf("CheckAppend(%q) = %v; want a problem at events[0].data.text", text, err)
		}
	}
	ev := noted(t, 1, "ok")
	ev.Data = json.RawMessage("{\"n\":1,\"text\":\"a\xffb\"}")
	err := reg.CheckAppend("s-1", []events.Event{ev})
	var inv *events.InvalidError
	if !errors.As(err, &inv) || inv.Problems[0].Field != "events[0].data" || !strings.Contains(inv.Problems[0].Reason, "UTF-8") {
		t.Errorf("CheckAppend(invalid UTF-8) = %v; want a UTF-8 problem at events[0].data", err)
	}
	if err := reg.CheckAppend("s-1", []events.Event{noted(t, 2, "第一段\n阿依古丽·买买提")}); err != nil {
		t.Errorf("a multi-line text with a middle dot: %v", err)
	}
}

// Given an event whose actor ID holds a bidi override, when appended, then
// the log refuses it at events[0].meta.actorId.
func TestTheLogRefusesBadTextInMetadata(t *testing.T) {
	ev := noted(t, 1, "ok")
	ev.Meta.ActorID = "enum\u202Ewang"
	err := storetest.Registry().CheckAppend("s-1", []events.Event{ev})
	var inv *events.InvalidError
	if !errors.As(err, &inv) || inv.Problems[0].Field != "events[0].meta.actorId" {
		t.Errorf("CheckAppend = %v; want a problem at events[0].meta.actorId", err)
	}
}
