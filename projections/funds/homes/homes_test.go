package homes_test

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	"github.com/drip-ledger/drip/domain"
	"github.com/drip-ledger/drip/domain/household"
	rt "github.com/drip-ledger/drip/domain/reconcile/reconciletest"
	"github.com/drip-ledger/drip/events"
	"github.com/drip-ledger/drip/projections/funds/homes"
)

// TestAStateMissingFromTheCacheIsRefoldedFromTheLog: given a household's
// stream in the log, when a Folder with an empty cache folds its last
// event, then the Summary is the one a Folder that folded every event
// gives; and without a log to refold from it says so.
func TestAStateMissingFromTheCacheIsRefoldedFromTheLog(t *testing.T) {
	ctx := context.Background()
	reg := rt.Registry()
	store := events.NewMemoryStore(reg, nil)
	t.Cleanup(func() { store.Close() })
	t0 := time.Date(2024, 3, 1, 9, 0, 0, 0, time.UTC)
	f := must(domain.NewFileNumber(must(domain.ParseDivisionCode("520526104201")), 1))
	spouse := rt.ResidentID("52052619720505002")
	reg1, err := household.RegisterHousehold{FileNumber: f.String(), Village: "520526104201",
		Head: household.MemberInput{Name: "Zhang 1", ResidentID: rt.ResidentID("52052619700302001"), BirthDate: "1970-03-02",
			Sex: "male", Education: "primary", Health: "healthy", LabourAbility: "full", Schooling: "not_in_school"},
		Members: []household.MemberInput{{Name: "Li 1", ResidentID: spouse, BirthDate: "1972-05-05", Relation: "spouse",
			Sex: "female", Education: "primary", Health: "healthy", LabourAbility: "full", Schooling: "not_in_school"}},
	}.Decide(household.State{}, t0)
	if err != nil {
		t.Fatal(err)
	}
	ps := []events.Payload{reg1[0],
		&household.Enrolled{Year: 2024, TotalPoints: 45, NetIncomePerCapitaFen: 210_000, PovertyLineFen: 280_000, DecisionRef: "PAO [2024] 1"},
		&household.MemberDied{ResidentID: must(domain.ParseResidentID(spouse, time.Time{})), DiedOn: "2024-05-01", EvidenceRef: "D-1"},
		&household.Exited{DecisionRef: "exit 1"}}
	var evs []events.Event
	for i, p := range ps {
		ev := must(reg.Encode(must(events.NewID(nil)), events.Metadata{ActorID: "t", OccurredAt: t0.AddDate(0, i, 0)}, p))
		evs = append(evs, ev)
	}
	if _, err := store.Append(ctx, household.Stream(f), events.NoStream, evs...); err != nil {
		t.Fatal(err)
	}
	log := must(store.ReadStream(ctx, household.Stream(f), 1, events.Forwards, 10))
	all := homes.NewFolder(reg, nil)
	var sums []homes.Summary
	prev := homes.Summary{}
	for i, ev := range log {
		s, err := all.Fold(ctx, prev, ev, must(reg.Decode(ev)))
		if err != nil {
			t.Fatal(i, err)
		}
		sums, prev = append(sums, s), s
	}
	last := log[len(log)-1]
	cold := homes.NewFolder(reg, store)
	got, err := cold.Fold(ctx, sums[len(sums)-2], last, must(reg.Decode(last)))
	if err != nil {
		t.Fatal(err)
	}
	if a, b := string(must(json.Marshal(got))), string(must(json.Marshal(sums[len(sums)-1]))); a != b {
		t.Errorf("refolded %s\nwant %s", a, b)
	}
	if got.Status != household.StatusExited || got.Members[1].Died != "2024-05-01" || got.Deaths[spouse] != last.Position-1 || got.Pos(1) != log[0].Position {
		t.Errorf("summary %+v", got)
	}
	if _, err := homes.NewFolder(reg, nil).Fold(ctx, sums[len(sums)-2], last, must(reg.Decode(last))); err == nil {
		t.Error("a cold folder with no log folded a household from the middle of its stream")
	}
}

func must[T any](v T, err error) T {
	if err != nil {
		panic(err)
	}
	return v
}
