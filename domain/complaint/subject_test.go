package complaint_test

import (
	"context"
	"testing"

	"github.com/drip-ledger/drip/domain"
	"github.com/drip-ledger/drip/domain/complaint"
)

// TestReceiveChecksTheSubjectAndTheNumber: given the facts the service
// learnt of the subject (Env.Subject) and the recorded time, when a
// complaint is received, then it is recorded or refused with the field.
func TestReceiveChecksTheSubjectAndTheNumber(t *testing.T) {
	otherVillage := must(domain.ParseDivisionCode("520526105201"))
	ours := must(domain.ParseDivisionCode(village))
	payment := func(c *complaint.Receive) {
		c.Subject = complaint.Subject{Kind: complaint.SubjectPayment, Ref: "520526-2024-0001-PAY-000001"}
	}
	tests := []struct {
		name   string
		change func(*complaint.Receive)
		facts  complaint.SubjectFacts
		id     string
		codes  []string
	}{
		{name: "a household that exists in the division is taken",
			facts: complaint.SubjectFacts{Checked: true, Found: true, Places: []domain.DivisionCode{ours}}},
		{name: "a household that does not exist is refused",
			facts: complaint.SubjectFacts{Checked: true}, codes: []string{complaint.CodeSubjectNotFound}},
		{name: "a project that does not exist is refused",
			change: func(c *complaint.Receive) {
				c.Subject = complaint.Subject{Kind: complaint.SubjectProject, Ref: "520526-2024-0009"}
			},
			facts: complaint.SubjectFacts{Checked: true}, codes: []string{complaint.CodeSubjectNotFound}},
		{name: "a payment to a household of this village is taken", change: payment,
			facts: complaint.SubjectFacts{Checked: true, Found: true, Places: []domain.DivisionCode{ours}}},
		{name: "a payment to a household of another village is refused", change: payment,
			facts: complaint.SubjectFacts{Checked: true, Found: true, Places: []domain.DivisionCode{otherVillage}},
			codes: []string{complaint.CodeSubjectOutsideDivision}},
		{name: "a complaint number of a year to come is refused", id: "12317-2099-000001",
			codes: []string{complaint.CodeIDYearAhead}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := receive(t)
			if tt.change != nil {
				tt.change(&c)
			}
			e := env(t, friday)
			e.Subject = tt.facts
			if tt.id != "" {
				e.ID = mustID(t, tt.id)
			}
			_, err := c.Decide(complaint.State{}, e)
			if got := domain.Codes(err); len(got) != len(tt.codes) || (len(got) > 0 && got[0] != tt.codes[0]) {
				t.Fatalf("codes %q, want %q (%v)", got, tt.codes, err)
			}
		})
	}
}

func must[T any](v T, err error) T {
	if err != nil {
		panic(err)
	}
	return v
}

// fakeSubjects knows one household, in village.
type fakeSubjects struct{ asked int }

func (f *fakeSubjects) Places(_ context.Context, s complaint.Subject) ([]domain.DivisionCode, bool, error) {
	f.asked++
	if s.Kind == complaint.SubjectHousehold && s.Ref == fileNo {
		return []domain.DivisionCode{must(domain.ParseDivisionCode(village))}, true, nil
	}
	return nil, false, nil
}

func TestServiceAsksWhetherTheSubjectExists(t *testing.T) {
	ctx := context.Background()
	svc, store := newService(t)
	subjects := &fakeSubjects{}
	svc.Subjects = subjects
	req := request(domain.RoleComplaintDesk, "520526", friday)
	ghost := receive(t)
	ghost.Subject.Ref = "520526104201-0999"
	if _, err := svc.Handle(ctx, req, number, ghost); !hasCode(err, complaint.CodeSubjectNotFound) {
		t.Fatalf("a complaint about a household not on file: %v", err)
	}
	if h, _ := store.Head(ctx); h != 0 {
		t.Fatalf("refused complaint wrote: head %d", h)
	}
	if _, err := svc.Handle(ctx, req, number, receive(t)); err != nil {
		t.Fatal(err)
	}
	if subjects.asked != 2 {
		t.Fatalf("Subjects asked %d times, want 2", subjects.asked)
	}
}
