package fund_test

import (
	"encoding/json"
	"testing"

	"github.com/drip-ledger/drip/domain/fund"
	"github.com/drip-ledger/drip/events"
)

// TestMoversDescribeTheirTransfer: every event that moves money carries its
// transfer in its JSON, so a read model keeps balances without knowing the
// event types, and reads back exactly what was written.
func TestMoversDescribeTheirTransfer(t *testing.T) {
	movers := []fund.Mover{
		must(fund.RecordAppropriation{Document: doc1, FiscalYear: 2026, Level: fund.LevelEastWest, Purpose: "pairing", AmountFen: 9}.
			Decide(givenPool(t, nil), env(t0)))[0].(fund.Mover),
		allocated(1, 5, fund.Draw{Document: doc1, AmountFen: 5}),
		instructed(1, file, 5, lot(doc1, 5)),
		settled(ref1, file, 5),
		&fund.PaymentFailed{Project: project, Ref: ref1, Outcome: fund.StatusFailed, Reason: "r",
			Lots:     []fund.Lot{{Allocation: fund.AllocationRef(county, 1), Document: doc1, AmountFen: 5}},
			Transfer: fund.Transfer{DebitAccount: fund.TransitAccount(project), CreditAccount: fund.ProjectAccount(project), AmountFen: 5}},
	}
	reg := registry()
	for _, m := range movers {
		ev, err := reg.Encode(events.DeriveID(ns, m.EventType()), events.Metadata{OccurredAt: t0}, m)
		if err != nil {
			t.Fatalf("%T: %v", m, err)
		}
		var generic struct {
			Transfer fund.Transfer `json:"transfer"`
		}
		if err := json.Unmarshal(ev.Data, &generic); err != nil || generic.Transfer != m.Movement() || generic.Transfer.AmountFen <= 0 {
			t.Errorf("%s: transfer %+v (%v), want %+v", ev.Type, generic.Transfer, err, m.Movement())
		}
		back, err := reg.Decode(ev)
		if err != nil || back.(fund.Mover).Movement() != m.Movement() {
			t.Errorf("%s read back as %+v, %v", ev.Type, back, err)
		}
	}
	for _, typ := range reg.Types() {
		if !events.ValidTypeName(typ) {
			t.Errorf("type %q", typ)
		}
	}
}
