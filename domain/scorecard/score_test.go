package scorecard_test

import (
	"errors"
	"maps"
	"slices"
	"testing"

	"github.com/drip-ledger/drip/domain"
	"github.com/drip-ledger/drip/domain/scorecard"
	"github.com/drip-ledger/drip/events"
)

// poorHousehold is a household in a mountain village, scored by hand on the
// Weining card:
//
//	housing   0 (level-1 dangerous) + 2 (8 m², below 10) + 2 (unhardened road)
//	          + 1 (water cellar) + 2 (grid power) + 0 (no machinery)        =  7
//	land      4 (0.8 mu) + 4 (planting: fruit 0 → 0, cash crops 0.3 → 4)
//	          + 2 (200 jin) + 2 (150 yuan farm income; land not rented)     = 12
//	labour    6 (1 labourer of 5: 20%) + 4 (main labourer ill)
//	          + 2 (primary school + no skills) + 2 (400 yuan wages)          = 14
//	students  4 (6,000 yuan school debt) + 4 (a child in high school)       =  8
//	total                                                                    41
func poorHousehold() scorecard.Answers {
	return scorecard.Answers{
		"housing_condition":                   "dangerous_level_1_or_none",
		"housing_area_per_person_m2":          "8",
		"road":                                "unhardened",
		"drinking_water":                      "cellar_or_spring",
		"electricity":                         "grid_standard_price",
		"production_machinery":                "no",
		"arable_land_per_person_mu":           "0.8",
		"fruit_area_mu":                       "0",
		"cash_crop_area_mu":                   "0.3",
		"food_per_person_jin":                 "200",
		"agricultural_income_per_person_yuan": "150",
		"land_rented_out":                     "no",
		"labour_share_percent":                "20",
		"health":                              "main_labourer_ill",
		"main_labourer_education":             "primary",
		"main_labourer_skills":                "none",
		"wage_income_per_person_yuan":         "400",
		"education_debt_yuan":                 "6000",
		"education_return":                    "high_school",
	}
}

// wellOffHousehold, by hand:
//
//	housing   5 (safe) + 5 (35 m²) + 4 (hardened) + 2 + 2 + 2 (machinery)  = 20
//	land      8 (2.5 mu) + 8 (planting: fruit 1.2 → 8 + cash 0.6 → 6 = 14,
//	          capped at 8) + 4 (330 jin, the top of 210–330)
//	          + 8 (800 yuan)                                                = 28
//	labour    8 (60%) + 8 (all healthy) + 8 (middle school 4 + skills 4)
//	          + 6 (1,500 yuan wages)                                        = 30
//	students  8 (3,000 yuan debt) + 0 (no student)                          =  8
//	total                                                                    86
func wellOffHousehold() scorecard.Answers {
	return scorecard.Answers{
		"housing_condition":                   "safe",
		"housing_area_per_person_m2":          "35",
		"road":                                "hardened",
		"drinking_water":                      "safe_supply",
		"electricity":                         "grid_standard_price",
		"production_machinery":                "yes",
		"arable_land_per_person_mu":           "2.5",
		"fruit_area_mu":                       "1.2",
		"cash_crop_area_mu":                   "0.6",
		"food_per_person_jin":                 "330",
		"agricultural_income_per_person_yuan": "800",
		"land_rented_out":                     "no",
		"labour_share_percent":                "60",
		"health":                              "all_healthy",
		"main_labourer_education":             "middle_school_or_above",
		"main_labourer_skills":                "one_or_more",
		"wage_income_per_person_yuan":         "1500",
		"education_debt_yuan":                 "3000",
		"education_return":                    "none",
	}
}

func TestScoreWeiningHouseholds(t *testing.T) {
	card := scorecard.Default()
	tests := []struct {
		name       string
		answers    scorecard.Answers
		indicators []scorecard.Subtotal
		total      int
		standing   scorecard.Standing
	}{
		{"poor household scores below 60", poorHousehold(),
			[]scorecard.Subtotal{{ID: "housing", Points: 7}, {ID: "land", Points: 12}, {ID: "labour", Points: 14}, {ID: "students", Points: 8}},
			41, scorecard.StandingPoor},
		{"well-off household scores above 80", wellOffHousehold(),
			[]scorecard.Subtotal{{ID: "housing", Points: 20}, {ID: "land", Points: 28}, {ID: "labour", Points: 30}, {ID: "students", Points: 8}},
			86, scorecard.StandingCanExit},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a, err := scorecard.Score(card, tt.answers)
			if err != nil {
				t.Fatal(err)
			}
			if a.CardID != "weining-four-views" || a.CardVersion != 1 {
				t.Errorf("card %s v%d", a.CardID, a.CardVersion)
			}
			if !slices.Equal(a.Indicators, tt.indicators) {
				t.Errorf("indicators %v, want %v", a.Indicators, tt.indicators)
			}
			if a.TotalPoints != tt.total || a.Standing != tt.standing {
				t.Errorf("total %d %s, want %d %s; items %v", a.TotalPoints, a.Standing, tt.total, tt.standing, a.Items)
			}
			if !maps.Equal(a.Answers, tt.answers) {
				t.Errorf("answers not kept as given: %v", a.Answers)
			}
			if err := scorecard.Verify(card, a); err != nil {
				t.Errorf("Verify: %v", err)
			}
		})
	}
}

// itemPoints scores answers on the Weining card with one answer changed and
// returns the points of one item.
func itemPoints(t *testing.T, item string, change scorecard.Answers) int {
	t.Helper()
	answers := poorHousehold()
	maps.Copy(answers, change)
	a, err := scorecard.Score(scorecard.Default(), answers)
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range a.Items {
		if s.ID == item {
			return s.Points
		}
	}
	t.Fatalf("no item %q in %v", item, a.Items)
	return 0
}

func TestWeiningBandBoundaries(t *testing.T) {
	tests := []struct {
		name, item, answer, value string
		want                      int
	}{
		{"just under 10 m² scores 2", "housing_area", "housing_area_per_person_m2", "9.99", 2},
		{"exactly 10 m² scores 4", "housing_area", "housing_area_per_person_m2", "10", 4},
		{"exactly 30 m² scores 4", "housing_area", "housing_area_per_person_m2", "30", 4},
		{"just over 30 m² scores 5", "housing_area", "housing_area_per_person_m2", "30.01", 5},
		{"no housing area scores 2", "housing_area", "housing_area_per_person_m2", "0", 2},
		{"no land scores 0", "arable_land", "arable_land_per_person_mu", "0", 0},
		{"a little land scores 4", "arable_land", "arable_land_per_person_mu", "0.01", 4},
		{"exactly 1 mu scores 6", "arable_land", "arable_land_per_person_mu", "1", 6},
		{"exactly 2 mu scores 6", "arable_land", "arable_land_per_person_mu", "2", 6},
		{"over 2 mu scores 8", "arable_land", "arable_land_per_person_mu", "2.01", 8},
		{"exactly 210 jin scores 4", "food", "food_per_person_jin", "210", 4},
		{"over 330 jin scores 6", "food", "food_per_person_jin", "330.5", 6},
		{"no labourer scores 0", "labour_share", "labour_share_percent", "0", 0},
		{"below 20% scores 3", "labour_share", "labour_share_percent", "16.67", 3},
		{"one labourer in three scores 6", "labour_share", "labour_share_percent", "33.33", 6},
		{"exactly 50% scores 6", "labour_share", "labour_share_percent", "50", 6},
		{"everyone working scores 8", "labour_share", "labour_share_percent", "100", 8},
		{"no wages score 0", "wage_income", "wage_income_per_person_yuan", "0", 0},
		{"exactly 1000 yuan wages score 4", "wage_income", "wage_income_per_person_yuan", "1000", 4},
		{"no school debt scores 12", "education_debt", "education_debt_yuan", "0", 12},
		{"exactly 5000 yuan debt scores 4", "education_debt", "education_debt_yuan", "5000", 4},
		{"exactly 10000 yuan debt scores 4", "education_debt", "education_debt_yuan", "10000", 4},
		{"over 10000 yuan debt scores 0", "education_debt", "education_debt_yuan", "10000.01", 0},
		{"200 yuan farm income scores 4", "agricultural_income", "agricultural_income_per_person_yuan", "200", 4},
		{"300 yuan farm income scores 6", "agricultural_income", "agricultural_income_per_person_yuan", "300", 6},
		{"500 yuan farm income scores 6", "agricultural_income", "agricultural_income_per_person_yuan", "500", 6},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := itemPoints(t, tt.item, scorecard.Answers{tt.answer: tt.value}); got != tt.want {
				t.Errorf("%s = %s: %s scores %d, want %d", tt.answer, tt.value, tt.item, got, tt.want)
			}
		})
	}
}

func TestWeiningCombinedItems(t *testing.T) {
	tests := []struct {
		name, item string
		change     scorecard.Answers
		want       int
	}{
		{"planting: two small plots sum to 8", "planting", scorecard.Answers{"fruit_area_mu": "0.2", "cash_crop_area_mu": "0.3"}, 8},
		{"planting: large plots are capped at 8", "planting", scorecard.Answers{"fruit_area_mu": "5", "cash_crop_area_mu": "5"}, 8},
		{"planting: one plot alone", "planting", scorecard.Answers{"fruit_area_mu": "0.5", "cash_crop_area_mu": "0"}, 6},
		{"planting: nothing planted scores 0", "planting", scorecard.Answers{"fruit_area_mu": "0", "cash_crop_area_mu": "0"}, 0},
		{"farm income: none and land kept scores 0", "agricultural_income", scorecard.Answers{"agricultural_income_per_person_yuan": "0", "land_rented_out": "no"}, 0},
		{"farm income: none but land rented out scores 2", "agricultural_income", scorecard.Answers{"agricultural_income_per_person_yuan": "0", "land_rented_out": "yes"}, 2},
		{"farm income: the better part counts", "agricultural_income", scorecard.Answers{"agricultural_income_per_person_yuan": "600", "land_rented_out": "yes"}, 8},
		{"quality: education and skills add up", "labour_quality", scorecard.Answers{"main_labourer_education": "middle_school_or_above", "main_labourer_skills": "trained"}, 6},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := itemPoints(t, tt.item, tt.change); got != tt.want {
				t.Errorf("%s scores %d, want %d", tt.item, got, tt.want)
			}
		})
	}
}

func TestScoreNamesEveryBadAnswer(t *testing.T) {
	answers := poorHousehold()
	delete(answers, "road")
	delete(answers, "health")
	answers["housing_condition"] = "grade_c"            // not an option
	answers["labour_share_percent"] = "101"             // no band covers it
	answers["food_per_person_jin"] = "1e3"              // not a number
	answers["arable_land_per_person_mu"] = "0.333"      // three decimals
	answers["education_debt_yuan"] = "-5"               // negative
	answers["fruit_area_mu"] = string(make([]byte, 65)) // too long
	answers["income_per_household_yuan"] = "1200"       // not on the card
	_, err := scorecard.Score(scorecard.Default(), answers)

	want := []string{
		"answers.housing_condition: " + scorecard.CodeAnswerOption,
		"answers.road: " + scorecard.CodeAnswerMissing,
		"answers.arable_land_per_person_mu: " + scorecard.CodeAnswerNumber,
		"answers.fruit_area_mu: " + scorecard.CodeAnswerLimit,
		"answers.food_per_person_jin: " + scorecard.CodeAnswerNumber,
		"answers.labour_share_percent: " + scorecard.CodeAnswerOutOfRange,
		"answers.health: " + scorecard.CodeAnswerMissing,
		"answers.education_debt_yuan: " + scorecard.CodeAnswerNumber,
		"answers.income_per_household_yuan: " + scorecard.CodeAnswerUnknown,
	}
	if got := fieldCodes(t, err); !slices.Equal(got, want) {
		t.Errorf("problems\n got %q\nwant %q", got, want)
	}
	if !errors.Is(err, events.ErrInvalid) {
		t.Errorf("errors.Is(err, events.ErrInvalid) = false for %v", err)
	}
}

func TestScoreRefusesTooManyAnswers(t *testing.T) {
	answers := scorecard.Answers{}
	for i := range scorecard.AnswersMax + 1 {
		answers[string(rune('a'+i%26))+string(rune('a'+i/26))] = "1"
	}
	_, err := scorecard.Score(scorecard.Default(), answers)
	if got := domain.Codes(err); !slices.Equal(got, []string{scorecard.CodeAnswerLimit}) {
		t.Errorf("codes %v", got)
	}
}

func TestScoreRefusesAnInvalidCard(t *testing.T) {
	card := scorecard.Default()
	card.Indicators[0].Points = 21
	_, err := scorecard.Score(card, poorHousehold())
	want := []string{"card.indicators[0].points: " + scorecard.CodeCardIndicatorPoints, "card.maxPoints: " + scorecard.CodeCardTotalPoints}
	if got := fieldCodes(t, err); !slices.Equal(got, want) {
		t.Errorf("got %q, want %q", got, want)
	}
}

func TestVerifyFindsTampering(t *testing.T) {
	card := scorecard.Default()
	a, err := scorecard.Score(card, poorHousehold())
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name   string
		tamper func(a *scorecard.Assessment)
		want   []string
	}{
		{"untouched verifies", func(*scorecard.Assessment) {}, nil},
		{"a raised total", func(a *scorecard.Assessment) { a.TotalPoints = 61; a.Standing = scorecard.StandingUnstable },
			[]string{"totalPoints: " + scorecard.CodeAssessmentDiffer, "standing: " + scorecard.CodeAssessmentDiffer}},
		{"a changed answer", func(a *scorecard.Assessment) { a.Answers["road"] = "hardened" },
			[]string{"items[2]: " + scorecard.CodeAssessmentDiffer, "indicators[0]: " + scorecard.CodeAssessmentDiffer,
				"totalPoints: " + scorecard.CodeAssessmentDiffer}},
		{"a dropped item", func(a *scorecard.Assessment) { a.Items = a.Items[1:] },
			[]string{"items: " + scorecard.CodeAssessmentDiffer}},
		{"another card version", func(a *scorecard.Assessment) { a.CardVersion = 2 },
			[]string{scorecard.CodeAssessmentCard}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := a
			b.Answers = maps.Clone(a.Answers)
			b.Items = slices.Clone(a.Items)
			tt.tamper(&b)
			if got := fieldCodes(t, scorecard.Verify(card, b)); !slices.Equal(got, tt.want) {
				t.Errorf("got %q, want %q", got, tt.want)
			}
		})
	}
}

func TestRecomputeGivesTheSameAssessment(t *testing.T) {
	card := scorecard.Default()
	a, err := scorecard.Score(card, wellOffHousehold())
	if err != nil {
		t.Fatal(err)
	}
	b, err := scorecard.Recompute(card, a)
	if err != nil {
		t.Fatal(err)
	}
	if b.TotalPoints != a.TotalPoints || !slices.Equal(b.Items, a.Items) || !maps.Equal(b.Answers, a.Answers) {
		t.Errorf("recomputed %+v, stored %+v", b, a)
	}
	if err := scorecard.Builtin().Verify(a); err != nil {
		t.Errorf("Catalog.Verify: %v", err)
	}
}

// fieldCodes lists "field: code" for every problem in err (just the code for
// an error without a field).
func fieldCodes(t *testing.T, err error) []string {
	t.Helper()
	if err == nil {
		return nil
	}
	var inv *events.InvalidError
	if !errors.As(err, &inv) {
		var de *domain.Error
		if errors.As(err, &de) {
			return []string{de.Code}
		}
		t.Fatalf("%v is neither an *events.InvalidError nor a *domain.Error", err)
	}
	codes := domain.Codes(err)
	out := make([]string, len(inv.Problems))
	for i, p := range inv.Problems {
		out[i] = p.Field + ": " + codes[i]
	}
	return out
}
