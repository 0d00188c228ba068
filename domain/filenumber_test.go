package domain_test

import (
	"encoding/json"
	"slices"
	"testing"

	"github.com/drip-ledger/drip/domain"
)

func TestParseFileNumber(t *testing.T) {
	tests := []struct {
		name, in string
		village  string
		sequence int
		code     string
	}{
		{"four-digit sequence", "520526104201-0007", "520526104201", 7, ""},
		{"largest four-digit", "520526104201-9999", "520526104201", 9999, ""},
		{"five digits from 10000", "520526104201-10000", "520526104201", 10000, ""},
		{"eight digits", "520526104201-99999999", "520526104201", 99999999, ""},
		{"no hyphen", "5205261042010007", "", 0, domain.CodeFileNumberFormat},
		{"three-digit sequence", "520526104201-007", "", 0, domain.CodeFileNumberFormat},
		{"nine-digit sequence", "520526104201-100000000", "", 0, domain.CodeFileNumberFormat},
		{"letter in sequence", "520526104201-00a7", "", 0, domain.CodeFileNumberFormat},
		{"short village code", "52052610420-0007", "", 0, domain.CodeFileNumberFormat},
		{"two hyphens", "520526104201-0007-1", "", 0, domain.CodeFileNumberFormat},
		{"empty", "", "", 0, domain.CodeFileNumberFormat},
		{"a township, not a village", "520526104000-0007", "", 0, domain.CodeFileNumberVillage},
		{"unknown province", "990526104201-0007", "", 0, domain.CodeFileNumberVillage},
		{"sequence zero", "520526104201-0000", "", 0, domain.CodeFileNumberSequence},
		{"padded past four digits", "520526104201-00007", "", 0, domain.CodeFileNumberSequence},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			n, err := domain.ParseFileNumber(tt.in)
			if c := domain.Codes(err); !slices.Equal(c, codes(tt.code)) {
				t.Fatalf("ParseFileNumber(%q) error %v, want code %q", tt.in, err, tt.code)
			}
			if err != nil {
				return
			}
			if n.String() != tt.in || n.Village().String() != tt.village || n.Sequence() != tt.sequence {
				t.Errorf("got %q, village %q, sequence %d", n, n.Village(), n.Sequence())
			}
		})
	}
}

func TestNewFileNumber(t *testing.T) {
	village := mustCode(t, "520526104201")
	tests := []struct {
		name     string
		village  domain.DivisionCode
		sequence int
		want     string
		code     string
	}{
		{"pads to four digits", village, 7, "520526104201-0007", ""},
		{"grows past four digits", village, 12345, "520526104201-12345", ""},
		{"zero sequence is refused", village, 0, "", domain.CodeFileNumberSequence},
		{"too large a sequence is refused", village, domain.FileSequenceMax + 1, "", domain.CodeFileNumberSequence},
		{"a county is refused", mustCode(t, "520526000000"), 7, "", domain.CodeFileNumberVillage},
		{"the zero code is refused", domain.DivisionCode{}, 7, "", domain.CodeFileNumberVillage},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			n, err := domain.NewFileNumber(tt.village, tt.sequence)
			if c := domain.Codes(err); !slices.Equal(c, codes(tt.code)) {
				t.Fatalf("error %v, want code %q", err, tt.code)
			}
			if err != nil {
				return
			}
			if n.String() != tt.want {
				t.Errorf("got %q, want %q", n, tt.want)
			}
			if back, err := domain.ParseFileNumber(n.String()); err != nil || back != n {
				t.Errorf("does not parse back: %v, %v", back, err)
			}
		})
	}
}

func TestFileNumberJSON(t *testing.T) {
	var h struct {
		File domain.FileNumber `json:"file"`
	}
	if err := json.Unmarshal([]byte(`{"file":"520526104201-0007"}`), &h); err != nil || h.File.Sequence() != 7 {
		t.Fatalf("Unmarshal = %v, %v", h.File, err)
	}
	if b, _ := json.Marshal(h); string(b) != `{"file":"520526104201-0007"}` {
		t.Errorf("Marshal = %s", b)
	}
}
