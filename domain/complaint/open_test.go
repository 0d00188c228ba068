package complaint_test

import (
	"testing"

	"github.com/drip-ledger/drip/domain"
	"github.com/drip-ledger/drip/domain/complaint"
	"github.com/drip-ledger/drip/events"
)

var (
	settlement      = events.MustParseID("0f0e0d0c-0b0a-4908-8706-050403020101")
	acknowledgement = events.MustParseID("0f0e0d0c-0b0a-4908-8706-050403020102")
)

func shortfall() complaint.Shortfall {
	return complaint.Shortfall{Household: fileNo, PaidFen: 100_000, AcknowledgedFen: 80_000,
		PaymentEventID: settlement, AcknowledgementEventID: acknowledgement}
}

func TestOpenAutomatically(t *testing.T) {
	tests := []struct {
		name   string
		change func(*complaint.OpenAutomatically)
		codes  []string
	}{
		{name: "shortfall opens a money-deducted complaint about the payment"},
		{name: "one fen short opens a complaint",
			change: func(c *complaint.OpenAutomatically) { c.Shortfall.AcknowledgedFen = 99_999 }},
		{name: "nothing acknowledged opens a complaint",
			change: func(c *complaint.OpenAutomatically) { c.Shortfall.AcknowledgedFen = 0 }},
		{name: "full acknowledgement is no shortfall",
			change: func(c *complaint.OpenAutomatically) { c.Shortfall.AcknowledgedFen = 100_000 },
			codes:  []string{complaint.CodeNoShortfall}},
		{name: "more acknowledged than paid is no shortfall",
			change: func(c *complaint.OpenAutomatically) { c.Shortfall.AcknowledgedFen = 100_001 },
			codes:  []string{complaint.CodeNoShortfall}},
		{name: "bad household is named once, not again as the division derived from it",
			change: func(c *complaint.OpenAutomatically) { c.Shortfall.Household = "520526104201" },
			codes:  []string{domain.CodeFileNumberFormat}},
		{name: "every bad field is named at once",
			change: func(c *complaint.OpenAutomatically) {
				c.PaymentRef = ""
				c.Shortfall.PaymentEventID, c.Shortfall.AcknowledgementEventID = events.ID{}, events.ID{}
			},
			codes: []string{complaint.CodeSubjectRefInvalid, complaint.CodeEventIDRequired, complaint.CodeEventIDRequired}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := complaint.OpenAutomatically{PaymentRef: "PAY-520526-2026-0042", Shortfall: shortfall()}
			if tt.change != nil {
				tt.change(&c)
			}
			got, err := c.Decide(complaint.State{}, env(t, friday))
			if tt.codes != nil {
				check(t, got, err, nil, tt.codes)
				return
			}
			if err != nil || len(got) != 1 {
				t.Fatalf("got %v, %v", got, err)
			}
			r := got[0].(*complaint.Received)
			if r.Channel != complaint.ChannelSystem || r.Category != complaint.CategoryMoneyDeducted ||
				r.Subject != (complaint.Subject{Kind: complaint.SubjectPayment, Ref: c.PaymentRef}) ||
				r.Division != village || r.Complainant.Kind != complaint.ComplainantSystem ||
				*r.Shortfall != c.Shortfall || r.Text == "" || !r.AcknowledgeBy.Equal(ackBy) {
				t.Errorf("received = %+v", r)
			}
			s := given(t, r)
			if sf, ok := s.Shortfall(); !ok || sf != c.Shortfall || s.Channel() != complaint.ChannelSystem {
				t.Errorf("state shortfall = %+v, %v", sf, ok)
			}
		})
	}
}

func TestOpenAutomaticallyUnderAnExistingNumberIsRefused(t *testing.T) {
	c := complaint.OpenAutomatically{PaymentRef: "PAY-1", Shortfall: shortfall()}
	_, err := c.Decide(given(t, received(t)), env(t, friday))
	if !hasCode(err, complaint.CodeExists) {
		t.Fatalf("err = %v", err)
	}
}

// TestSystemComplaintShapeIsCheckedOnTheWayOut covers stored events: a
// system channel without its shortfall (or the reverse) does not decode.
func TestSystemComplaintShapeIsCheckedOnTheWayOut(t *testing.T) {
	sf := shortfall()
	tests := []struct {
		name   string
		change func(*complaint.Received)
		codes  []string
	}{
		{name: "person's complaint with a shortfall",
			change: func(r *complaint.Received) { r.Shortfall = &sf },
			codes:  []string{complaint.CodeSystemComplaintShape}},
		{name: "system channel from a person without a shortfall",
			change: func(r *complaint.Received) { r.Channel = complaint.ChannelSystem },
			codes:  []string{complaint.CodeSystemComplaintShape, complaint.CodeSystemComplaintShape}},
		{name: "system complaint about something else than a deducted payment",
			change: func(r *complaint.Received) {
				r.Channel, r.Complainant, r.Shortfall = complaint.ChannelSystem, complaint.Complainant{Kind: complaint.ComplainantSystem}, &sf
			},
			codes: []string{complaint.CodeSystemComplaintShape, complaint.CodeSystemComplaintShape}},
		{name: "due dates not after receipt",
			change: func(r *complaint.Received) { r.AcknowledgeBy = r.ReceivedAt },
			codes:  []string{complaint.CodeDueDatesInvalid}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := received(t)
			tt.change(r)
			check(t, nil, r.Validate(), nil, tt.codes)
		})
	}
}
