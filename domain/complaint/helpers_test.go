package complaint_test

import (
	"slices"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/drip-ledger/drip/domain"
	"github.com/drip-ledger/drip/domain/complaint"
	"github.com/drip-ledger/drip/events"
)

const (
	number   = "12317-2026-000123"
	village  = "520526104201" // Weining county, a township, a village
	township = "520526104000"
	fileNo   = "520526104201-0007"
)

// friday is a Friday afternoon in China; the default deadlines make the
// complaint due for acknowledgement by the end of Tuesday 10 March and for
// resolution by the end of Saturday 21 March.
var (
	friday   = at(2026, 3, 6, 15, 30)
	ackBy    = at(2026, 3, 11, 0, 0)
	resolveB = at(2026, 3, 22, 0, 0)
)

func at(y int, m time.Month, d, hh, mm int) time.Time {
	return time.Date(y, m, d, hh, mm, 0, 0, complaint.ChinaTime)
}

func mustID(t testing.TB, s string) complaint.ID {
	t.Helper()
	id, err := complaint.ParseID(s)
	if err != nil {
		t.Fatal(err)
	}
	return id
}

func env(t testing.TB, when time.Time) complaint.Env {
	return complaint.Env{ID: mustID(t, number), At: when}
}

// residentID makes a valid resident identity number from 17 digits.
func residentID(t testing.TB, first17 string) string {
	t.Helper()
	c, err := domain.ResidentIDCheck(first17)
	if err != nil {
		t.Fatal(err)
	}
	return first17 + string(c)
}

func realName(t testing.TB) complaint.Complainant {
	return complaint.Complainant{Kind: complaint.ComplainantRealName, Name: "Wang Fang", Phone: "13812345678",
		ResidentID: residentID(t, "52052619800101122")}
}

// receive is a valid complaint: a household says its housing subsidy never
// came.
func receive(t testing.TB) complaint.Receive {
	return complaint.Receive{Channel: complaint.ChannelPhone12317, Category: complaint.CategoryMoneyNotReceived,
		Subject:  complaint.Subject{Kind: complaint.SubjectHousehold, Ref: fileNo},
		Division: village, Complainant: realName(t),
		Text: "We were removed from the list in 2017 and our housing subsidy never came."}
}

// received is the event receive records on friday.
func received(t testing.TB) *complaint.Received {
	c := receive(t)
	return &complaint.Received{ComplaintID: number, Channel: c.Channel, Category: c.Category, Subject: c.Subject,
		Division: c.Division, Complainant: c.Complainant, Text: c.Text, ReceivedAt: friday,
		AcknowledgeBy: ackBy, ResolveBy: resolveB}
}

func anonymous(r *complaint.Received) *complaint.Received {
	r.Complainant = complaint.Complainant{Kind: complaint.ComplainantAnonymous}
	return r
}

var (
	correction1 = events.MustParseID("6a1f0c1e-8a44-4e0b-9a43-6f2f1f9a0001")
	correction2 = events.MustParseID("6a1f0c1e-8a44-4e0b-9a43-6f2f1f9a0002")
)

func acknowledged() *complaint.Acknowledged {
	return &complaint.Acknowledged{AcknowledgedAt: at(2026, 3, 9, 9, 0)}
}

func assigned() *complaint.Assigned {
	return &complaint.Assigned{Assignee: complaint.Assignee{OfficerID: "officer-17", Unit: "Weining county PAO"},
		AssignedAt: at(2026, 3, 9, 10, 0)}
}

func noted() *complaint.InvestigationNoted {
	return &complaint.InvestigationNoted{Text: "Visited the household; the 2017 removal was never approved by the county.",
		NotedAt: at(2026, 3, 12, 16, 0)}
}

func upheld() *complaint.Resolved {
	return &complaint.Resolved{Outcome: complaint.OutcomeUpheld, CorrectiveEventIDs: []events.ID{correction1},
		Reply: "Your household was re-enrolled and the subsidy paid.", ResolvedAt: at(2026, 3, 18, 11, 0)}
}

func closed() *complaint.Closed {
	return &complaint.Closed{ReplyMethod: complaint.ReplyPhone, ClosedAt: at(2026, 3, 18, 15, 0)}
}

func appealed() *complaint.Appealed {
	return &complaint.Appealed{Reason: "Only half of the subsidy arrived.", AppealedAt: at(2026, 3, 20, 9, 0),
		ResolveBy: at(2026, 4, 5, 0, 0)}
}

// given folds events into a state, as domain.Execute does after loading.
func given(t testing.TB, ps ...events.Payload) complaint.State {
	t.Helper()
	var s complaint.State
	for i, p := range ps {
		var err error
		if s, err = complaint.Evolve(s, events.Event{Type: p.EventType(), Version: uint64(i + 1)}, p); err != nil {
			t.Fatalf("given event %d: %v", i+1, err)
		}
	}
	return s
}

// check compares a decision with the events or the error codes wanted.
func check(t *testing.T, got []events.Payload, err error, want []events.Payload, wantCodes []string) {
	t.Helper()
	if codes := domain.Codes(err); !slices.Equal(codes, wantCodes) {
		t.Fatalf("codes = %q, want %q (err: %v)", codes, wantCodes, err)
	}
	if err != nil && wantCodes == nil {
		t.Fatalf("err = %v", err)
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("events (-want +got):\n%s", diff)
	}
}
