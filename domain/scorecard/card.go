package scorecard

import (
	"fmt"
	"slices"
	"strconv"

	"github.com/drip-ledger/drip/domain"
)

// Limits on a card, so that a damaged or hostile file is refused quickly
// rather than scored slowly.
const (
	CardBytesMax      = 1 << 20
	CardFilesMax      = 100
	CardIndicatorsMax = 20
	CardItemsMax      = 100 // per indicator
	CardPartsMax      = 8   // per item
	CardRulesMax      = 32  // bands or options per part
	CardPointsMax     = 1000
	CardIDBytesMax    = 64
	CardTextBytesMax  = 4000 // names, labels, questions, notes
)

// Codes of the problems Card.Validate reports.
const (
	CodeCardSyntax           = "card_syntax"
	CodeCardLimit            = "card_limit"
	CodeCardID               = "card_id"
	CodeCardVersion          = "card_version"
	CodeCardName             = "card_name"
	CodeCardJurisdiction     = "card_jurisdiction"
	CodeCardEmpty            = "card_empty"
	CodeCardDuplicateID      = "card_duplicate_id"
	CodeCardTotalPoints      = "card_total_points"
	CodeCardIndicatorPoints  = "card_indicator_points"
	CodeCardItemPoints       = "card_item_points"
	CodeCardPointsNegative   = "card_points_negative"
	CodeCardThresholds       = "card_thresholds"
	CodeCardCombine          = "card_combine"
	CodeCardRule             = "card_rule"
	CodeCardBandRange        = "card_band_range"
	CodeCardBandGap          = "card_band_gap"
	CodeCardBandOverlap      = "card_band_overlap"
	CodeCardDuplicateVersion = "card_duplicate_version"
)

// Card is one version of a scorecard. Its JSON form is the file format
// (cards/README.md); a Card is immutable once published: a change is a new
// Version, because stored assessments name the version they were scored
// with.
type Card struct {
	// ID names the card across versions: lower-case letters, digits, "-"
	// and "_" ("weining-four-views").
	ID      string `json:"id"`
	Version int    `json:"version"`
	Name    string `json:"name"`
	// Jurisdiction is the division-code prefix of the area the card is
	// meant for ("520526" Weining county; "" the nation). See AppliesTo.
	Jurisdiction string `json:"jurisdiction"`
	// Source cites the document the card transcribes.
	Source string `json:"source,omitempty"`
	// Notes record how the card reads its source where the source is
	// unclear; each item has its own.
	Notes      string      `json:"notes,omitempty"`
	MaxPoints  int         `json:"maxPoints"`
	Thresholds Thresholds  `json:"thresholds"`
	Indicators []Indicator `json:"indicators"`
}

// Indicator is one of a card's dimensions (housing, land and production…),
// worth Points: the sum of its items' MaxPoints.
type Indicator struct {
	ID     string `json:"id"`
	Name   string `json:"name"`
	Points int    `json:"points"`
	Items  []Item `json:"items"`
}

// Item is one scored line of an indicator. Each part scores one answer; the
// item's points are the parts' points combined ("sum", the default, or
// "max"), then capped at CapPoints if it is set. MaxPoints must be exactly
// the most the rules can give, so a card cannot promise points it cannot
// award.
type Item struct {
	ID        string `json:"id"`
	Name      string `json:"name"`
	MaxPoints int    `json:"maxPoints"`
	Combine   string `json:"combine,omitempty"`
	CapPoints int    `json:"capPoints,omitempty"`
	Parts     []Part `json:"parts"`
	// Notes say how the item reads its source.
	Notes string `json:"notes,omitempty"`
}

// Combine values.
const (
	CombineSum = "sum"
	CombineMax = "max"
)

// Part scores one answer by Bands (a numeric answer) or by Options (a
// choice), never both.
type Part struct {
	// Answer is the key of the answer in Answers, unique on the card.
	Answer string `json:"answer"`
	// Question is what the surveyor asks or observes.
	Question string   `json:"question,omitempty"`
	Unit     string   `json:"unit,omitempty"`
	Bands    []Band   `json:"bands,omitempty"`
	Options  []Option `json:"options,omitempty"`
}

// Band gives Points to a numeric answer in Range, written "[10,30]",
// "[0,10)", "(30,)" (no upper limit) or "[0,0]". A part's bands must cover
// one unbroken range with no number in two bands; an answer outside it is
// refused, not scored.
type Band struct {
	Range  string `json:"range"`
	Points int    `json:"points"`
}

// Option gives Points to one choice.
type Option struct {
	ID     string `json:"id"`
	Label  string `json:"label,omitempty"`
	Points int    `json:"points"`
}

// AppliesTo reports whether code lies in the card's jurisdiction. A card
// that does not validate applies nowhere.
func (c *Card) AppliesTo(code domain.DivisionCode) bool {
	j, err := domain.ParseJurisdiction(c.Jurisdiction)
	return err == nil && j.Contains(code)
}

// Validate reports every problem with the card at once, as an
// *events.InvalidError whose problems carry the codes above and JSON paths
// ("indicators[1].items[0].parts[0].bands[2]"), or nil.
func (c *Card) Validate() error {
	var ps domain.Problems
	checkID(&ps, "id", c.ID)
	if c.Version < 1 {
		ps.Addf("version", CodeCardVersion, "version %d is not 1 or more", c.Version)
	}
	checkText(&ps, "name", c.Name, true)
	checkText(&ps, "source", c.Source, false)
	checkText(&ps, "notes", c.Notes, false)
	if _, err := domain.ParseJurisdiction(c.Jurisdiction); err != nil {
		ps.Addf("jurisdiction", CodeCardJurisdiction, "%v", err)
	}
	if c.MaxPoints < 1 || c.MaxPoints > CardPointsMax {
		ps.Addf("maxPoints", CodeCardTotalPoints, "maxPoints %d is not between 1 and %d", c.MaxPoints, CardPointsMax)
	}
	if t := c.Thresholds; t.PoorBelow < 1 || t.PoorBelow > t.ExitAbove || t.ExitAbove >= c.MaxPoints {
		ps.Addf("thresholds", CodeCardThresholds, "need 0 < poorBelow (%d) ≤ exitAbove (%d) < maxPoints (%d)", t.PoorBelow, t.ExitAbove, c.MaxPoints)
	}
	switch n := len(c.Indicators); {
	case n == 0:
		ps.Addf("indicators", CodeCardEmpty, "the card has no indicators")
	case n > CardIndicatorsMax:
		ps.Addf("indicators", CodeCardLimit, "%d indicators, above the limit of %d", n, CardIndicatorsMax)
		return ps.Err()
	}
	ids, answers := map[string]string{}, map[string]string{}
	sum := 0
	for i, ind := range c.Indicators {
		sum += ind.Points
		checkIndicator(&ps, fmt.Sprintf("indicators[%d]", i), ind, ids, answers)
	}
	if c.MaxPoints >= 1 && len(c.Indicators) > 0 && sum != c.MaxPoints {
		ps.Addf("maxPoints", CodeCardTotalPoints, "the indicators' points sum to %d, not maxPoints %d", sum, c.MaxPoints)
	}
	return ps.Err()
}

// checkIndicator checks one indicator; ids and answers map each item id and
// answer key seen so far to the path where it was first used.
func checkIndicator(ps *domain.Problems, path string, ind Indicator, ids, answers map[string]string) {
	checkUnique(ps, path+".id", ind.ID, ids)
	checkText(ps, path+".name", ind.Name, true)
	switch n := len(ind.Items); {
	case n == 0:
		ps.Addf(path+".items", CodeCardEmpty, "indicator %q has no items", ind.ID)
		return
	case n > CardItemsMax:
		ps.Addf(path+".items", CodeCardLimit, "%d items, above the limit of %d", n, CardItemsMax)
		return
	}
	sum := 0
	for i, it := range ind.Items {
		sum += it.MaxPoints
		checkItem(ps, fmt.Sprintf("%s.items[%d]", path, i), it, ids, answers)
	}
	if sum != ind.Points {
		ps.Addf(path+".points", CodeCardIndicatorPoints, "indicator %q is worth %d points but its items' maxPoints sum to %d", ind.ID, ind.Points, sum)
	}
}

func checkItem(ps *domain.Problems, path string, it Item, ids, answers map[string]string) {
	checkUnique(ps, path+".id", it.ID, ids)
	checkText(ps, path+".name", it.Name, true)
	checkText(ps, path+".notes", it.Notes, false)
	if it.Combine != "" && it.Combine != CombineSum && it.Combine != CombineMax {
		ps.Addf(path+".combine", CodeCardCombine, "combine %q is not %q or %q", it.Combine, CombineSum, CombineMax)
	}
	if it.CapPoints < 0 {
		ps.Addf(path+".capPoints", CodeCardPointsNegative, "capPoints %d is negative", it.CapPoints)
	}
	switch n := len(it.Parts); {
	case n == 0:
		ps.Addf(path+".parts", CodeCardEmpty, "item %q has no parts", it.ID)
		return
	case n > CardPartsMax:
		ps.Addf(path+".parts", CodeCardLimit, "%d parts, above the limit of %d", n, CardPartsMax)
		return
	}
	most := make([]int, len(it.Parts))
	for i, p := range it.Parts {
		most[i] = checkPart(ps, fmt.Sprintf("%s.parts[%d]", path, i), p, answers)
	}
	if best := it.combine(most); best != it.MaxPoints {
		ps.Addf(path+".maxPoints", CodeCardItemPoints, "item %q says maxPoints %d but its rules give at most %d", it.ID, it.MaxPoints, best)
	}
}

// checkPart checks one part and returns the most points it can give.
func checkPart(ps *domain.Problems, path string, p Part, answers map[string]string) int {
	checkUnique(ps, path+".answer", p.Answer, answers)
	checkText(ps, path+".question", p.Question, false)
	checkText(ps, path+".unit", p.Unit, false)
	switch {
	case len(p.Bands) > 0 && len(p.Options) > 0:
		ps.Addf(path, CodeCardRule, "part %q has both bands and options; give one", p.Answer)
		return 0
	case len(p.Bands)+len(p.Options) == 0:
		ps.Addf(path, CodeCardRule, "part %q has neither bands nor options", p.Answer)
		return 0
	case len(p.Bands) > CardRulesMax || len(p.Options) > CardRulesMax:
		ps.Addf(path, CodeCardLimit, "part %q has more than %d bands or options", p.Answer, CardRulesMax)
		return 0
	case len(p.Options) > 0:
		return checkOptions(ps, path, p.Options)
	}
	return checkBands(ps, path, p.Bands)
}

func checkOptions(ps *domain.Problems, path string, options []Option) int {
	seen := map[string]string{}
	most := 0
	for i, o := range options {
		f := fmt.Sprintf("%s.options[%d]", path, i)
		checkUnique(ps, f+".id", o.ID, seen)
		checkText(ps, f+".label", o.Label, false)
		if o.Points < 0 {
			ps.Addf(f+".points", CodeCardPointsNegative, "option %q gives %d points", o.ID, o.Points)
		}
		most = max(most, o.Points)
	}
	return most
}

func checkBands(ps *domain.Problems, path string, bands []Band) int {
	type parsed struct {
		iv    interval
		index int
	}
	var ivs []parsed
	most := 0
	for i, b := range bands {
		f := fmt.Sprintf("%s.bands[%d]", path, i)
		if b.Points < 0 {
			ps.Addf(f+".points", CodeCardPointsNegative, "band %s gives %d points", b.Range, b.Points)
		}
		most = max(most, b.Points)
		iv, why, ok := parseInterval(b.Range)
		if !ok {
			ps.Addf(f+".range", CodeCardBandRange, "range %q %s", b.Range, why)
			continue
		}
		ivs = append(ivs, parsed{iv, i})
	}
	slices.SortStableFunc(ivs, func(a, b parsed) int {
		switch {
		case a.iv.before(b.iv):
			return -1
		case b.iv.before(a.iv):
			return 1
		}
		return 0
	})
	for k := 1; k < len(ivs); k++ {
		a, b := ivs[k-1], ivs[k]
		f := fmt.Sprintf("%s.bands[%d]", path, b.index)
		switch a.iv.join(b.iv) {
		case "gap":
			ps.Addf(f, CodeCardBandGap, "bands[%d] %s and bands[%d] %s leave a gap: an answer between them could not be scored", a.index, a.iv, b.index, b.iv)
		case "overlap":
			ps.Addf(f, CodeCardBandOverlap, "bands[%d] %s and bands[%d] %s overlap: an answer in both would have two scores", a.index, a.iv, b.index, b.iv)
		}
	}
	return most
}

// combine applies the item's combination and cap to its parts' points.
func (it Item) combine(points []int) int {
	total := 0
	for _, p := range points {
		if it.Combine == CombineMax {
			total = max(total, p)
		} else {
			total += p
		}
	}
	if it.CapPoints > 0 {
		total = min(total, it.CapPoints)
	}
	return total
}

// checkUnique checks an id's form and that it was not used before; seen maps
// ids to where they were first used.
func checkUnique(ps *domain.Problems, field, id string, seen map[string]string) {
	if !checkID(ps, field, id) {
		return
	}
	if first, dup := seen[id]; dup {
		ps.Addf(field, CodeCardDuplicateID, "%q is already used at %s", id, first)
		return
	}
	seen[id] = field
}

func checkID(ps *domain.Problems, field, id string) bool {
	ok := id != "" && len(id) <= CardIDBytesMax
	for i := 0; ok && i < len(id); i++ {
		c := id[i]
		ok = c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '_' || c == '-'
	}
	if !ok {
		ps.Addf(field, CodeCardID, "%s is not 1 to %d lower-case letters, digits, - and _", strconv.Quote(id), CardIDBytesMax)
	}
	return ok
}

func checkText(ps *domain.Problems, field, s string, required bool) {
	switch {
	case required && s == "":
		ps.Addf(field, CodeCardName, "is empty")
	case len(s) > CardTextBytesMax:
		ps.Addf(field, CodeCardLimit, "is %d bytes, above the limit of %d", len(s), CardTextBytesMax)
	}
}
