package api_test

import (
	"context"
	"crypto/ed25519"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/drip-ledger/drip/api"
	"github.com/drip-ledger/drip/domain"
	"github.com/drip-ledger/drip/domain/access"
	"github.com/drip-ledger/drip/domain/complaint"
	"github.com/drip-ledger/drip/domain/fund"
	"github.com/drip-ledger/drip/domain/household"
	"github.com/drip-ledger/drip/events"
	"github.com/drip-ledger/drip/projections"
	"github.com/drip-ledger/drip/projections/complaints"
	"github.com/drip-ledger/drip/projections/funds"
	"github.com/drip-ledger/drip/projections/households"
	"github.com/drip-ledger/drip/projections/modelstore"
)

// newCounty is a whole server as `drip serve` wires it, on the in-memory
// store: household, complaint and fund commands, read models fed by the
// Watermill runner, and reads. The store's clock is the desk's, so "as of"
// dates are the story's dates.
func newCounty(t *testing.T, opts ...func(*api.Deps)) *desk {
	t.Helper()
	reg := events.NewRegistry()
	household.Register(reg)
	complaint.Register(reg)
	access.Register(reg)
	fund.Register(reg)
	d := &desk{t: t, now: lifeStart}
	store := events.NewMemoryStore(reg, func() time.Time { return d.now })
	d.store = store
	x, err := domain.NewExecutor(store, reg, func() (events.ID, error) { return events.NewID(nil) })
	if err != nil {
		t.Fatal(err)
	}
	// A busy project's payments race on its stream; serve sets the same.
	x.RetriesMax = 128
	hs, _ := household.NewService(x)
	cs, _ := complaint.NewService(x, complaint.Rules{})
	fs, err := fund.NewService(x, cs, fund.DefaultConfig())
	if err != nil {
		t.Fatal(err)
	}
	ms := &modelstore.Memory{}
	hv, err := households.New(reg, store, ms, households.Name, 0)
	if err != nil {
		t.Fatal(err)
	}
	cv, err := complaints.New(reg, store, ms, complaints.Name, 0)
	if err != nil {
		t.Fatal(err)
	}
	fv, err := funds.New(reg, store)
	if err != nil {
		t.Fatal(err)
	}
	cps := &projections.MemoryCheckpoints{}
	runner, err := projections.NewModelRunner(projections.ModelRunnerConfig{Store: store, Registry: reg},
		hv, cv, projections.AsModel(fv, cps))
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- runner.Run(ctx) }()
	t.Cleanup(func() { cancel(); <-done; store.Close() })
	pub, priv, _ := ed25519.GenerateKey(nil)
	d.key = priv
	deps := api.Deps{Store: store, TokenKey: pub, Households: hs, Complaints: cs, Funds: fs,
		HouseholdView: hv, ComplaintView: cv, FundView: fv, Registry: reg, WaitFor: func(ctx context.Context, p uint64) error { return runner.WaitFor(ctx, p) }, Position: runner.Position,
		Logger: slog.New(slog.DiscardHandler), Now: func() time.Time { return d.now }}
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
	return d
}

// read GETs path with token and decodes a 200 answer into out; it returns
// the status and, for errors, the problem.
func (d *desk) read(token, path string, out any) (int, api.Problem) {
	d.t.Helper()
	req, _ := http.NewRequest(http.MethodGet, d.url+path, nil)
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		d.t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	var p api.Problem
	if resp.StatusCode != http.StatusOK {
		_ = json.Unmarshal(raw, &p)
		return resp.StatusCode, p
	}
	// Every read says the position it reflects, at least the one asked for.
	got, err := strconv.ParseUint(resp.Header.Get(api.PositionHeader), 10, 64)
	if err != nil && !strings.HasPrefix(path, "/openapi") {
		d.t.Errorf("GET %s: %s header %q: %v", path, api.PositionHeader, resp.Header.Get(api.PositionHeader), err)
	}
	if u, _ := url.Parse(path); u != nil && u.Query().Has("position") {
		if want, _ := strconv.ParseUint(u.Query().Get("position"), 10, 64); got < want {
			d.t.Errorf("GET %s: %s %d, below the position asked for", path, api.PositionHeader, got)
		}
	}
	if err := json.Unmarshal(raw, out); err != nil {
		d.t.Fatalf("decoding %s: %v\n%s", path, err, raw)
	}
	return resp.StatusCode, p
}

func (d *desk) desk() string { return d.token("desk.zhang", domain.RoleComplaintDesk, storyCounty) }

type fileAnswer struct {
	Status     household.Status `json:"status"`
	Version    uint64           `json:"version"`
	Complaints []struct {
		ID     string `json:"id"`
		Status string `json:"status"`
	} `json:"complaints"`
	Changes []household.Change `json:"changes"`
}

// TestDeskReconstructsTheFileAsOfAnyDate is the 12317 desk's question: a
// household enrolled in 2014, exited in 2015 and returned in 2016 — what
// did its file say on each date, and what does it say before it existed?
func TestDeskReconstructsTheFileAsOfAnyDate(t *testing.T) {
	d := newCounty(t)
	life := liveHouseholdLife(t, d)
	path := "/households/" + storyFile + "/as-of?at="
	cases := []struct {
		at   time.Time
		want household.Status
	}{
		{life.enrolledAt.Add(time.Minute), household.StatusEnrolled},
		{life.exitedAt.Add(-time.Hour), household.StatusExitPublicized},
		{life.exitedAt.Add(time.Minute), household.StatusExited},
		{life.returnedAt.Add(-time.Hour), household.StatusMonitored},
		{life.returnedAt, household.StatusReturned},
	}
	for _, c := range cases {
		var f fileAnswer
		status, p := d.read(d.desk(), path+url.QueryEscape(c.at.Format(time.RFC3339))+"&position="+u64(life.returned), &f)
		if status != 200 || f.Status != c.want {
			t.Errorf("as of %s: %d %+v status %q, want %q", c.at, status, p, f.Status, c.want)
		}
	}
	// A date means the end of that day in China: the exit was approved on
	// its day, so the file said "exited" that evening.
	var f fileAnswer
	if status, _ := d.read(d.desk(), path+life.exitedAt.Format(time.DateOnly), &f); status != 200 || f.Status != household.StatusExited {
		t.Errorf("as of the exit date = %d %q", status, f.Status)
	}
	if status, p := d.read(d.desk(), path+url.QueryEscape(life.registeredAt.Add(-time.Hour).Format(time.RFC3339)), &f); status != 404 || p.Code != "household_unknown" {
		t.Errorf("before registration = %d %+v", status, p)
	}
	if status, p := d.read(d.desk(), path+"last-tuesday", &f); status != 422 || p.Errors[0].Field != "at" {
		t.Errorf("a bad date = %d %+v", status, p)
	}
	// The whole file now agrees with the last as-of answer, change by change.
	var now fileAnswer
	if status, _ := d.read(d.desk(), "/households/"+storyFile, &now); status != 200 || now.Status != household.StatusReturned {
		t.Fatalf("now = %d %q", status, now.Status)
	}
	if len(now.Changes) < 8 {
		t.Errorf("the file lists %d status changes; the life had more", len(now.Changes))
	}
}

func TestTimelineGathersTheHouseholdsComplaintsInGlobalOrder(t *testing.T) {
	d := newCounty(t)
	life := enrollHousehold(t, d)
	d.now = d.now.Add(24 * time.Hour)
	body := phoneComplaint("12317-2014-000007")
	body["subject"] = map[string]any{"kind": "household", "ref": storyFile}
	body["division"] = storyVillage
	r := d.post(d.desk(), "/complaints", "", body)
	if r.status != 201 {
		t.Fatalf("complaint = %d %+v", r.status, r.problem)
	}
	var tl struct {
		Events []struct {
			Position uint64 `json:"position"`
			Stream   string `json:"stream"`
			Type     string `json:"type"`
			ActorID  string `json:"actorId"`
			Role     string `json:"role"`
		} `json:"events"`
	}
	status, p := d.read(d.desk(), "/households/"+storyFile+"/timeline?position="+u64(r.command.Position), &tl)
	if status != 200 {
		t.Fatalf("timeline = %d %+v", status, p)
	}
	last := tl.Events[len(tl.Events)-1]
	if last.Type != complaint.TypeComplaintReceived || last.Stream != "complaint-12317-2014-000007" || last.ActorID != "desk.zhang" || last.Role != "complaint_desk" {
		t.Errorf("last timeline event = %+v, want the complaint", last)
	}
	for i := 1; i < len(tl.Events); i++ {
		if tl.Events[i].Position <= tl.Events[i-1].Position {
			t.Fatalf("timeline out of order at %d", i)
		}
	}
	if tl.Events[0].Position != life.registered {
		t.Errorf("timeline starts at %d, want the registration at %d", tl.Events[0].Position, life.registered)
	}
}

func TestVillageUserCannotReadAnotherVillagesHouseholdAndReadsAreRecorded(t *testing.T) {
	d := newCounty(t)
	life := enrollHousehold(t, d)
	other := d.token("village.sun", domain.RoleVillage, "520526104202")
	before := d.head()
	for _, path := range []string{"", "/timeline", "/as-of?at=2015-01-01"} {
		var f fileAnswer
		if status, p := d.read(other, "/households/"+storyFile+path, &f); status != 403 || p.Code != "outside_jurisdiction" {
			t.Errorf("GET %s by another village = %d %+v", path, status, p)
		}
	}
	if d.head() != before {
		t.Fatal("a refused read wrote")
	}
	var page households.Page
	if status, _ := d.read(other, "/households?position="+u64(life.enrolled), &page); status != 200 || len(page.Households) != 0 {
		t.Errorf("another village's search found %d households", len(page.Households))
	}
	var f fileAnswer
	if status, _ := d.read(d.villager(), "/households/"+storyFile, &f); status != 200 {
		t.Fatalf("own village read = %d", status)
	}
	evs, err := d.store.ReadStream(context.Background(), access.Stream(storyFile), 1, events.Forwards, 10)
	if err != nil || len(evs) != 1 || evs[0].Meta.ActorID != "village.li" || evs[0].Type != access.TypeViewed {
		t.Fatalf("access log = %+v, %v", evs, err)
	}
}

func TestSearchAndCountsFollowTheCommandsPosition(t *testing.T) {
	d := newCounty(t)
	life := enrollHousehold(t, d)
	var page households.Page
	status, p := d.read(d.desk(), "/households?status=enrolled&name=Zhang&position="+u64(life.enrolled), &page)
	if status != 200 || len(page.Households) != 1 || page.Households[0].FileNumber != storyFile || page.Households[0].Status != household.StatusEnrolled {
		t.Fatalf("search = %d %+v %+v", status, p, page)
	}
	var counts []households.Counts
	if status, _ := d.read(d.desk(), "/stats/households?level=village", &counts); status != 200 || len(counts) != 1 || counts[0].Enrolled != 1 {
		t.Fatalf("counts = %+v", counts)
	}
	if status, p := d.read(d.desk(), "/households?colour=red&limit=9999", &page); status != 422 || len(p.Errors) != 2 {
		t.Fatalf("bad parameters = %d %+v", status, p)
	}
}

func u64(v uint64) string { return jsonNumber(v) }

func jsonNumber(v uint64) string {
	b, _ := json.Marshal(v)
	return string(b)
}

// Outside the jurisdiction, a complaint that exists and one that does not
// get the same answer, byte for byte but the ID, so sequential IDs reveal
// nothing.
func TestComplaintOutsideTheJurisdictionIsAnsweredAsMissing(t *testing.T) {
	d := newCounty(t)
	body := phoneComplaint("12317-2014-000001")
	body["subject"] = map[string]any{"kind": "household", "ref": storyFile}
	body["division"] = storyVillage
	r := d.post(d.desk(), "/complaints", "", body)
	if r.status != 201 {
		t.Fatalf("complaint = %d %+v", r.status, r.problem)
	}
	pos := "?position=" + u64(r.command.Position)
	var it map[string]any
	if status, p := d.read(d.desk(), "/complaints/12317-2014-000001"+pos, &it); status != 200 {
		t.Fatalf("the desk reads its complaint = %d %+v", status, p)
	}
	outsider := d.token("desk.qian", domain.RoleComplaintDesk, "520527")
	sExist, pExist := d.read(outsider, "/complaints/12317-2014-000001"+pos, &it)
	sNone, pNone := d.read(outsider, "/complaints/12317-2014-000002"+pos, &it)
	if sExist != 404 || sNone != 404 || pExist.Code != pNone.Code ||
		strings.ReplaceAll(pExist.Title, "000001", "000002") != pNone.Title ||
		strings.ReplaceAll(pExist.Detail, "000001", "000002") != pNone.Detail {
		t.Errorf("existing: %d %+v; missing: %d %+v; want the same 404", sExist, pExist, sNone, pNone)
	}
}

// Complainant identity is need-to-know: the desk and the officer the
// complaint is assigned to see it; an enumerator of the village and another
// township officer see that the complaint exists and its category only.
func TestTimelineShowsTheComplainantOnlyToThoseWhoNeedToKnow(t *testing.T) {
	d := newCounty(t)
	enrollHousehold(t, d)
	d.now = d.now.Add(24 * time.Hour)
	body := phoneComplaint("12317-2014-000007")
	body["subject"] = map[string]any{"kind": "household", "ref": storyFile}
	body["division"] = storyVillage
	body["category"] = "cadre_misconduct"
	if r := d.post(d.desk(), "/complaints", "", body); r.status != 201 {
		t.Fatalf("complaint = %d %+v", r.status, r.problem)
	}
	if r := d.post(d.desk(), "/complaints/12317-2014-000007/acknowledge", "", map[string]any{}); r.status >= 300 {
		t.Fatalf("acknowledge = %d %+v", r.status, r.problem)
	}
	r := d.post(d.desk(), "/complaints/12317-2014-000007/assign", "", map[string]any{"officerId": "town.wu", "unit": "township office"})
	if r.status != 200 && r.status != 201 {
		t.Fatalf("assign = %d %+v", r.status, r.problem)
	}
	township := storyVillage[:9]
	cases := []struct {
		name  string
		token string
		sees  bool
	}{
		{"the desk", d.desk(), true},
		{"the assigned officer", d.token("town.wu", domain.RoleTownship, township), true},
		{"another township officer", d.token("town.he", domain.RoleTownship, township), false},
		{"the village it accuses", d.token("li.cun", domain.RoleVillage, storyVillage), false},
		{"an enumerator", d.token("enum.1", domain.RoleEnumerator, storyVillage), false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var tl struct {
				Events []struct {
					Type string          `json:"type"`
					Data json.RawMessage `json:"data"`
				} `json:"events"`
			}
			status, p := d.read(c.token, "/households/"+storyFile+"/timeline?position="+u64(r.command.Position), &tl)
			if status != 200 {
				t.Fatalf("timeline = %d %+v", status, p)
			}
			found := false
			for _, ev := range tl.Events {
				if ev.Type != complaint.TypeComplaintReceived {
					continue
				}
				found = true
				s := string(ev.Data)
				shown := strings.Contains(s, "Wang Fang") || strings.Contains(s, "13800000000") || strings.Contains(s, "never came")
				if shown != c.sees {
					t.Errorf("complainant shown = %v, want %v: %s", shown, c.sees, s)
				}
				if !strings.Contains(s, "cadre_misconduct") {
					t.Errorf("the category is not shown: %s", s)
				}
			}
			if !found {
				t.Error("the complaint is not in the timeline")
			}
		})
	}
}
