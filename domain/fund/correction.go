package fund

import (
	"github.com/drip-ledger/drip/domain"
	"github.com/drip-ledger/drip/events"
)

// TypeAppropriationCorrected is the compensating event of an
// appropriation: history is never edited, so a document recorded with the
// wrong amount, or one withdrawn by the level that issued it, is corrected
// by this event naming the one it corrects.
const TypeAppropriationCorrected = "fund.appropriation_corrected.v1"

// AppropriationCorrected: part (or all) of an appropriation was taken back
// out of the pool, to the source account that paid it in. Corrects is the
// AppropriationReceived event; AmountFen what was taken back.
type AppropriationCorrected struct {
	County    County     `json:"county"`
	Document  string     `json:"document"`
	Corrects  events.ID  `json:"corrects"`
	Level     Level      `json:"level"`
	AmountFen domain.Fen `json:"amountFen"`
	Reason    string     `json:"reason"`
	Transfer  Transfer   `json:"transfer"`
}

func (*AppropriationCorrected) EventType() string { return TypeAppropriationCorrected }

// Movement implements Mover.
func (p *AppropriationCorrected) Movement() Transfer { return p.Transfer }

func (p *AppropriationCorrected) Validate() error {
	var ps domain.Problems
	if p.County.IsZero() {
		ps.Addf("county", CodeRequired, "is required")
	}
	requireText(&ps, "document", p.Document, DocumentRunesMax)
	requireID(&ps, "corrects", p.Corrects)
	oneOf(&ps, "level", p.Level, Levels())
	domain.CheckAmount(&ps, "amountFen", p.AmountFen, domain.AppropriationFenMax)
	requireText(&ps, "reason", p.Reason, TextRunesMax)
	p.Transfer.check(&ps, PoolAccount(p.County), SourceAccount(p.Level), p.AmountFen)
	return ps.Err()
}

// Correction is one correction of an appropriation, as the pool keeps it.
type Correction struct {
	EventID   events.ID  `json:"eventId"`
	AmountFen domain.Fen `json:"amountFen"`
	Reason    string     `json:"reason"`
}

// CorrectAppropriation takes back AmountFen of the appropriation Document.
type CorrectAppropriation struct {
	Document  string     `json:"document"`
	AmountFen domain.Fen `json:"amountFen"`
	Reason    string     `json:"reason"`
}

func (CorrectAppropriation) Name() string { return "correct_appropriation" }

// Decide needs the appropriation in the pool (appropriation_not_found) and
// takes back only what is still in the pool: money allocated to projects
// has moved on, and is corrected there (a payment's reversal, a project's
// own records), not by rewriting where it came from. So AmountFen is at
// most the appropriation's remaining amount (correction_above_remaining),
// and nothing ever goes below zero. The event it corrects and the source
// account it returns to come from the pool's state, never from the caller.
func (c CorrectAppropriation) Decide(p Pool, _ Env) ([]events.Payload, error) {
	var ps domain.Problems
	requireText(&ps, "document", c.Document, DocumentRunesMax)
	domain.CheckAmount(&ps, "amountFen", c.AmountFen, domain.AppropriationFenMax)
	requireText(&ps, "reason", c.Reason, TextRunesMax)
	a, found := p.byDocument[c.Document]
	if !found && c.Document != "" {
		ps.Addf("document", CodeAppropriationNotFound, "appropriation %q is not in pool %s", c.Document, p.county)
	}
	if err := ps.Err(); err != nil {
		return nil, err
	}
	if c.AmountFen > a.RemainingFen {
		ps.Addf("amountFen", CodeCorrectionAboveRemaining,
			"appropriation %q has %d fen still in the pool (%d were allocated and moved on); a correction takes back at most that, not %d",
			c.Document, a.RemainingFen, a.AmountFen-a.CorrectedFen-a.RemainingFen, c.AmountFen)
		return nil, ps.Err()
	}
	return one(&AppropriationCorrected{County: p.county, Document: c.Document, Corrects: a.EventID, Level: a.Level,
		AmountFen: c.AmountFen, Reason: c.Reason,
		Transfer: Transfer{DebitAccount: PoolAccount(p.county), CreditAccount: SourceAccount(a.Level), AmountFen: c.AmountFen}})
}
