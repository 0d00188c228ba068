package domain_test

import (
	"encoding/json"
	"slices"
	"testing"
	"time"

	"github.com/drip-ledger/drip/domain"
)

// asOf is the date the tests check birth dates against.
var asOf = time.Date(2016, 6, 30, 15, 0, 0, 0, time.UTC)

// withCheck completes 17 digits into a valid resident identity number.
func withCheck(t testing.TB, first17 string) string {
	t.Helper()
	c, err := domain.ResidentIDCheck(first17)
	if err != nil {
		t.Fatal(err)
	}
	return first17 + string(c)
}

// wrongCheck completes 17 digits with a check character that does not match.
func wrongCheck(t testing.TB, first17 string) string {
	t.Helper()
	s := withCheck(t, first17)
	if s[17] == '0' {
		return first17 + "1"
	}
	return first17 + "0"
}

func TestParseResidentID(t *testing.T) {
	tests := []struct {
		name, in string
		code     string
	}{
		// GB 11643-1999's own example: Beijing Chaoyang, 1949-12-31, check X.
		{"standard's example with check X", "11010519491231002X", ""},
		{"lower-case x", "11010519491231002x", ""},
		{"Weining man", withCheck(t, "52052619800101001"), ""},
		{"Weining woman", withCheck(t, "52052619800101002"), ""},
		{"sequence 000", withCheck(t, "52052619800101000"), ""},
		{"leap day 2000", withCheck(t, "52052620000229001"), ""},
		{"leap day 1904", withCheck(t, "52052619040229001"), ""},
		{"first day of 1900", withCheck(t, "52052619000101001"), ""},
		{"born on the as-of date", withCheck(t, "52052620160630001"), ""},
		{"Taiwan residence permit", withCheck(t, "83000019800101001"), ""},
		{"17 characters", "11010519491231002", domain.CodeResidentIDLength},
		{"19 characters", "11010519491231002X1", domain.CodeResidentIDLength},
		{"empty", "", domain.CodeResidentIDLength},
		{"15-digit old-style number", "110105491231002", domain.CodeResidentIDLength},
		{"letter among the digits", "1101051949123100AX", domain.CodeResidentIDCharacter},
		{"X not last", "X10105194912310021", domain.CodeResidentIDCharacter},
		{"Y as check", "11010519491231002Y", domain.CodeResidentIDCharacter},
		{"full-width digit", "１1010519491231002X", domain.CodeResidentIDCharacter},
		{"space", "11010519491231002 ", domain.CodeResidentIDCharacter},
		{"wrong check digit", wrongCheck(t, "52052619800101001"), domain.CodeResidentIDChecksum},
		{"digit instead of X", "110105194912310020", domain.CodeResidentIDChecksum},
		{"two digits swapped", "11010519491213002X", domain.CodeResidentIDChecksum},
		{"no such province", withCheck(t, "99052619800101001"), domain.CodeResidentIDAddress},
		{"province 00", withCheck(t, "00052619800101001"), domain.CodeResidentIDAddress},
		{"leap day 1900 (not a leap year)", withCheck(t, "52052619000229001"), domain.CodeResidentIDBirthDate},
		{"leap day 2015", withCheck(t, "52052620150229001"), domain.CodeResidentIDBirthDate},
		{"month 13", withCheck(t, "52052619801301001"), domain.CodeResidentIDBirthDate},
		{"day 00", withCheck(t, "52052619800100001"), domain.CodeResidentIDBirthDate},
		{"April 31", withCheck(t, "52052619800431001"), domain.CodeResidentIDBirthDate},
		{"last day of 1899", withCheck(t, "52052618991231001"), domain.CodeResidentIDBirthDate},
		// GB 11643-1999's other example: valid digits, but born in 1880.
		{"standard's 1880 example", "440524188001010014", domain.CodeResidentIDBirthDate},
		{"born the day after the as-of date", withCheck(t, "52052620160701001"), domain.CodeResidentIDBirthDateFuture},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			id, err := domain.ParseResidentID(tt.in, asOf)
			if c := domain.Codes(err); !slices.Equal(c, codes(tt.code)) {
				t.Fatalf("ParseResidentID(%q) error %v, want code %q", tt.in, err, tt.code)
			}
			if err == nil && id.String() != upperX(tt.in) {
				t.Errorf("String() = %q, want %q", id, upperX(tt.in))
			}
		})
	}
}

func upperX(s string) string {
	if len(s) == 18 && s[17] == 'x' {
		return s[:17] + "X"
	}
	return s
}

func TestResidentIDWithoutAsOfSkipsOnlyTheFutureRule(t *testing.T) {
	future := withCheck(t, "52052621000101001")
	if _, err := domain.ParseResidentID(future, time.Time{}); err != nil {
		t.Errorf("zero asOf: %v", err)
	}
	if _, err := domain.ParseResidentID(withCheck(t, "52052621000230001"), time.Time{}); !slices.Equal(domain.Codes(err), []string{domain.CodeResidentIDBirthDate}) {
		t.Errorf("zero asOf, February 30: %v", err)
	}
}

func TestResidentIDFutureUsesTheAsOfDateInItsLocation(t *testing.T) {
	// 2016-06-30 20:00 in New York is already 2016-07-01 in UTC; the
	// person born on 2016-07-01 is still in the future there.
	ny := time.FixedZone("UTC-4", -4*3600)
	id := withCheck(t, "52052620160701001")
	if _, err := domain.ParseResidentID(id, time.Date(2016, 6, 30, 20, 0, 0, 0, ny)); !slices.Equal(domain.Codes(err), []string{domain.CodeResidentIDBirthDateFuture}) {
		t.Errorf("got %v, want the future-date code", err)
	}
	beijing := time.FixedZone("UTC+8", 8*3600)
	if _, err := domain.ParseResidentID(id, time.Date(2016, 7, 1, 0, 30, 0, 0, beijing)); err != nil {
		t.Errorf("born today in Beijing: %v", err)
	}
}

func TestResidentIDParts(t *testing.T) {
	tests := []struct {
		name, in string
		birth    string
		sex      domain.Sex
		masked   string
	}{
		{"even sequence is female, check X", "11010519491231002X", "1949-12-31", domain.SexFemale, "110105********002X"},
		{"odd sequence is male", withCheck(t, "52052619800101001"), "1980-01-01", domain.SexMale, "520526********001" + withCheck(t, "52052619800101001")[17:]},
		{"leap day", withCheck(t, "52052620000229998"), "2000-02-29", domain.SexFemale, "520526********998" + withCheck(t, "52052620000229998")[17:]},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			id, err := domain.ParseResidentID(tt.in, asOf)
			if err != nil {
				t.Fatal(err)
			}
			if got := id.BirthDate().Format(time.DateOnly); got != tt.birth {
				t.Errorf("BirthDate() = %s, want %s", got, tt.birth)
			}
			if got := id.Sex(); got != tt.sex {
				t.Errorf("Sex() = %s, want %s", got, tt.sex)
			}
			if got := id.Masked(); got != tt.masked {
				t.Errorf("Masked() = %s, want %s", got, tt.masked)
			}
			if got := id.Address(); got != tt.in[:6] {
				t.Errorf("Address() = %s", got)
			}
		})
	}
	t.Run("zero value has no parts", func(t *testing.T) {
		var id domain.ResidentID
		if !id.IsZero() || id.Masked() != "" || id.Sex() != "" || !id.BirthDate().IsZero() || id.Address() != "" {
			t.Errorf("zero ResidentID: %q %q %v", id.Masked(), id.Sex(), id.BirthDate())
		}
	})
}

func TestResidentIDCheck(t *testing.T) {
	tests := []struct {
		name, in string
		want     byte
		code     string
	}{
		{"check X", "11010519491231002", 'X', ""},
		{"check digit", "44052418800101001", '4', ""},
		{"16 digits are refused", "1101051949123100", 0, domain.CodeResidentIDCharacter},
		{"a letter is refused", "1101051949123100A", 0, domain.CodeResidentIDCharacter},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := domain.ResidentIDCheck(tt.in)
			if c := domain.Codes(err); !slices.Equal(c, codes(tt.code)) {
				t.Fatalf("error %v, want code %q", err, tt.code)
			}
			if got != tt.want {
				t.Errorf("ResidentIDCheck(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}

func TestResidentIDJSON(t *testing.T) {
	var m struct {
		ID domain.ResidentID `json:"id"`
	}
	if err := json.Unmarshal([]byte(`{"id":"11010519491231002x"}`), &m); err != nil || m.ID.String() != "11010519491231002X" {
		t.Fatalf("Unmarshal = %q, %v", m.ID, err)
	}
	if b, _ := json.Marshal(m); string(b) != `{"id":"11010519491231002X"}` {
		t.Errorf("Marshal = %s", b)
	}
	if err := json.Unmarshal([]byte(`{"id":"110105194912310020"}`), &m); !slices.Equal(domain.Codes(err), []string{domain.CodeResidentIDChecksum}) {
		t.Errorf("Unmarshal of a bad number: %v", err)
	}
}

// FuzzResidentID: parsing never panics; an accepted number is 18 characters
// with a correct check character and an upper-case X, parses again to
// itself, and its parts are consistent.
func FuzzResidentID(f *testing.F) {
	for _, s := range []string{"11010519491231002X", "11010519491231002x", "440524188001010014", "52052620000229001",
		"52052619000229001", "", "X", "110105194912310020", "１1010519491231002X", "83000019800101001", "\x00\x00"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		id, err := domain.ParseResidentID(s, asOf)
		if err != nil {
			if len(domain.Codes(err)) != 1 {
				t.Fatalf("error %v has no code", err)
			}
			return
		}
		text := id.String()
		if len(text) != 18 || text[17] == 'x' {
			t.Fatalf("%q accepted as %q", s, text)
		}
		if want, err := domain.ResidentIDCheck(text[:17]); err != nil || want != text[17] {
			t.Fatalf("%q accepted with check %c, want %c (%v)", s, text[17], want, err)
		}
		again, err := domain.ParseResidentID(text, asOf)
		if err != nil || again != id {
			t.Fatalf("%q does not parse back: %q, %v", text, again, err)
		}
		if b := id.BirthDate(); b.Year() < domain.ResidentIDYearMin || b.After(asOf) || b.Format("20060102") != text[6:14] {
			t.Fatalf("%q has birth date %v", text, b)
		}
		if id.Masked()[:6] != text[:6] || id.Masked()[14:] != text[14:] {
			t.Fatalf("%q masks as %q", text, id.Masked())
		}
	})
}
