package complaints_test

import (
	"context"
	"testing"
	"time"

	"github.com/drip-ledger/drip/domain"
	"github.com/drip-ledger/drip/domain/complaint"
	"github.com/drip-ledger/drip/events"
	"github.com/drip-ledger/drip/projections/complaints"
)

var t0 = time.Date(2026, 11, 2, 9, 0, 0, 0, time.UTC) // a Monday

func received(id, division string) *complaint.Received {
	return &complaint.Received{ComplaintID: id, Channel: complaint.ChannelPhone12317,
		Category: complaint.CategoryMoneyNotReceived, Subject: complaint.Subject{Kind: complaint.SubjectVillage, Ref: division},
		Division: division, Complainant: complaint.Complainant{Kind: complaint.ComplainantAnonymous}, Text: "never paid",
		ReceivedAt: t0, AcknowledgeBy: t0.Add(48 * time.Hour), ResolveBy: t0.Add(15 * 24 * time.Hour)}
}

func fold(t *testing.T, byStream map[string][]events.Payload, order []string) *complaints.View {
	t.Helper()
	reg := events.NewRegistry()
	complaint.Register(reg)
	v, err := complaints.New(reg)
	if err != nil {
		t.Fatal(err)
	}
	pos := uint64(0)
	for _, stream := range order {
		for i, p := range byStream[stream] {
			pos++
			ev, err := reg.Encode(events.DeriveID(events.NilID, stream+string(rune(i))), events.Metadata{ActorID: "t", OccurredAt: t0}, p)
			if err != nil {
				t.Fatal(err)
			}
			ev.Stream, ev.Version, ev.Position = stream, uint64(i+1), pos
			if err := v.Apply(context.Background(), ev); err != nil {
				t.Fatal(err)
			}
		}
	}
	return v
}

func TestQueueFlagsOverdueAndFiltersByJurisdiction(t *testing.T) {
	v := fold(t, map[string][]events.Payload{
		"complaint-12317-2026-000001": {received("12317-2026-000001", "520526104201")},
		"complaint-12317-2026-000002": {received("12317-2026-000002", "520526104202"), &complaint.Acknowledged{AcknowledgedAt: t0.Add(time.Hour)}},
		"complaint-12317-2026-000003": {received("12317-2026-000003", "520527100101")},
	}, []string{"complaint-12317-2026-000001", "complaint-12317-2026-000002", "complaint-12317-2026-000003"})
	county, _ := domain.ParseJurisdiction("520526")
	ids := func(p complaints.Page) []string {
		var out []string
		for _, c := range p.Complaints {
			out = append(out, c.ID)
		}
		return out
	}
	// Three days on, the unacknowledged complaint has missed its deadline;
	// the acknowledged one has not.
	late := t0.Add(72 * time.Hour)
	p, err := v.List(complaints.Query{Within: county, Now: late, OverdueOnly: true, Limit: 10})
	if err != nil || len(p.Complaints) != 1 || p.Complaints[0].ID != "12317-2026-000001" || !p.Complaints[0].Overdue.Acknowledge {
		t.Fatalf("overdue = %v, %v", ids(p), err)
	}
	// Exactly at the deadline nothing is overdue yet.
	p, _ = v.List(complaints.Query{Within: county, Now: t0.Add(48 * time.Hour), OverdueOnly: true, Limit: 10})
	if len(p.Complaints) != 0 {
		t.Fatalf("overdue at the deadline itself: %v", ids(p))
	}
	p, _ = v.List(complaints.Query{Within: county, Now: late, Limit: 10})
	if got := ids(p); len(got) != 2 {
		t.Fatalf("county queue = %v, want the two complaints of 520526", got)
	}
	p, _ = v.List(complaints.Query{Within: county, Now: late, Status: complaint.StatusAcknowledged, Limit: 10})
	if got := ids(p); len(got) != 1 || got[0] != "12317-2026-000002" {
		t.Fatalf("acknowledged = %v", got)
	}
	p, _ = v.List(complaints.Query{Within: county, Now: late, Limit: 1})
	if p.Next != "12317-2026-000001" {
		t.Fatalf("next = %q", p.Next)
	}
	if _, err := v.List(complaints.Query{Within: county, Limit: 0}); err == nil {
		t.Error("a zero page length was accepted")
	}
}
