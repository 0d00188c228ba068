package domain

import (
	"fmt"
	"strings"
)

// Level is a rung of China's administrative hierarchy as the 12-digit
// statistical division code spells it.
type Level uint8

// The levels, from the whole country down. The digits of a division code
// belong to them as 2 (province), 2 (prefecture), 2 (county), 3 (township),
// 3 (village).
const (
	LevelNation Level = iota
	LevelProvince
	LevelPrefecture
	LevelCounty
	LevelTownship
	LevelVillage
)

// prefixLen is how many leading digits of a division code name a place at
// each level.
var prefixLen = [...]int{LevelNation: 0, LevelProvince: 2, LevelPrefecture: 4, LevelCounty: 6, LevelTownship: 9, LevelVillage: 12}

// Digits is the length of the code prefix that names a place at l.
func (l Level) Digits() int { return prefixLen[l] }

func (l Level) String() string {
	names := [...]string{"nation", "province", "prefecture", "county", "township", "village"}
	if int(l) < len(names) {
		return names[l]
	}
	return fmt.Sprintf("Level(%d)", l)
}

// DivisionCodeLen is the number of digits in a division code.
const DivisionCodeLen = 12

// provinces are the province-level codes of GB/T 2260: the 31 mainland
// provinces, autonomous regions and municipalities, Taiwan (71), Hong Kong
// (81) and Macao (82).
var provinces = map[string]string{
	"11": "Beijing", "12": "Tianjin", "13": "Hebei", "14": "Shanxi", "15": "Inner Mongolia",
	"21": "Liaoning", "22": "Jilin", "23": "Heilongjiang",
	"31": "Shanghai", "32": "Jiangsu", "33": "Zhejiang", "34": "Anhui", "35": "Fujian", "36": "Jiangxi", "37": "Shandong",
	"41": "Henan", "42": "Hubei", "43": "Hunan", "44": "Guangdong", "45": "Guangxi", "46": "Hainan",
	"50": "Chongqing", "51": "Sichuan", "52": "Guizhou", "53": "Yunnan", "54": "Tibet",
	"61": "Shaanxi", "62": "Gansu", "63": "Qinghai", "64": "Ningxia", "65": "Xinjiang",
	"71": "Taiwan", "81": "Hong Kong", "82": "Macao",
}

// ProvinceName returns the English name of a two-digit province-level code
// ("52" → "Guizhou"), or "" if GB/T 2260 has no such province.
func ProvinceName(code string) string { return provinces[code] }

// Codes of the errors ParseDivisionCode returns.
const (
	CodeDivisionCodeLength    = "division_code_length"
	CodeDivisionCodeCharacter = "division_code_character"
	CodeDivisionCodeProvince  = "division_code_province"
	CodeDivisionCodeStructure = "division_code_structure"
)

// DivisionCode is a 12-digit administrative division code (统计用区划代码):
// province 2, prefecture 2, county 2, township 3, village 3 digits, e.g.
// 520526104201 (Guizhou, Bijie, Weining county, a township, a village). A
// code names a place at any level; the levels below it are zeros
// (520526000000 is Weining county itself). The zero DivisionCode is empty
// (IsZero); values are made by ParseDivisionCode. In JSON it is a string.
type DivisionCode struct{ s string }

// ParseDivisionCode checks s and returns it as a DivisionCode. The rules:
//   - exactly 12 ASCII digits;
//   - the first two are a province-level code of GB/T 2260 (see ProvinceName);
//   - once a level is all zeros, every level below it is too: a place hangs
//     under a real parent (520026104201 has no prefecture, so it is refused).
//
// Codes below the province are not checked against a list: counties are
// merged and renamed every year, and a ledger must keep accepting the codes
// its history was written with.
func ParseDivisionCode(s string) (DivisionCode, error) {
	if len(s) != DivisionCodeLen {
		return DivisionCode{}, Errorf(CodeDivisionCodeLength, "division code %q has %d characters, not %d digits", s, len(s), DivisionCodeLen)
	}
	if !allDigits(s) {
		return DivisionCode{}, Errorf(CodeDivisionCodeCharacter, "division code %q is not all digits", s)
	}
	if _, ok := provinces[s[:2]]; !ok {
		return DivisionCode{}, Errorf(CodeDivisionCodeProvince, "division code %q: %q is not a province-level code of GB/T 2260", s, s[:2])
	}
	zeroFrom := LevelVillage + 1
	for l := LevelPrefecture; l <= LevelVillage; l++ {
		if !isZeros(component(s, l)) {
			if zeroFrom <= LevelVillage {
				return DivisionCode{}, Errorf(CodeDivisionCodeStructure,
					"division code %q names a %s under a %s of zeros", s, l, zeroFrom)
			}
			continue
		}
		if zeroFrom > LevelVillage {
			zeroFrom = l
		}
	}
	return DivisionCode{s}, nil
}

// component returns the digits of a code (or a long enough prefix) that
// belong to level l.
func component(s string, l Level) string { return s[prefixLen[l-1]:prefixLen[l]] }

func isZeros(s string) bool { return strings.Trim(s, "0") == "" }

// String returns the 12 digits, or "" for the zero DivisionCode.
func (c DivisionCode) String() string { return c.s }

// IsZero reports whether c is the empty zero value.
func (c DivisionCode) IsZero() bool { return c.s == "" }

// Level is the lowest level c names: LevelVillage for 520526104201,
// LevelCounty for 520526000000.
func (c DivisionCode) Level() Level {
	if c.s == "" {
		return LevelNation
	}
	for l := LevelVillage; l > LevelProvince; l-- {
		if !isZeros(component(c.s, l)) {
			return l
		}
	}
	return LevelProvince
}

// Jurisdiction is the place c names, as a prefix: 520526 for 520526000000.
func (c DivisionCode) Jurisdiction() Jurisdiction { return c.at(c.Level()) }

// Province is the province c lies in ("52").
func (c DivisionCode) Province() Jurisdiction { return c.at(LevelProvince) }

// Prefecture is the prefecture c lies in ("5205"), or the zero Jurisdiction
// if c names a province.
func (c DivisionCode) Prefecture() Jurisdiction { return c.at(LevelPrefecture) }

// County is the county c lies in ("520526"), or the zero Jurisdiction if c
// names a place above a county.
func (c DivisionCode) County() Jurisdiction { return c.at(LevelCounty) }

// Township is the township c lies in ("520526104"), or the zero Jurisdiction
// if c names a place above a township.
func (c DivisionCode) Township() Jurisdiction { return c.at(LevelTownship) }

// Village is c itself as a jurisdiction ("520526104201") if c names a
// village, else the zero Jurisdiction.
func (c DivisionCode) Village() Jurisdiction { return c.at(LevelVillage) }

func (c DivisionCode) at(l Level) Jurisdiction {
	if c.s == "" || l > c.Level() {
		return Jurisdiction{}
	}
	return Jurisdiction{prefix: c.s[:prefixLen[l]], set: true}
}

// MarshalText returns the 12 digits. The zero DivisionCode marshals as "".
func (c DivisionCode) MarshalText() ([]byte, error) { return []byte(c.s), nil }

// UnmarshalText parses with ParseDivisionCode; "" gives the zero value, so
// an optional field can be absent.
func (c *DivisionCode) UnmarshalText(b []byte) error {
	if len(b) == 0 {
		*c = DivisionCode{}
		return nil
	}
	v, err := ParseDivisionCode(string(b))
	if err != nil {
		return err
	}
	*c = v
	return nil
}

// Codes of the errors ParseJurisdiction returns.
const (
	CodeJurisdictionLength    = "jurisdiction_length"
	CodeJurisdictionCharacter = "jurisdiction_character"
	CodeJurisdictionProvince  = "jurisdiction_province"
	CodeJurisdictionStructure = "jurisdiction_structure"
	// CodeJurisdictionZero: the zero Jurisdiction was marshalled (a
	// programmer error: a field was never set).
	CodeJurisdictionZero = "jurisdiction_zero"
)

// Jurisdiction is the area an official acts for, written as a division-code
// prefix of 0, 2, 4, 6, 9 or 12 digits: "" the nation, "52" a province,
// "5205" a prefecture, "520526" a county, "520526104" a township,
// "520526104201" a village. It contains every place whose code starts with
// the prefix.
//
// The zero Jurisdiction contains nothing, so a forgotten field grants no
// access; the nation is Nation() (or ParseJurisdiction("")). For the same
// reason MarshalText refuses the zero value rather than write "", which
// would read back as the nation.
type Jurisdiction struct {
	prefix string
	set    bool
}

// Nation returns the jurisdiction that contains every place.
func Nation() Jurisdiction { return Jurisdiction{set: true} }

// ParseJurisdiction checks a division-code prefix: a length of 0, 2, 4, 6, 9
// or 12 digits, a GB/T 2260 province, and no level of zeros (each level of
// the prefix names a real place: "5200" is refused; the province is "52").
func ParseJurisdiction(s string) (Jurisdiction, error) {
	level := LevelNation
	for level <= LevelVillage && prefixLen[level] != len(s) {
		level++
	}
	switch {
	case level > LevelVillage:
		return Jurisdiction{}, Errorf(CodeJurisdictionLength, "jurisdiction %q has %d characters; a division-code prefix has 0, 2, 4, 6, 9 or 12 digits", s, len(s))
	case !allDigits(s):
		return Jurisdiction{}, Errorf(CodeJurisdictionCharacter, "jurisdiction %q is not all digits", s)
	case level == LevelNation:
		return Nation(), nil
	}
	if _, ok := provinces[s[:2]]; !ok {
		return Jurisdiction{}, Errorf(CodeJurisdictionProvince, "jurisdiction %q: %q is not a province-level code of GB/T 2260", s, s[:2])
	}
	for l := LevelPrefecture; l <= level; l++ {
		if isZeros(component(s, l)) {
			return Jurisdiction{}, Errorf(CodeJurisdictionStructure, "jurisdiction %q: its %s digits are zeros", s, l)
		}
	}
	return Jurisdiction{prefix: s, set: true}, nil
}

// String returns the prefix ("" for the nation and for the zero value).
func (j Jurisdiction) String() string { return j.prefix }

// IsZero reports whether j is the zero value, which contains nothing.
func (j Jurisdiction) IsZero() bool { return !j.set }

// Level is the level of the place j names.
func (j Jurisdiction) Level() Level {
	for l := LevelNation; l < LevelVillage; l++ {
		if prefixLen[l] == len(j.prefix) {
			return l
		}
	}
	return LevelVillage
}

// Contains reports whether the place code names lies in j. The zero
// Jurisdiction contains nothing; the nation contains every valid code.
func (j Jurisdiction) Contains(code DivisionCode) bool {
	return j.set && !code.IsZero() && strings.HasPrefix(code.s, j.prefix)
}

// Encloses reports whether every place in inner is also in j: a county
// official's jurisdiction encloses each of its townships and itself.
func (j Jurisdiction) Encloses(inner Jurisdiction) bool {
	return j.set && inner.set && strings.HasPrefix(inner.prefix, j.prefix)
}

// MarshalText returns the prefix; it refuses the zero Jurisdiction, whose
// text would read back as the nation.
func (j Jurisdiction) MarshalText() ([]byte, error) {
	if !j.set {
		return nil, Errorf(CodeJurisdictionZero, "the zero jurisdiction has no text: use Nation() for the whole country")
	}
	return []byte(j.prefix), nil
}

// UnmarshalText parses with ParseJurisdiction ("" is the nation).
func (j *Jurisdiction) UnmarshalText(b []byte) error {
	v, err := ParseJurisdiction(string(b))
	if err != nil {
		return err
	}
	*j = v
	return nil
}
