package household_test

import (
	"errors"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/drip-ledger/drip/domain"
	"github.com/drip-ledger/drip/domain/household"
	"github.com/drip-ledger/drip/events"
	"github.com/google/go-cmp/cmp"
)

// cst is China Standard Time, the zone the programme's dates are in.
var cst = time.FixedZone("CST", 8*3600)

// t0 is when the stories below begin: the 2014 survey season.
var t0 = time.Date(2014, 4, 1, 9, 0, 0, 0, cst)

const fileText = "520526104201-0007"

var file, _ = domain.ParseFileNumber(fileText)

// rid makes a valid resident ID from an address, a birth date (YYYYMMDD)
// and a sequence (odd: male).
func rid(birth, seq string) string {
	first := "520526" + birth + seq
	c, err := domain.ResidentIDCheck(first)
	if err != nil {
		panic(err)
	}
	return first + string(c)
}

func headInput() household.MemberInput {
	return household.MemberInput{Name: "Zhang San", ResidentID: rid("19700302", "011"), BirthDate: "1970-03-02",
		Sex: "male", Education: "primary", Health: "chronic_illness", LabourAbility: "partial", Schooling: "not_in_school"}
}

func wifeInput() household.MemberInput {
	return household.MemberInput{Name: "Li Si", ResidentID: rid("19720815", "022"), BirthDate: "1972-08-15",
		Relation: "spouse", Sex: "female", Education: "illiterate", Health: "healthy", LabourAbility: "full", Schooling: "not_in_school"}
}

func sonInput() household.MemberInput {
	return household.MemberInput{Name: "Zhang Xiao", ResidentID: rid("20040610", "031"), BirthDate: "2004-06-10",
		Relation: "child", Sex: "male", Education: "primary", Health: "healthy", LabourAbility: "none", Schooling: "junior_middle"}
}

func registerCmd() household.RegisterHousehold {
	return household.RegisterHousehold{FileNumber: fileText, Village: "520526104201", Head: headInput(),
		Members: []household.MemberInput{wifeInput(), sonInput()},
		Account: &household.Account{Number: "6214123412341234", Bank: "Weining Rural Credit Cooperative", HolderName: "Zhang San"}}
}

// scorer is a stand-in card: it scores every answer set at total points,
// split over two items, or returns err.
type scorer struct {
	total int
	err   error
}

func (s scorer) Score(map[string]string) (household.Score, error) {
	if s.err != nil {
		return household.Score{}, s.err
	}
	return household.Score{CardID: "weining-four-views", CardVersion: 1,
		Items:       []household.ItemPoints{{Item: "housing", Points: s.total / 2}, {Item: "labour", Points: s.total - s.total/2}},
		TotalPoints: s.total}, nil
}

var answers = map[string]string{"housing_condition": "dangerous_c", "arable_land_mu": "0.8"}

// lines are the poverty lines of the tests: 2,800 yuan in 2014.
var lines = domain.PovertyLines{2014: 280000, 2015: 285500, 2016: 295200}

func assessed(kind string, year, total int, incomeFen domain.Fen) *household.Assessed {
	sc, _ := scorer{total: total}.Score(nil)
	return &household.Assessed{Kind: kind, Year: year, CardID: sc.CardID, CardVersion: sc.CardVersion,
		Answers: answers, Items: sc.Items, TotalPoints: total, NetIncomePerCapitaFen: incomeFen}
}

func appraisal() household.Appraisal {
	return household.Appraisal{HeldAt: t0.AddDate(0, 0, 10), Participants: 40, VotesFor: 31, VotesAgainst: 4, MinutesRef: "minutes/2014/04/11"}
}

func causes() household.CauseList {
	return household.CauseList{Main: household.CauseIllness, Others: []string{household.CauseSkills}}
}

// pubStart and pubEnd bound the enrollment publicity of the stories.
var (
	pubStart = t0.AddDate(0, 0, 12)
	pubEnd   = pubStart.AddDate(0, 0, 7)
)

// registeredH returns the events of a registered household.
func registeredH(t *testing.T) []events.Payload {
	t.Helper()
	evs, err := registerCmd().Decide(household.State{}, t0)
	if err != nil {
		t.Fatal(err)
	}
	return evs
}

func surveyedH(t *testing.T) []events.Payload {
	return append(registeredH(t), assessed(household.KindInitial, 2014, 45, 210000))
}

func proposedH(t *testing.T) []events.Payload {
	return append(surveyedH(t), &household.Proposed{Appraisal: appraisal(), Causes: causes()})
}

func publicizedH(t *testing.T) []events.Payload {
	return append(proposedH(t), &household.PublicityStarted{Stage: household.StageEnrollment, StartsAt: pubStart, EndsAt: pubEnd, Place: "village notice board"})
}

func reviewedH(t *testing.T) []events.Payload {
	return append(publicizedH(t), &household.Reviewed{Passed: true, Opinion: "procedure followed"})
}

func enrolledH(t *testing.T) []events.Payload {
	return append(reviewedH(t), &household.Enrolled{Year: 2014, TotalPoints: 45, NetIncomePerCapitaFen: 210000,
		PovertyLineFen: 280000, DecisionRef: "Weining PAO [2014] 12"})
}

// registry holds the household's types.
func registry() *events.Registry {
	r := events.NewRegistry()
	household.Register(r)
	return r
}

// timed is a payload with its business and recorded times.
type timed struct {
	p                  events.Payload
	occurred, recorded time.Time
}

// eventsOf encodes payloads as stored events through the registry (so a
// fixture that would not validate fails the test), one a day from t0.
func eventsOf(t *testing.T, ps []events.Payload) []events.Event {
	t.Helper()
	ts := make([]timed, len(ps))
	for i, p := range ps {
		at := t0.Add(time.Duration(i) * time.Hour)
		ts[i] = timed{p, at, at}
	}
	return eventsTimed(t, ts)
}

var ns = events.MustParseID("6a0c8f86-8d7c-4a43-9f0b-0d3c5a3e6b21")

func eventsTimed(t *testing.T, ts []timed) []events.Event {
	t.Helper()
	reg := registry()
	out := make([]events.Event, len(ts))
	for i, x := range ts {
		ev, err := reg.Encode(events.DeriveID(ns, fmt.Sprint(i)), events.Metadata{ActorID: "clerk-1", Role: "village",
			Jurisdiction: "520526104201", OccurredAt: x.occurred}, x.p)
		if err != nil {
			t.Fatalf("given event %d (%T): %v", i, x.p, err)
		}
		ev.Stream, ev.Version, ev.Position, ev.RecordedAt = household.Stream(file), uint64(i+1), uint64(i+1), x.recorded
		out[i] = ev
	}
	return out
}

// fold decodes the events as a store would return them and folds them.
func fold(t *testing.T, evs []events.Event) household.State {
	t.Helper()
	reg := registry()
	var s household.State
	for _, ev := range evs {
		p, err := reg.Decode(ev)
		if err != nil {
			t.Fatalf("decode %s: %v", ev.Type, err)
		}
		if s, err = household.Evolve(s, ev, p); err != nil {
			t.Fatalf("evolve %s: %v", ev.Type, err)
		}
	}
	return s
}

// given folds a history of payloads.
func given(t *testing.T, ps []events.Payload) household.State {
	t.Helper()
	return fold(t, eventsOf(t, ps))
}

// decision is the expected outcome of a command: events, or error codes.
type decision struct {
	events []events.Payload
	codes  []string // "code" or "field code"
}

// check runs c against the history and compares the outcome.
func check(t *testing.T, history []events.Payload, c household.Command, at time.Time, want decision) {
	t.Helper()
	got, err := c.Decide(given(t, history), at)
	if len(want.codes) > 0 {
		if gotCodes := codesOf(err); !slices.Equal(gotCodes, want.codes) {
			t.Fatalf("error codes = %q, want %q (err: %v)", gotCodes, want.codes, err)
		}
		if got != nil {
			t.Fatalf("refused command returned events %v", got)
		}
		return
	}
	if err != nil {
		t.Fatalf("unexpected error: %v (codes %q)", err, codesOf(err))
	}
	if want.events != nil {
		if d := cmp.Diff(want.events, got, cmp.AllowUnexported(domain.ResidentID{}, domain.FileNumber{}, domain.DivisionCode{})); d != "" {
			t.Fatalf("events (-want +got):\n%s", d)
		}
	}
	for _, p := range got {
		if err := p.Validate(); err != nil {
			t.Fatalf("decided an invalid %T: %v", p, err)
		}
	}
}

// codesOf lists an error's codes, each prefixed with its field if it has
// one ("members[1].residentId resident_id_checksum").
func codesOf(err error) []string {
	var inv *events.InvalidError
	if errors.As(err, &inv) {
		var out []string
		for _, p := range inv.Problems {
			var de *domain.Error
			code := domain.CodeInvalid
			if errors.As(p.Cause, &de) {
				code = de.Code
			}
			out = append(out, p.Field+" "+code)
		}
		return out
	}
	return domain.Codes(err)
}

func then(ps ...events.Payload) decision { return decision{events: ps} }
func refused(codes ...string) decision   { return decision{codes: codes} }
