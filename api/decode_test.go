package api_test

import (
	"encoding/json"
	"errors"
	"reflect"
	"testing"

	"github.com/drip-ledger/drip/api"
	"github.com/drip-ledger/drip/events"
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
	f.Fuzz(func(t *testing.T, body []byte) {
		var cmd sampleCommand
		if err := api.DecodeCommand(body, &cmd); err != nil {
			if !errors.Is(err, events.ErrInvalid) {
				t.Fatalf("error %v is not an InvalidError", err)
			}
			return
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
