package complaint

import (
	"context"
	"fmt"
	"strconv"

	"github.com/drip-ledger/drip/domain"
)

// Subjects answers what a complaint's own stream cannot: whether the
// household, project or payment a new complaint names exists, and where it
// lies. The service asks it before deciding and hands the answer to Decide
// in Env.Subject, so decisions stay pure; cmd/drip answers with one read of
// the subject's stream.
type Subjects interface {
	// Places reports whether s exists and the villages it lies in: a
	// household's village, a project's villages, the village of the
	// household a payment paid (or its project's villages if it paid no
	// household). A village subject is not looked up (found is true).
	Places(ctx context.Context, s Subject) (places []domain.DivisionCode, found bool, err error)
}

// SubjectFacts is what Subjects said of a new complaint's subject.
type SubjectFacts struct {
	// Checked is false when no lookup was made (no Subjects, or not a new
	// complaint): nothing below is then known.
	Checked bool
	Found   bool
	Places  []domain.DivisionCode
}

// Codes of the subject's facts and of the complaint's number.
const (
	CodeSubjectNotFound = "subject_not_found"
	CodeIDYearAhead     = "complaint_id_year_in_future"
)

// Year is the year in the complaint's number.
func (id ID) Year() int {
	if id.IsZero() {
		return 0
	}
	// The shape is DESK-YYYY-SEQ (ParseID), so the year is the four
	// digits after the first dash.
	for i := 0; i < len(id.s); i++ {
		if id.s[i] == '-' {
			y, _ := strconv.Atoi(id.s[i+1 : i+5])
			return y
		}
	}
	return 0
}

// checkNew checks what a new complaint's number and subject must be
// against the recorded time and the subject's facts: a number of a year not
// yet begun in Beijing (complaint_id_year_in_future), a subject that does
// not exist (subject_not_found), or one that lies outside the division the
// complaint is filed under (subject_outside_division).
func checkNew(ps *domain.Problems, e Env, s Subject, division string) {
	if y := e.At.In(ChinaTime).Year(); !e.At.IsZero() && e.ID.Year() > y {
		ps.Addf("complaintId", CodeIDYearAhead, "complaint number %s is of %d, after the recorded year %d", e.ID, e.ID.Year(), y)
	}
	if !e.Subject.Checked || s.Kind == SubjectVillage {
		return
	}
	if !e.Subject.Found {
		ps.Addf("subject.ref", CodeSubjectNotFound, "there is no %s %s", s.Kind, s.Ref)
		return
	}
	d, err := domain.ParseDivisionCode(division)
	if err != nil || len(e.Subject.Places) == 0 {
		return // the division's own problem is reported by check
	}
	for _, p := range e.Subject.Places {
		if d.Jurisdiction().Contains(p) {
			return
		}
	}
	ps.Addf("division", CodeSubjectOutsideDivision, "%s %s lies in %s, not in %s", s.Kind, s.Ref, placesText(e.Subject.Places), d)
}

func placesText(ps []domain.DivisionCode) string {
	if len(ps) == 1 {
		return ps[0].String()
	}
	return fmt.Sprint(ps)
}
