package complaint

import (
	"regexp"
	"strings"

	"github.com/drip-ledger/drip/domain"
)

// ID is a complaint's number as the desk gives it: the desk's number (3 to
// 12 digits, e.g. 12317, or a county desk's own), the year, and a sequence of
// 6 to 8 digits: 12317-2026-000123. The number is chosen by the caller (the
// desk's register, or the fund ledger for complaints it opens itself), not
// by Drip, so that it can be read out on the phone and written on a letter
// before anything is recorded. The zero ID is empty.
type ID struct{ s string }

var idShape = regexp.MustCompile(`^[0-9]{3,12}-(19|20)[0-9]{2}-[0-9]{6,8}$`)

// ParseID checks the shape of s; the sequence may not be all zeros.
func ParseID(s string) (ID, error) {
	if !idShape.MatchString(s) || strings.Trim(s[strings.LastIndexByte(s, '-')+1:], "0") == "" {
		return ID{}, domain.Errorf(CodeIDFormat, "complaint number %q is not a desk number, a year and a sequence, like 12317-2026-000123", s)
	}
	return ID{s}, nil
}

// String returns the number, or "" for the zero ID.
func (id ID) String() string { return id.s }

// IsZero reports whether id is the empty zero value.
func (id ID) IsZero() bool { return id.s == "" }

// Stream is the name of the complaint's stream: "complaint-" and its number.
func Stream(id ID) string { return "complaint-" + id.s }
