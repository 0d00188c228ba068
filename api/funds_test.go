package api_test

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/drip-ledger/drip/domain"
	"github.com/drip-ledger/drip/domain/access"
	"github.com/drip-ledger/drip/domain/fund"
	"github.com/drip-ledger/drip/events"
	"github.com/drip-ledger/drip/projections/complaints"
	"github.com/drip-ledger/drip/projections/funds"
)

const (
	storyProject = "520526-2014-0042"
	doc1         = "财农〔2014〕12号"
	doc2         = "黔财农〔2014〕3号 第二批"
)

func (d *desk) finance() string { return d.token("fin.liu", domain.RoleCountyFinance, storyCounty) }

// pay posts a fund command and requires a 201 whose position is above
// after; it returns the position.
func (d *desk) pay(token, path string, body any, after uint64) uint64 {
	d.t.Helper()
	r := d.post(token, path, "", body)
	if r.status != http.StatusCreated || r.command.Position <= after {
		d.t.Fatalf("POST %s = %d %s %s %+v (position %d after %d)", path, r.status, r.problem.Code, r.problem.Detail, r.problem.Errors,
			r.command.Position, after)
	}
	return r.command.Position
}

// fundedProject drives a project from the two appropriations to
// implementation, with storyFile assigned and 1,800.00 yuan received.
func fundedProject(t *testing.T, d *desk) uint64 {
	t.Helper()
	l := enrollHousehold(t, d)
	pool, proj := "/pools/"+storyCounty, "/projects/"+storyProject
	d.now = d.now.AddDate(0, 1, 0)
	pos := d.pay(d.finance(), pool+"/appropriations", map[string]any{"document": doc1, "fiscalYear": 2014, "level": "central",
		"purpose": "special poverty fund", "amountFen": 80_000}, l.enrolled)
	pos = d.pay(d.finance(), pool+"/appropriations", map[string]any{"document": doc2, "fiscalYear": 2014, "level": "provincial",
		"purpose": "industry", "amountFen": 100_000}, pos)
	pos = d.pay(d.villager(), "/projects", map[string]any{"project": storyProject, "name": "Walnut orchards", "kind": "industry",
		"villages": []string{storyVillage}, "budgetFen": 500_000}, pos)
	pos = d.pay(d.countyPAO(), proj+"/approve", map[string]any{"approvalRef": "Weining PAO [2014] 40"}, pos)
	pos = d.pay(d.finance(), pool+"/allocations", map[string]any{"project": storyProject, "amountFen": 180_000,
		"approvalRef": "Weining finance [2014] 77", "draws": []any{
			map[string]any{"document": doc1, "amountFen": 80_000}, map[string]any{"document": doc2, "amountFen": 100_000}}}, pos)
	pos = d.pay(d.villager(), proj+"/beneficiaries", map[string]any{"household": storyFile}, pos)
	pub := map[string]any{"startsAt": d.now, "endsAt": d.now.AddDate(0, 0, 10), "place": "village notice board"}
	pos = d.pay(d.countyPAO(), proj+"/publicity", pub, pos)
	d.now = pub["endsAt"].(time.Time).Add(time.Hour)
	return d.pay(d.countyPAO(), proj+"/start", map[string]any{}, pos)
}

// TestDripOverHTTPFromAppropriationToAcknowledgement: the money goes from
// two documents to Zhang San's card; he acknowledges 1,000.00 of 1,200.00
// yuan, a complaint opens by itself, and his drip trail names both
// documents with the fen each gave.
func TestDripOverHTTPFromAppropriationToAcknowledgement(t *testing.T) {
	d := newCounty(t)
	pos := fundedProject(t, d)
	proj := "/projects/" + storyProject
	ref := storyProject + "-PAY-000001"
	payment := map[string]any{"payee": "household", "household": storyFile, "amountFen": 120_000,
		"purpose": "production_subsidy", "period": "2014"}

	over := map[string]any{"payee": "household", "household": storyFile, "amountFen": 180_001, "purpose": "production_subsidy", "period": "2014"}
	d.refused(d.finance(), proj+"/payments", over, http.StatusConflict, fund.CodeInsufficientFunds)
	pos = d.pay(d.finance(), proj+"/payments", payment, pos)
	d.refused(d.finance(), proj+"/payments", payment, http.StatusConflict, fund.CodeDuplicatePayment)
	other := d.token("fin.he", domain.RoleCountyFinance, "520527")
	d.refused(other, proj+"/payments/"+ref+"/settle", map[string]any{"bankRef": "RCC-1"}, http.StatusForbidden, fund.CodeOutsideJurisdiction)
	d.refused(d.villager(), proj+"/payments/"+ref+"/settle", map[string]any{"bankRef": "RCC-1"}, http.StatusForbidden, "role_not_permitted")
	pos = d.pay(d.finance(), proj+"/payments/"+ref+"/settle", map[string]any{"bankRef": "RCC-20140601-0007"}, pos)
	d.now = d.now.AddDate(0, 0, 3)
	pos = d.pay(d.villager(), proj+"/payments/"+ref+"/acknowledge", map[string]any{"acknowledgedFen": 100_000,
		"evidence": map[string]any{"kind": "thumbprint", "ref": "receipt/2014/0007", "photoSha256": strings.Repeat("5e", 32)}}, pos)

	complaintID, err := fund.ComplaintID(ref)
	if err != nil {
		t.Fatal(err)
	}
	// The answer's position covers the complaint the shortfall opened.
	if pos != d.head() {
		t.Fatalf("the acknowledgement answered position %d, but the complaint it opened is at %d", pos, d.head())
	}
	var queue complaints.Page
	if st, p := d.read(d.desk(), "/complaints?position="+u64(pos), &queue); st != http.StatusOK {
		t.Fatalf("complaints = %d %+v", st, p)
	}
	if len(queue.Complaints) != 1 || queue.Complaints[0].ID != complaintID.String() {
		t.Fatalf("complaint queue %+v, want %s", queue.Complaints, complaintID)
	}

	var trail funds.DripTrail
	if st, p := d.read(d.villager(), "/households/"+storyFile+"/drip-trail?position="+u64(pos), &trail); st != http.StatusOK {
		t.Fatalf("drip trail = %d %+v", st, p)
	}
	if trail.HeadName != "Zhang San" || len(trail.Payments) != 1 || trail.Totals.ReceivedFen != 120_000 || trail.Totals.ShortfallFen != 20_000 {
		t.Fatalf("trail %+v", trail)
	}
	p := trail.Payments[0]
	if len(p.Lots) != 2 || p.Lots[0].Document != doc1 || p.Lots[0].AmountFen != 80_000 || p.Lots[1].Document != doc2 || p.Lots[1].AmountFen != 40_000 {
		t.Fatalf("lots %+v", p.Lots)
	}
	if p.Lots[0].Appropriated.ActorID != "fin.liu" || p.Lots[1].ApprovalRef != "Weining finance [2014] 77" || p.ProjectApproval.ActorID != "pao.chen" ||
		p.Settled.BankRef != "RCC-20140601-0007" || p.Acknowledged.ComplaintID != complaintID.String() || p.Acknowledged.ActorID != "village.li" ||
		p.BankAccount.Number != "6214123412341234" {
		t.Errorf("payment trail %+v", p)
	}
	viewed, err := d.store.ReadStream(context.Background(), access.Stream(storyFile), 1, events.Forwards, 10)
	if err != nil || len(viewed) != 1 || !strings.Contains(string(viewed[0].Data), access.ViewDripTrail) {
		t.Errorf("the drip trail's read was not recorded: %v %v", viewed, err)
	}

	var appr funds.AppropriationTrail
	if st, p := d.read(d.finance(), "/appropriations/"+funds.AppropriationID(storyCounty, doc2), &appr); st != http.StatusOK {
		t.Fatalf("appropriation = %d %+v", st, p)
	}
	if appr.Document != doc2 || appr.SettledFen != 40_000 || appr.AtProjectFen != 60_000 || appr.IdleFen != 60_000 || appr.AcknowledgedFen != 20_000 {
		t.Errorf("appropriation %+v", appr)
	}
	var acct funds.AccountBalance
	if st, p := d.read(d.villager(), "/accounts/household:"+storyFile, &acct); st != http.StatusOK || acct.BalanceFen != 120_000 {
		t.Errorf("household account = %d %+v %+v", st, acct, p)
	}
	var pub funds.PublicityList
	if st, p := d.read(d.enumerator(), "/projects/"+storyProject+"/publicity", &pub); st != http.StatusOK || len(pub.Beneficiaries) != 1 ||
		pub.Beneficiaries[0].HeadResidentID != "520526********011"+pub.Beneficiaries[0].HeadResidentID[17:] {
		t.Errorf("publicity = %d %+v %+v", st, pub, p)
	}
	var vf funds.VillageFunds
	if st, p := d.read(d.township(), "/villages/"+storyVillage+"/funds", &vf); st != http.StatusOK || vf.Totals.ReceivedFen != 120_000 || vf.Households != 1 {
		t.Errorf("village funds = %d %+v %+v", st, vf, p)
	}
	var summary funds.ProjectSummary
	if st, p := d.read(d.finance(), "/projects/"+storyProject, &summary); st != http.StatusOK || summary.BalanceFen != 60_000 || summary.Payments.ReceivedFen != 120_000 {
		t.Errorf("project = %d %+v %+v", st, summary, p)
	}
	other = d.token("fin.he", domain.RoleCountyFinance, "520527") // the clock moved on
	if st, p := d.read(other, "/projects/"+storyProject, &summary); st != http.StatusForbidden || p.Code != "outside_jurisdiction" {
		t.Errorf("another county's project = %d %+v", st, p)
	}
	if st, p := d.read(other, "/households/"+storyFile+"/drip-trail", &trail); st != http.StatusForbidden {
		t.Errorf("another county's drip trail = %d %+v", st, p)
	}
}

// TestFundCommandsRefusedOutsideTheCountyWriteNothing: a county finance
// user of another county can neither appropriate to this pool nor
// allocate from it, and an allocation above the pool is 409.
func TestFundCommandsRefusedOutsideTheCountyWriteNothing(t *testing.T) {
	d := newCounty(t)
	fundedProject(t, d)
	other := d.token("fin.he", domain.RoleCountyFinance, "520527")
	pool := "/pools/" + storyCounty
	d.refused(other, pool+"/appropriations", map[string]any{"document": "毕财农〔2014〕9号", "fiscalYear": 2014, "level": "prefecture",
		"purpose": "industry", "amountFen": 1_000}, http.StatusForbidden, fund.CodeOutsideJurisdiction)
	d.refused(d.finance(), pool+"/appropriations", map[string]any{"document": doc1, "fiscalYear": 2014, "level": "central",
		"purpose": "again", "amountFen": 1_000}, http.StatusConflict, fund.CodeAppropriationExists)
	d.refused(d.finance(), pool+"/allocations", map[string]any{"project": "520526-2014-0099", "amountFen": 1_000,
		"approvalRef": "x", "draws": []any{map[string]any{"document": doc1, "amountFen": 1_000}}}, http.StatusNotFound, fund.CodeProjectNotFound)
	d.refused(d.finance(), "/projects/"+storyProject+"/payments/"+storyProject+"-PAY-000009/settle", map[string]any{"bankRef": "x"},
		http.StatusNotFound, fund.CodePaymentNotFound)
}

func TestFundRoutesCoverEveryCommandWithItsRoles(t *testing.T) {
	d := newCounty(t)
	var doc struct {
		Paths map[string]map[string]struct {
			Roles []string `json:"x-drip-roles"`
		} `json:"paths"`
	}
	if st, p := d.read(d.finance(), "/openapi.json", &doc); st != http.StatusOK {
		t.Fatalf("openapi = %d %+v", st, p)
	}
	var n int
	for path, ops := range doc.Paths {
		if op, ok := ops["post"]; ok && (strings.HasPrefix(path, "/pools") || strings.HasPrefix(path, "/projects")) {
			n++
			if len(op.Roles) == 0 {
				t.Errorf("POST %s documents no roles", path)
			}
		}
	}
	if n != len(fund.Permissions()) {
		t.Errorf("%d fund command routes for %d commands", n, len(fund.Permissions()))
	}
}
