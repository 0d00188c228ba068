package domain

import (
	"time"
	"unicode/utf8"
)

// ResidentIDLen is the number of characters in a resident identity number.
const ResidentIDLen = 18

// ResidentIDYearMin is the earliest birth year ParseResidentID accepts. No
// one alive at the start of the targeted programme (2014) was born earlier,
// and the standard's century-less predecessor (15 digits) began in the 1980s.
const ResidentIDYearMin = 1900

// Codes of the errors ParseResidentID returns, one per rule, in the order
// the rules are checked.
const (
	CodeResidentIDLength          = "resident_id_length"
	CodeResidentIDCharacter       = "resident_id_character"
	CodeResidentIDChecksum        = "resident_id_checksum"
	CodeResidentIDAddress         = "resident_id_address"
	CodeResidentIDBirthDate       = "resident_id_birth_date"
	CodeResidentIDBirthDateFuture = "resident_id_birth_date_future"
)

// Sex is what a resident identity number records.
type Sex string

// The sexes a resident identity number encodes (odd sequence: male).
const (
	SexMale   Sex = "male"
	SexFemale Sex = "female"
)

// ResidentID is an 18-character resident identity number (公民身份号码,
// GB 11643-1999): a 6-digit address code (the county of first registration),
// the birth date as YYYYMMDD, a 3-digit sequence (odd for men, even for
// women) and a check character (ISO 7064 MOD 11-2, "X" for 10). The zero
// ResidentID is empty (IsZero); values are made by ParseResidentID. In JSON
// it is a string.
//
// A ResidentID is personal data: show it on publicity lists only as Masked.
type ResidentID struct{ s string }

// ParseResidentID checks s against the rules below and returns it with a
// lower-case "x" made upper-case. It returns an *Error whose code names the
// first rule broken, in this order:
//   - CodeResidentIDLength: not 18 characters;
//   - CodeResidentIDCharacter: the first 17 are not all ASCII digits, or the
//     last is not a digit or X;
//   - CodeResidentIDChecksum: the check character does not match (the usual
//     sign of a mistyped digit, so it is reported before what the digits say);
//   - CodeResidentIDAddress: the first two digits are not a GB/T 2260
//     province, nor 83 (the residence permits of Taiwan residents);
//   - CodeResidentIDBirthDate: digits 7–14 are not a real date, or the year
//     is before ResidentIDYearMin;
//   - CodeResidentIDBirthDateFuture: the birth date is after asOf's date
//     (in asOf's location). A zero asOf skips this rule; decoding stored
//     data does that, since the number was checked when it was recorded.
//
// Only what the standard forbids is refused: below the province the address
// code is not checked against a list (a number keeps the code of a county
// that has since been renamed), and every sequence, 000 included, is
// accepted. Refusing a real person's number would keep a poor household off
// the file.
func ParseResidentID(s string, asOf time.Time) (ResidentID, error) {
	if n := utf8.RuneCountInString(s); n != ResidentIDLen {
		return ResidentID{}, Errorf(CodeResidentIDLength, "resident identity number has %d characters, not %d", n, ResidentIDLen)
	}
	if len(s) != ResidentIDLen || !allDigits(s[:17]) || !isCheckChar(s[17]) {
		return ResidentID{}, Errorf(CodeResidentIDCharacter, "resident identity number must be 17 digits and a digit or X")
	}
	if s[17] == 'x' {
		s = s[:17] + "X"
	}
	if want, _ := ResidentIDCheck(s[:17]); s[17] != want {
		return ResidentID{}, Errorf(CodeResidentIDChecksum, "resident identity number ends in %c but its digits give %c: a digit is probably mistyped", s[17], want)
	}
	if _, ok := provinces[s[:2]]; !ok && s[:2] != "83" {
		return ResidentID{}, Errorf(CodeResidentIDAddress, "resident identity number: %q is not a province-level address code", s[:2])
	}
	birth, ok := civilDate(s[6:14])
	if !ok || birth.Year() < ResidentIDYearMin {
		return ResidentID{}, Errorf(CodeResidentIDBirthDate, "resident identity number: %s is not a birth date on or after %d-01-01", s[6:14], ResidentIDYearMin)
	}
	if !asOf.IsZero() {
		y, m, d := asOf.Date()
		if birth.After(time.Date(y, m, d, 0, 0, 0, 0, time.UTC)) {
			return ResidentID{}, Errorf(CodeResidentIDBirthDateFuture, "resident identity number: birth date %s is after %04d-%02d-%02d", birth.Format(time.DateOnly), y, m, d)
		}
	}
	return ResidentID{s}, nil
}

func isCheckChar(c byte) bool { return c >= '0' && c <= '9' || c == 'X' || c == 'x' }

// civilDate reads YYYYMMDD as midnight UTC, if it is a real calendar date.
func civilDate(s string) (time.Time, bool) {
	t, err := time.Parse("20060102", s)
	return t, err == nil
}

// residentIDWeights are 2^(17-i) mod 11 for the 17 digits (GB 11643-1999).
var residentIDWeights = [17]int{7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2}

// residentIDChecks maps the weighted sum mod 11 to the check character.
const residentIDChecks = "10X98765432"

// ResidentIDCheck returns the check character (ISO 7064 MOD 11-2: '0'–'9'
// or 'X') for the first 17 digits of a resident identity number. Tests and
// demonstration data use it to make valid numbers.
func ResidentIDCheck(first17 string) (byte, error) {
	if len(first17) != 17 || !allDigits(first17) {
		return 0, Errorf(CodeResidentIDCharacter, "a check character is computed from exactly 17 digits, got %q", first17)
	}
	sum := 0
	for i, w := range residentIDWeights {
		sum += int(first17[i]-'0') * w
	}
	return residentIDChecks[sum%11], nil
}

// String returns the 18 characters, or "" for the zero ResidentID.
func (id ResidentID) String() string { return id.s }

// IsZero reports whether id is the empty zero value.
func (id ResidentID) IsZero() bool { return id.s == "" }

// Address is the 6-digit address code: the county where the number was first
// issued, not necessarily where the person lives now.
func (id ResidentID) Address() string {
	if id.s == "" {
		return ""
	}
	return id.s[:6]
}

// BirthDate is the birth date, at midnight UTC (a civil date, not an
// instant). The zero ResidentID gives the zero time.
func (id ResidentID) BirthDate() time.Time {
	if id.s == "" {
		return time.Time{}
	}
	t, _ := civilDate(id.s[6:14])
	return t
}

// Sex is SexMale for an odd sequence digit, SexFemale for an even one, and
// "" for the zero ResidentID.
func (id ResidentID) Sex() Sex {
	switch {
	case id.s == "":
		return ""
	case (id.s[16]-'0')%2 == 1:
		return SexMale
	}
	return SexFemale
}

// Masked returns id as publicity lists (公示) show it: the address code and
// the last four characters, with the eight birth-date digits as asterisks:
// 520526********1234. The birth date is what, with a name and a village,
// identifies a person; the address code is the village's own county and the
// last four let a villager recognise their line. The zero ResidentID
// gives "".
func (id ResidentID) Masked() string {
	if id.s == "" {
		return ""
	}
	return id.s[:6] + "********" + id.s[14:]
}

// MarshalText returns the 18 characters ("" for the zero value).
func (id ResidentID) MarshalText() ([]byte, error) { return []byte(id.s), nil }

// UnmarshalText parses with ParseResidentID without the future-date rule
// (stored numbers were checked when recorded); "" gives the zero value.
func (id *ResidentID) UnmarshalText(b []byte) error {
	if len(b) == 0 {
		*id = ResidentID{}
		return nil
	}
	v, err := ParseResidentID(string(b), time.Time{})
	if err != nil {
		return err
	}
	*id = v
	return nil
}
