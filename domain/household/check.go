package household

import (
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/drip-ledger/drip/domain"
)

// Limits on what one household's events may hold (DESIGN.md: a limit on
// everything).
const (
	MembersMax       = 30  // head included; the largest rural households have about 20
	NameRunesMax     = 50  // a person's or a bank's name
	TextRunesMax     = 500 // reasons, opinions, descriptions, evidence references
	ListItemsMax     = 20  // reasons, causes, concerns, help given
	AnswersMax       = 200 // survey answers on one card
	ScoreItemsMax    = 200 // scored items on one card
	MeasuresMax      = 200 // support measures over a household's life
	EvidenceRunesMax = 200
)

// requireText records CodeRequired if s is blank and CodeTooLong if it has
// more than max runes.
func requireText(ps *domain.Problems, field, s string, max int) {
	if strings.TrimSpace(s) == "" {
		ps.Addf(field, CodeRequired, "is required")
		return
	}
	optionalText(ps, field, s, max)
}

// optionalText records CodeTooLong if s has more than max runes.
func optionalText(ps *domain.Problems, field, s string, max int) {
	if n := utf8.RuneCountInString(s); n > max {
		ps.Addf(field, CodeTooLong, "has %d characters, above the limit of %d", n, max)
	}
}

// oneOf records CodeRequired if v is empty and CodeValueUnknown if it is not
// in list.
func oneOf(ps *domain.Problems, field, v string, list []string) {
	switch {
	case v == "":
		ps.Addf(field, CodeRequired, "is required; one of %s", strings.Join(list, ", "))
	case !slices.Contains(list, v):
		ps.Addf(field, CodeValueUnknown, "%q is not one of %s", v, strings.Join(list, ", "))
	}
}

// requireTime records CodeRequired for a zero time.
func requireTime(ps *domain.Problems, field string, t time.Time) {
	if t.IsZero() {
		ps.Addf(field, CodeRequired, "is required")
	}
}

// textList checks a list of texts: at least min, at most ListItemsMax, each
// non-blank and within TextRunesMax.
func textList(ps *domain.Problems, field string, list []string, min int) {
	if len(list) < min {
		ps.Addf(field, CodeRequired, "needs at least %d entries", min)
	}
	if len(list) > ListItemsMax {
		ps.Addf(field, CodeTooMany, "has %d entries, above the limit of %d", len(list), ListItemsMax)
		return
	}
	for i, s := range list {
		requireText(ps, index(field, i), s, TextRunesMax)
	}
}

// checkCauses checks a main cause and the others: each from Causes, none
// repeated, the main cause not among the others.
func checkCauses(ps *domain.Problems, field string, c CauseList) {
	oneOf(ps, field+".main", c.Main, Causes())
	if len(c.Others) > len(Causes()) {
		ps.Addf(field+".others", CodeTooMany, "has %d causes; there are only %d", len(c.Others), len(Causes()))
		return
	}
	seen := map[string]bool{c.Main: true}
	for i, o := range c.Others {
		f := index(field+".others", i)
		oneOf(ps, f, o, Causes())
		if seen[o] && o != "" {
			ps.Addf(f, CodeValueRepeated, "%q is already a cause", o)
		}
		seen[o] = true
	}
}

// civilDate parses a date written YYYY-MM-DD.
func civilDate(s string) (time.Time, bool) {
	t, err := time.Parse(time.DateOnly, s)
	return t, err == nil
}

func index(field string, i int) string {
	return field + "[" + strconv.Itoa(i) + "]"
}
