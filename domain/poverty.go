package domain

import (
	"sort"
	"strconv"
)

// CodePovertyLineUnknown is the code of the error PovertyLines.Line returns
// for a year it has no line for.
const CodePovertyLineUnknown = "poverty_line_unknown"

// Poverty-line bounds that PovertyLines.Validate checks: the line was set in
// 2011 on 2010 prices, and the programme it serves ended in 2020.
const (
	PovertyLineYearMin = 2010
	PovertyLineYearMax = 2100
)

// PovertyLines maps a year to the national rural poverty line in that year's
// prices: per-capita net income a year, in fen. A household whose per-capita
// income is below the line of the year assessed is poor by income.
//
// The lines are configuration, not code: each year's nominal figure is
// published after the fact, and a county may be told to use another.
type PovertyLines map[int]Fen

// DefaultPovertyLines returns the lines Drip uses when none are configured.
//
// The seed document gives only the base: "RMB 2,300 yuan (2010 constant
// price)", the standard "raised to RMB2,300 since 2011" (seed §Weining and
// the history of the fourth phase). That is the 2010 entry. The later
// entries are the nominal figures the National Bureau of Statistics commonly
// cited for the same standard in current prices; they are NOT in the seed
// and were not checked against a primary source for this code — confirm them
// against the NBS China Rural Poverty Monitoring Report before an audit
// relies on them: 2011 2,536; 2012 2,625; 2013 2,736; 2014 2,800;
// 2015 2,855; 2016 2,952; 2017 2,952 (reported unchanged from 2016);
// 2018 2,995; 2019 3,218. For 2020 sources say "about 4,000", which is not a
// figure to compute with, so 2020 is left out: configure it.
func DefaultPovertyLines() PovertyLines {
	return PovertyLines{
		2010: 2300 * FenPerYuan,
		2011: 2536 * FenPerYuan,
		2012: 2625 * FenPerYuan,
		2013: 2736 * FenPerYuan,
		2014: 2800 * FenPerYuan,
		2015: 2855 * FenPerYuan,
		2016: 2952 * FenPerYuan,
		2017: 2952 * FenPerYuan,
		2018: 2995 * FenPerYuan,
		2019: 3218 * FenPerYuan,
	}
}

// Line returns the line for year, or an *Error with CodePovertyLineUnknown:
// a missing year is never guessed from its neighbours.
func (l PovertyLines) Line(year int) (Fen, error) {
	v, ok := l[year]
	if !ok {
		return 0, Errorf(CodePovertyLineUnknown, "no poverty line is configured for %d", year)
	}
	return v, nil
}

// Validate reports every year outside PovertyLineYearMin..PovertyLineYearMax
// and every line that is not positive, at once.
func (l PovertyLines) Validate() error {
	years := make([]int, 0, len(l))
	for y := range l {
		years = append(years, y)
	}
	sort.Ints(years)
	var ps Problems
	for _, y := range years {
		field := "povertyLines[" + strconv.Itoa(y) + "]"
		if y < PovertyLineYearMin || y > PovertyLineYearMax {
			ps.Addf(field, "poverty_line_year", "year %d is outside %d–%d", y, PovertyLineYearMin, PovertyLineYearMax)
		}
		if l[y] <= 0 {
			ps.Addf(field, "poverty_line_amount", "line %s yuan is not positive", l[y])
		}
	}
	return ps.Err()
}
