package api_test

import (
	"encoding/json"
	"errors"
	"reflect"
	"testing"

	"github.com/drip-ledger/drip/api"
	"github.com/drip-ledger/drip/domain"
	"github.com/drip-ledger/drip/events"
	"golang.org/x/text/unicode/norm"
)

// sampleMember and sampleCommand are test fixtures shaped like a real
// command body: nested lists, numbers, strings, and its own Validate.
type sampleMember struct {
	Name       string `json:"name"`
	ResidentID string `json:"residentId"`
	Age        int    `json:"age"`
}

type sampleCommand struct {
	FileNumber string         `json:"fileNumber"`
	AmountFen  int64          `json:"amountFen"`
	Members    []sampleMember `json:"members"`
	Urgent     bool           `json:"urgent"`
}

func (c sampleCommand) Validate() error {
	var ps events.Problems
	if c.FileNumber == "" {
		ps.Add("fileNumber", "is required")
	}
	if c.AmountFen <= 0 {
		ps.Add("amountFen", "must be positive")
	}
	return ps.Err()
}

func fields(err error) []string {
	var inv *events.InvalidError
	if !errors.As(err, &inv) {
		return nil
	}
	var out []string
	for _, p := range inv.Problems {
		out = append(out, p.Field)
	}
	return out
}

func TestDecodeCommand(t *testing.T) {
	cases := []struct {
		name       string
		body       string
		wantFields []string // nil: accepted
	}{
		{"a valid body is accepted", `{"fileNumber":"520526104201-0007","amountFen":120000,"members":[{"name":"Li","age":3}]}`, nil},
		{"every bad field is named at once", `{"fileNumber":7,"amountFen":"many","urgent":"yes","colour":"red"}`,
			[]string{"amountFen", "colour", "fileNumber", "urgent"}},
		{"a nested type error names its path", `{"fileNumber":"x","amountFen":1,"members":[{"name":"a"},{"age":"three"}]}`,
			[]string{"members[1].age"}},
		{"a nested unknown field is named", `{"fileNumber":"x","amountFen":1,"members":[{"nom":"a"}]}`, []string{"members[0].nom"}},
		{"semantic problems come from Validate", `{"amountFen":0}`, []string{"fileNumber", "amountFen"}},
		{"not an object", `[1,2]`, []string{"body"}},
		{"null", `null`, []string{"body"}},
		{"trailing data", `{"fileNumber":"x","amountFen":1} {}`, []string{"body"}},
		{"empty", ``, []string{"body"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var cmd sampleCommand
			err := api.DecodeCommand([]byte(c.body), &cmd)
			got := fields(err)
			if c.wantFields == nil {
				if err != nil {
					t.Fatalf("refused: %v", err)
				}
				return
			}
			if !errors.Is(err, events.ErrInvalid) || !reflect.DeepEqual(got, c.wantFields) {
				t.Fatalf("fields = %v (%v), want %v", got, err, c.wantFields)
			}
		})
	}
}

// FuzzDecodeCommand: no body makes the decoder panic, and whatever it accepts
// survives a round trip through JSON unchanged.
func FuzzDecodeCommand(f *testing.F) {
	f.Add([]byte(`{"fileNumber":"520526104201-0007","amountFen":120000,"members":[{"name":"Li","age":3}]}`))
	f.Add([]byte(`{"fileNumber":7,"amountFen":"many"}`))
	f.Add([]byte(`{"members":[{"age":1e400}]}`))
	f.Add([]byte(`{"a":{"b":[[[[]]]]}}`))
	f.Add([]byte("\xff{"))
	f.Add([]byte("{\"fileNumber\":\"a\u202eb\",\"amountFen\":1,\"members\":[{\"name\":\"e\u0301\"}]}"))
	f.Add([]byte("{\"fileNumber\":\"a\xffb\",\"amountFen\":1}"))
	f.Fuzz(func(t *testing.T, body []byte) {
		var cmd sampleCommand
		if err := api.DecodeCommand(body, &cmd); err != nil {
			if !errors.Is(err, events.ErrInvalid) {
				t.Fatalf("error %v is not an InvalidError", err)
			}
			return
		}
		// Whatever was accepted obeys the text rule and is in NFC.
		for _, str := range append([]string{cmd.FileNumber}, memberStrings(cmd.Members)...) {
			if code, _ := events.TextProblem(str, false); code != "" || !norm.NFC.IsNormalString(str) {
				t.Fatalf("accepted %q (%s, NFC %v)", str, code, norm.NFC.IsNormalString(str))
			}
		}
		again, err := json.Marshal(cmd)
		if err != nil {
			t.Fatal(err)
		}
		var back sampleCommand
		if err := api.DecodeCommand(again, &back); err != nil || !reflect.DeepEqual(back, cmd) {
			t.Fatalf("round trip %s -> %+v, %v", again, back, err)
		}
	})
}

func memberStrings(ms []sampleMember) []string {
	var out []string
	for _, m := range ms {
		out = append(out, m.Name, m.ResidentID)
	}
	return out
}

type textCommand struct {
	Name      string            `json:"name"`
	Statement string            `json:"statement"`
	Members   []sampleMember    `json:"members"`
	Tags      []string          `json:"tags"`
	Answers   map[string]string `json:"answers"`
}

// Given a body with bad text in several fields, when it is decoded, then
// every bad string is named by its JSON path with its stable code.
func TestDecodeCommandRefusesBadText(t *testing.T) {
	body := "{\"name\":\"\u200b\",\"statement\":\"ok\\nsecond line\",\"members\":[{\"name\":\"张\\u0000三\"},{\"name\":\"a\xffb\"}]," +
		"\"tags\":[\"x\",\"\u202eevil\"],\"answers\":{\"q1\":\"a\\u0007\"}}"
	var cmd textCommand
	err := api.DecodeCommand([]byte(body), &cmd)
	want := map[string]string{
		"name":            events.CodeTextInvisible,
		"members[0].name": events.CodeTextControl,
		"members[1].name": events.CodeTextInvalidUTF8,
		"tags[1]":         events.CodeTextBidi,
		"answers.q1":      events.CodeTextControl,
	}
	got := map[string]string{}
	var inv *events.InvalidError
	if !errors.As(err, &inv) {
		t.Fatalf("err = %v; want an InvalidError", err)
	}
	for _, p := range inv.Problems {
		var de *domain.Error
		if errors.As(p.Cause, &de) {
			got[p.Field] = de.Code
		} else {
			got[p.Field] = "(no code)"
		}
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("problems %v; want %v", got, want)
	}
}

// Given names typed decomposed (e + combining acute) and real data (a
// middle dot, a multi-line statement), when decoded, then they are accepted
// and stored in NFC.
func TestDecodeCommandNormalisesToNFC(t *testing.T) {
	body := "{\"name\":\"Re\u0301ne\u0301e\",\"statement\":\"第一段\\n\\t第二段\",\"members\":[{\"name\":\"阿依古丽·买买提\"}],\"answers\":{\"q\":\"e\u0301\"}}"
	var cmd textCommand
	if err := api.DecodeCommand([]byte(body), &cmd); err != nil {
		t.Fatal(err)
	}
	if cmd.Name != "R\u00e9n\u00e9e" || cmd.Answers["q"] != "\u00e9" {
		t.Errorf("name %q, answer %q; want NFC", cmd.Name, cmd.Answers["q"])
	}
	if cmd.Statement != "第一段\n\t第二段" || cmd.Members[0].Name != "阿依古丽·买买提" {
		t.Errorf("statement %q, member %q changed", cmd.Statement, cmd.Members[0].Name)
	}
}

// A newline is allowed in a statement and refused in a name.
func TestDecodeCommandNewlineOnlyInFreeText(t *testing.T) {
	var cmd textCommand
	err := api.DecodeCommand([]byte(`{"name":"a\nb","statement":"a\nb"}`), &cmd)
	if f := fields(err); !reflect.DeepEqual(f, []string{"name"}) {
		t.Errorf("fields %v; want [name]", f)
	}
}
