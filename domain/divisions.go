package domain

import (
	"bytes"
	_ "embed"
	"fmt"
	"strings"
	"unicode/utf8"
)

// Codes of the division registry's errors.
const (
	CodeDivisionUnknown = "division_unknown"
	CodeDivisionFile    = "division_file"
)

// Division is one place of the registry: its code, its name (as the
// statistics bureau writes it, 威宁彝族回族苗族自治县) and its level.
type Division struct {
	Code  DivisionCode
	Name  string
	Level Level
}

// Divisions is the registry of the places a deployment serves: the national
// 12-digit division codes with their names. A code that parses
// (ParseDivisionCode checks only its shape) may still name no place at all
// (520526104299): every code that enters Drip is looked up here as well.
// A Divisions is read-only once built, so it is safe for concurrent use.
type Divisions struct{ byCode map[string]Division }

// DivisionsRowsMax bounds a registry file: China has about 700,000
// villages, so a national file fits with room.
const DivisionsRowsMax = 1_000_000

// ParseDivisions reads a registry file: UTF-8 lines of
// "code,name,level", level one of province, prefecture, county, township,
// village and agreeing with the code; blank lines and lines starting with #
// are skipped. Every place's parent must be in the same file or an earlier
// one (add), so a village never hangs under a county nobody listed. It
// returns every bad line at once.
func ParseDivisions(data []byte, add ...*Divisions) (*Divisions, error) {
	d := &Divisions{byCode: map[string]Division{}}
	for _, a := range add {
		if a != nil {
			for k, v := range a.byCode {
				d.byCode[k] = v
			}
		}
	}
	var ps Problems
	if !utf8.Valid(data) {
		ps.Addf("file", CodeDivisionFile, "is not UTF-8")
		return nil, ps.Err()
	}
	lines := bytes.Split(bytes.TrimPrefix(data, []byte("\uFEFF")), []byte("\n"))
	if len(lines) > DivisionsRowsMax {
		ps.Addf("file", CodeDivisionFile, "has %d lines, above the limit of %d", len(lines), DivisionsRowsMax)
		return nil, ps.Err()
	}
	var added []Division
	for i, raw := range lines {
		line := strings.TrimSpace(string(raw))
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		field := fmt.Sprintf("lines[%d]", i+1)
		div, err := parseDivisionLine(line)
		if err != nil {
			ps.Add(field, err)
			continue
		}
		d.byCode[div.Code.String()] = div
		added = append(added, div)
	}
	for _, div := range added {
		if div.Level > LevelProvince {
			if _, ok := d.byCode[padCode(div.Code.at(div.Level-1).String())]; !ok {
				ps.Addf(div.Code.String(), CodeDivisionFile, "its %s %s is not in the registry", div.Level-1, div.Code.at(div.Level-1))
			}
		}
	}
	if err := ps.Err(); err != nil {
		return nil, err
	}
	return d, nil
}

func parseDivisionLine(line string) (Division, error) {
	parts := strings.Split(line, ",")
	if len(parts) != 3 {
		return Division{}, Errorf(CodeDivisionFile, "has %d fields, not 3 (code,name,level)", len(parts))
	}
	code, err := ParseDivisionCode(strings.TrimSpace(parts[0]))
	if err != nil {
		return Division{}, err
	}
	name := strings.TrimSpace(parts[1])
	if name == "" || utf8.RuneCountInString(name) > DivisionNameMax {
		return Division{}, Errorf(CodeDivisionFile, "the name must have 1 to %d characters", DivisionNameMax)
	}
	level := strings.TrimSpace(parts[2])
	if level != code.Level().String() {
		return Division{}, Errorf(CodeDivisionFile, "level %q disagrees with the code %s, a %s", level, code, code.Level())
	}
	return Division{Code: code, Name: name, Level: code.Level()}, nil
}

// DivisionNameMax bounds a place's name, in characters.
const DivisionNameMax = 64

// padCode makes a 12-digit code of a jurisdiction's prefix.
func padCode(prefix string) string { return prefix + strings.Repeat("0", DivisionCodeLen-len(prefix)) }

// Lookup returns the place code names, or false if the registry has none.
func (d *Divisions) Lookup(code DivisionCode) (Division, bool) {
	div, ok := d.byCode[code.String()]
	return div, ok
}

// LookupJurisdiction returns the place a jurisdiction prefix names (the
// nation is always known, with the name "nation").
func (d *Divisions) LookupJurisdiction(j Jurisdiction) (Division, bool) {
	if j.Level() == LevelNation {
		return Division{Name: "nation", Level: LevelNation}, !j.IsZero()
	}
	div, ok := d.byCode[padCode(j.String())]
	return div, ok
}

// Name returns the place's name, or "" if the registry does not know it.
func (d *Divisions) Name(code DivisionCode) string { return d.byCode[code.String()].Name }

// Check returns nil if code names a place in the registry, else an *Error
// with code division_unknown.
func (d *Divisions) Check(code DivisionCode) error {
	if _, ok := d.Lookup(code); !ok {
		return Errorf(CodeDivisionUnknown, "%s is not a place in the division registry", code)
	}
	return nil
}

// CheckJurisdiction is Check for a jurisdiction prefix.
func (d *Divisions) CheckJurisdiction(j Jurisdiction) error {
	if _, ok := d.LookupJurisdiction(j); !ok {
		return Errorf(CodeDivisionUnknown, "%q is not a place in the division registry", j.String())
	}
	return nil
}

// Len is the number of places.
func (d *Divisions) Len() int { return len(d.byCode) }

//go:embed divisions_weining.csv
var weiningDivisions []byte

// WeiningDivisions is the registry that ships with Drip: the demo county,
// Weining (520526), with the townships and villages of the demo and the
// province and prefecture above it. A deployment adds its own file on top
// (ParseDivisions(data, WeiningDivisions())).
func WeiningDivisions() *Divisions {
	d, err := ParseDivisions(weiningDivisions)
	if err != nil {
		panic("domain: the embedded division registry is bad: " + err.Error())
	}
	return d
}
