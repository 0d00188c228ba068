package scorecard

import "github.com/drip-ledger/drip/domain"

// Thresholds divide a card's totals into standings. Weining's: below 60 poor
// by score, 60 to 80 unstable, above 80 can exit.
type Thresholds struct {
	// PoorBelow: a total below it is poor by score.
	PoorBelow int `json:"poorBelow"`
	// ExitAbove: a total above it can exit; from PoorBelow up to ExitAbove
	// (both included) is unstable.
	ExitAbove int `json:"exitAbove"`
}

// Standing is what a total says about a household.
type Standing string

const (
	// StandingPoor: the total is below PoorBelow. At identification this
	// (with income below the line, see Poor) files the household; at year
	// end it is still poor by score.
	StandingPoor Standing = "poor"
	// StandingUnstable: PoorBelow ≤ total ≤ ExitAbove. No longer poor by
	// score, but easily falls back: keep tracking it.
	StandingUnstable Standing = "unstable"
	// StandingCanExit: the total is above ExitAbove; the household may be
	// proposed for exit.
	StandingCanExit Standing = "can_exit"
)

// Standing classifies a total.
func (t Thresholds) Standing(totalPoints int) Standing {
	switch {
	case totalPoints < t.PoorBelow:
		return StandingPoor
	case totalPoints > t.ExitAbove:
		return StandingCanExit
	}
	return StandingUnstable
}

// Poor is the identification rule: a household is poor when its total is
// below PoorBelow AND its per-capita net income is below the year's poverty
// line (domain.PovertyLines). Either alone is not enough: a low score with
// income above the line, or a low income with a good score, is not filed.
func (t Thresholds) Poor(totalPoints int, perCapitaIncomeFen, lineFen domain.Fen) bool {
	return totalPoints < t.PoorBelow && perCapitaIncomeFen < lineFen
}
