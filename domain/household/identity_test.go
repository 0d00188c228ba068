package household_test

import (
	"testing"
	"time"

	"github.com/drip-ledger/drip/domain"
	"github.com/drip-ledger/drip/domain/household"
)

// TestIdentitiesThatCannotBeTrue: given a household, when a command
// records a fact that cannot be true, then it is refused with the field.
func TestIdentitiesThatCannotBeTrue(t *testing.T) {
	childHead := registerCmd()
	childHead.Head.Relation = "child"
	namedHead := registerCmd()
	namedHead.Head.Relation = household.RelationHead
	assess := func(year int, incomeFen domain.Fen) household.Assess {
		return household.Assess{Kind: household.KindInitial, Year: year, Answers: answers, NetIncomePerCapitaFen: incomeFen,
			Card: scorer{total: 45}, Lines: lines}
	}
	newYear := time.Date(2015, 1, 1, 0, 30, 0, 0, cst) // 2015 in Beijing, 2014 still in UTC
	run(t, []step{
		{"a head whose relation is child is refused", nil, childHead, t0, refused("head.relation " + household.CodeHeadRelation)},
		{"a head whose relation is head is taken", nil, namedHead, t0, decision{}},
		{"a head whose relation is left out is the head", nil, registerCmd(), t0, decision{}},
		{"an income at the limit is taken", registeredH(t), assess(2014, household.NetIncomePerCapitaFenMax), t0, decision{}},
		{"an income a fen above the limit is refused", registeredH(t), assess(2014, household.NetIncomePerCapitaFenMax+1), t0,
			refused("netIncomePerCapitaFen " + household.CodeIncomeTooLarge)},
		{"an income of int64's max is refused", registeredH(t), assess(2014, 1<<63-1), t0,
			refused("netIncomePerCapitaFen " + household.CodeIncomeTooLarge)},
		{"an assessment for 2099 recorded in 2014 is refused", registeredH(t), assess(2099, 210000), t0,
			refused("year " + household.CodeYearAhead)},
		{"an assessment for next year is refused", registeredH(t), assess(2015, 210000), t0,
			refused("year " + household.CodeYearAhead)},
		{"the year turns at midnight in Beijing", registeredH(t), assess(2015, 210000), newYear, decision{}},
	})
}
