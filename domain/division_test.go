package domain_test

import (
	"encoding/json"
	"slices"
	"testing"

	"github.com/drip-ledger/drip/domain"
)

func TestParseDivisionCode(t *testing.T) {
	tests := []struct {
		name, in string
		level    domain.Level
		code     string
	}{
		{"village", "520526104201", domain.LevelVillage, ""},
		{"township", "520526104000", domain.LevelTownship, ""},
		{"county", "520526000000", domain.LevelCounty, ""},
		{"prefecture", "520500000000", domain.LevelPrefecture, ""},
		{"province", "520000000000", domain.LevelProvince, ""},
		{"municipality district", "110101001001", domain.LevelVillage, ""},
		{"Macao", "820000000000", domain.LevelProvince, ""},
		{"Taiwan", "710000000000", domain.LevelProvince, ""},
		{"Hong Kong", "810000000000", domain.LevelProvince, ""},
		{"eleven digits are refused", "52052610420", 0, domain.CodeDivisionCodeLength},
		{"thirteen digits are refused", "5205261042011", 0, domain.CodeDivisionCodeLength},
		{"empty is refused", "", 0, domain.CodeDivisionCodeLength},
		{"letters are refused", "52052610420A", 0, domain.CodeDivisionCodeCharacter},
		{"a sign is refused", "-52052610420", 0, domain.CodeDivisionCodeCharacter},
		{"province 00 is refused", "000000000000", 0, domain.CodeDivisionCodeProvince},
		{"province 10 is refused", "100000000000", 0, domain.CodeDivisionCodeProvince},
		{"province 66 is refused", "660000000000", 0, domain.CodeDivisionCodeProvince},
		{"province 83 is refused", "830000000000", 0, domain.CodeDivisionCodeProvince},
		{"village under no township is refused", "520526000201", 0, domain.CodeDivisionCodeStructure},
		{"county under no prefecture is refused", "520026000000", 0, domain.CodeDivisionCodeStructure},
		{"township under no county is refused", "520500104000", 0, domain.CodeDivisionCodeStructure},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := domain.ParseDivisionCode(tt.in)
			if c := domain.Codes(err); !slices.Equal(c, codes(tt.code)) {
				t.Fatalf("ParseDivisionCode(%q) error %v, want code %q", tt.in, err, tt.code)
			}
			if err != nil {
				return
			}
			if got.String() != tt.in || got.Level() != tt.level {
				t.Errorf("got %q at %s, want %q at %s", got, got.Level(), tt.in, tt.level)
			}
		})
	}
}

func TestDivisionCodePrefixes(t *testing.T) {
	village := mustCode(t, "520526104201")
	tests := []struct {
		name string
		got  domain.Jurisdiction
		want string
	}{
		{"province", village.Province(), "52"},
		{"prefecture", village.Prefecture(), "5205"},
		{"county", village.County(), "520526"},
		{"township", village.Township(), "520526104"},
		{"village", village.Village(), "520526104201"},
		{"own jurisdiction", village.Jurisdiction(), "520526104201"},
		{"county's own jurisdiction", mustCode(t, "520526000000").Jurisdiction(), "520526"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.got.IsZero() || tt.got.String() != tt.want {
				t.Errorf("got %q (zero %v), want %q", tt.got, tt.got.IsZero(), tt.want)
			}
		})
	}
	t.Run("levels below a county code are zero", func(t *testing.T) {
		county := mustCode(t, "520526000000")
		if !county.Township().IsZero() || !county.Village().IsZero() {
			t.Errorf("Township %q, Village %q: want zero jurisdictions", county.Township(), county.Village())
		}
	})
}

func TestParseJurisdiction(t *testing.T) {
	tests := []struct {
		name, in string
		level    domain.Level
		code     string
	}{
		{"nation", "", domain.LevelNation, ""},
		{"province", "52", domain.LevelProvince, ""},
		{"prefecture", "5205", domain.LevelPrefecture, ""},
		{"county", "520526", domain.LevelCounty, ""},
		{"township", "520526104", domain.LevelTownship, ""},
		{"village", "520526104201", domain.LevelVillage, ""},
		{"three digits are refused", "520", 0, domain.CodeJurisdictionLength},
		{"seven digits are refused", "5205261", 0, domain.CodeJurisdictionLength},
		{"letters are refused", "52a5", 0, domain.CodeJurisdictionCharacter},
		{"unknown province is refused", "99", 0, domain.CodeJurisdictionProvince},
		{"zero prefecture is refused", "5200", 0, domain.CodeJurisdictionStructure},
		{"zero township is refused", "520526000", 0, domain.CodeJurisdictionStructure},
		{"zero village is refused", "520526104000", 0, domain.CodeJurisdictionStructure},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := domain.ParseJurisdiction(tt.in)
			if c := domain.Codes(err); !slices.Equal(c, codes(tt.code)) {
				t.Fatalf("ParseJurisdiction(%q) error %v, want code %q", tt.in, err, tt.code)
			}
			if err == nil && (got.String() != tt.in || got.Level() != tt.level || got.IsZero()) {
				t.Errorf("got %q at %s, want %q at %s", got, got.Level(), tt.in, tt.level)
			}
		})
	}
}

func TestJurisdictionContains(t *testing.T) {
	village := mustCode(t, "520526104201")
	tests := []struct {
		name string
		j    domain.Jurisdiction
		code domain.DivisionCode
		want bool
	}{
		{"nation contains a village", domain.Nation(), village, true},
		{"province contains its village", mustJurisdiction(t, "52"), village, true},
		{"county contains its village", mustJurisdiction(t, "520526"), village, true},
		{"village contains itself", mustJurisdiction(t, "520526104201"), village, true},
		{"neighbouring county does not", mustJurisdiction(t, "520527"), village, false},
		{"another province does not", mustJurisdiction(t, "62"), village, false},
		{"a village does not contain its county", mustJurisdiction(t, "520526104201"), mustCode(t, "520526000000"), false},
		{"zero jurisdiction contains nothing", domain.Jurisdiction{}, village, false},
		{"nothing contains the zero code", domain.Nation(), domain.DivisionCode{}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.j.Contains(tt.code); got != tt.want {
				t.Errorf("%q.Contains(%q) = %v, want %v", tt.j, tt.code, got, tt.want)
			}
		})
	}
}

func TestJurisdictionEncloses(t *testing.T) {
	county := mustJurisdiction(t, "520526")
	tests := []struct {
		name         string
		outer, inner domain.Jurisdiction
		want         bool
	}{
		{"county encloses its township", county, mustJurisdiction(t, "520526104"), true},
		{"county encloses itself", county, county, true},
		{"nation encloses a county", domain.Nation(), county, true},
		{"county does not enclose its prefecture", county, mustJurisdiction(t, "5205"), false},
		{"county does not enclose the nation", county, domain.Nation(), false},
		{"zero encloses nothing", domain.Jurisdiction{}, county, false},
		{"nothing encloses zero", domain.Nation(), domain.Jurisdiction{}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.outer.Encloses(tt.inner); got != tt.want {
				t.Errorf("%q.Encloses(%q) = %v, want %v", tt.outer, tt.inner, got, tt.want)
			}
		})
	}
}

func TestJurisdictionJSON(t *testing.T) {
	t.Run("nation round-trips as an empty string", func(t *testing.T) {
		b, err := json.Marshal(domain.Nation())
		if err != nil || string(b) != `""` {
			t.Fatalf("Marshal(Nation()) = %s, %v", b, err)
		}
		var j domain.Jurisdiction
		if err := json.Unmarshal(b, &j); err != nil || j.IsZero() || j.Level() != domain.LevelNation {
			t.Fatalf("Unmarshal(%s) = %q (zero %v), %v", b, j, j.IsZero(), err)
		}
	})
	t.Run("zero value refuses to marshal rather than become the nation", func(t *testing.T) {
		if b, err := json.Marshal(domain.Jurisdiction{}); err == nil {
			t.Fatalf("Marshal(zero) = %s, want an error", b)
		}
	})
	t.Run("bad prefix is refused with its code", func(t *testing.T) {
		var j domain.Jurisdiction
		err := json.Unmarshal([]byte(`"5200"`), &j)
		if c := domain.Codes(err); !slices.Equal(c, []string{domain.CodeJurisdictionStructure}) {
			t.Fatalf("Unmarshal error %v, codes %v", err, c)
		}
	})
}

func TestDivisionCodeJSON(t *testing.T) {
	type record struct {
		Village domain.DivisionCode `json:"village"`
	}
	var r record
	if err := json.Unmarshal([]byte(`{"village":"520526104201"}`), &r); err != nil || r.Village.String() != "520526104201" {
		t.Fatalf("Unmarshal = %+v, %v", r, err)
	}
	if b, _ := json.Marshal(r); string(b) != `{"village":"520526104201"}` {
		t.Errorf("Marshal = %s", b)
	}
	if err := json.Unmarshal([]byte(`{"village":"520526000201"}`), &r); !slices.Equal(domain.Codes(err), []string{domain.CodeDivisionCodeStructure}) {
		t.Errorf("Unmarshal of a bad code: %v", err)
	}
}

func TestProvinceName(t *testing.T) {
	if got := domain.ProvinceName("52"); got != "Guizhou" {
		t.Errorf(`ProvinceName("52") = %q`, got)
	}
	if got := domain.ProvinceName("66"); got != "" {
		t.Errorf(`ProvinceName("66") = %q, want ""`, got)
	}
}

func mustCode(t *testing.T, s string) domain.DivisionCode {
	t.Helper()
	c, err := domain.ParseDivisionCode(s)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func mustJurisdiction(t *testing.T, s string) domain.Jurisdiction {
	t.Helper()
	j, err := domain.ParseJurisdiction(s)
	if err != nil {
		t.Fatal(err)
	}
	return j
}
