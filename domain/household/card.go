package household

import "github.com/drip-ledger/drip/domain/scorecard"

// Card adapts a scorecard.Card to Scorer, so a caller resolves a card from a
// scorecard.Catalog and passes Card{c} to Assess.
type Card struct{ *scorecard.Card }

// Score scores answers with scorecard.Score.
func (c Card) Score(answers map[string]string) (Score, error) {
	a, err := scorecard.Score(c.Card, answers)
	if err != nil {
		return Score{}, err
	}
	items := make([]ItemPoints, len(a.Items))
	for i, it := range a.Items {
		items[i] = ItemPoints{Item: it.ID, Points: it.Points}
	}
	return Score{CardID: a.CardID, CardVersion: a.CardVersion, Items: items, TotalPoints: a.TotalPoints}, nil
}
