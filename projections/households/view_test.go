package households_test

import (
	"context"
	"testing"
	"time"

	"github.com/drip-ledger/drip/domain"
	"github.com/drip-ledger/drip/domain/complaint"
	"github.com/drip-ledger/drip/domain/household"
	"github.com/drip-ledger/drip/events"
	"github.com/drip-ledger/drip/projections/households"
)

var t0 = time.Date(2015, 4, 1, 9, 0, 0, 0, time.UTC)

func registry() *events.Registry {
	reg := events.NewRegistry()
	household.Register(reg)
	complaint.Register(reg)
	return reg
}

func rid(birth, seq string) string {
	c, err := domain.ResidentIDCheck("520526" + birth + seq)
	if err != nil {
		panic(err)
	}
	return "520526" + birth + seq + string(c)
}

// registered decides a real registration, so the view folds exactly what
// the rules would have written.
func registered(t *testing.T, file, village, head, residentID string) events.Payload {
	t.Helper()
	c := household.RegisterHousehold{FileNumber: file, Village: village,
		Head: household.MemberInput{Name: head, ResidentID: residentID, BirthDate: residentID[6:10] + "-" + residentID[10:12] + "-" + residentID[12:14],
			Sex: "male", Education: "primary", Health: "healthy", LabourAbility: "full", Schooling: "not_in_school"}}
	evs, err := c.Decide(household.State{}, t0)
	if err != nil {
		t.Fatal(err)
	}
	return evs[0]
}

type log struct {
	t     *testing.T
	reg   *events.Registry
	store events.Store
	n     int
}

func (l *log) append(stream string, ps ...events.Payload) {
	l.t.Helper()
	for _, p := range ps {
		l.n++
		id := events.DeriveID(events.NilID, stream+string(rune(l.n)))
		ev, err := l.reg.Encode(id, events.Metadata{ActorID: "t", OccurredAt: t0}, p)
		if err != nil {
			l.t.Fatal(err)
		}
		if _, err := l.store.Append(context.Background(), stream, events.Any, ev); err != nil {
			l.t.Fatal(err)
		}
	}
}

// fold applies the whole log to a fresh view, as the runner would.
func (l *log) fold() *households.View {
	l.t.Helper()
	v, err := households.New(l.reg)
	if err != nil {
		l.t.Fatal(err)
	}
	evs, err := l.store.ReadAll(context.Background(), 1, events.ReadEventsMax)
	if err != nil {
		l.t.Fatal(err)
	}
	for _, ev := range evs {
		if err := v.Apply(context.Background(), ev); err != nil {
			l.t.Fatal(err)
		}
	}
	return v
}

func enrolledPs() []events.Payload {
	return []events.Payload{
		&household.Assessed{Kind: household.KindInitial, Year: 2015, CardID: "weining-four-views", CardVersion: 1,
			Answers: map[string]string{"a": "b"}, Items: []household.ItemPoints{{Item: "housing", Points: 45}}, TotalPoints: 45, NetIncomePerCapitaFen: 210000},
		&household.Enrolled{Year: 2015, TotalPoints: 45, NetIncomePerCapitaFen: 210000, PovertyLineFen: 285500, DecisionRef: "county/2015/7"},
		&household.CadreAssigned{Cadre: household.Cadre{ID: "cadre-9", Name: "Chen", Rank: household.RankGeneral}},
	}
}

func newLog(t *testing.T) *log {
	reg := registry()
	s := events.NewMemoryStore(reg, nil)
	t.Cleanup(func() { s.Close() })
	return &log{t: t, reg: reg, store: s}
}

func TestViewSearchesCountsAndFollowsStatus(t *testing.T) {
	l := newLog(t)
	l.append("household-520526104201-0001", registered(t, "520526104201-0001", "520526104201", "Zhang San", rid("19700302", "011")))
	l.append("household-520526104201-0001", enrolledPs()...)
	l.append("household-520526104202-0001", registered(t, "520526104202-0001", "520526104202", "Wang Wu", rid("19650101", "013")))
	l.append("household-520527100101-0001", registered(t, "520527100101-0001", "520527100101", "Zhang Qi", rid("19800101", "015")))
	l.append("household-520527100101-0001", &household.Removed{Reason: household.RemovalMovedAway, Explanation: "moved to the city", ApprovedBy: "county", EvidenceRef: "doc/1"})
	v := l.fold()

	county, _ := domain.ParseJurisdiction("520526")
	nation, _ := domain.ParseJurisdiction("")
	cases := []struct {
		name string
		q    households.Query
		want []string
	}{
		{"a county sees only its households", households.Query{Within: county}, []string{"520526104201-0001", "520526104202-0001"}},
		{"name matches part of any member's name", households.Query{Within: nation, Name: "Zhang"}, []string{"520526104201-0001", "520527100101-0001"}},
		{"name outside the jurisdiction is not found", households.Query{Within: county, Name: "Qi"}, nil},
		{"by resident ID", households.Query{Within: nation, ResidentID: rid("19650101", "013")}, []string{"520526104202-0001"}},
		{"by village prefix", households.Query{Within: nation, Division: "520526104202"}, []string{"520526104202-0001"}},
		{"by status", households.Query{Within: nation, Status: household.StatusEnrolled}, []string{"520526104201-0001"}},
		{"by file number", households.Query{Within: nation, FileNumber: "520527100101-0001"}, []string{"520527100101-0001"}},
		{"an unknown file number finds nothing", households.Query{Within: nation, FileNumber: "520527100101-0009"}, nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			c.q.Limit = 10
			page, err := v.Search(c.q)
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, h := range page.Households {
				got = append(got, h.FileNumber)
			}
			if len(got) != len(c.want) {
				t.Fatalf("got %v, want %v", got, c.want)
			}
			for i := range got {
				if got[i] != c.want[i] {
					t.Fatalf("got %v, want %v", got, c.want)
				}
			}
		})
	}

	f, _ := domain.ParseFileNumber("520526104201-0001")
	sum, st, ok := v.Get(f)
	if !ok || sum.Status != household.StatusEnrolled || st.Status() != household.StatusEnrolled || sum.Score != 45 || sum.CadreID != "cadre-9" {
		t.Fatalf("summary = %+v", sum)
	}
	if sum.HeadResidentID == rid("19700302", "011") || len(sum.HeadResidentID) != 18 {
		t.Errorf("head resident ID %q is not masked", sum.HeadResidentID)
	}
	if v.CadreLoad("cadre-9") != 1 {
		t.Errorf("cadre load = %d, want 1", v.CadreLoad("cadre-9"))
	}

	counts, err := v.CountBy(nation, domain.LevelCounty)
	if err != nil || len(counts) != 2 {
		t.Fatalf("counts = %+v, %v", counts, err)
	}
	if c := counts[0]; c.Division != "520526" || c.Enrolled != 1 || c.Total != 2 {
		t.Errorf("county 520526 = %+v", c)
	}
	if c := counts[1]; c.Division != "520527" || c.Removed != 1 || c.Enrolled != 0 {
		t.Errorf("county 520527 = %+v", c)
	}
	byVillage, _ := v.CountBy(county, domain.LevelVillage)
	if len(byVillage) != 2 || byVillage[0].Division != "520526104201" {
		t.Errorf("village counts = %+v", byVillage)
	}
}

func TestViewPagesInFileOrderWithoutRepeats(t *testing.T) {
	l := newLog(t)
	for i := 1; i <= 7; i++ {
		file := "520526104201-000" + string(rune('0'+i))
		l.append("household-"+file, registered(t, file, "520526104201", "Li", rid("19700302", "0"+string(rune('0'+i))+"1")))
	}
	v := l.fold()
	nation, _ := domain.ParseJurisdiction("")
	var all []string
	after := ""
	for pages := 0; pages < 10; pages++ {
		p, err := v.Search(households.Query{Within: nation, After: after, Limit: 3})
		if err != nil {
			t.Fatal(err)
		}
		for _, h := range p.Households {
			all = append(all, h.FileNumber)
		}
		if p.Next == "" {
			break
		}
		after = p.Next
	}
	if len(all) != 7 || all[0] != "520526104201-0001" || all[6] != "520526104201-0007" {
		t.Fatalf("paged %v", all)
	}
	if _, err := v.Search(households.Query{Within: nation, Limit: households.PageLenMax + 1}); err == nil {
		t.Error("a page above the limit was served")
	}
}

func TestViewRemembersComplaintsNamingAHousehold(t *testing.T) {
	l := newLog(t)
	l.append("household-520526104201-0001", registered(t, "520526104201-0001", "520526104201", "Zhang San", rid("19700302", "011")))
	l.append("complaint-12317-2026-000001", &complaint.Received{ComplaintID: "12317-2026-000001", Channel: complaint.ChannelPhone12317,
		Category: complaint.CategoryMoneyNotReceived, Subject: complaint.Subject{Kind: complaint.SubjectHousehold, Ref: "520526104201-0001"},
		Division: "520526104201", Complainant: complaint.Complainant{Kind: complaint.ComplainantAnonymous}, Text: "never paid",
		ReceivedAt: t0, AcknowledgeBy: t0.Add(48 * time.Hour), ResolveBy: t0.Add(15 * 24 * time.Hour)})
	v := l.fold()
	f, _ := domain.ParseFileNumber("520526104201-0001")
	if got := v.ComplaintStreams(f); len(got) != 1 || got[0] != "complaint-12317-2026-000001" {
		t.Fatalf("complaint streams = %v", got)
	}
	if err := v.Reset(context.Background()); err != nil {
		t.Fatal(err)
	}
	if _, _, ok := v.Get(f); ok || len(v.ComplaintStreams(f)) != 0 {
		t.Fatal("Reset left the view populated")
	}
}
