package domain

import (
	"math"
	"strconv"
	"strings"
)

// Fen is an amount of money in fen (分), RMB 0.01: the only unit money takes
// in Drip. It is an integer so that sums are exact; no float ever holds money.
// JSON carries it as an integer number of fen.
type Fen int64

// FenPerYuan is the number of fen in one yuan.
const FenPerYuan = 100

// FenTextBytesMax bounds the text ParseFen reads. The longest amount that
// fits, grouped and signed, is 26 bytes; the rest is room for leading zeros
// from fixed-width bank files.
const FenTextBytesMax = 40

// Codes of the errors ParseFen and ParseSignedFen return.
const (
	CodeFenSyntax    = "fen_syntax"
	CodeFenNegative  = "fen_negative"
	CodeFenPrecision = "fen_precision"
	CodeFenOverflow  = "fen_overflow"
)

// ParseFen reads a non-negative amount written in yuan, as people and
// spreadsheets write it: "12", "12.3", "12.34", "1234.50" or, with thousands
// grouped by commas, "1,234.50". The rules, each chosen so that no text has
// two readings:
//   - digits, at most one ".", and after it one or two digits ("12." and
//     ".5" are refused: a typo is likelier than an intent);
//   - commas only as thousands separators: groups of exactly three digits
//     after a first group of one to three ("1,23" is refused, since in some
//     locales the comma is the decimal point);
//   - no sign, spaces, currency symbols, exponents ("1e3"), "NaN" or "Inf";
//   - at most two decimals: "0.001" is refused, never rounded (CodeFenPrecision);
//   - at most math.MaxInt64 fen (CodeFenOverflow).
//
// Leading zeros are accepted ("007.50" is 7.50 yuan). Use ParseSignedFen
// where a negative amount has a meaning (balances, adjustments).
func ParseFen(s string) (Fen, error) { return parseFen(s, false) }

// ParseSignedFen is ParseFen that also accepts a leading "-".
func ParseSignedFen(s string) (Fen, error) { return parseFen(s, true) }

func parseFen(s string, signed bool) (Fen, error) {
	switch {
	case s == "":
		return 0, Errorf(CodeFenSyntax, "amount is empty")
	case len(s) > FenTextBytesMax:
		return 0, Errorf(CodeFenSyntax, "amount is %d bytes, above the limit of %d", len(s), FenTextBytesMax)
	}
	text := s
	neg := s[0] == '-'
	if neg {
		if !signed {
			return 0, Errorf(CodeFenNegative, "amount %q is negative", text)
		}
		s = s[1:]
	}
	if strings.ContainsAny(s, "¥￥元$") {
		// A currency sign is the likely mistake, not the commas beside it.
		return 0, Errorf(CodeFenSyntax, "amount %q: write the number of yuan without a currency sign, as in 1234.50", text)
	}
	whole, frac, hasPoint := strings.Cut(s, ".")
	if strings.Contains(whole, ",") && allDigits(strings.ReplaceAll(whole, ",", "")) {
		var ok bool
		if whole, ok = ungroup(whole); !ok {
			return 0, Errorf(CodeFenSyntax, "amount %q: commas must separate groups of three digits, as in 1,234.50", text)
		}
	}
	if !allDigits(whole) || !allDigits(frac) || whole == "" || hasPoint && frac == "" {
		return 0, Errorf(CodeFenSyntax, "amount %q is not a number of yuan like 1234.50", text)
	}
	if len(frac) > 2 {
		return 0, Errorf(CodeFenPrecision, "amount %q has more than two decimals (fen are the smallest unit)", text)
	}
	limit := uint64(math.MaxInt64)
	if neg {
		limit++ // math.MinInt64 is one further from zero than MaxInt64
	}
	var v uint64
	for _, d := range whole + frac + "00"[len(frac):] {
		digit := uint64(d - '0')
		if v > (limit-digit)/10 {
			return 0, Errorf(CodeFenOverflow, "amount %q is too large", text)
		}
		v = v*10 + digit
	}
	if neg {
		return Fen(-v), nil // two's complement: exact for MinInt64 too
	}
	return Fen(v), nil
}

// ungroup removes thousands separators from the integer part, or reports
// that they are misplaced.
func ungroup(whole string) (string, bool) {
	groups := strings.Split(whole, ",")
	if n := len(groups[0]); n < 1 || n > 3 || groups[0][0] == '0' {
		return "", false
	}
	for _, g := range groups[1:] {
		if len(g) != 3 {
			return "", false
		}
	}
	return strings.Join(groups, ""), true
}

func allDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// String formats f in yuan with exactly two decimals and no grouping:
// "1234.50", "-0.05", "0.00". ParseSignedFen reads it back to f.
func (f Fen) String() string {
	sign, whole, frac := f.parts()
	return sign + whole + "." + frac
}

// Grouped formats f like String but with thousands grouped by commas
// ("1,234.50"), for publicity lists and reports. ParseSignedFen reads it back.
func (f Fen) Grouped() string {
	sign, whole, frac := f.parts()
	var b strings.Builder
	b.WriteString(sign)
	for i := range len(whole) {
		if i > 0 && (len(whole)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteByte(whole[i])
	}
	return b.String() + "." + frac
}

func (f Fen) parts() (sign, whole, frac string) {
	u := uint64(f)
	if f < 0 {
		sign, u = "-", -u
	}
	frac = strconv.FormatUint(u%100, 10)
	if len(frac) == 1 {
		frac = "0" + frac
	}
	return sign, strconv.FormatUint(u/100, 10), frac
}
