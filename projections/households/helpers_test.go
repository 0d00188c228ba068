package households_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"sync/atomic"
	"testing"
	"time"

	"github.com/drip-ledger/drip/domain"
	"github.com/drip-ledger/drip/domain/complaint"
	"github.com/drip-ledger/drip/domain/household"
	"github.com/drip-ledger/drip/events"
	"github.com/drip-ledger/drip/projections"
	"github.com/drip-ledger/drip/projections/households"
	"github.com/drip-ledger/drip/projections/modelstore"
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

// person is the nth resident of a generated county: a unique, valid
// resident ID (its sequence's parity gives the sex, as the rules check).
func person(n int, name string) household.MemberInput {
	birth := time.Date(1940, 1, 1, 0, 0, 0, 0, time.UTC).AddDate(0, 0, n/1000)
	seq := fmt.Sprintf("%03d", n%1000)
	id := rid(birth.Format("20060102"), seq)
	sex := "female"
	if (n%1000)%2 == 1 {
		sex = "male"
	}
	return household.MemberInput{Name: name, ResidentID: id, BirthDate: birth.Format(time.DateOnly), Relation: "child",
		Sex: sex, Education: "primary", Health: "healthy", LabourAbility: "full", Schooling: "not_in_school"}
}

// registration decides a real registration, so the view folds exactly what
// the rules would have written.
func registration(t testing.TB, file, village string, head household.MemberInput, members ...household.MemberInput) events.Payload {
	t.Helper()
	head.Relation = ""
	c := household.RegisterHousehold{FileNumber: file, Village: village, Head: head, Members: members}
	evs, err := c.Decide(household.State{}, t0)
	if err != nil {
		t.Fatal(err)
	}
	return evs[0]
}

func registered(t testing.TB, file, village, head, residentID string) events.Payload {
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

func assessed(points int) *household.Assessed {
	return &household.Assessed{Kind: household.KindInitial, Year: 2015, CardID: "weining-four-views", CardVersion: 1,
		Answers: map[string]string{"a": "b"}, Items: []household.ItemPoints{{Item: "housing", Points: points}}, TotalPoints: points, NetIncomePerCapitaFen: 210000}
}

func enrolled() *household.Enrolled {
	return &household.Enrolled{Year: 2015, TotalPoints: 45, NetIncomePerCapitaFen: 210000, PovertyLineFen: 285500, DecisionRef: "county/2015/7"}
}

func cadre(id string) *household.CadreAssigned {
	return &household.CadreAssigned{Cadre: household.Cadre{ID: id, Name: "Chen", Rank: household.RankGeneral}}
}

func removed() *household.Removed {
	return &household.Removed{Reason: household.RemovalMovedAway, Explanation: "moved to the city", ApprovedBy: "county", EvidenceRef: "doc/1"}
}

func complaintAbout(id, file, village string) *complaint.Received {
	return &complaint.Received{ComplaintID: id, Channel: complaint.ChannelPhone12317,
		Category: complaint.CategoryMoneyNotReceived, Subject: complaint.Subject{Kind: complaint.SubjectHousehold, Ref: file},
		Division: village, Complainant: complaint.Complainant{Kind: complaint.ComplainantAnonymous}, Text: "never paid",
		ReceivedAt: t0, AcknowledgeBy: t0.Add(48 * time.Hour), ResolveBy: t0.Add(15 * 24 * time.Hour)}
}

// log is an events store the test writes through, and the model reads
// its streams from.
type log struct {
	t     testing.TB
	reg   *events.Registry
	store events.Store
	n     int
	// last is the ID of the event appended last.
	last events.ID
}

func newLog(t testing.TB) *log {
	reg := registry()
	s := events.NewMemoryStore(reg, nil)
	t.Cleanup(func() { s.Close() })
	return &log{t: t, reg: reg, store: s}
}

func (l *log) append(stream string, ps ...events.Payload) {
	l.t.Helper()
	for _, p := range ps {
		l.n++
		id := events.DeriveID(events.NilID, fmt.Sprintf("%s/%d", stream, l.n))
		ev, err := l.reg.Encode(id, events.Metadata{ActorID: "t", OccurredAt: t0}, p)
		if err != nil {
			l.t.Fatal(err)
		}
		if _, err := l.store.Append(context.Background(), stream, events.Any, ev); err != nil {
			l.t.Fatal(err)
		}
		l.last = id
	}
}

// renamed corrects a registration (the event reg, its household's first):
// the head was registered under a wrong name.
func renamed(t testing.TB, id events.ID, reg events.Payload, name string) *household.Corrected {
	head := reg.(*household.Registered).Head
	head.Name = name
	b, err := json.Marshal(map[string]any{"head": head})
	if err != nil {
		t.Fatal(err)
	}
	return &household.Corrected{EventID: id, Version: 1, Type: household.TypeHouseholdRegistered, ApprovedBy: "Director Zhao",
		Reason: "name misspelt", Fields: b}
}

// decoded is the whole log, decoded once as the runner does.
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

func (l *log) view(ms modelstore.Store) *households.View {
	l.t.Helper()
	v, err := households.New(l.reg, l.store, ms, households.Name, 64)
	if err != nil {
		l.t.Fatal(err)
	}
	return v
}

// fold applies the whole log to a fresh view, in batches of n events.
func (l *log) fold(n int) (*households.View, *modelstore.Memory) {
	l.t.Helper()
	ms := &modelstore.Memory{}
	v := l.view(ms)
	apply(l.t, v, l.decoded(), n)
	return v, ms
}

func apply(t testing.TB, v *households.View, evs []projections.Decoded, n int) {
	t.Helper()
	for i := 0; i < len(evs); i += n {
		if err := v.ApplyBatch(context.Background(), evs[i:min(i+n, len(evs))]); err != nil {
			t.Fatal(err)
		}
	}
}

// faultyStore is a modelstore.Memory whose Commit fails while failing is
// set: a test-only store for the "a failed commit changes nothing" rule.
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

// county writes a random county: households in villages of two counties,
// with members named from a small pool (so names collide), some assessed,
// enrolled, given a cadre, exited or removed, and complaints naming some.
func county(t testing.TB, l *log, rng *rand.Rand, n int) {
	villages := []string{"520526104201", "520526104202", "520526105301", "520527100101", "520527100102"}
	surnames := []string{"张", "王", "李", "Zhang", "Li"}
	given := []string{"伟", "芳", "三", "San", "Wei", "Fang"}
	name := func() string {
		s := surnames[rng.IntN(len(surnames))]
		if s[0] < 0x80 {
			return s + " " + given[3+rng.IntN(3)]
		}
		return s + given[rng.IntN(3)]
	}
	seq := map[string]int{}
	people := 0
	for i := 0; i < n; i++ {
		village := villages[rng.IntN(len(villages))]
		seq[village]++
		file := fmt.Sprintf("%s-%04d", village, seq[village])
		stream := "household-" + file
		head := person(people, name())
		people++
		var members []household.MemberInput
		for m := rng.IntN(3); m > 0; m-- {
			members = append(members, person(people, name()))
			people++
		}
		reg := registration(t, file, village, head, members...)
		l.append(stream, reg)
		regID := l.last
		switch rng.IntN(7) {
		case 0:
		case 1:
			l.append(stream, assessed(30+rng.IntN(40)))
		case 2, 3:
			l.append(stream, assessed(45), enrolled(), cadre(fmt.Sprintf("cadre-%d", rng.IntN(4))))
		case 4:
			l.append(stream, assessed(45), enrolled(), cadre(fmt.Sprintf("cadre-%d", rng.IntN(4))), &household.Exited{DecisionRef: "county/2019/1"})
		case 5:
			l.append(stream, removed())
		case 6: // the head's name corrected after enrolment: the name index follows
			l.append(stream, assessed(45), enrolled(), renamed(t, regID, reg, name()), cadre(fmt.Sprintf("cadre-%d", rng.IntN(4))))
		}
		if rng.IntN(4) == 0 {
			l.append(fmt.Sprintf("complaint-12317-2026-%06d", i+1), complaintAbout(fmt.Sprintf("12317-2026-%06d", i+1), file, village))
		}
	}
}
