package scorecard_test

import (
	"os"
	"slices"
	"strconv"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/drip-ledger/drip/domain"
	"github.com/drip-ledger/drip/domain/scorecard"
)

func TestBuiltinWeiningCardMatchesTheAnnex(t *testing.T) {
	card := scorecard.Default()
	if card.MaxPoints != 100 || card.Thresholds != (scorecard.Thresholds{PoorBelow: 60, ExitAbove: 80}) {
		t.Errorf("maxPoints %d, thresholds %+v", card.MaxPoints, card.Thresholds)
	}
	var got []string
	items := 0
	for _, ind := range card.Indicators {
		got = append(got, ind.ID+" "+strconv.Itoa(ind.Points))
		items += len(ind.Items)
		for _, it := range ind.Items {
			if it.Name == "" {
				t.Errorf("item %s has no name", it.ID)
			}
		}
	}
	want := []string{"housing 20", "land 30", "labour 30", "students 20"}
	if !slices.Equal(got, want) {
		t.Errorf("indicators %v, want %v", got, want)
	}
	if items != 16 {
		t.Errorf("%d items, want 16 (6 housing, 4 land, 4 labour, 2 students)", items)
	}
	village, _ := domain.ParseDivisionCode("520526104201")
	other, _ := domain.ParseDivisionCode("621123100201")
	if !card.AppliesTo(village) || card.AppliesTo(other) {
		t.Errorf("AppliesTo: Weining village %v, Gansu village %v", card.AppliesTo(village), card.AppliesTo(other))
	}
}

func TestBuiltinGivesEachCallerItsOwnCards(t *testing.T) {
	a := scorecard.Default()
	a.Indicators[0].Points = 0
	if b := scorecard.Default(); b.Indicators[0].Points != 20 {
		t.Errorf("a change to one caller's card reached another's: %d", b.Indicators[0].Points)
	}
}

func TestLoadAnotherCountysCardFromAFile(t *testing.T) {
	f, err := os.Open("testdata/cards/sample-income-first.v1.json")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	card, err := scorecard.Load(f)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name     string
		answers  scorecard.Answers
		total    int
		standing scorecard.Standing
	}{
		// 25 (income in [2300,4000)) + 30 (safe) + 10 (tap, no toilet) = 65
		{"middle household is unstable on this card's thresholds", scorecard.Answers{
			"net_income_per_person_yuan": "2300", "house": "safe", "tap_water": "yes", "toilet": "no"}, 65, scorecard.StandingUnstable},
		// 0 + 0 + 20 = 20
		{"poor household", scorecard.Answers{
			"net_income_per_person_yuan": "2299.99", "house": "unsafe", "tap_water": "yes", "toilet": "yes"}, 20, scorecard.StandingPoor},
		// 50 + 30 + 0 = 80 > 75
		{"exit on this card is above 75", scorecard.Answers{
			"net_income_per_person_yuan": "4000", "house": "safe", "tap_water": "no", "toilet": "no"}, 80, scorecard.StandingCanExit},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a, err := scorecard.Score(card, tt.answers)
			if err != nil {
				t.Fatal(err)
			}
			if a.TotalPoints != tt.total || a.Standing != tt.standing || a.CardID != "sample-income-first" {
				t.Errorf("got %d %s on %s, want %d %s", a.TotalPoints, a.Standing, a.CardID, tt.total, tt.standing)
			}
		})
	}
	t.Run("Weining answers do not fit it", func(t *testing.T) {
		_, err := scorecard.Score(card, poorHousehold())
		codes := domain.Codes(err)
		if len(codes) != 4+19 || !slices.Contains(codes, scorecard.CodeAnswerMissing) || !slices.Contains(codes, scorecard.CodeAnswerUnknown) {
			t.Errorf("codes %v", codes)
		}
	})
}

func TestLoadDirLoadsEveryCardAndNamesEveryBadFile(t *testing.T) {
	good, err := os.ReadFile("testdata/cards/sample-income-first.v1.json")
	if err != nil {
		t.Fatal(err)
	}
	v2 := strings.Replace(string(good), `"version": 1`, `"version": 2`, 1)
	t.Run("good folder", func(t *testing.T) {
		cat, err := scorecard.LoadDir(fstest.MapFS{
			"sample.v1.json": {Data: good},
			"sample.v2.json": {Data: []byte(v2)},
			"README.md":      {Data: []byte("not a card")},
		})
		if err != nil {
			t.Fatal(err)
		}
		latest, ok := cat.Latest("sample-income-first")
		if !ok || latest.Version != 2 {
			t.Errorf("Latest = %v, %v", latest, ok)
		}
		if _, ok := cat.Card("sample-income-first", 1); !ok {
			t.Error("version 1 missing")
		}
		if n := len(cat.Cards()); n != 2 {
			t.Errorf("%d cards", n)
		}
	})
	t.Run("bad folder", func(t *testing.T) {
		_, err := scorecard.LoadDir(fstest.MapFS{
			"a.json":    {Data: good},
			"b.json":    {Data: good},
			"c.json":    {Data: []byte(`{"id": `)},
			"d.json":    {Data: []byte(strings.Replace(string(good), `"points": 50,`, `"points": 40,`, 1))},
			"notes.txt": {Data: []byte("ignored")},
		})
		want := []string{
			`files["b.json"]: ` + scorecard.CodeCardDuplicateVersion,
			`files["c.json"]: ` + scorecard.CodeCardSyntax,
			`files["d.json"].indicators[0].points: ` + scorecard.CodeCardIndicatorPoints,
			`files["d.json"].maxPoints: ` + scorecard.CodeCardTotalPoints,
		}
		if got := fieldCodes(t, err); !slices.Equal(got, want) {
			t.Errorf("got %q\nwant %q", got, want)
		}
	})
}

func TestLoadRefusesMalformedJSON(t *testing.T) {
	good, err := os.ReadFile("testdata/cards/sample-income-first.v1.json")
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name, json string
	}{
		{"empty", ""},
		{"not an object", "[]"},
		{"truncated", string(good[:len(good)/2])},
		{"unknown field (a typo)", strings.Replace(string(good), `"maxPoints": 100`, `"maxPoint": 100`, 1)},
		{"a second object after the card", string(good) + "{}"},
		{"a string for points", strings.Replace(string(good), `"maxPoints": 100`, `"maxPoints": "100"`, 1)},
		{"too large", `{"notes": "` + strings.Repeat("x", scorecard.CardBytesMax) + `"}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := scorecard.Load(strings.NewReader(tt.json))
			codes := domain.Codes(err)
			if len(codes) != 1 || codes[0] != scorecard.CodeCardSyntax && codes[0] != scorecard.CodeCardLimit {
				t.Errorf("codes %v (%v)", codes, err)
			}
		})
	}
}

func TestValidateNamesEveryProblem(t *testing.T) {
	tests := []struct {
		name   string
		change func(c *scorecard.Card)
		want   []string
	}{
		{"the test card is valid", func(*scorecard.Card) {}, nil},
		{"items' maxima do not sum to the indicator's points", func(c *scorecard.Card) {
			c.Indicators[1].Items[0] = withPoints(c.Indicators[1].Items[0], 20) // house 30 → 20
		}, []string{"indicators[1].points: " + scorecard.CodeCardIndicatorPoints}},
		{"an item's maxPoints is not what its rules give", func(c *scorecard.Card) {
			c.Indicators[1].Items[1].MaxPoints = 25
			c.Indicators[1].Items[0].MaxPoints = 25
			c.Indicators[1].Items[0].Parts[0].Options[0].Points = 25
		}, []string{"indicators[1].items[1].maxPoints: " + scorecard.CodeCardItemPoints}},
		{"indicators do not sum to the card's points", func(c *scorecard.Card) { c.MaxPoints = 90; c.Thresholds.ExitAbove = 70 },
			[]string{"maxPoints: " + scorecard.CodeCardTotalPoints}},
		{"bands that overlap", func(c *scorecard.Card) { band(c, 1).Range = "[2000,4000)" },
			[]string{"indicators[0].items[0].parts[0].bands[1]: " + scorecard.CodeCardBandOverlap}},
		{"bands that share a closed end", func(c *scorecard.Card) { band(c, 0).Range = "[0,2300]" },
			[]string{"indicators[0].items[0].parts[0].bands[1]: " + scorecard.CodeCardBandOverlap}},
		{"bands that leave a gap", func(c *scorecard.Card) { band(c, 1).Range = "[2400,4000)" },
			[]string{"indicators[0].items[0].parts[0].bands[1]: " + scorecard.CodeCardBandGap}},
		{"bands that both exclude their shared end", func(c *scorecard.Card) { band(c, 1).Range = "(2300,4000)" },
			[]string{"indicators[0].items[0].parts[0].bands[1]: " + scorecard.CodeCardBandGap}},
		{"a band after an unbounded one", func(c *scorecard.Card) { band(c, 1).Range = "[2300,)" },
			[]string{"indicators[0].items[0].parts[0].bands[2]: " + scorecard.CodeCardBandOverlap}},
		{"bands out of order are fine", func(c *scorecard.Card) {
			bs := c.Indicators[0].Items[0].Parts[0].Bands
			bs[0], bs[2] = bs[2], bs[0]
		}, nil},
		{"malformed ranges", func(c *scorecard.Card) {
			band(c, 0).Range = "0-2300"
			band(c, 1).Range = "[4000,2300)"
			band(c, 2).Range = "[4000,]"
		}, []string{
			"indicators[0].items[0].parts[0].bands[0].range: " + scorecard.CodeCardBandRange,
			"indicators[0].items[0].parts[0].bands[1].range: " + scorecard.CodeCardBandRange,
			"indicators[0].items[0].parts[0].bands[2].range: " + scorecard.CodeCardBandRange,
		}},
		{"duplicate ids", func(c *scorecard.Card) {
			c.Indicators[1].ID = "income"
			c.Indicators[1].Items[1].ID = "house"
			c.Indicators[1].Items[1].Parts[1].Answer = "tap_water"
			c.Indicators[1].Items[0].Parts[0].Options[1].ID = "safe"
		}, []string{
			"indicators[1].id: " + scorecard.CodeCardDuplicateID,
			"indicators[1].items[0].parts[0].options[1].id: " + scorecard.CodeCardDuplicateID,
			"indicators[1].items[1].id: " + scorecard.CodeCardDuplicateID,
			"indicators[1].items[1].parts[1].answer: " + scorecard.CodeCardDuplicateID,
		}},
		{"a part with both bands and options, another with neither", func(c *scorecard.Card) {
			p := &c.Indicators[1].Items[1].Parts[0]
			p.Bands = []scorecard.Band{{Range: "[0,)", Points: 10}}
			c.Indicators[1].Items[1].Parts[1].Options = nil
		}, []string{
			"indicators[1].items[1].parts[0]: " + scorecard.CodeCardRule,
			"indicators[1].items[1].parts[1]: " + scorecard.CodeCardRule,
			"indicators[1].items[1].maxPoints: " + scorecard.CodeCardItemPoints,
		}},
		{"bad header fields", func(c *scorecard.Card) {
			c.ID = "Sample Card"
			c.Version = 0
			c.Name = ""
			c.Jurisdiction = "6200"
			c.Thresholds = scorecard.Thresholds{PoorBelow: 80, ExitAbove: 60}
		}, []string{
			"id: " + scorecard.CodeCardID,
			"version: " + scorecard.CodeCardVersion,
			"name: " + scorecard.CodeCardName,
			"jurisdiction: " + scorecard.CodeCardJurisdiction,
			"thresholds: " + scorecard.CodeCardThresholds,
		}},
		{"negative points, a bad combine, an empty indicator", func(c *scorecard.Card) {
			c.Indicators[1].Items[0].Parts[0].Options[1].Points = -5
			c.Indicators[1].Items[1].Combine = "product"
			c.Indicators = append(c.Indicators, scorecard.Indicator{ID: "empty", Name: "Empty"})
		}, []string{
			"indicators[1].items[0].parts[0].options[1].points: " + scorecard.CodeCardPointsNegative,
			"indicators[1].items[1].combine: " + scorecard.CodeCardCombine,
			"indicators[2].items: " + scorecard.CodeCardEmpty,
		}},
		{"a cap makes maxPoints reachable", func(c *scorecard.Card) {
			c.Indicators[1].Items[1].Parts[0].Options[0].Points = 20
			c.Indicators[1].Items[1].CapPoints = 20
		}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			card := sampleCard(t)
			tt.change(card)
			if got := fieldCodes(t, card.Validate()); !slices.Equal(got, tt.want) {
				t.Errorf("got  %q\nwant %q", got, tt.want)
			}
		})
	}
}

func sampleCard(t *testing.T) *scorecard.Card {
	t.Helper()
	f, err := os.Open("testdata/cards/sample-income-first.v1.json")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	c, err := scorecard.Load(f)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// band is the i-th band of the sample card's income item.
func band(c *scorecard.Card, i int) *scorecard.Band {
	return &c.Indicators[0].Items[0].Parts[0].Bands[i]
}

// withPoints rescales a one-option-set item so that its best option and its
// maxPoints are points.
func withPoints(it scorecard.Item, points int) scorecard.Item {
	it.MaxPoints = points
	opts := slices.Clone(it.Parts[0].Options)
	opts[0].Points = points
	it.Parts = []scorecard.Part{{Answer: it.Parts[0].Answer, Options: opts}}
	return it
}

func TestNewCatalogRefusesInvalidAndRepeatedCards(t *testing.T) {
	bad := sampleCard(t)
	bad.Version = 2
	bad.Indicators[0].Items[0].Parts[0].Bands = nil
	_, err := scorecard.NewCatalog(sampleCard(t), sampleCard(t), bad)
	want := []string{
		"cards[1]: " + scorecard.CodeCardDuplicateVersion,
		"cards[2].indicators[0].items[0].parts[0]: " + scorecard.CodeCardRule,
		"cards[2].indicators[0].items[0].maxPoints: " + scorecard.CodeCardItemPoints,
	}
	if got := fieldCodes(t, err); !slices.Equal(got, want) {
		t.Errorf("got  %q\nwant %q", got, want)
	}
	cat, err := scorecard.NewCatalog(scorecard.Default(), sampleCard(t))
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := cat.Card(scorecard.DefaultCardID, 1); !ok {
		t.Error("Weining card missing")
	}
	if _, ok := cat.Latest("no-such-card"); ok {
		t.Error("Latest found a card that is not there")
	}
	err = cat.Verify(scorecard.Assessment{CardID: "no-such-card", CardVersion: 1})
	if got := domain.Codes(err); !slices.Equal(got, []string{scorecard.CodeAssessmentCard}) {
		t.Errorf("Verify of an unknown card: %v", err)
	}
}

func TestValidateEnforcesLimits(t *testing.T) {
	card := sampleCard(t)
	it := &card.Indicators[1].Items[1]
	for len(it.Parts) <= scorecard.CardPartsMax {
		it.Parts = append(it.Parts, it.Parts[0])
	}
	card.Notes = strings.Repeat("n", scorecard.CardTextBytesMax+1)
	want := []string{"notes: " + scorecard.CodeCardLimit, "indicators[1].items[1].parts: " + scorecard.CodeCardLimit}
	if got := fieldCodes(t, card.Validate()); !slices.Equal(got, want) {
		t.Errorf("got  %q\nwant %q", got, want)
	}
}
