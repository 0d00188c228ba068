package api_test

import (
	"context"
	"crypto/ed25519"
	"encoding/json"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/drip-ledger/drip/api"
	"github.com/drip-ledger/drip/domain"
	"github.com/drip-ledger/drip/domain/household"
	"github.com/drip-ledger/drip/domain/scorecard"
	"github.com/drip-ledger/drip/events"
)

// newOffice is a desk (see complaints_test.go) serving the household
// commands over an in-memory store; its clock is d.now, which tests move
// forward. Tokens are minted per request, so they stay valid as it moves.
func newOffice(t *testing.T, opts ...func(*api.Deps)) (*desk, *api.Server) {
	t.Helper()
	reg := events.NewRegistry()
	household.Register(reg)
	pub, priv, _ := ed25519.GenerateKey(nil)
	d := &desk{t: t, key: priv, now: lifeStart}
	// One clock, the store's and the server's, as cmd/drip wires them: the
	// recorded time of every event is d.now.
	store := events.NewMemoryStore(reg, func() time.Time { return d.now })
	d.store = store
	t.Cleanup(func() { store.Close() })
	x, err := domain.NewExecutor(store, reg, func() (events.ID, error) { return events.NewID(nil) })
	if err != nil {
		t.Fatal(err)
	}
	svc, err := household.NewService(x)
	if err != nil {
		t.Fatal(err)
	}
	deps := api.Deps{Store: store, TokenKey: pub, Households: svc, Logger: slog.New(slog.DiscardHandler),
		Now: func() time.Time { return d.now }}
	for _, o := range opts {
		o(&deps)
	}
	srv, err := api.New(api.DefaultConfig(), deps)
	if err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(conforming(t, srv.Handler()))
	t.Cleanup(ts.Close)
	d.url = ts.URL
	return d, srv
}

// chinaTime is China Standard Time, the zone the programme's dates are in.
var chinaTime = time.FixedZone("CST", 8*3600)

// lifeStart is when a household's life begins in these tests: the 2014
// survey season in Weining.
var lifeStart = time.Date(2014, 4, 1, 9, 0, 0, 0, chinaTime)

const (
	storyVillage = "520526104201"
	storyFile    = storyVillage + "-0007"
	storyCounty  = "520526"
)

// The officials of the story, each with the narrowest jurisdiction the role
// has.
func (d *desk) enumerator() string { return d.token("enum.wang", domain.RoleEnumerator, storyVillage) }
func (d *desk) villager() string   { return d.token("village.li", domain.RoleVillage, storyVillage) }
func (d *desk) township() string   { return d.token("town.zhao", domain.RoleTownship, "520526104") }
func (d *desk) countyPAO() string  { return d.token("pao.chen", domain.RoleCountyPAO, storyCounty) }

// residentID makes a valid resident ID of Weining from a birth date (YYYYMMDD) and
// a sequence (odd: male).
func residentID(t *testing.T, birth, seq string) string {
	t.Helper()
	first := storyCounty + birth + seq
	c, err := domain.ResidentIDCheck(first)
	if err != nil {
		t.Fatal(err)
	}
	return first + string(c)
}

func memberBody(name, id, birth, relation, sex string) map[string]any {
	return map[string]any{"name": name, "residentId": id, "birthDate": birth, "relation": relation, "sex": sex,
		"education": "primary", "health": "healthy", "labourAbility": "full", "schooling": "not_in_school"}
}

func registrationBody(t *testing.T) map[string]any {
	return map[string]any{
		"fileNumber": storyFile, "village": storyVillage,
		"head": memberBody("Zhang San", residentID(t, "19700302", "011"), "1970-03-02", "head", "male"),
		"members": []any{
			memberBody("Li Si", residentID(t, "19720815", "022"), "1972-08-15", "spouse", "female"),
			memberBody("Zhang Xiao", residentID(t, "20040610", "031"), "2004-06-10", "child", "male"),
		},
		"account": map[string]any{"number": "6214123412341234", "bank": "Weining Rural Credit Cooperative", "holderName": "Zhang San"},
	}
}

// poorWeiningAnswers score 41 on the Weining card; richWeiningAnswers score 100.
func poorWeiningAnswers() map[string]string {
	return map[string]string{
		"housing_condition": "dangerous_level_1_or_none", "housing_area_per_person_m2": "8", "road": "unhardened",
		"drinking_water": "cellar_or_spring", "electricity": "grid_standard_price", "production_machinery": "no",
		"arable_land_per_person_mu": "0.8", "fruit_area_mu": "0", "cash_crop_area_mu": "0.3", "food_per_person_jin": "200",
		"agricultural_income_per_person_yuan": "150", "land_rented_out": "no", "labour_share_percent": "20",
		"health": "main_labourer_ill", "main_labourer_education": "primary", "main_labourer_skills": "none",
		"wage_income_per_person_yuan": "400", "education_debt_yuan": "6000", "education_return": "high_school",
	}
}

func richWeiningAnswers() map[string]string {
	return map[string]string{
		"housing_condition": "safe", "housing_area_per_person_m2": "35", "road": "hardened",
		"drinking_water": "safe_supply", "electricity": "grid_standard_price", "production_machinery": "yes",
		"arable_land_per_person_mu": "2.5", "fruit_area_mu": "2", "cash_crop_area_mu": "0", "food_per_person_jin": "400",
		"agricultural_income_per_person_yuan": "600", "land_rented_out": "no", "labour_share_percent": "60",
		"health": "all_healthy", "main_labourer_education": "middle_school_or_above", "main_labourer_skills": "one_or_more",
		"wage_income_per_person_yuan": "1500", "education_debt_yuan": "0", "education_return": "college",
	}
}

func assessmentBody(kind string, year int, answers map[string]string, incomeFen int64) map[string]any {
	return map[string]any{"kind": kind, "year": year, "answers": answers, "netIncomePerCapitaFen": incomeFen}
}

func (d *desk) appraisal() map[string]any {
	return map[string]any{"heldAt": d.now, "participants": 40, "votesFor": 31, "votesAgainst": 4, "minutesRef": "minutes/" + d.now.Format(time.DateOnly)}
}

func (d *desk) publicity() map[string]any {
	return map[string]any{"startsAt": d.now, "endsAt": d.now.AddDate(0, 0, household.PublicityDaysMin), "place": "village notice board"}
}

func indicatorsAllMet() []map[string]any {
	var out []map[string]any
	for _, ind := range household.ExitIndicators() {
		out = append(out, map[string]any{"indicator": ind, "met": true, "evidenceRef": "verification/2015/" + ind})
	}
	return out
}

// must posts and requires a 201 whose position is above after; it returns
// the position.
func (d *desk) must(token, path string, body any, after uint64) uint64 {
	d.t.Helper()
	r := d.post(token, path, "", body)
	if r.status != http.StatusCreated {
		d.t.Fatalf("POST %s = %d %s %s %+v", path, r.status, r.problem.Code, r.problem.Detail, r.problem.Errors)
	}
	if r.command.Position <= after || r.command.Stream != household.StreamPrefix+storyFile {
		d.t.Fatalf("POST %s: position %d after %d, stream %q", path, r.command.Position, after, r.command.Stream)
	}
	return r.command.Position
}

// refused posts and requires the problem status and code, with nothing
// written.
func (d *desk) refused(token, path string, body any, status int, code string) {
	d.t.Helper()
	before := d.head()
	r := d.post(token, path, "", body)
	if r.status != status || r.problem.Code != code {
		d.t.Fatalf("POST %s = %d %q (%s %+v), want %d %q", path, r.status, r.problem.Code, r.problem.Detail, r.problem.Errors, status, code)
	}
	if after := d.head(); after != before {
		d.t.Fatalf("POST %s: head moved from %d to %d on a refusal", path, before, after)
	}
}

// householdLife is where one household's life took it: the global position
// and the server's clock at each turn.
type householdLife struct {
	registered, enrolled, exited, returned             uint64
	registeredAt, enrolledAt, exitedAt, returnedAt     time.Time
	enrolledYear, exitAssessmentYear, returnAssessYear int
}

// enrollHousehold drives storyFile from registration to enrollment through the
// identification procedure, with an objection raised during the publicity
// and dismissed. It checks the objection blocks enrollment until then.
func enrollHousehold(t *testing.T, d *desk) householdLife {
	t.Helper()
	var l householdLife
	hh := "/households/" + storyFile
	l.registered, l.registeredAt = d.must(d.enumerator(), "/households", registrationBody(t), 0), d.now
	pos := d.must(d.enumerator(), hh+"/assessments", assessmentBody(household.KindInitial, 2014, poorWeiningAnswers(), 210000), l.registered)
	d.now = d.now.AddDate(0, 0, 10)
	pos = d.must(d.villager(), hh+"/propose", map[string]any{"appraisal": d.appraisal(),
		"causes": map[string]any{"main": household.CauseIllness, "others": []string{household.CauseSkills}}}, pos)
	d.now = d.now.AddDate(0, 0, 2)
	pub := d.publicity()
	pos = d.must(d.villager(), hh+"/publicity", pub, pos)

	d.now = d.now.AddDate(0, 0, 1)
	pos = d.must(d.villager(), hh+"/objections", map[string]any{"raisedBy": "Wang Wu", "statement": "They have a new house in town."}, pos)
	d.refused(d.countyPAO(), hh+"/enroll", map[string]any{"decisionRef": "Weining PAO [2014] 12"}, http.StatusConflict, "publicity_open")

	d.now = pub["endsAt"].(time.Time).Add(time.Hour)
	d.refused(d.countyPAO(), hh+"/enroll", map[string]any{"decisionRef": "Weining PAO [2014] 12"}, http.StatusConflict, "objection_open")
	d.refused(d.township(), hh+"/review", map[string]any{"passed": true, "opinion": "procedure followed"}, http.StatusConflict, "objection_open")
	pos = d.must(d.township(), hh+"/objections/1/resolve", map[string]any{"outcome": household.OutcomeDismissed,
		"reason": "The house in town is the son's, who is a separate household."}, pos)
	pos = d.must(d.township(), hh+"/review", map[string]any{"passed": true, "opinion": "procedure followed"}, pos)
	l.enrolled, l.enrolledAt, l.enrolledYear = d.must(d.countyPAO(), hh+"/enroll", map[string]any{"decisionRef": "Weining PAO [2014] 12"}, pos), d.now, 2014
	return l
}

// liveHouseholdLife drives storyFile through a whole life: enrolled in 2014,
// reassessed at 100 points in 2015 and exited through the exit procedure,
// fallen back at the 2016 reassessment (monitored) and returned to poverty.
// Tests of read models as of a date build on the positions it returns.
func liveHouseholdLife(t *testing.T, d *desk) householdLife {
	t.Helper()
	l := enrollHousehold(t, d)
	hh := "/households/" + storyFile

	d.now = time.Date(2015, 12, 1, 9, 0, 0, 0, chinaTime)
	l.exitAssessmentYear = 2015
	pos := d.must(d.enumerator(), hh+"/assessments", assessmentBody(household.KindReassessment, 2015, richWeiningAnswers(), 520000), l.enrolled)
	pos = d.must(d.villager(), hh+"/exit/propose", map[string]any{"reason": "scored 100 in the 2015 reassessment"}, pos)
	d.now = d.now.AddDate(0, 0, 3)
	pos = d.must(d.villager(), hh+"/exit/appraise", map[string]any{"appraisal": d.appraisal()}, pos)
	pub := d.publicity()
	pos = d.must(d.villager(), hh+"/publicity", pub, pos)
	d.now = pub["endsAt"].(time.Time).Add(time.Hour)
	pos = d.must(d.township(), hh+"/exit/verify", map[string]any{"indicators": indicatorsAllMet()}, pos)
	pos = d.must(d.villager(), hh+"/exit/agree", map[string]any{"signedBy": residentID(t, "19700302", "011"), "signatureRef": "agreements/2015/0007"}, pos)
	l.exited, l.exitedAt = d.must(d.countyPAO(), hh+"/exit/approve", map[string]any{"decisionRef": "Weining PAO [2015] 88"}, pos), d.now

	d.now = time.Date(2016, 12, 1, 9, 0, 0, 0, chinaTime)
	l.returnAssessYear = 2016
	r := d.post(d.enumerator(), hh+"/assessments", "", assessmentBody(household.KindReassessment, 2016, poorWeiningAnswers(), 200000))
	if r.status != http.StatusCreated || len(r.command.Events) != 2 || r.command.Events[1].Type != household.TypeHouseholdMonitoringStarted {
		t.Fatalf("the 2016 reassessment of an exited household = %d %+v %+v", r.status, r.command, r.problem)
	}
	d.now = d.now.AddDate(0, 0, 5)
	l.returned, l.returnedAt = d.must(d.countyPAO(), hh+"/return", map[string]any{
		"causes": map[string]any{"main": household.CauseIllness}, "decisionRef": "Weining PAO [2016] 31"}, r.command.Position), d.now
	return l
}

// stateOf folds the household's stream as it stands.
func stateOf(t *testing.T, d *desk) household.State {
	t.Helper()
	reg := events.NewRegistry()
	household.Register(reg)
	evs, err := d.store.ReadStream(context.Background(), household.StreamPrefix+storyFile, 1, events.Forwards, 1000)
	if err != nil {
		t.Fatal(err)
	}
	s, err := household.StateAt(reg, evs, evs[len(evs)-1].RecordedAt)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestHouseholdEnrolledOverHTTPOnceTheObjectionIsDismissed(t *testing.T) {
	d, _ := newOffice(t)
	l := enrollHousehold(t, d)
	s := stateOf(t, d)
	a, _ := s.LatestAssessment()
	if s.Status() != household.StatusEnrolled || a.CardID != "weining-four-views" || a.TotalPoints != 41 {
		t.Fatalf("status %s, assessment %s v%d %d points", s.Status(), a.CardID, a.CardVersion, a.TotalPoints)
	}
	if l.enrolled != d.head() {
		t.Fatalf("enrollment at position %d, head %d", l.enrolled, d.head())
	}
	evs, err := d.store.ReadAll(context.Background(), l.enrolled, 1)
	if err != nil || len(evs) != 1 {
		t.Fatal(evs, err)
	}
	if m := evs[0].Meta; m.ActorID != "pao.chen" || m.Role != string(domain.RoleCountyPAO) || !m.OccurredAt.Equal(d.now) {
		t.Errorf("enrollment's metadata %+v is not the token's and the clock's", m)
	}
}

// TestHouseholdPublicityCannotBeShortenedOverHTTP drives a household from
// registration to enrollment as fast as a client can, one second a step,
// with a publicity whose startsAt and endsAt the caller dated a week ago:
// the villagers' seven days run from when the list was recorded, so the
// objection is taken and the review and the enrollment are refused until
// seven days of the store's clock have passed.
func TestHouseholdPublicityCannotBeShortenedOverHTTP(t *testing.T) {
	d, _ := newOffice(t)
	hh := "/households/" + storyFile
	step := func() { d.now = d.now.Add(time.Second) }
	pos := d.must(d.enumerator(), "/households", registrationBody(t), 0)
	step()
	pos = d.must(d.enumerator(), hh+"/assessments", assessmentBody(household.KindInitial, 2014, poorWeiningAnswers(), 210000), pos)
	step()
	pos = d.must(d.villager(), hh+"/propose", map[string]any{"appraisal": d.appraisal(),
		"causes": map[string]any{"main": household.CauseIllness}}, pos)
	step()
	recordedAt := d.now
	pos = d.must(d.villager(), hh+"/publicity", map[string]any{"startsAt": d.now.AddDate(0, 0, -8),
		"endsAt": d.now.AddDate(0, 0, -1), "place": "village notice board"}, pos)
	step()
	pos = d.must(d.villager(), hh+"/objections", map[string]any{"raisedBy": "Wang Wu", "statement": "I never saw the list."}, pos)
	step()
	pos = d.must(d.township(), hh+"/objections/1/resolve", map[string]any{"outcome": household.OutcomeDismissed,
		"reason": "The list is posted now."}, pos)
	review := map[string]any{"passed": true, "opinion": "procedure followed"}
	enroll := map[string]any{"decisionRef": "Weining PAO [2014] 12"}
	for _, at := range []time.Time{d.now.Add(time.Second), recordedAt.AddDate(0, 0, household.PublicityDaysMin).Add(-time.Second)} {
		d.now = at
		d.refused(d.township(), hh+"/review", review, http.StatusConflict, "publicity_open")
		d.refused(d.countyPAO(), hh+"/enroll", enroll, http.StatusConflict, "publicity_open")
	}
	d.now = recordedAt.AddDate(0, 0, household.PublicityDaysMin)
	pos = d.must(d.township(), hh+"/review", review, pos)
	d.must(d.countyPAO(), hh+"/enroll", enroll, pos)
	if s := stateOf(t, d); s.Status() != household.StatusEnrolled {
		t.Fatalf("status %s after seven recorded days", s.Status())
	}
}

func TestHouseholdLivesThroughExitAndReturnOverHTTP(t *testing.T) {
	d, _ := newOffice(t)
	l := liveHouseholdLife(t, d)
	if !(l.registered < l.enrolled && l.enrolled < l.exited && l.exited < l.returned) || l.returned != d.head() {
		t.Fatalf("positions %+v, head %d", l, d.head())
	}
	if s := stateOf(t, d); s.Status() != household.StatusReturned {
		t.Fatalf("status %s, want returned", s.Status())
	}
}

func TestHouseholdCommandRefusedWritesNothing(t *testing.T) {
	d, _ := newOffice(t)
	enrollHousehold(t, d)
	hh := "/households/" + storyFile
	other := d.token("village.sun", domain.RoleVillage, "520526104202")
	visit := map[string]any{"cadreId": "cadre-1", "seen": map[string]any{"crops": "maize", "house": "sound", "labour": "two", "students": "one"},
		"handbookFilled": true, "netIncomePerCapitaFen": 250000, "signatures": map[string]any{"cadreRef": "c", "householdRef": "h"}}
	otherFile := registrationBody(t)
	otherFile["fileNumber"], otherFile["village"] = "520526104202-0001", "520526104202"
	cases := []struct {
		name       string
		token      string
		path       string
		body       any
		wantStatus int
		wantCode   string
	}{
		{"another village's clerk changes the household", other, hh + "/visits", visit, 403, "outside_jurisdiction"},
		{"another village's clerk records a death", other, hh + "/deaths",
			map[string]any{"residentId": residentID(t, "19700302", "011"), "diedOn": "2014-05-01", "evidenceRef": "x"}, 403, "outside_jurisdiction"},
		{"a village clerk registers in another village", d.villager(), "/households", otherFile, 403, "outside_jurisdiction"},
		{"an auditor registers", d.token("audit.he", domain.RoleAuditor, storyCounty), "/households", otherFile, 403, "role_not_permitted"},
		{"the village enrolls", d.villager(), hh + "/enroll", map[string]any{"decisionRef": "x"}, 403, "role_not_permitted"},
		{"county finance corrects", d.token("fin.qian", domain.RoleCountyFinance, storyCounty), hh + "/corrections",
			map[string]any{"eventId": "0b6f3a52-7c1e-4d0a-9a55-3e8f2c6d1b47", "version": 1, "approvedBy": "x", "reason": "x", "fields": map[string]any{"village": "x"}}, 403, "role_not_permitted"},
		{"a household not on file", d.villager(), "/households/520526104201-0099/propose",
			map[string]any{"appraisal": d.appraisal(), "causes": map[string]any{"main": "illness"}}, 404, "household_unknown"},
		{"a malformed file number", d.villager(), "/households/5205-7/exit/propose", map[string]any{"reason": "x"}, 422, "validation_failed"},
		{"an objection that does not exist", d.countyPAO(), hh + "/objections/x/resolve", map[string]any{"outcome": "dismissed", "reason": "x"}, 422, "validation_failed"},
		{"a second registration", d.villager(), "/households", registrationBody(t), 409, "household_exists"},
		{"an exit proposed without a reassessment", d.villager(), hh + "/exit/propose", map[string]any{"reason": "x"}, 409, "assessment_missing"},
		{"an unknown card", d.enumerator(), hh + "/assessments",
			map[string]any{"kind": "reassessment", "year": 2015, "cardId": "no-such-card", "answers": richWeiningAnswers(), "netIncomePerCapitaFen": 1}, 422, "validation_failed"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			d := *d // the subtest's own t
			d.t = t
			d.refused(c.token, c.path, c.body, c.wantStatus, c.wantCode)
		})
	}
}

func TestHouseholdAssessmentNamesAnUnknownCardAsAField(t *testing.T) {
	d, _ := newOffice(t)
	d.must(d.enumerator(), "/households", registrationBody(t), 0)
	body := assessmentBody(household.KindInitial, 2014, poorWeiningAnswers(), 210000)
	for _, c := range []struct {
		id      string
		version int
		field   string
		code    string
	}{
		{"gansu-1-plus-17", 0, "cardId", "card_unknown"},
		{"weining-four-views", 9, "cardVersion", "card_unknown"},
		{"", 1, "cardId", household.CodeRequired},
	} {
		body["cardId"], body["cardVersion"] = c.id, c.version
		r := d.post(d.enumerator(), "/households/"+storyFile+"/assessments", "", body)
		if r.status != 422 || len(r.problem.Errors) != 1 || r.problem.Errors[0].Field != c.field || r.problem.Errors[0].Code != c.code {
			t.Errorf("card %q v%d = %d %+v, want %s %s", c.id, c.version, r.status, r.problem.Errors, c.field, c.code)
		}
	}
	body["cardId"], body["cardVersion"] = "weining-four-views", 1
	d.must(d.enumerator(), "/households/"+storyFile+"/assessments", body, 1)
}

func TestHouseholdAssessedWithTheCardOfItsCountyOnly(t *testing.T) {
	weining := scorecard.Default()
	gansu, guizhou := *weining, *weining
	gansu.ID, gansu.Jurisdiction = "gansu-test", "62"
	guizhou.ID, guizhou.Jurisdiction = "guizhou-test", "52"
	cat, err := scorecard.NewCatalog(weining, &gansu, &guizhou)
	if err != nil {
		t.Fatal(err)
	}
	d, _ := newOffice(t, func(deps *api.Deps) { deps.Scorecards = cat })
	d.must(d.enumerator(), "/households", registrationBody(t), 0)
	body := assessmentBody(household.KindInitial, 2014, poorWeiningAnswers(), 210000)
	body["cardId"] = "gansu-test"
	r := d.post(d.enumerator(), "/households/"+storyFile+"/assessments", "", body)
	if r.status != 422 || len(r.problem.Errors) != 1 || r.problem.Errors[0].Code != "card_not_applicable" {
		t.Fatalf("another province's card = %d %+v", r.status, r.problem.Errors)
	}
	delete(body, "cardId")
	d.must(d.enumerator(), "/households/"+storyFile+"/assessments", body, 1)
	if a, _ := stateOf(t, d).LatestAssessment(); a.CardID != weining.ID {
		t.Fatalf("assessed with %s, not the county's own card over the province's", a.CardID)
	}
}

func TestHouseholdRegistrationListsEveryBadFieldAtOnce(t *testing.T) {
	d, _ := newOffice(t)
	body := registrationBody(t)
	badCheck := residentID(t, "19900101", "041")
	badCheck = badCheck[:17] + map[bool]string{true: "1", false: "0"}[badCheck[17] == '0']
	wrongType := memberBody("Zhang Er", residentID(t, "19950505", "051"), "1995-05-05", "child", "male")
	wrongType["name"] = 7
	body["members"] = []any{
		memberBody("Zhang Yi", badCheck, "1990-01-01", "child", "male"),
		memberBody("Li Si", residentID(t, "19720815", "022"), "1972-09-15", "spouse", "female"),
		wrongType,
	}
	body["colour"] = "red"
	r := d.post(d.enumerator(), "/households", "", body)
	if r.status != 422 || r.problem.Code != "validation_failed" {
		t.Fatalf("got %d %+v", r.status, r.problem)
	}
	got := map[string]string{}
	for _, e := range r.problem.Errors {
		got[e.Field] = e.Code
	}
	want := map[string]string{
		"members[0].residentId": domain.CodeResidentIDChecksum,
		"members[1].birthDate":  household.CodeBirthDateMismatch,
		"members[2].name":       "", // the decoder's: a number is not a name
		"colour":                "", // the decoder's: not a field of the body
	}
	for f, code := range want {
		if c, ok := got[f]; !ok || c != code {
			t.Errorf("field %s: code %q (named: %v), want %q", f, c, ok, code)
		}
	}
	if len(got) != len(want) {
		t.Errorf("problems %+v, want exactly %v", r.problem.Errors, want)
	}
	r = d.post(d.enumerator(), "/households", "", "[1]")
	if r.status != 422 || len(r.problem.Errors) != 1 || r.problem.Errors[0].Field != "body" {
		t.Errorf("a body that is not an object = %d %+v; want it named alone, not its every missing field", r.status, r.problem.Errors)
	}
	if d.head() != 0 {
		t.Fatal("a malformed registration was written")
	}
}

func TestHouseholdIdempotencyKeyRetryWritesNothingNew(t *testing.T) {
	d, _ := newOffice(t)
	first := d.post(d.enumerator(), "/households", "survey-0007", registrationBody(t))
	again := d.post(d.enumerator(), "/households", "survey-0007", registrationBody(t))
	if first.status != 201 || again.status != 200 || !again.command.Replayed || again.command.Position != first.command.Position ||
		again.header.Get("Drip-Position") != first.header.Get("Drip-Position") {
		t.Fatalf("first %d %+v, retry %d %+v", first.status, first.command, again.status, again.command)
	}
	// The registration claims each member's resident ID on its own
	// stream, in the same append: the head is the registration's position.
	if d.head() != first.command.Position {
		t.Fatalf("head = %d after a retried registration", d.head())
	}
	changed := registrationBody(t)
	changed["account"].(map[string]any)["number"] = "6214000000000000"
	if r := d.post(d.enumerator(), "/households", "survey-0007", changed); r.status != 409 || r.problem.Code != "idempotency_key_reused" {
		t.Fatalf("key reused for another body = %d %+v", r.status, r.problem)
	}
	if d.head() != first.command.Position {
		t.Fatalf("head = %d after a reused key", d.head())
	}
}

// cadreLoads is a stand-in read model of cadres' households.
type cadreLoads map[string]int

func (c cadreLoads) Households(_ context.Context, id string) (int, error) { return c[id], nil }

func TestHouseholdCadreAssignmentCountsTheCadresHouseholds(t *testing.T) {
	d, _ := newOffice(t, func(deps *api.Deps) { deps.CadreLoads = cadreLoads{"cadre-full": 2} })
	l := enrollHousehold(t, d)
	hh := "/households/" + storyFile
	d.refused(d.township(), hh+"/cadre", map[string]any{"cadre": map[string]any{"id": "cadre-full", "name": "Liu", "rank": "below_section"}},
		422, household.CodeCadreAtCapacity)
	d.must(d.township(), hh+"/cadre", map[string]any{"cadre": map[string]any{"id": "cadre-free", "name": "Ma", "rank": "below_section"}}, l.enrolled)
}

func TestHouseholdRoutesAreDocumentedWithTheirBodiesAndRoles(t *testing.T) {
	d, srv := newOffice(t)
	resp, body := get(t, d.url+"/openapi.json")
	if resp.StatusCode != 200 {
		t.Fatalf("openapi.json = %d", resp.StatusCode)
	}
	var doc struct {
		Paths map[string]map[string]struct {
			Roles       []string `json:"x-drip-roles"`
			RequestBody struct {
				Content map[string]struct {
					Schema struct {
						Properties map[string]json.RawMessage `json:"properties"`
					} `json:"schema"`
				} `json:"content"`
			} `json:"requestBody"`
		} `json:"paths"`
	}
	if err := json.Unmarshal([]byte(body), &doc); err != nil {
		t.Fatal(err)
	}
	var n int
	for _, r := range srv.Routes() {
		method, path, _ := strings.Cut(r, " ")
		if !strings.HasPrefix(path, "/households") {
			continue
		}
		n++
		op, ok := doc.Paths[path][strings.ToLower(method)]
		if !ok {
			t.Errorf("%s is not documented", r)
			continue
		}
		if len(op.Roles) == 0 || !slices.Contains(op.Roles, string(domain.RoleAdmin)) {
			t.Errorf("%s: roles %v", r, op.Roles)
		}
		if props := op.RequestBody.Content["application/json"].Schema.Properties; len(props) == 0 {
			t.Errorf("%s: the body has no documented fields", r)
		}
	}
	if n != len(household.Permissions()) {
		t.Errorf("%d household routes for %d household commands", n, len(household.Permissions()))
	}
	fields := doc.Paths["/households/{file}/corrections"]["post"].RequestBody.Content["application/json"].Schema.Properties
	if !strings.Contains(string(fields["fields"]), `"object"`) {
		t.Errorf("a correction's fields are documented as %s, not an object", fields["fields"])
	}
}

// The same JSON re-serialised (keys in another order, other spacing) with
// the same key is the same request: replayed, not refused as reused.
func TestIdempotencyFingerprintIsOfTheCanonicalRequest(t *testing.T) {
	d, _ := newOffice(t)
	body := registrationBody(t)
	first := d.post(d.enumerator(), "/households", "survey-0007", body)
	if first.status != 201 {
		t.Fatalf("first = %d %+v", first.status, first.problem)
	}
	// A map is encoded with sorted keys; an indented, reversed encoding of
	// the same values is another spelling of the same request.
	raw, err := json.MarshalIndent(body, "", "    ")
	if err != nil {
		t.Fatal(err)
	}
	again := d.post(d.enumerator(), "/households", "survey-0007", json.RawMessage(reorder(t, raw)))
	if again.status != 200 || !again.command.Replayed {
		t.Fatalf("re-serialised retry = %d %+v %+v; want 200 replayed", again.status, again.problem, again.command)
	}
}

// reorder writes a JSON object's top-level keys in reverse order.
func reorder(t *testing.T, raw []byte) []byte {
	t.Helper()
	var m map[string]json.RawMessage
	if err := json.Unmarshal(raw, &m); err != nil {
		t.Fatal(err)
	}
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	slices.Reverse(keys)
	out := []byte("{\n")
	for i, k := range keys {
		kb, _ := json.Marshal(k)
		out = append(out, "  "...)
		out = append(out, kb...)
		out = append(out, " : "...)
		out = append(out, m[k]...)
		if i < len(keys)-1 {
			out = append(out, ",\n"...)
		}
	}
	return append(out, "\n}"...)
}
