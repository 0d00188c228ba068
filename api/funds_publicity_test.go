package api_test

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/drip-ledger/drip/domain"
	"github.com/drip-ledger/drip/domain/fund"
	"github.com/drip-ledger/drip/domain/household"
	"github.com/drip-ledger/drip/events"
	"github.com/drip-ledger/drip/projections/funds"
)

// secondVillage is another village of the story's county.
const secondVillage = "520526104202"

// approvedProject proposes and approves the story's project for villages,
// funds it with 1,800.00 yuan and assigns storyFile; it returns the
// position and the publicity body, not yet posted.
func approvedProject(t *testing.T, d *desk, villages ...string) (uint64, map[string]any) {
	t.Helper()
	l := enrollHousehold(t, d)
	pool, proj := "/pools/"+storyCounty, "/projects/"+storyProject
	d.now = d.now.AddDate(0, 1, 0)
	pos := d.pay(d.finance(), pool+"/appropriations", map[string]any{"document": doc1, "fiscalYear": 2014, "level": "central",
		"purpose": "special poverty fund", "amountFen": 180_000}, l.enrolled)
	pos = d.pay(d.township(), "/projects", map[string]any{"project": storyProject, "name": "Walnut orchards", "kind": "industry",
		"villages": villages, "budgetFen": 500_000}, pos)
	pos = d.pay(d.countyPAO(), proj+"/approve", map[string]any{"approvalRef": "Weining PAO [2014] 40"}, pos)
	pos = d.pay(d.finance(), pool+"/allocations", map[string]any{"project": storyProject, "amountFen": 180_000,
		"approvalRef": "Weining finance [2014] 77", "draws": []any{map[string]any{"document": doc1, "amountFen": 180_000}}}, pos)
	pos = d.pay(d.countyPAO(), proj+"/beneficiaries", map[string]any{"household": storyFile}, pos)
	return pos, map[string]any{"startsAt": d.now, "endsAt": d.now.AddDate(0, 0, 10), "place": "village notice board"}
}

// GET /projects/{p}/publicity was served for a project only approved: its
// draft list of beneficiaries was public before it was posted. Now it is
// 404 (as for a project that does not exist) until the publicity starts.
func TestPublicityListOnlyOncePosted(t *testing.T) {
	d := newCounty(t)
	pos, pub := approvedProject(t, d, storyVillage)
	path := "/projects/" + storyProject + "/publicity?position="
	var list funds.PublicityList
	if st, p := d.read(d.enumerator(), path+u64(pos), &list); st != http.StatusNotFound || p.Code != fund.CodeProjectNotFound {
		t.Fatalf("publicity of an approved project = %d %+v %+v", st, p, list)
	}
	pos = d.pay(d.countyPAO(), "/projects/"+storyProject+"/publicity", pub, pos)
	if st, p := d.read(d.enumerator(), path+u64(pos), &list); st != http.StatusOK || len(list.Beneficiaries) != 1 {
		t.Fatalf("publicity of a publicized project = %d %+v %+v", st, p, list)
	}
}

// The publicity list showed the status the household had when it was
// assigned: an exited household still read "enrolled".
func TestPublicityListShowsTheHouseholdsStatusNow(t *testing.T) {
	d := newCounty(t)
	pos, pub := approvedProject(t, d, storyVillage)
	pos = d.pay(d.countyPAO(), "/projects/"+storyProject+"/publicity", pub, pos)
	// The household's exit procedure is its package's business; the list
	// reads the fact from the household's stream.
	ctx := context.Background()
	file, err := domain.ParseFileNumber(storyFile)
	if err != nil {
		t.Fatal(err)
	}
	hs := household.Stream(file)
	evs, err := d.store.ReadStream(ctx, hs, 1, events.Forwards, events.ReadEventsMax)
	if err != nil {
		t.Fatal(err)
	}
	reg := events.NewRegistry()
	household.Register(reg)
	id, _ := events.NewID(nil)
	ev, err := reg.Encode(id, events.Metadata{ActorID: "pao.chen", Role: string(domain.RoleCountyPAO), Jurisdiction: storyCounty,
		OccurredAt: d.now}, &household.Exited{DecisionRef: "Weining PAO exit [2014] 3"})
	if err != nil {
		t.Fatal(err)
	}
	res, err := d.store.Append(ctx, hs, events.Exact(uint64(len(evs))), ev)
	if err != nil {
		t.Fatal(err)
	}
	var list funds.PublicityList
	if st, p := d.read(d.enumerator(), "/projects/"+storyProject+"/publicity?position="+u64(max(pos, res.Position)), &list); st != http.StatusOK ||
		len(list.Beneficiaries) != 1 {
		t.Fatalf("publicity = %d %+v %+v", st, p, list)
	}
	if b := list.Beneficiaries[0]; b.HouseholdStatus != string(household.StatusExited) || b.StatusWhenAssigned != string(household.StatusEnrolled) {
		t.Fatalf("beneficiary %+v: want status exited now, enrolled when assigned", b)
	}
}

// A village cadre records the receipt of a payment to a household of their
// own village, even when the project serves several villages (it was 403);
// a cadre of another village still may not.
func TestVillageCadreRecordsReceiptInAMultiVillageProject(t *testing.T) {
	d := newCounty(t)
	pos, pub := approvedProject(t, d, storyVillage, secondVillage)
	proj := "/projects/" + storyProject
	pos = d.pay(d.countyPAO(), proj+"/publicity", pub, pos)
	d.now = pub["endsAt"].(time.Time).Add(time.Hour)
	pos = d.pay(d.countyPAO(), proj+"/start", map[string]any{}, pos)
	pos = d.pay(d.finance(), proj+"/payments", map[string]any{"payee": "household", "household": storyFile, "amountFen": 120_000,
		"purpose": "production_subsidy", "period": "2014"}, pos)
	ref := storyProject + "-PAY-000001"
	pos = d.pay(d.finance(), proj+"/payments/"+ref+"/settle", map[string]any{"bankRef": "RCC-20140601-0007"}, pos)
	d.now = d.now.AddDate(0, 0, 3)
	ack := map[string]any{"acknowledgedFen": 120_000,
		"evidence": map[string]any{"kind": "thumbprint", "ref": "receipt/2014/0007", "photoSha256": strings.Repeat("5e", 32)}}
	neighbour := d.token("village.wu", domain.RoleVillage, secondVillage)
	d.refused(neighbour, proj+"/payments/"+ref+"/acknowledge", ack, http.StatusForbidden, fund.CodeOutsideJurisdiction)
	d.pay(d.villager(), proj+"/payments/"+ref+"/acknowledge", ack, pos)
}
