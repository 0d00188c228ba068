package api_test

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"testing"
	"time"

	"github.com/drip-ledger/drip/api"
	"github.com/drip-ledger/drip/domain"
	"github.com/drip-ledger/drip/domain/household"
)

// postBackfill posts body with Drip-Backfill set to header (unless empty)
// and a village token that grants the backfill if granted.
func (d *desk) postBackfill(path string, body any, header string, granted bool) (int, api.Problem) {
	d.t.Helper()
	tok, err := api.IssueToken(d.key, api.Claims{User: "archive.li", Role: domain.RoleVillage, Jurisdiction: storyVillage,
		IssuedAt: d.now.Unix(), ExpiresAt: d.now.Add(time.Hour).Unix(), Backfill: granted})
	if err != nil {
		d.t.Fatal(err)
	}
	b, _ := json.Marshal(body)
	req, _ := http.NewRequest(http.MethodPost, d.url+path, bytes.NewReader(b))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+tok)
	if header != "" {
		req.Header.Set("Drip-Backfill", header)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		d.t.Fatal(err)
	}
	defer resp.Body.Close()
	var p api.Problem
	_ = json.NewDecoder(resp.Body).Decode(&p)
	return resp.StatusCode, p
}

// TestHouseholdBackfillIsAPermissionOfItsOwnAndMarked: a publicity list
// posted two years ago on paper is entered only as an explicit backfill,
// by a token that grants it, and its event says so.
func TestHouseholdBackfillIsAPermissionOfItsOwnAndMarked(t *testing.T) {
	d, _ := newOffice(t)
	hh := "/households/" + storyFile
	pos := d.must(d.enumerator(), "/households", registrationBody(t), 0)
	pos = d.must(d.enumerator(), hh+"/assessments", assessmentBody(household.KindInitial, 2014, poorWeiningAnswers(), 210000), pos)
	d.now = d.now.AddDate(0, 0, 1)
	d.must(d.villager(), hh+"/propose", map[string]any{"appraisal": d.appraisal(),
		"causes": map[string]any{"main": household.CauseIllness}}, pos)
	old := map[string]any{"startsAt": d.now.AddDate(-2, 0, 0), "endsAt": d.now.AddDate(-2, 0, 7), "place": "village notice board"}
	cases := []struct {
		name    string
		header  string
		granted bool
		status  int
		code    string
	}{
		{"without asking, an old date needs a backfill", "", true, http.StatusUnprocessableEntity, domain.CodeBackfillRequired},
		{"asking without the permission is forbidden", "true", false, http.StatusForbidden, domain.CodeBackfillNotPermitted},
		{"a header that is not true or false is refused", "yes", true, http.StatusUnprocessableEntity, "validation_failed"},
	}
	for _, c := range cases {
		before := d.head()
		if status, p := d.postBackfill(hh+"/publicity", old, c.header, c.granted); status != c.status || !hasCode(p, c.code) {
			t.Fatalf("%s: %d %s %+v, want %d %s", c.name, status, p.Code, p.Errors, c.status, c.code)
		}
		if d.head() != before {
			t.Fatalf("%s: written", c.name)
		}
	}
	if status, p := d.postBackfill(hh+"/publicity", old, "true", true); status != http.StatusCreated {
		t.Fatalf("granted backfill: %d %s %s %+v", status, p.Code, p.Detail, p.Errors)
	}
	evs, err := d.store.ReadAll(context.Background(), d.head(), 1)
	if err != nil || len(evs) != 1 || evs[0].Type != household.TypeHouseholdPublicityStarted || !evs[0].Meta.Backfill {
		t.Fatalf("the backfilled publicity %+v (%v) is not marked", evs, err)
	}
}

func hasCode(p api.Problem, code string) bool {
	if p.Code == code {
		return true
	}
	for _, e := range p.Errors {
		if e.Code == code {
			return true
		}
	}
	return false
}

// TestHouseholdAppraisalFromTheFutureIsRefusedOverHTTP: an appraisal held
// 400 days after the server's clock is refused, with its field.
func TestHouseholdAppraisalFromTheFutureIsRefusedOverHTTP(t *testing.T) {
	d, _ := newOffice(t)
	hh := "/households/" + storyFile
	pos := d.must(d.enumerator(), "/households", registrationBody(t), 0)
	d.must(d.enumerator(), hh+"/assessments", assessmentBody(household.KindInitial, 2014, poorWeiningAnswers(), 210000), pos)
	a := d.appraisal()
	a["heldAt"] = d.now.AddDate(0, 0, 400)
	r := d.post(d.villager(), hh+"/propose", "", map[string]any{"appraisal": a, "causes": map[string]any{"main": household.CauseIllness}})
	if r.status != http.StatusUnprocessableEntity || !hasCode(r.problem, domain.CodeTimeInFuture) {
		t.Fatalf("appraisal 400 days ahead: %d %s %+v", r.status, r.problem.Code, r.problem.Errors)
	}
}
