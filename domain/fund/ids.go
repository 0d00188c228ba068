package fund

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"

	"github.com/drip-ledger/drip/domain"
	"github.com/drip-ledger/drip/domain/complaint"
)

// County names a county pool by the county's six-digit code prefix
// ("520526", Weining). The zero County is empty.
type County struct{ j domain.Jurisdiction }

// ParseCounty checks that s is a county-level division-code prefix.
func ParseCounty(s string) (County, error) {
	j, err := domain.ParseJurisdiction(s)
	if err != nil || j.Level() != domain.LevelCounty {
		return County{}, errorf(CodeCountyFormat, "%q is not a county's six-digit division-code prefix, like 520526", s)
	}
	return County{j}, nil
}

// String is the six digits ("" for the zero County).
func (c County) String() string { return c.j.String() }

// IsZero reports whether c is empty.
func (c County) IsZero() bool { return c.j.IsZero() }

// Code is the county's own 12-digit division code (520526000000), the
// place a jurisdiction must contain to act on the county's money.
func (c County) Code() domain.DivisionCode {
	d, _ := domain.ParseDivisionCode(c.String() + "000000")
	return d
}

// Contains reports whether the place code lies in the county.
func (c County) Contains(code domain.DivisionCode) bool { return c.j.Contains(code) }

// MarshalText writes the six digits.
func (c County) MarshalText() ([]byte, error) { return []byte(c.String()), nil }

// UnmarshalText parses with ParseCounty.
func (c *County) UnmarshalText(b []byte) error {
	v, err := ParseCounty(string(b))
	if err != nil {
		return err
	}
	*c = v
	return nil
}

// ProjectID is a project's number in the county project database: the
// county, the year and a sequence of 4 to 6 digits, "520526-2026-0042". It
// is chosen by the county, not by Drip.
type ProjectID struct {
	s      string
	county County
	year   int
	seq    int
}

var projectShape = regexp.MustCompile(`^([0-9]{6})-((?:19|20)[0-9]{2})-([0-9]{4,6})$`)

// ParseProjectID checks the shape of s; the sequence may not be zero.
func ParseProjectID(s string) (ProjectID, error) {
	m := projectShape.FindStringSubmatch(s)
	if m == nil {
		return ProjectID{}, errorf(CodeProjectIDFormat, "project number %q is not a county, a year and a sequence, like 520526-2026-0042", s)
	}
	c, err := ParseCounty(m[1])
	if err != nil {
		return ProjectID{}, err
	}
	year, _ := strconv.Atoi(m[2])
	seq, _ := strconv.Atoi(m[3])
	if seq == 0 {
		return ProjectID{}, errorf(CodeProjectIDFormat, "project number %q has a sequence of zero", s)
	}
	return ProjectID{s: s, county: c, year: year, seq: seq}, nil
}

func (p ProjectID) String() string               { return p.s }
func (p ProjectID) IsZero() bool                 { return p.s == "" }
func (p ProjectID) County() County               { return p.county }
func (p ProjectID) Year() int                    { return p.year }
func (p ProjectID) Sequence() int                { return p.seq }
func (p ProjectID) MarshalText() ([]byte, error) { return []byte(p.s), nil }

// UnmarshalText parses with ParseProjectID.
func (p *ProjectID) UnmarshalText(b []byte) error {
	v, err := ParseProjectID(string(b))
	if err != nil {
		return err
	}
	*p = v
	return nil
}

// Stream names.
const (
	PoolStreamPrefix    = "fund-pool-"
	ProjectStreamPrefix = "fund-project-"
)

// PoolStream is the stream of a county pool: its appropriations and
// allocations.
func PoolStream(c County) string { return PoolStreamPrefix + c.String() }

// ProjectStream is the stream of a project: its lifecycle, the allocations
// it received, its payments and their transit.
func ProjectStream(p ProjectID) string { return ProjectStreamPrefix + p.String() }

// AllocationRef is the reference of a pool's n-th allocation:
// "520526-AL-000017". It is given by the pool's stream, so it is unique.
func AllocationRef(c County, n int) string { return fmt.Sprintf("%s-AL-%06d", c, n) }

// PaymentRef is the reference of a project's n-th payment:
// "520526-2026-0042-PAY-000017". It is given by the project's stream, so
// it is unique in the ledger; the bank file carries it, and reconciliation
// and complaints name the payment by it.
func PaymentRef(p ProjectID, n int) string { return fmt.Sprintf("%s-PAY-%06d", p, n) }

// ParsePaymentRef splits a payment reference into its project and
// sequence.
func ParsePaymentRef(ref string) (ProjectID, int, error) {
	proj, seqText, ok := strings.Cut(ref, "-PAY-")
	p, err := ParseProjectID(proj)
	seq, serr := strconv.Atoi(seqText)
	if !ok || err != nil || serr != nil || len(seqText) != 6 || seq <= 0 {
		return ProjectID{}, 0, errorf(CodeRefFormat, "payment reference %q is not a project number, -PAY- and six digits", ref)
	}
	return p, seq, nil
}

// ComplaintID is the number of the complaint the fund ledger opens when the
// household paid by ref acknowledges less than it was paid. It is derived
// from the payment, so a retried acknowledgement finds the complaint it
// already opened instead of opening a second one. Its desk number is the
// county code followed by the project's sequence in six digits (12 digits,
// which no telephone desk such as 12317 uses), its year the project's year
// and its sequence the payment's in eight digits:
// 520526-2026-0042-PAY-000017 → 520526000042-2026-00000017.
func ComplaintID(ref string) (complaint.ID, error) {
	p, seq, err := ParsePaymentRef(ref)
	if err != nil {
		return complaint.ID{}, err
	}
	return complaint.ParseID(fmt.Sprintf("%s%06d-%04d-%08d", p.County(), p.Sequence(), p.Year(), seq))
}
