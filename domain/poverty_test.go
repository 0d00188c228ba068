package domain_test

import (
	"slices"
	"testing"

	"github.com/drip-ledger/drip/domain"
)

func TestPovertyLines(t *testing.T) {
	lines := domain.DefaultPovertyLines()
	tests := []struct {
		name string
		year int
		want domain.Fen
		code string
	}{
		{"the seed's base line, 2,300 yuan at 2010 prices", 2010, 230000, ""},
		{"2014 nominal", 2014, 280000, ""},
		{"2016 nominal", 2016, 295200, ""},
		{"a year before the standard is unknown", 2009, 0, domain.CodePovertyLineUnknown},
		{"2020's placeholder, about 4,000 yuan", 2020, 400000, ""},
		{"the consolidation years have a line, through 2026", 2026, 460000, ""},
		{"a year beyond the table is unknown, not guessed", 2027, 0, domain.CodePovertyLineUnknown},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := lines.Line(tt.year)
			if c := domain.Codes(err); !slices.Equal(c, codes(tt.code)) {
				t.Fatalf("Line(%d) error %v, want code %q", tt.year, err, tt.code)
			}
			if got != tt.want {
				t.Errorf("Line(%d) = %s, want %s", tt.year, got, tt.want)
			}
		})
	}
	if err := lines.Validate(); err != nil {
		t.Errorf("defaults do not validate: %v", err)
	}
}

func TestPovertyLinesValidateNamesEveryProblem(t *testing.T) {
	lines := domain.PovertyLines{1999: 100, 2015: 0, 2016: -1, 2017: 295200}
	want := []string{"poverty_line_year", "poverty_line_amount", "poverty_line_amount"}
	if got := domain.Codes(lines.Validate()); !slices.Equal(got, want) {
		t.Errorf("codes %v, want %v", got, want)
	}
}
