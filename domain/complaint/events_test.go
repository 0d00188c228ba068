package complaint_test

import (
	"strings"
	"testing"
	"time"

	"github.com/drip-ledger/drip/domain/complaint"
	"github.com/drip-ledger/drip/events"
)

// TestStoredPayloadsAreCheckedOnTheWayOut: what Decide never writes must not
// be read back either (the registry validates on decode).
func TestStoredPayloadsAreCheckedOnTheWayOut(t *testing.T) {
	long := strings.Repeat("x", complaint.AssigneeBytesMax+1)
	tests := []struct {
		name  string
		p     events.Payload
		codes []string
	}{
		{"acknowledgement without a time", &complaint.Acknowledged{}, []string{complaint.CodeAtRequired}},
		{"assignment to over-long names without a time",
			&complaint.Assigned{Assignee: complaint.Assignee{OfficerID: long, Unit: long}},
			[]string{complaint.CodeTextTooLong, complaint.CodeTextTooLong, complaint.CodeAtRequired}},
		{"empty note", &complaint.InvestigationNoted{}, []string{complaint.CodeTextRequired, complaint.CodeAtRequired}},
		{"empty closing", &complaint.Closed{}, []string{complaint.CodeReplyMethodUnknown, complaint.CodeAtRequired}},
		{"appeal due before it was made",
			&complaint.Appealed{Reason: "r", AppealedAt: friday, ResolveBy: friday},
			[]string{complaint.CodeDueDatesInvalid}},
		{"upheld with an over-long reason",
			&complaint.Resolved{Outcome: complaint.OutcomeUpheld, CorrectiveEventIDs: []events.ID{correction1},
				Reason: strings.Repeat("理", complaint.ReasonRunesMax+1), Reply: "x", ResolvedAt: friday},
			[]string{complaint.CodeTextTooLong}},
		{"receipt without a time", func() events.Payload { r := received(t); r.ReceivedAt = time.Time{}; return r }(),
			[]string{complaint.CodeAtRequired}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			check(t, nil, tt.p.Validate(), nil, tt.codes)
		})
	}
}

func TestSubjectsOfEveryKindAreReceived(t *testing.T) {
	for _, s := range []complaint.Subject{
		{Kind: complaint.SubjectHousehold, Ref: fileNo},
		{Kind: complaint.SubjectVillage, Ref: village},
		{Kind: complaint.SubjectProject, Ref: "520526-2026-walnut-03"},
		{Kind: complaint.SubjectPayment, Ref: "PAY:520526/2026/0042"},
	} {
		c := receive(t)
		c.Subject = s
		if !s.Kind.Valid() {
			t.Errorf("%s is not a valid kind", s.Kind)
		}
		if _, err := c.Decide(complaint.State{}, env(t, friday)); err != nil {
			t.Errorf("%+v: %v", s, err)
		}
	}
	c := receive(t)
	c.Subject = complaint.Subject{Kind: complaint.SubjectVillage, Ref: "520526105201"}
	_, err := c.Decide(complaint.State{}, env(t, friday))
	check(t, nil, err, nil, []string{complaint.CodeSubjectOutsideDivision})
}

func TestVocabularies(t *testing.T) {
	for _, k := range []complaint.ComplainantKind{complaint.ComplainantRealName, complaint.ComplainantAnonymous, complaint.ComplainantSystem} {
		if !k.Valid() {
			t.Errorf("%s is not valid", k)
		}
	}
	for _, m := range []complaint.ReplyMethod{complaint.ReplyPhone, complaint.ReplyLetter, complaint.ReplyWeb, complaint.ReplyInPerson, complaint.ReplyNone} {
		if !m.Valid() {
			t.Errorf("%s is not valid", m)
		}
	}
	if complaint.ComplainantKind("x").Valid() || complaint.ReplyMethod("x").Valid() || complaint.SubjectKind("x").Valid() ||
		complaint.Channel("x").Valid() || complaint.Category("x").Valid() || complaint.Outcome("x").Valid() {
		t.Error("an unknown word is valid")
	}
}
