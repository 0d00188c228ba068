package scorecard

import (
	"fmt"
	"sort"
	"strconv"
	"strings"

	"github.com/drip-ledger/drip/domain"
)

// Limits on answers.
const (
	AnswersMax     = 200
	AnswerBytesMax = 64
)

// Codes of the problems Score, Recompute and Verify report.
const (
	CodeAnswerMissing    = "answer_missing"
	CodeAnswerUnknown    = "answer_unknown"
	CodeAnswerOption     = "answer_option"
	CodeAnswerNumber     = "answer_number"
	CodeAnswerOutOfRange = "answer_out_of_range"
	CodeAnswerLimit      = "answer_limit"
	CodeAssessmentCard   = "assessment_card"
	CodeAssessmentDiffer = "assessment_differs"
)

// Answers are a survey's raw answers, keyed by each part's Answer: an
// option's id ("safe") or a non-negative decimal with at most two places
// ("12.5"; no sign, grouping or exponent). They are stored as given, so a
// later recomputation reads exactly what the surveyor recorded.
type Answers map[string]string

// Assessment is a household's score on one card version: everything needed
// to recompute it and to see how it was reached.
type Assessment struct {
	CardID      string  `json:"cardId"`
	CardVersion int     `json:"cardVersion"`
	Answers     Answers `json:"answers"`
	// Items and Indicators are in the card's order.
	Items       []Subtotal `json:"items"`
	Indicators  []Subtotal `json:"indicators"`
	TotalPoints int        `json:"totalPoints"`
	Standing    Standing   `json:"standing"`
}

// Subtotal is the points of one item or indicator.
type Subtotal struct {
	ID     string `json:"id"`
	Points int    `json:"points"`
}

// Score checks answers against card and scores them. An invalid card is
// refused with its problems under "card"; bad answers are refused all at
// once, each under "answers.<key>" with a code: CodeAnswerMissing,
// CodeAnswerUnknown (a key the card does not ask), CodeAnswerOption,
// CodeAnswerNumber, CodeAnswerOutOfRange (a number no band covers),
// CodeAnswerLimit.
func Score(card *Card, answers Answers) (Assessment, error) {
	if err := card.Validate(); err != nil {
		var ps domain.Problems
		ps.Add("card", err)
		return Assessment{}, ps.Err()
	}
	points, err := scoreParts(card, answers)
	if err != nil {
		return Assessment{}, err
	}
	a := Assessment{CardID: card.ID, CardVersion: card.Version, Answers: make(Answers, len(answers))}
	for k, v := range answers {
		a.Answers[k] = v
	}
	for _, ind := range card.Indicators {
		sub := 0
		for _, it := range ind.Items {
			partPoints := make([]int, len(it.Parts))
			for i, p := range it.Parts {
				partPoints[i] = points[p.Answer]
			}
			n := it.combine(partPoints)
			a.Items = append(a.Items, Subtotal{ID: it.ID, Points: n})
			sub += n
		}
		a.Indicators = append(a.Indicators, Subtotal{ID: ind.ID, Points: sub})
		a.TotalPoints += sub
	}
	a.Standing = card.Thresholds.Standing(a.TotalPoints)
	return a, nil
}

// scoreParts checks every answer and returns each part's points by answer
// key, or every problem found.
func scoreParts(card *Card, answers Answers) (map[string]int, error) {
	var ps domain.Problems
	if len(answers) > AnswersMax {
		ps.Addf("answers", CodeAnswerLimit, "%d answers, above the limit of %d", len(answers), AnswersMax)
		return nil, ps.Err()
	}
	points := map[string]int{}
	asked := map[string]bool{}
	for _, ind := range card.Indicators {
		for _, it := range ind.Items {
			for _, p := range it.Parts {
				asked[p.Answer] = true
				if n, err := scorePart(p, answers); err != nil {
					ps.Add("answers."+p.Answer, err)
				} else {
					points[p.Answer] = n
				}
			}
		}
	}
	keys := make([]string, 0, len(answers))
	for k := range answers {
		if !asked[k] {
			keys = append(keys, k)
		}
	}
	sort.Strings(keys)
	for _, k := range keys {
		ps.Addf("answers."+fieldKey(k), CodeAnswerUnknown, "card %s v%d asks no question %q", card.ID, card.Version, k)
	}
	return points, ps.Err()
}

func scorePart(p Part, answers Answers) (int, error) {
	raw, ok := answers[p.Answer]
	switch {
	case !ok:
		return 0, domain.Errorf(CodeAnswerMissing, "is missing: %s", orDefault(p.Question, p.Answer))
	case len(raw) > AnswerBytesMax:
		return 0, domain.Errorf(CodeAnswerLimit, "is %d bytes, above the limit of %d", len(raw), AnswerBytesMax)
	case len(p.Options) > 0:
		for _, o := range p.Options {
			if o.ID == raw {
				return o.Points, nil
			}
		}
		ids := make([]string, len(p.Options))
		for i, o := range p.Options {
			ids[i] = o.ID
		}
		return 0, domain.Errorf(CodeAnswerOption, "%q is not one of %s", raw, strings.Join(ids, ", "))
	}
	x, why, ok := parseNumber(raw)
	if !ok {
		return 0, domain.Errorf(CodeAnswerNumber, "%q %s", raw, why)
	}
	for _, b := range p.Bands {
		if iv, _, _ := parseInterval(b.Range); iv.contains(x) {
			return b.Points, nil
		}
	}
	return 0, domain.Errorf(CodeAnswerOutOfRange, "%s %s is outside every band of the card", x, p.Unit)
}

// fieldKey makes an unknown answer key safe to show in a field path.
func fieldKey(k string) string {
	if len(k) > AnswerBytesMax {
		k = k[:AnswerBytesMax]
	}
	q := strconv.Quote(k)
	if q[1:len(q)-1] == k && !strings.ContainsAny(k, ".[] ") {
		return k
	}
	return q
}

func orDefault(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

// Recompute scores a stored assessment's answers again with card, which
// must be the card version the assessment names (else CodeAssessmentCard).
func Recompute(card *Card, a Assessment) (Assessment, error) {
	if card.ID != a.CardID || card.Version != a.CardVersion {
		return Assessment{}, domain.Errorf(CodeAssessmentCard, "the assessment was scored with card %s v%d, not %s v%d", a.CardID, a.CardVersion, card.ID, card.Version)
	}
	return Score(card, a.Answers)
}

// Verify recomputes a and reports, with CodeAssessmentDiffer, every item,
// indicator, total or standing whose stored value differs from the
// recomputed one: the check an auditor runs on a stored assessment.
func Verify(card *Card, a Assessment) error {
	fresh, err := Recompute(card, a)
	if err != nil {
		return err
	}
	var ps domain.Problems
	compare := func(field string, stored, recomputed []Subtotal) {
		if len(stored) != len(recomputed) {
			ps.Addf(field, CodeAssessmentDiffer, "stored %d entries, the card has %d", len(stored), len(recomputed))
			return
		}
		for i := range stored {
			if stored[i] != recomputed[i] {
				ps.Addf(fmt.Sprintf("%s[%d]", field, i), CodeAssessmentDiffer, "stored %s = %d, recomputed %s = %d",
					stored[i].ID, stored[i].Points, recomputed[i].ID, recomputed[i].Points)
			}
		}
	}
	compare("items", a.Items, fresh.Items)
	compare("indicators", a.Indicators, fresh.Indicators)
	if a.TotalPoints != fresh.TotalPoints {
		ps.Addf("totalPoints", CodeAssessmentDiffer, "stored %d, recomputed %d", a.TotalPoints, fresh.TotalPoints)
	}
	if a.Standing != fresh.Standing {
		ps.Addf("standing", CodeAssessmentDiffer, "stored %q, recomputed %q", a.Standing, fresh.Standing)
	}
	return ps.Err()
}
