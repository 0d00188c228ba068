package households_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"math/rand/v2"
	"slices"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/drip-ledger/drip/domain"
	"github.com/drip-ledger/drip/domain/household"
	"github.com/drip-ledger/drip/projections/households"
	"github.com/drip-ledger/drip/projections/modelstore"
)

func jur(t testing.TB, s string) domain.Jurisdiction {
	t.Helper()
	j, err := domain.ParseJurisdiction(s)
	if err != nil {
		t.Fatal(err)
	}
	return j
}

func files(p households.Page) []string {
	var out []string
	for _, h := range p.Households {
		out = append(out, h.FileNumber)
	}
	return out
}

func TestViewSearchesCountsAndFollowsStatus(t *testing.T) {
	ctx := context.Background()
	l := newLog(t)
	l.append("household-520526104201-0001", registered(t, "520526104201-0001", "520526104201", "Zhang San", rid("19700302", "011")))
	l.append("household-520526104201-0001", assessed(45), enrolled(), cadre("cadre-9"))
	l.append("household-520526104202-0001", registered(t, "520526104202-0001", "520526104202", "Wang Wu", rid("19650101", "013")))
	l.append("household-520527100101-0001", registered(t, "520527100101-0001", "520527100101", "Zhang Qi", rid("19800101", "015")))
	l.append("household-520527100101-0001", removed())
	v, _ := l.fold(1)

	county, nation := jur(t, "520526"), jur(t, "")
	cases := []struct {
		name string
		q    households.Query
		want []string
	}{
		{"a county sees only its households", households.Query{Within: county}, []string{"520526104201-0001", "520526104202-0001"}},
		// A name search answers in the order of the names' matching parts.
		{"name matches part of any member's name", households.Query{Within: nation, Name: "Zhang"}, []string{"520527100101-0001", "520526104201-0001"}},
		{"name matches inside a name", households.Query{Within: nation, Name: "an"}, []string{"520526104201-0001", "520527100101-0001", "520526104202-0001"}},
		{"name outside the jurisdiction is not found", households.Query{Within: county, Name: "Qi"}, nil},
		{"by resident ID", households.Query{Within: nation, ResidentID: rid("19650101", "013")}, []string{"520526104202-0001"}},
		{"by resident ID outside the jurisdiction", households.Query{Within: county, ResidentID: rid("19800101", "015")}, nil},
		{"by village prefix", households.Query{Within: nation, Division: "520526104202"}, []string{"520526104202-0001"}},
		{"a division outside the jurisdiction", households.Query{Within: county, Division: "520527"}, nil},
		{"by status", households.Query{Within: nation, Status: household.StatusEnrolled}, []string{"520526104201-0001"}},
		{"by status and division", households.Query{Within: nation, Division: "520527", Status: household.StatusRemoved}, []string{"520527100101-0001"}},
		{"by file number", households.Query{Within: nation, FileNumber: "520527100101-0001"}, []string{"520527100101-0001"}},
		{"an unknown file number finds nothing", households.Query{Within: nation, FileNumber: "520527100101-0009"}, nil},
		{"the zero jurisdiction sees nothing", households.Query{}, nil},
		{"a filter above any key's length finds nothing", households.Query{Within: nation, FileNumber: strings.Repeat("1", 2000)}, nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			c.q.Limit = 10
			page, err := v.Search(ctx, c.q)
			if err != nil {
				t.Fatal(err)
			}
			if got := files(page); !slices.Equal(got, c.want) {
				t.Fatalf("got %v, want %v", got, c.want)
			}
		})
	}

	f, _ := domain.ParseFileNumber("520526104201-0001")
	sum, ok, err := v.Get(ctx, f)
	if err != nil || !ok || sum.Status != household.StatusEnrolled || sum.Score != 45 || sum.CadreID != "cadre-9" {
		t.Fatalf("summary = %+v, %v, %v", sum, ok, err)
	}
	if sum.HeadResidentID == rid("19700302", "011") || len(sum.HeadResidentID) != 18 {
		t.Errorf("head resident ID %q is not masked", sum.HeadResidentID)
	}
	if n, err := v.CadreLoad(ctx, "cadre-9"); n != 1 || err != nil {
		t.Errorf("cadre load = %d, %v, want 1", n, err)
	}

	counts, err := v.CountBy(ctx, nation, domain.LevelCounty)
	if err != nil || len(counts) != 2 {
		t.Fatalf("counts = %+v, %v", counts, err)
	}
	if c := counts[0]; c.Division != "520526" || c.Enrolled != 1 || c.Total != 2 {
		t.Errorf("county 520526 = %+v", c)
	}
	if c := counts[1]; c.Division != "520527" || c.Removed != 1 || c.Enrolled != 0 {
		t.Errorf("county 520527 = %+v", c)
	}
	byVillage, _ := v.CountBy(ctx, county, domain.LevelVillage)
	if len(byVillage) != 2 || byVillage[0].Division != "520526104201" {
		t.Errorf("village counts = %+v", byVillage)
	}
	// A village official asking per county sees its own households only,
	// under its county's code.
	mine, _ := v.CountBy(ctx, jur(t, "520526104202"), domain.LevelCounty)
	if len(mine) != 1 || mine[0].Division != "520526" || mine[0].Total != 1 || mine[0].Enrolled != 0 {
		t.Errorf("a village's counts per county = %+v", mine)
	}
}

func TestViewPagesInFileOrderWithoutRepeats(t *testing.T) {
	ctx := context.Background()
	l := newLog(t)
	for i := 1; i <= 7; i++ {
		file := fmt.Sprintf("520526104201-%04d", i)
		l.append("household-"+file, registered(t, file, "520526104201", "Li", rid("19700302", fmt.Sprintf("0%d1", i))))
	}
	v, _ := l.fold(3)
	for _, q := range []households.Query{{Within: jur(t, "")}, {Within: jur(t, ""), Name: "i"}, {Within: jur(t, ""), Status: household.StatusRegistered}} {
		var all []string
		for pages := 0; pages < 10; pages++ {
			q.Limit = 3
			p, err := v.Search(ctx, q)
			if err != nil {
				t.Fatal(err)
			}
			all = append(all, files(p)...)
			if p.Next == "" {
				break
			}
			q.After = p.Next
		}
		if len(all) != 7 || all[0] != "520526104201-0001" || all[6] != "520526104201-0007" {
			t.Fatalf("%+v paged %v", q, all)
		}
	}
	if _, err := v.Search(ctx, households.Query{Within: jur(t, ""), Limit: households.PageLenMax + 1}); err == nil {
		t.Error("a page above the limit was served")
	}
}

func TestViewRemembersComplaintsNamingAHousehold(t *testing.T) {
	ctx := context.Background()
	l := newLog(t)
	l.append("household-520526104201-0001", registered(t, "520526104201-0001", "520526104201", "Zhang San", rid("19700302", "011")))
	l.append("complaint-12317-2026-000001", complaintAbout("12317-2026-000001", "520526104201-0001", "520526104201"))
	v, _ := l.fold(1)
	f, _ := domain.ParseFileNumber("520526104201-0001")
	if got, err := v.ComplaintStreams(ctx, f); err != nil || len(got) != 1 || got[0] != "complaint-12317-2026-000001" {
		t.Fatalf("complaint streams = %v, %v", got, err)
	}
	if err := v.Reset(ctx); err != nil {
		t.Fatal(err)
	}
	got, _ := v.ComplaintStreams(ctx, f)
	if _, ok, _ := v.Get(ctx, f); ok || len(got) != 0 || v.Position() != 0 {
		t.Fatal("Reset left the view populated")
	}
}

// answers is every answer the view gives about a county, as one string:
// two views answer alike exactly when their answers are equal.
func answers(t testing.TB, v *households.View) string {
	t.Helper()
	ctx := context.Background()
	var b strings.Builder
	put := func(label string, x any, err error) {
		if err != nil {
			t.Fatalf("%s: %v", label, err)
		}
		j, _ := json.Marshal(x)
		fmt.Fprintf(&b, "%s: %s\n", label, j)
	}
	for _, q := range queries(t) {
		for q.Limit = 3; ; {
			p, err := v.Search(ctx, q)
			put(fmt.Sprintf("search %+v", q), p, err)
			if p.Next == "" {
				break
			}
			q.After = p.Next
		}
	}
	for _, j := range []string{"", "520526", "520526104", "520526104201", "520527"} {
		for _, l := range []domain.Level{domain.LevelCounty, domain.LevelTownship, domain.LevelVillage} {
			c, err := v.CountBy(ctx, jur(t, j), l)
			put(fmt.Sprintf("counts %q %v", j, l), c, err)
		}
	}
	for i := range 4 {
		n, err := v.CadreLoad(ctx, fmt.Sprintf("cadre-%d", i))
		put(fmt.Sprintf("load %d", i), n, err)
	}
	p, err := v.Search(ctx, households.Query{Within: jur(t, ""), Limit: households.PageLenMax})
	put("all", p, err)
	for _, h := range p.Households {
		f, _ := domain.ParseFileNumber(h.FileNumber)
		cs, err := v.ComplaintStreams(ctx, f)
		put("complaints of "+h.FileNumber, cs, err)
	}
	put("position", v.Position(), nil)
	return b.String()
}

func queries(t testing.TB) []households.Query {
	var out []households.Query
	for _, j := range []string{"", "520526", "520526104", "520527100101"} {
		for _, st := range []household.Status{"", household.StatusEnrolled, household.StatusRemoved, household.StatusExited, household.StatusRegistered} {
			out = append(out, households.Query{Within: jur(t, j), Status: st})
		}
		for _, n := range []string{"张", "Zhang", "an", "张三", "Li Wei", "x"} {
			out = append(out, households.Query{Within: jur(t, j), Name: n})
		}
		out = append(out, households.Query{Within: jur(t, j), Division: "520526105"}, households.Query{Within: jur(t, j), Division: "520527100102", Name: "i"})
	}
	return out
}

// dump is the model's keys and values, for comparing two stores.
func dump(t testing.TB, ms modelstore.Store) map[string]string {
	t.Helper()
	out := map[string]string{}
	err := ms.Scan(context.Background(), households.Name, []byte{0}, nil, modelstore.ScanLimitMax, func(k, v []byte) error {
		out[string(k)] = string(v)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func TestBatchesOfOneSevenAndAllGiveTheSameAnswers(t *testing.T) {
	l := newLog(t)
	county(t, l, rand.New(rand.NewPCG(1, 2)), 120)
	n := len(l.decoded())
	ref, refStore := l.fold(n)
	want, wantKeys := answers(t, ref), dump(t, refStore)
	for _, size := range []int{1, 7} {
		v, ms := l.fold(size)
		if got := answers(t, v); got != want {
			t.Errorf("batches of %d answer otherwise than one batch of %d:\n%s", size, n, firstDiff(got, want))
		}
		if got := dump(t, ms); !maps.Equal(got, wantKeys) {
			t.Errorf("batches of %d leave %d keys, one batch %d", size, len(got), len(wantKeys))
		}
	}
}

func firstDiff(a, b string) string {
	al, bl := strings.Split(a, "\n"), strings.Split(b, "\n")
	for i := range min(len(al), len(bl)) {
		if al[i] != bl[i] {
			return "got  " + al[i] + "\nwant " + bl[i]
		}
	}
	return fmt.Sprintf("%d lines against %d", len(al), len(bl))
}

func TestARestartResumesAtTheCheckpoint(t *testing.T) {
	ctx := context.Background()
	l := newLog(t)
	county(t, l, rand.New(rand.NewPCG(3, 4)), 80)
	evs := l.decoded()
	ref, _ := l.fold(len(evs))
	want := answers(t, ref)

	// Given a view that committed the first part of the log and stopped,
	ms := &modelstore.Memory{}
	first := l.view(ms)
	apply(t, first, evs[:len(evs)/2], 5)
	// when a new view opens the same store (its cache empty),
	second := l.view(ms)
	cp, err := second.Checkpoint(ctx)
	if err != nil || cp != evs[len(evs)/2-1].Position {
		t.Fatalf("checkpoint = %d, %v, want %d", cp, err, evs[len(evs)/2-1].Position)
	}
	// then it folds the rest from there and answers as one that never stopped.
	apply(t, second, evs[cp:], 5)
	if got := answers(t, second); got != want {
		t.Fatalf("the restarted view answers otherwise:\n%s", firstDiff(got, want))
	}
	// A follower over the same store, which never applies an event, answers
	// alike once it has read the checkpoint.
	follower := l.view(ms)
	if _, err := follower.Checkpoint(ctx); err != nil {
		t.Fatal(err)
	}
	if got := answers(t, follower); got != want {
		t.Fatalf("the follower answers otherwise:\n%s", firstDiff(got, want))
	}
	// A batch the store holds already is refused, and changes nothing.
	if err := second.ApplyBatch(ctx, evs[len(evs)-1:]); !errors.Is(err, modelstore.ErrCheckpoint) {
		t.Fatalf("re-applying the last event: %v, want ErrCheckpoint", err)
	}
	if got := answers(t, second); got != want {
		t.Fatal("a refused batch changed the answers")
	}
}

func TestAFailedCommitLeavesStateAndCachesAsTheyWere(t *testing.T) {
	ctx := context.Background()
	l := newLog(t)
	county(t, l, rand.New(rand.NewPCG(5, 6)), 60)
	// Later events of households already folded, so the batch that fails
	// evolves cached states.
	l.append("household-520526104201-0001", cadre("cadre-7"))
	l.append("household-520526104201-0002", removed())
	evs := l.decoded()
	ref, _ := l.fold(len(evs))
	want := answers(t, ref)

	fs := &faultyStore{Memory: &modelstore.Memory{}}
	v := l.view(fs)
	cut := len(evs) - 2
	apply(t, v, evs[:cut], 4)
	before := answers(t, v)
	// When the commit of the last events fails,
	fs.failing.Store(true)
	if err := v.ApplyBatch(ctx, evs[cut:]); !errors.Is(err, errFault) {
		t.Fatalf("ApplyBatch over a failing store: %v", err)
	}
	// then the view answers as before it,
	if got := answers(t, v); got != before {
		t.Fatalf("a failed commit changed the answers:\n%s", firstDiff(got, before))
	}
	// and once the store works again the same batch gives the answers of a
	// view that never failed.
	fs.failing.Store(false)
	if err := v.ApplyBatch(ctx, evs[cut:]); err != nil {
		t.Fatal(err)
	}
	if got := answers(t, v); got != want {
		t.Fatalf("after the retry:\n%s", firstDiff(got, want))
	}
}

func TestAnImpossibleEventStopsTheViewBeforeIt(t *testing.T) {
	ctx := context.Background()
	l := newLog(t)
	l.append("household-520526104201-0001", enrolled()) // no registration first
	v := l.view(&modelstore.Memory{})
	err := v.ApplyBatch(ctx, l.decoded())
	if err == nil || !strings.Contains(err.Error(), "position 1") {
		t.Fatalf("ApplyBatch = %v, want an error naming position 1", err)
	}
	if cp, _ := v.Checkpoint(ctx); cp != 0 {
		t.Fatalf("checkpoint = %d after a refused batch", cp)
	}
}

// TestSearchAndStatsEqualABruteForceFold checks every answer against the
// households folded straight from the log, as the old view kept them.
func TestSearchAndStatsEqualABruteForceFold(t *testing.T) {
	ctx := context.Background()
	l := newLog(t)
	county(t, l, rand.New(rand.NewPCG(7, 8)), 300)
	evs := l.decoded()
	v, _ := l.fold(50)

	states := map[string]household.State{}
	for _, d := range evs {
		if file, ok := strings.CutPrefix(d.Stream, household.StreamPrefix); ok {
			s, err := household.Evolve(states[file], d.Event, d.Payload)
			if err != nil {
				t.Fatal(err)
			}
			states[file] = s
		}
	}
	all := slices.Sorted(maps.Keys(states))
	for _, q := range queries(t) {
		var want []string
		for _, f := range all {
			if bruteMatch(states[f], q) {
				want = append(want, f)
			}
		}
		var got []string
		for q.Limit = 4; ; {
			p, err := v.Search(ctx, q)
			if err != nil {
				t.Fatal(err)
			}
			got = append(got, files(p)...)
			if p.Next == "" {
				break
			}
			q.After = p.Next
		}
		if q.Name != "" {
			slices.Sort(got) // the name index has its own order
		}
		if !slices.Equal(got, want) {
			t.Errorf("search %+v:\n got %v\nwant %v", q, got, want)
		}
	}
	for _, j := range []string{"", "520526", "520526104", "520527100101"} {
		for _, level := range []domain.Level{domain.LevelCounty, domain.LevelTownship, domain.LevelVillage} {
			got, err := v.CountBy(ctx, jur(t, j), level)
			if err != nil {
				t.Fatal(err)
			}
			if want := bruteCounts(states, jur(t, j), level); !slices.Equal(got, want) {
				t.Errorf("counts %q by %v:\n got %+v\nwant %+v", j, level, got, want)
			}
		}
	}
	loads := map[string]int{}
	for _, s := range states {
		if c, ok := s.Cadre(); ok && s.Status() != household.StatusExited && s.Status() != household.StatusRemoved && s.Status() != household.StatusRejected {
			loads[c.ID]++
		}
	}
	for i := range 4 {
		id := fmt.Sprintf("cadre-%d", i)
		if got, _ := v.CadreLoad(ctx, id); got != loads[id] {
			t.Errorf("load of %s = %d, want %d", id, got, loads[id])
		}
	}
}

func bruteMatch(s household.State, q households.Query) bool {
	if !q.Within.Contains(s.Village()) || !strings.HasPrefix(s.Village().String(), q.Division) {
		return false
	}
	if q.Status != "" && s.Status() != q.Status {
		return false
	}
	return q.Name == "" || slices.ContainsFunc(s.Members(), func(m household.Member) bool { return strings.Contains(m.Name, q.Name) })
}

func bruteCounts(states map[string]household.State, j domain.Jurisdiction, level domain.Level) []households.Counts {
	by := map[string]*households.Counts{}
	for _, s := range states {
		if !j.Contains(s.Village()) {
			continue
		}
		key := s.Village().String()[:level.Digits()]
		c := by[key]
		if c == nil {
			c = &households.Counts{Division: key}
			by[key] = c
		}
		c.Total++
		switch s.Status() {
		case household.StatusEnrolled, household.StatusExitProposed, household.StatusExitPublicized:
			c.Enrolled++
		case household.StatusReturned:
			c.Enrolled++
			c.Returned++
		case household.StatusExited:
			c.Exited++
		case household.StatusMonitored:
			c.Exited++
			c.AtRisk++
		case household.StatusRemoved:
			c.Removed++
		}
	}
	out := []households.Counts{}
	for _, k := range slices.Sorted(maps.Keys(by)) {
		out = append(out, *by[k])
	}
	return out
}

// TestQueriesRunAlongsideApplyBatch is for the race detector: readers while
// the leader folds.
func TestQueriesRunAlongsideApplyBatch(t *testing.T) {
	ctx := context.Background()
	l := newLog(t)
	county(t, l, rand.New(rand.NewPCG(9, 10)), 100)
	evs := l.decoded()
	v := l.view(&modelstore.Memory{})
	var wg sync.WaitGroup
	stop := make(chan struct{})
	for range 2 {
		wg.Go(func() {
			for {
				select {
				case <-stop:
					return
				default:
				}
				if _, err := v.Search(ctx, households.Query{Within: jur(t, "520526"), Name: "张", Limit: 5}); err != nil {
					t.Error(err)
					return
				}
				if _, err := v.CountBy(ctx, jur(t, ""), domain.LevelVillage); err != nil {
					t.Error(err)
					return
				}
			}
		})
	}
	apply(t, v, evs, 3)
	close(stop)
	wg.Wait()
}

func TestAFollowerSeesTheCheckpointMove(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		ms := &modelstore.Memory{}
		l := newLog(t)
		follower := l.view(ms)
		ctx, stop := context.WithCancel(context.Background())
		done := make(chan error, 1)
		go func() { done <- follower.Follow(ctx) }()
		synctest.Wait()
		if follower.Position() != 0 {
			t.Fatalf("position %d before anything was committed", follower.Position())
		}
		// When the leader commits up to 42 (here: straight into the store),
		if err := ms.Commit(ctx, households.Name, nil, 42); err != nil {
			t.Fatal(err)
		}
		// then within one FollowInterval the follower says so.
		time.Sleep(households.FollowInterval)
		synctest.Wait()
		if follower.Position() != 42 {
			t.Fatalf("position %d, want 42", follower.Position())
		}
		stop()
		if err := <-done; err != nil {
			t.Fatal(err)
		}
	})
}
