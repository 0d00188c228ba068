package scorecard

import (
	"fmt"
	"strconv"
	"strings"
)

// number is a non-negative decimal with at most two places, held in
// hundredths so that comparisons with band limits are exact: survey answers
// (m², mu, jin, percent, yuan) and band limits are read as numbers, never
// floats.
type number int64

// numberDigitsMax bounds the integer digits of a number (a trillion is more
// than any survey answer).
const numberDigitsMax = 13

// parseNumber reads "12", "12.5" or "12.34"; why says what is wrong if !ok.
func parseNumber(s string) (n number, why string, ok bool) {
	whole, frac, hasPoint := strings.Cut(s, ".")
	switch {
	case strings.HasPrefix(s, "-"):
		return 0, "is negative", false
	case whole == "" || hasPoint && frac == "" || !digits(whole) || !digits(frac):
		return 0, "is not a number like 12 or 12.5", false
	case len(frac) > 2:
		return 0, "has more than two decimals", false
	case len(whole) > numberDigitsMax:
		return 0, "is too large", false
	}
	v, _ := strconv.ParseInt(whole+frac+"00"[len(frac):], 10, 64) // at most 15 digits
	return number(v), "", true
}

func digits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

func (n number) String() string {
	s := strconv.FormatInt(int64(n)/100, 10)
	switch f := int64(n) % 100; {
	case f == 0:
		return s
	case f%10 == 0:
		return fmt.Sprintf("%s.%d", s, f/10)
	default:
		return fmt.Sprintf("%s.%02d", s, f)
	}
}

// interval is a band's range of answers, written in a card as in
// mathematics: "[10,30]" includes both ends, "[0,10)" excludes 10, "(30,)"
// is every answer above 30, "[0,0]" is exactly zero.
type interval struct {
	lo, hi         number
	loOpen, hiOpen bool
	unbounded      bool // no upper limit: hi is meaningless
}

func parseInterval(s string) (interval, string, bool) {
	t := strings.TrimSpace(s)
	const form = `is not a range like "[10,30]", "[0,10)" or "(30,)"`
	if len(t) < 4 || !strings.ContainsRune("[(", rune(t[0])) || !strings.ContainsRune("])", rune(t[len(t)-1])) {
		return interval{}, form, false
	}
	lo, hi, ok := strings.Cut(t[1:len(t)-1], ",")
	if !ok {
		return interval{}, form, false
	}
	iv := interval{loOpen: t[0] == '(', hiOpen: t[len(t)-1] == ')'}
	var why string
	if iv.lo, why, ok = parseNumber(strings.TrimSpace(lo)); !ok {
		return interval{}, "lower limit " + why, false
	}
	if hi = strings.TrimSpace(hi); hi == "" {
		if !iv.hiOpen {
			return interval{}, `has no upper limit, so it must end with ")"`, false
		}
		iv.unbounded = true
		return iv, "", true
	}
	if iv.hi, why, ok = parseNumber(hi); !ok {
		return interval{}, "upper limit " + why, false
	}
	if iv.hi < iv.lo || iv.hi == iv.lo && (iv.loOpen || iv.hiOpen) {
		return interval{}, "contains no number", false
	}
	return iv, "", true
}

func (iv interval) contains(x number) bool {
	above := x > iv.lo || !iv.loOpen && x == iv.lo
	below := iv.unbounded || x < iv.hi || !iv.hiOpen && x == iv.hi
	return above && below
}

// before orders intervals by their lower limit, a closed one first.
func (iv interval) before(other interval) bool {
	if iv.lo != other.lo {
		return iv.lo < other.lo
	}
	return !iv.loOpen && other.loOpen
}

// join says how iv meets next, the interval that starts after it: "" when
// they meet exactly (no number in both, none between), else "gap" or
// "overlap".
func (iv interval) join(next interval) string {
	switch {
	case iv.unbounded || iv.hi > next.lo:
		return "overlap"
	case iv.hi < next.lo:
		return "gap"
	case !iv.hiOpen && !next.loOpen:
		return "overlap"
	case iv.hiOpen && next.loOpen:
		return "gap"
	}
	return ""
}

func (iv interval) String() string {
	var b strings.Builder
	b.WriteByte("[("[boolIndex(iv.loOpen)])
	b.WriteString(iv.lo.String())
	b.WriteByte(',')
	if !iv.unbounded {
		b.WriteString(iv.hi.String())
	}
	b.WriteByte("])"[boolIndex(iv.hiOpen)])
	return b.String()
}

func boolIndex(b bool) int {
	if b {
		return 1
	}
	return 0
}
