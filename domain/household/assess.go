package household

import (
	"time"

	"github.com/drip-ledger/drip/domain"
	"github.com/drip-ledger/drip/events"
)

// Score is a scorecard's verdict on one set of answers.
type Score struct {
	CardID      string
	CardVersion int
	Items       []ItemPoints
	TotalPoints int
}

// Scorer is what assessing needs of a scorecard: the caller resolves the
// card (by id and version, or the one that applies to the village) and
// passes it in, since the domain reads no files. Score returns an
// *events.InvalidError naming every missing or bad answer.
type Scorer interface {
	Score(answers map[string]string) (Score, error)
}

func checkScore(ps *domain.Problems, sc Score) {
	requireText(ps, "cardId", sc.CardID, NameRunesMax)
	if sc.CardVersion < 1 {
		ps.Addf("cardVersion", CodeRequired, "is a version from 1")
	}
	switch {
	case len(sc.Items) == 0:
		ps.Addf("items", CodeRequired, "a score has at least one item")
	case len(sc.Items) > ScoreItemsMax:
		ps.Addf("items", CodeTooMany, "has %d items, above the limit of %d", len(sc.Items), ScoreItemsMax)
		return
	}
	sum := 0
	for i, it := range sc.Items {
		requireText(ps, index("items", i)+".item", it.Item, NameRunesMax)
		if it.Points < 0 {
			ps.Addf(index("items", i)+".points", CodeNegative, "is negative")
		}
		sum += it.Points
	}
	if sum != sc.TotalPoints {
		ps.Addf("totalPoints", CodeScoreInvalid, "is %d but the items add up to %d", sc.TotalPoints, sum)
	}
}

// Assess records a survey scored against a card: the initial survey of a
// registered household (again if it was rejected, a year later), or the
// year-end reassessment of one on file.
//
// Reassessing an exited household also decides its monitoring: at risk
// (see AtRisk) it becomes monitored; a monitored one no longer at risk
// returns to exited. That needs the year's poverty line from Lines.
type Assess struct {
	Kind                  string              `json:"kind"`
	Year                  int                 `json:"year"`
	Answers               map[string]string   `json:"answers"`
	NetIncomePerCapitaFen domain.Fen          `json:"netIncomePerCapitaFen"`
	Card                  Scorer              `json:"-"`
	Lines                 domain.PovertyLines `json:"-"`
}

func (Assess) Name() string { return "assess" }

// Decide scores the answers with Card and records the assessment. The
// household must be registered, surveyed or rejected for an initial
// survey, and enrolled, returned, exited or monitored for a reassessment
// (wrong_status).
func (c Assess) Decide(s State, at time.Time) ([]events.Payload, error) {
	var ps domain.Problems
	oneOf(&ps, "kind", c.Kind, []string{KindInitial, KindReassessment})
	checkYear(&ps, "year", c.Year)
	if c.Card == nil {
		ps.Addf("card", CodeRequired, "a scorecard is required")
	}
	if len(c.Answers) > AnswersMax {
		ps.Addf("answers", CodeTooMany, "has %d answers, above the limit of %d", len(c.Answers), AnswersMax)
	}
	checkIncome(&ps, "netIncomePerCapitaFen", c.NetIncomePerCapitaFen)
	if y := at.In(chinaTime).Year(); c.Year > y && c.Year <= domain.PovertyLineYearMax {
		ps.Addf("year", CodeYearAhead, "%d is after the recorded year %d", c.Year, y)
	}
	if err := ps.Err(); err != nil {
		return nil, err
	}
	allowed := []Status{StatusRegistered, StatusSurveyed, StatusRejected}
	if c.Kind == KindReassessment {
		allowed = []Status{StatusEnrolled, StatusReturned, StatusExited, StatusMonitored}
	}
	if err := requireStatus("assess ("+c.Kind+")", s.Status(), allowed...); err != nil {
		return nil, err
	}
	sc, err := c.Card.Score(c.Answers)
	if err != nil {
		return nil, err
	}
	ev := &Assessed{Kind: c.Kind, Year: c.Year, CardID: sc.CardID, CardVersion: sc.CardVersion,
		Answers: c.Answers, Items: sc.Items, TotalPoints: sc.TotalPoints, NetIncomePerCapitaFen: c.NetIncomePerCapitaFen}
	if err := ev.Validate(); err != nil {
		return nil, err
	}
	out := []events.Payload{ev}
	if !isExited(s.Status()) {
		return out, nil
	}
	more, err := monitoring(s, *ev, c.Lines)
	if err != nil {
		return nil, err
	}
	return append(out, more...), nil
}

// NetIncomePerCapitaFenMax bounds a per-capita net income a command may
// record: 1,000,000 yuan a person a year is beyond any household this
// programme counts, and far from int64's end, so that tenfold (AtRisk) and
// sums over a village cannot wrap.
const NetIncomePerCapitaFenMax domain.Fen = 100_000_000

// Codes of the identity bounds.
const (
	CodeIncomeTooLarge = "income_too_large"
	CodeYearAhead      = "year_in_future"
)

// chinaTime is China Standard Time: a year begins for the programme at
// midnight in Beijing, not in UTC.
var chinaTime = time.FixedZone("CST", 8*3600)

// checkIncome checks an income a command records: not negative, not above
// NetIncomePerCapitaFenMax.
func checkIncome(ps *domain.Problems, field string, fen domain.Fen) {
	switch {
	case fen < 0:
		ps.Addf(field, CodeNegative, "is negative")
	case fen > NetIncomePerCapitaFenMax:
		ps.Addf(field, CodeIncomeTooLarge, "%s yuan is above the limit of %s yuan a person a year", fen, NetIncomePerCapitaFenMax)
	}
}
