package scorecard_test

import (
	"bytes"
	"os"
	"testing"

	"github.com/drip-ledger/drip/domain"
	"github.com/drip-ledger/drip/domain/scorecard"
)

// FuzzScore: scoring never panics; an answer is either refused with a code
// or scored within the card's points, and the result verifies.
func FuzzScore(f *testing.F) {
	for _, s := range []string{"0", "10", "30", "30.01", "9.99", "101", "-1", "1e3", "0.333", "", "safe", "00.50", "99999999999999"} {
		f.Add("housing_area_per_person_m2", s)
		f.Add("labour_share_percent", s)
	}
	f.Add("housing_condition", "dangerous_level_2_3")
	card := scorecard.Default()
	f.Fuzz(func(t *testing.T, key, value string) {
		answers := poorHousehold()
		answers[key] = value
		a, err := scorecard.Score(card, answers)
		if err != nil {
			if len(domain.Codes(err)) == 0 {
				t.Fatalf("error %v has no code", err)
			}
			return
		}
		if a.TotalPoints < 0 || a.TotalPoints > card.MaxPoints {
			t.Fatalf("total %d", a.TotalPoints)
		}
		if err := scorecard.Verify(card, a); err != nil {
			t.Fatal(err)
		}
	})
}

// FuzzLoad: loading any bytes never panics; a card that loads can score the
// empty answers without panicking (it reports them missing).
func FuzzLoad(f *testing.F) {
	for _, name := range []string{"cards/weining-four-views.v1.json", "testdata/cards/sample-income-first.v1.json"} {
		b, err := os.ReadFile(name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
		f.Add(bytes.Replace(b, []byte(`"(`), []byte(`"[`), 3))
	}
	f.Add([]byte(`{}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		card, err := scorecard.Load(bytes.NewReader(b))
		if err != nil {
			return
		}
		if _, err := scorecard.Score(card, scorecard.Answers{}); err == nil {
			t.Fatal("a loaded card scored no answers")
		}
	})
}
