package domain_test

import (
	"math"
	"slices"
	"strings"
	"testing"

	"github.com/drip-ledger/drip/domain"
)

func TestParseFen(t *testing.T) {
	tests := []struct {
		name, in string
		want     domain.Fen
		code     string // "" when the parse succeeds
	}{
		{"whole yuan", "12", 1200, ""},
		{"one decimal is dimes", "12.3", 1230, ""},
		{"two decimals are fen", "12.34", 1234, ""},
		{"zero", "0", 0, ""},
		{"one fen", "0.01", 1, ""},
		{"grouped thousands", "1,234.50", 123450, ""},
		{"grouped millions", "12,345,678.90", 1234567890, ""},
		{"leading zeros from a fixed-width file", "007.50", 750, ""},
		{"largest amount", "92233720368547758.07", math.MaxInt64, ""},
		{"largest amount grouped", "92,233,720,368,547,758.07", math.MaxInt64, ""},
		{"empty is refused", "", 0, domain.CodeFenSyntax},
		{"negative is refused", "-1.00", 0, domain.CodeFenNegative},
		{"minus zero is refused", "-0", 0, domain.CodeFenNegative},
		{"plus sign is refused", "+1", 0, domain.CodeFenSyntax},
		{"three decimals are refused, not rounded", "0.001", 0, domain.CodeFenPrecision},
		{"float noise is refused", "0.30000000000000004", 0, domain.CodeFenPrecision},
		{"exponent is refused", "1e3", 0, domain.CodeFenSyntax},
		{"NaN is refused", "NaN", 0, domain.CodeFenSyntax},
		{"Inf is refused", "Inf", 0, domain.CodeFenSyntax},
		{"hex is refused", "0x10", 0, domain.CodeFenSyntax},
		{"trailing point is refused", "12.", 0, domain.CodeFenSyntax},
		{"leading point is refused", ".5", 0, domain.CodeFenSyntax},
		{"two points are refused", "1.2.3", 0, domain.CodeFenSyntax},
		{"spaces are refused", " 12", 0, domain.CodeFenSyntax},
		{"currency sign is refused", "¥12", 0, domain.CodeFenSyntax},
		{"comma as decimal point is refused", "12,34", 0, domain.CodeFenSyntax},
		{"comma group of four is refused", "1,2345.00", 0, domain.CodeFenSyntax},
		{"leading comma is refused", ",123", 0, domain.CodeFenSyntax},
		{"comma after zero is refused", "0,123", 0, domain.CodeFenSyntax},
		{"comma in decimals is refused", "1.2,3", 0, domain.CodeFenSyntax},
		{"one fen past the largest overflows", "92233720368547758.08", 0, domain.CodeFenOverflow},
		{"huge overflows", "99999999999999999999", 0, domain.CodeFenOverflow},
		{"over the text limit is refused", "00000000000000000000000000000000000000001", 0, domain.CodeFenSyntax},
		{"full-width digits are refused", "１２", 0, domain.CodeFenSyntax},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := domain.ParseFen(tt.in)
			if c := domain.Codes(err); !slices.Equal(c, codes(tt.code)) {
				t.Fatalf("ParseFen(%q) error %v, want code %q", tt.in, err, tt.code)
			}
			if err == nil && got != tt.want {
				t.Errorf("ParseFen(%q) = %d, want %d", tt.in, got, tt.want)
			}
		})
	}
}

func TestParseSignedFen(t *testing.T) {
	tests := []struct {
		name, in string
		want     domain.Fen
		code     string
	}{
		{"negative", "-1,234.56", -123456, ""},
		{"negative fen", "-0.05", -5, ""},
		{"minus zero is zero", "-0.00", 0, ""},
		{"smallest amount", "-92233720368547758.08", math.MinInt64, ""},
		{"one fen past the smallest overflows", "-92233720368547758.09", 0, domain.CodeFenOverflow},
		{"bare minus is refused", "-", 0, domain.CodeFenSyntax},
		{"double minus is refused", "--1", 0, domain.CodeFenSyntax},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := domain.ParseSignedFen(tt.in)
			if c := domain.Codes(err); !slices.Equal(c, codes(tt.code)) {
				t.Fatalf("ParseSignedFen(%q) error %v, want code %q", tt.in, err, tt.code)
			}
			if err == nil && got != tt.want {
				t.Errorf("ParseSignedFen(%q) = %d, want %d", tt.in, got, tt.want)
			}
		})
	}
}

func TestFenFormats(t *testing.T) {
	tests := []struct {
		name           string
		in             domain.Fen
		plain, grouped string
	}{
		{"zero has two decimals", 0, "0.00", "0.00"},
		{"one fen", 1, "0.01", "0.01"},
		{"dimes keep the trailing zero", 1230, "12.30", "12.30"},
		{"below a thousand has no comma", 99999, "999.99", "999.99"},
		{"a thousand has a comma", 100000, "1000.00", "1,000.00"},
		{"negative", -123456, "-1234.56", "-1,234.56"},
		{"negative fen", -5, "-0.05", "-0.05"},
		{"largest", math.MaxInt64, "92233720368547758.07", "92,233,720,368,547,758.07"},
		{"smallest", math.MinInt64, "-92233720368547758.08", "-92,233,720,368,547,758.08"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.in.String(); got != tt.plain {
				t.Errorf("String() = %q, want %q", got, tt.plain)
			}
			if got := tt.in.Grouped(); got != tt.grouped {
				t.Errorf("Grouped() = %q, want %q", got, tt.grouped)
			}
			for _, s := range []string{tt.plain, tt.grouped} {
				if back, err := domain.ParseSignedFen(s); err != nil || back != tt.in {
					t.Errorf("ParseSignedFen(%q) = %d, %v; want %d", s, back, err, tt.in)
				}
			}
		})
	}
}

// FuzzParseFen: parsing never panics, and every accepted amount formats back
// (plainly and grouped) to text that parses to the same amount.
func FuzzParseFen(f *testing.F) {
	for _, s := range []string{"0", "12.34", "1,234.50", "-5", "-0.05", "0.001", "1e3", "92233720368547758.07",
		"92233720368547758.08", "-92233720368547758.08", ",", "1,", "1,,000", "00.00", "9,999,999.9", "\xff"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		for _, parse := range []func(string) (domain.Fen, error){domain.ParseFen, domain.ParseSignedFen} {
			v, err := parse(s)
			if err != nil {
				if len(domain.Codes(err)) != 1 {
					t.Fatalf("error %v has no code", err)
				}
				continue
			}
			for _, text := range []string{v.String(), v.Grouped()} {
				back, err := domain.ParseSignedFen(text)
				if err != nil || back != v {
					t.Fatalf("%q parsed to %d, formatted as %q, parsed back to %d, %v", s, v, text, back, err)
				}
			}
		}
	})
}

// codes is the Codes a test expects: none for "", else the one given.
func codes(code string) []string {
	if code == "" {
		return nil
	}
	return []string{code}
}

// A currency sign or a letter is named as such, not as misplaced commas.
func TestParseFenNamesTheCurrencySignNotTheCommas(t *testing.T) {
	for _, in := range []string{"￥1,234.50", "¥1,234.50", "1,234.50元"} {
		_, err := domain.ParseFen(in)
		if err == nil || strings.Contains(err.Error(), "comma") || !strings.Contains(err.Error(), "currency sign") {
			t.Errorf("ParseFen(%q) = %v, want a currency-sign message", in, err)
		}
	}
	if _, err := domain.ParseFen("1,2a4.50"); err == nil || strings.Contains(err.Error(), "comma") {
		t.Errorf("ParseFen(1,2a4.50) = %v, want a not-a-number message", err)
	}
}
