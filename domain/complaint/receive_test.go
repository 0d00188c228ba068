package complaint_test

import (
	"testing"
	"time"

	"github.com/drip-ledger/drip/domain"
	"github.com/drip-ledger/drip/domain/complaint"
	"github.com/drip-ledger/drip/events"
)

func TestReceive(t *testing.T) {
	tooLong := make([]rune, complaint.TextRunesMax+1)
	for i := range tooLong {
		tooLong[i] = '苦'
	}
	tests := []struct {
		name   string
		given  []events.Payload
		change func(*complaint.Receive)
		env    func(complaint.Env) complaint.Env
		want   []events.Payload
		codes  []string
	}{
		{name: "real-name complaint is received with its due dates",
			want: []events.Payload{received(t)}},
		{name: "real-name complaint without resident ID is received",
			change: func(c *complaint.Receive) { c.Complainant.ResidentID = "" },
			want: []events.Payload{func() events.Payload {
				r := received(t)
				r.Complainant.ResidentID = ""
				return r
			}()}},
		{name: "anonymous complaint without personal fields is received",
			change: func(c *complaint.Receive) {
				c.Complainant = complaint.Complainant{Kind: complaint.ComplainantAnonymous}
			},
			want: []events.Payload{anonymous(received(t))}},
		{name: "anonymous complaint with personal fields is refused, each field named",
			change: func(c *complaint.Receive) { c.Complainant.Kind = complaint.ComplainantAnonymous },
			codes: []string{complaint.CodeAnonymousPersonalField, complaint.CodeAnonymousPersonalField,
				complaint.CodeAnonymousPersonalField}},
		{name: "every bad field is named at once",
			change: func(c *complaint.Receive) {
				*c = complaint.Receive{Channel: "fax", Category: "other", Subject: complaint.Subject{Kind: "cadre"},
					Division: "5205", Complainant: complaint.Complainant{Kind: complaint.ComplainantRealName, Phone: "call me"},
					Text: "  "}
			},
			codes: []string{complaint.CodeChannelUnknown, complaint.CodeCategoryUnknown, domain.CodeDivisionCodeLength,
				complaint.CodeSubjectKindUnknown, complaint.CodeNameRequired, complaint.CodePhoneInvalid,
				complaint.CodeTextRequired}},
		{name: "real-name complaint without name and phone is refused",
			change: func(c *complaint.Receive) { c.Complainant = complaint.Complainant{Kind: complaint.ComplainantRealName} },
			codes:  []string{complaint.CodeNameRequired, complaint.CodePhoneRequired}},
		{name: "mistyped resident ID is refused",
			change: func(c *complaint.Receive) { c.Complainant.ResidentID = "520526198001011220" },
			codes:  checksumUnlessValid(t, "520526198001011220")},
		{name: "unknown complainant kind is refused",
			change: func(c *complaint.Receive) { c.Complainant = complaint.Complainant{Kind: "neighbour"} },
			codes:  []string{complaint.CodeComplainantKindUnknown}},
		{name: "household outside the division is refused",
			change: func(c *complaint.Receive) { c.Division = "520526105000" },
			codes:  []string{complaint.CodeSubjectOutsideDivision}},
		{name: "household in a township-level division is received",
			change: func(c *complaint.Receive) { c.Division = township },
			want: []events.Payload{func() events.Payload {
				r := received(t)
				r.Division = township
				return r
			}()}},
		{name: "malformed file number is refused with its own code",
			change: func(c *complaint.Receive) { c.Subject.Ref = "520526104201-7" },
			codes:  []string{domain.CodeFileNumberFormat}},
		{name: "village subject that is a township is refused",
			change: func(c *complaint.Receive) {
				c.Subject = complaint.Subject{Kind: complaint.SubjectVillage, Ref: township}
			},
			codes: []string{complaint.CodeSubjectRefInvalid}},
		{name: "payment reference with spaces is refused",
			change: func(c *complaint.Receive) {
				c.Subject = complaint.Subject{Kind: complaint.SubjectPayment, Ref: "PAY 1"}
			},
			codes: []string{complaint.CodeSubjectRefInvalid}},
		{name: "text above the limit is refused",
			change: func(c *complaint.Receive) { c.Text = string(tooLong) },
			codes:  []string{complaint.CodeTextTooLong}},
		{name: "channel system is reserved for the fund ledger",
			change: func(c *complaint.Receive) { c.Channel = complaint.ChannelSystem },
			codes:  []string{complaint.CodeChannelReserved}},
		{name: "complainant system is reserved for the fund ledger",
			change: func(c *complaint.Receive) { c.Complainant = complaint.Complainant{Kind: complaint.ComplainantSystem} },
			codes:  []string{complaint.CodeComplainantKindReserved}},
		{name: "missing business time is refused",
			env:   func(e complaint.Env) complaint.Env { e.At = time.Time{}; return e },
			codes: []string{complaint.CodeAtRequired}},
		{name: "missing complaint number is refused",
			env:   func(e complaint.Env) complaint.Env { e.ID = complaint.ID{}; return e },
			codes: []string{complaint.CodeIDFormat}},
		{name: "a second receipt under the same number is refused",
			given: []events.Payload{received(t)},
			codes: []string{complaint.CodeExists}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := receive(t)
			if tt.change != nil {
				tt.change(&c)
			}
			e := env(t, friday)
			if tt.env != nil {
				e = tt.env(e)
			}
			got, err := c.Decide(given(t, tt.given...), e)
			check(t, got, err, tt.want, tt.codes)
		})
	}
}

// checksumUnlessValid guards the test data: the number must really be wrong.
func checksumUnlessValid(t *testing.T, s string) []string {
	if _, err := domain.ParseResidentID(s, friday); err == nil {
		t.Fatalf("%s is a valid resident ID: pick a wrong check digit", s)
	}
	return []string{domain.CodeResidentIDChecksum}
}

func TestReceivedStateHasWhatTheQueueShows(t *testing.T) {
	s := given(t, received(t))
	if s.Status() != complaint.StatusReceived || s.ID().String() != number || s.Category() != complaint.CategoryMoneyNotReceived ||
		s.Subject().Ref != fileNo || s.Division().String() != village || !s.ReceivedAt().Equal(friday) ||
		s.Due() != (complaint.Due{AcknowledgeBy: ackBy, ResolveBy: resolveB}) || s.Anonymous() ||
		s.Complainant().Name != "Wang Fang" || s.Channel() != complaint.ChannelPhone12317 {
		t.Errorf("state = %+v", s)
	}
	if _, ok := s.Shortfall(); ok {
		t.Error("a complaint from a person has a shortfall")
	}
}

func TestParseID(t *testing.T) {
	for _, s := range []string{"12317-2026-000123", "520526-2026-00000001", "123-1999-000001"} {
		if id, err := complaint.ParseID(s); err != nil || id.String() != s || complaint.Stream(id) != "complaint-"+s {
			t.Errorf("ParseID(%q) = %v, %v", s, id, err)
		}
	}
	for _, s := range []string{"", "12317-2026-123", "12317-2026-000000", "12317-26-000123", "12317_2026_000123",
		"12317-2026-000123 ", "ab-2026-000123", "12-2026-000123", "12317-3026-000123", "12317-2026-123456789"} {
		if _, err := complaint.ParseID(s); !hasCode(err, complaint.CodeIDFormat) {
			t.Errorf("ParseID(%q): err = %v, want %s", s, err, complaint.CodeIDFormat)
		}
	}
}

func hasCode(err error, code string) bool {
	c := domain.Codes(err)
	return len(c) == 1 && c[0] == code
}
