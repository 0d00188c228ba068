package complaints_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"math/rand/v2"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/drip-ledger/drip/domain"
	"github.com/drip-ledger/drip/domain/complaint"
	"github.com/drip-ledger/drip/events"
	"github.com/drip-ledger/drip/projections"
	"github.com/drip-ledger/drip/projections/complaints"
	"github.com/drip-ledger/drip/projections/modelstore"
)

var t0 = time.Date(2026, 11, 2, 9, 0, 0, 0, time.UTC) // a Monday

func received(id, division string) *complaint.Received {
	return &complaint.Received{ComplaintID: id, Channel: complaint.ChannelPhone12317,
		Category: complaint.CategoryMoneyNotReceived, Subject: complaint.Subject{Kind: complaint.SubjectVillage, Ref: division},
		Division: division, Complainant: complaint.Complainant{Kind: complaint.ComplainantAnonymous}, Text: "never paid",
		ReceivedAt: t0, AcknowledgeBy: t0.Add(48 * time.Hour), ResolveBy: t0.Add(15 * 24 * time.Hour)}
}

// log is an events store the test writes through and the queue reads
// streams from.
type log struct {
	t     testing.TB
	reg   *events.Registry
	store events.Store
	n     int
}

func newLog(t testing.TB) *log {
	reg := events.NewRegistry()
	complaint.Register(reg)
	s := events.NewMemoryStore(reg, nil)
	t.Cleanup(func() { s.Close() })
	return &log{t: t, reg: reg, store: s}
}

func (l *log) append(stream string, ps ...events.Payload) {
	l.t.Helper()
	for _, p := range ps {
		l.n++
		ev, err := l.reg.Encode(events.DeriveID(events.NilID, fmt.Sprintf("%s/%d", stream, l.n)), events.Metadata{ActorID: "t", OccurredAt: t0}, p)
		if err != nil {
			l.t.Fatal(err)
		}
		if _, err := l.store.Append(context.Background(), stream, events.Any, ev); err != nil {
			l.t.Fatal(err)
		}
	}
}

func (l *log) decoded() []projections.Decoded {
	l.t.Helper()
	var out []projections.Decoded
	for from := uint64(1); ; {
		evs, err := l.store.ReadAll(context.Background(), from, events.ReadEventsMax)
		if err != nil {
			l.t.Fatal(err)
		}
		if len(evs) == 0 {
			return out
		}
		for _, ev := range evs {
			p, err := l.reg.Decode(ev)
			if err != nil {
				l.t.Fatal(err)
			}
			out = append(out, projections.Decoded{Event: ev, Payload: p})
		}
		from = evs[len(evs)-1].Position + 1
	}
}

func (l *log) view(ms modelstore.Store) *complaints.View {
	l.t.Helper()
	v, err := complaints.New(l.reg, l.store, ms, complaints.Name, 16)
	if err != nil {
		l.t.Fatal(err)
	}
	return v
}

func (l *log) fold(n int) (*complaints.View, *modelstore.Memory) {
	ms := &modelstore.Memory{}
	v := l.view(ms)
	apply(l.t, v, l.decoded(), n)
	return v, ms
}

func apply(t testing.TB, v *complaints.View, evs []projections.Decoded, n int) {
	t.Helper()
	for i := 0; i < len(evs); i += n {
		if err := v.ApplyBatch(context.Background(), evs[i:min(i+n, len(evs))]); err != nil {
			t.Fatal(err)
		}
	}
}

func jur(t testing.TB, s string) domain.Jurisdiction {
	t.Helper()
	j, err := domain.ParseJurisdiction(s)
	if err != nil {
		t.Fatal(err)
	}
	return j
}

func ids(p complaints.Page) []string {
	var out []string
	for _, c := range p.Complaints {
		out = append(out, c.ID)
	}
	return out
}

func TestQueueFlagsOverdueAndFiltersByJurisdiction(t *testing.T) {
	ctx := context.Background()
	l := newLog(t)
	l.append("complaint-12317-2026-000001", received("12317-2026-000001", "520526104201"))
	l.append("complaint-12317-2026-000002", received("12317-2026-000002", "520526104202"), &complaint.Acknowledged{AcknowledgedAt: t0.Add(time.Hour)})
	l.append("complaint-12317-2026-000003", received("12317-2026-000003", "520527100101"))
	v, _ := l.fold(1)
	county := jur(t, "520526")
	// Three days on, the unacknowledged complaint has missed its deadline;
	// the acknowledged one has not.
	late := t0.Add(72 * time.Hour)
	p, err := v.List(ctx, complaints.Query{Within: county, Now: late, OverdueOnly: true, Limit: 10})
	if err != nil || len(p.Complaints) != 1 || p.Complaints[0].ID != "12317-2026-000001" || !p.Complaints[0].Overdue.Acknowledge {
		t.Fatalf("overdue = %v, %v", ids(p), err)
	}
	// Exactly at the deadline nothing is overdue yet.
	p, _ = v.List(ctx, complaints.Query{Within: county, Now: t0.Add(48 * time.Hour), OverdueOnly: true, Limit: 10})
	if len(p.Complaints) != 0 {
		t.Fatalf("overdue at the deadline itself: %v", ids(p))
	}
	p, _ = v.List(ctx, complaints.Query{Within: county, Now: late, Limit: 10})
	if got := ids(p); len(got) != 2 {
		t.Fatalf("county queue = %v, want the two complaints of 520526", got)
	}
	p, _ = v.List(ctx, complaints.Query{Within: county, Now: late, Status: complaint.StatusAcknowledged, Limit: 10})
	if got := ids(p); len(got) != 1 || got[0] != "12317-2026-000002" {
		t.Fatalf("acknowledged = %v", got)
	}
	p, _ = v.List(ctx, complaints.Query{Within: county, Now: late, Limit: 1})
	if p.Next != "12317-2026-000001" {
		t.Fatalf("next = %q", p.Next)
	}
	if _, err := v.List(ctx, complaints.Query{Within: county, Limit: 0}); err == nil {
		t.Error("a zero page length was accepted")
	}
	it, ok, err := v.Get(ctx, "12317-2026-000003", late)
	if err != nil || !ok || !it.Overdue.Acknowledge || it.Division != "520527100101" {
		t.Fatalf("Get = %+v, %v, %v", it, ok, err)
	}
	if _, ok, _ := v.Get(ctx, strings.Repeat("9", 5000), late); ok {
		t.Fatal("a nonsense ID was found")
	}
}

// queue writes n random complaints: divisions at village and township
// level, every category, and acts done in time, late or not at all.
func queue(l *log, rng *rand.Rand, n int) {
	divisions := []string{"520526104201", "520526104202", "520526104000", "520527100101"}
	cats := complaint.Categories()
	for i := 1; i <= n; i++ {
		id := fmt.Sprintf("12317-2026-%06d", i)
		stream := "complaint-" + id
		r := received(id, divisions[rng.IntN(len(divisions))])
		r.Category = cats[rng.IntN(len(cats))]
		if strings.HasSuffix(r.Division, "000") {
			r.Subject = complaint.Subject{Kind: complaint.SubjectProject, Ref: "p-1"}
		}
		r.ReceivedAt = t0.Add(time.Duration(rng.IntN(20*24)) * time.Hour)
		r.AcknowledgeBy, r.ResolveBy = r.ReceivedAt.Add(48*time.Hour), r.ReceivedAt.Add(15*24*time.Hour)
		l.append(stream, r)
		at := func(by time.Time) time.Time { return by.Add(time.Duration(rng.IntN(96)-72) * time.Hour) }
		if rng.IntN(3) == 0 {
			continue
		}
		l.append(stream, &complaint.Acknowledged{AcknowledgedAt: at(r.AcknowledgeBy)})
		if rng.IntN(3) == 0 {
			continue
		}
		l.append(stream, &complaint.Assigned{Assignee: complaint.Assignee{OfficerID: "o-1"}, AssignedAt: r.AcknowledgeBy})
		if rng.IntN(2) == 0 {
			continue
		}
		l.append(stream, &complaint.Resolved{Outcome: complaint.OutcomeNotUpheld, Reason: "paid on time", Reply: "see the bank slip", ResolvedAt: at(r.ResolveBy)})
		switch rng.IntN(3) {
		case 0:
			l.append(stream, &complaint.Closed{ReplyMethod: complaint.ReplyPhone, ClosedAt: r.ResolveBy})
		case 1:
			l.append(stream, &complaint.Appealed{Reason: "still unpaid", AppealedAt: r.ResolveBy, ResolveBy: r.ResolveBy.Add(10 * 24 * time.Hour)})
		}
	}
}

func answers(t testing.TB, v *complaints.View, nows []time.Time) string {
	t.Helper()
	ctx := context.Background()
	var b strings.Builder
	for _, q := range listQueries(t, nows) {
		for q.Limit = 3; ; {
			p, err := v.List(ctx, q)
			if err != nil {
				t.Fatal(err)
			}
			j, _ := json.Marshal(p)
			fmt.Fprintf(&b, "%+v: %s\n", q, j)
			if p.Next == "" {
				break
			}
			q.After = p.Next
		}
	}
	fmt.Fprintf(&b, "position %d\n", v.Position())
	return b.String()
}

func listQueries(t testing.TB, nows []time.Time) []complaints.Query {
	var out []complaints.Query
	for _, j := range []string{"", "520526", "520526104", "520526104201"} {
		for _, now := range nows {
			for _, st := range []complaint.Status{"", complaint.StatusReceived, complaint.StatusResolved, complaint.StatusAppealed} {
				out = append(out, complaints.Query{Within: jur(t, j), Now: now, Status: st},
					complaints.Query{Within: jur(t, j), Now: now, Status: st, OverdueOnly: true})
			}
			out = append(out, complaints.Query{Within: jur(t, j), Now: now, Category: complaint.CategoryCadreMisconduct},
				complaints.Query{Within: jur(t, j), Now: now, Category: complaint.CategoryWronglyExcluded, OverdueOnly: true})
		}
	}
	return out
}

var nows = []time.Time{t0, t0.Add(48 * time.Hour), t0.Add(10 * 24 * time.Hour), t0.Add(40 * 24 * time.Hour)}

func TestBatchesOfOneSevenAndAllGiveTheSameAnswers(t *testing.T) {
	l := newLog(t)
	queue(l, rand.New(rand.NewPCG(1, 2)), 80)
	n := len(l.decoded())
	ref, _ := l.fold(n)
	want := answers(t, ref, nows)
	for _, size := range []int{1, 7} {
		if v, _ := l.fold(size); answers(t, v, nows) != want {
			t.Errorf("batches of %d answer otherwise than one batch", size)
		}
	}
}

func TestARestartResumesAtTheCheckpoint(t *testing.T) {
	ctx := context.Background()
	l := newLog(t)
	queue(l, rand.New(rand.NewPCG(3, 4)), 60)
	evs := l.decoded()
	ref, _ := l.fold(len(evs))
	want := answers(t, ref, nows)
	ms := &modelstore.Memory{}
	apply(t, l.view(ms), evs[:len(evs)/2], 3)
	second := l.view(ms)
	cp, err := second.Checkpoint(ctx)
	if err != nil || cp != evs[len(evs)/2-1].Position {
		t.Fatalf("checkpoint = %d, %v", cp, err)
	}
	apply(t, second, evs[cp:], 3)
	if answers(t, second, nows) != want {
		t.Fatal("the restarted queue answers otherwise")
	}
	follower := l.view(ms) // never applies an event
	if _, err := follower.Checkpoint(ctx); err != nil || answers(t, follower, nows) != want {
		t.Fatalf("a follower over the same store answers otherwise (%v)", err)
	}
	if err := second.ApplyBatch(ctx, evs[len(evs)-1:]); !errors.Is(err, modelstore.ErrCheckpoint) {
		t.Fatalf("re-applying: %v, want ErrCheckpoint", err)
	}
}

// faultyStore is a modelstore.Memory whose Commit fails while failing is
// set: test-only.
type faultyStore struct {
	*modelstore.Memory
	failing atomic.Bool
}

var errFault = errors.New("faulty store: commit refused")

func (f *faultyStore) Commit(ctx context.Context, model string, b *modelstore.Batch, checkpoint uint64) error {
	if f.failing.Load() {
		return errFault
	}
	return f.Memory.Commit(ctx, model, b, checkpoint)
}

func TestAFailedCommitLeavesStateAndCachesAsTheyWere(t *testing.T) {
	ctx := context.Background()
	l := newLog(t)
	queue(l, rand.New(rand.NewPCG(5, 6)), 40)
	l.append("complaint-12317-2026-000001", &complaint.Acknowledged{AcknowledgedAt: t0.Add(time.Hour)})
	evs := l.decoded()
	ref, _ := l.fold(len(evs))
	want := answers(t, ref, nows)
	fs := &faultyStore{Memory: &modelstore.Memory{}}
	v := l.view(fs)
	cut := len(evs) - 5
	apply(t, v, evs[:cut], 2)
	before := answers(t, v, nows)
	fs.failing.Store(true)
	if err := v.ApplyBatch(ctx, evs[cut:]); !errors.Is(err, errFault) {
		t.Fatalf("ApplyBatch over a failing store: %v", err)
	}
	if answers(t, v, nows) != before {
		t.Fatal("a failed commit changed the answers")
	}
	fs.failing.Store(false)
	if err := v.ApplyBatch(ctx, evs[cut:]); err != nil {
		t.Fatal(err)
	}
	if answers(t, v, nows) != want {
		t.Fatal("after the retry the queue answers otherwise than one that never failed")
	}
}

// TestListEqualsABruteForceFold checks every page against the complaints
// folded straight from the log and judged by complaint.Overdue, at instants
// around every deadline.
func TestListEqualsABruteForceFold(t *testing.T) {
	ctx := context.Background()
	l := newLog(t)
	queue(l, rand.New(rand.NewPCG(7, 8)), 150)
	evs := l.decoded()
	v, _ := l.fold(25)
	states := map[string]complaint.State{}
	for _, d := range evs {
		id := strings.TrimPrefix(d.Stream, "complaint-")
		s, err := complaint.Evolve(states[id], d.Event, d.Payload)
		if err != nil {
			t.Fatal(err)
		}
		states[id] = s
	}
	all := slices.Sorted(maps.Keys(states))
	var instants []time.Time
	for _, id := range all[:20] {
		due := states[id].Due()
		instants = append(instants, due.AcknowledgeBy, due.AcknowledgeBy.Add(time.Nanosecond), due.ResolveBy.Add(time.Nanosecond))
	}
	for _, q := range listQueries(t, instants) {
		var want []string
		for _, id := range all {
			s := states[id]
			if q.Within.Contains(s.Division()) && (q.Status == "" || s.Status() == q.Status) && (q.Category == "" || s.Category() == q.Category) &&
				(!q.OverdueOnly || complaint.Overdue(s, q.Now).Any()) {
				want = append(want, id)
			}
		}
		var got []string
		for q.Limit = 7; ; {
			p, err := v.List(ctx, q)
			if err != nil {
				t.Fatal(err)
			}
			for _, it := range p.Complaints {
				if it.Overdue != complaint.Overdue(states[it.ID], q.Now) {
					t.Fatalf("%s at %s: overdue %+v, the domain says %+v", it.ID, q.Now, it.Overdue, complaint.Overdue(states[it.ID], q.Now))
				}
			}
			got = append(got, ids(p)...)
			if p.Next == "" {
				break
			}
			q.After = p.Next
		}
		if !slices.Equal(got, want) {
			t.Fatalf("%+v:\n got %v\nwant %v", q, got, want)
		}
	}
}
