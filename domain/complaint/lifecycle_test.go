package complaint_test

import (
	"slices"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/drip-ledger/drip/domain/complaint"
	"github.com/drip-ledger/drip/events"
)

func TestCommandsFollowTheLifecycle(t *testing.T) {
	later := at(2026, 3, 19, 9, 0)
	open := []events.Payload{received(t), acknowledged(), assigned()}
	resolvedOnce := append(slices.Clone(open), upheld())
	closedOnce := append(slices.Clone(resolvedOnce), closed())
	reopened := append(slices.Clone(closedOnce), appealed())
	twiceAppealed := append(slices.Clone(reopened), upheld(), closed(), appealed(), upheld())
	tests := []struct {
		name  string
		given []events.Payload
		when  complaint.Command
		at    time.Time
		want  []events.Payload
		codes []string
	}{
		// acknowledge
		{name: "received complaint is acknowledged", given: open[:1], when: complaint.Acknowledge{},
			want: []events.Payload{&complaint.Acknowledged{AcknowledgedAt: later}}},
		{name: "unknown complaint is not acknowledged", when: complaint.Acknowledge{},
			codes: []string{complaint.CodeNotFound}},
		{name: "acknowledged complaint is not acknowledged again", given: open[:2], when: complaint.Acknowledge{},
			codes: []string{complaint.CodeWrongStatus}},
		{name: "acknowledgement before receipt is refused", given: open[:1], when: complaint.Acknowledge{},
			at: friday.Add(-time.Minute), codes: []string{complaint.CodeBeforeReceived}},
		{name: "acknowledgement exactly at receipt is accepted", given: open[:1], when: complaint.Acknowledge{},
			at: friday, want: []events.Payload{&complaint.Acknowledged{AcknowledgedAt: friday}}},

		// assign
		{name: "acknowledged complaint is assigned", given: open[:2],
			when: complaint.Assign{Assignee: complaint.Assignee{Unit: "Hele township"}},
			want: []events.Payload{&complaint.Assigned{Assignee: complaint.Assignee{Unit: "Hele township"}, AssignedAt: later}}},
		{name: "received complaint is not assigned before it is acknowledged", given: open[:1],
			when: complaint.Assign{Assignee: complaint.Assignee{Unit: "Hele township"}}, codes: []string{complaint.CodeWrongStatus}},
		{name: "assigned complaint is reassigned", given: open,
			when: complaint.Assign{Assignee: complaint.Assignee{OfficerID: "officer-9"}},
			want: []events.Payload{&complaint.Assigned{Assignee: complaint.Assignee{OfficerID: "officer-9"}, AssignedAt: later}}},
		{name: "reassignment to the same assignee is refused", given: open,
			when: complaint.Assign{Assignee: assigned().Assignee}, codes: []string{complaint.CodeAlreadyAssigned}},
		{name: "assignment to no one is refused", given: open[:2], when: complaint.Assign{},
			codes: []string{complaint.CodeAssigneeRequired}},
		{name: "appealed complaint is reassigned", given: reopened,
			when: complaint.Assign{Assignee: complaint.Assignee{Unit: "Bijie prefecture PAO"}},
			want: []events.Payload{&complaint.Assigned{Assignee: complaint.Assignee{Unit: "Bijie prefecture PAO"}, AssignedAt: later}}},
		{name: "resolved complaint is not reassigned", given: resolvedOnce,
			when: complaint.Assign{Assignee: complaint.Assignee{OfficerID: "officer-9"}}, codes: []string{complaint.CodeWrongStatus}},

		// note
		{name: "assigned complaint is noted", given: open, when: complaint.AddNote{Text: "Called the village."},
			want: []events.Payload{&complaint.InvestigationNoted{Text: "Called the village.", NotedAt: later}}},
		{name: "blank note is refused", given: open, when: complaint.AddNote{Text: " \n"},
			codes: []string{complaint.CodeTextRequired}},
		{name: "resolved complaint is not noted", given: resolvedOnce, when: complaint.AddNote{Text: "More."},
			codes: []string{complaint.CodeWrongStatus}},
		{name: "closed complaint is not noted", given: closedOnce, when: complaint.AddNote{Text: "More."},
			codes: []string{complaint.CodeWrongStatus}},

		// resolve
		{name: "upheld with a corrective event is resolved", given: open, when: resolve(upheld()),
			want: []events.Payload{withResolvedAt(upheld(), later)}},
		{name: "upheld without a corrective event is refused", given: open,
			when:  complaint.Resolve{Outcome: complaint.OutcomeUpheld, Reply: "Fixed."},
			codes: []string{complaint.CodeUpheldWithoutCorrection}},
		{name: "not upheld with a reason is resolved", given: open,
			when: complaint.Resolve{Outcome: complaint.OutcomeNotUpheld, Reason: "Income above the line in 2017.", Reply: "See the reason."},
			want: []events.Payload{&complaint.Resolved{Outcome: complaint.OutcomeNotUpheld, Reason: "Income above the line in 2017.",
				Reply: "See the reason.", ResolvedAt: later}}},
		{name: "not upheld without a reason or reply is refused", given: open,
			when:  complaint.Resolve{Outcome: complaint.OutcomeNotUpheld},
			codes: []string{complaint.CodeReasonRequired, complaint.CodeReplyRequired}},
		{name: "not upheld with a corrective event is refused", given: open,
			when:  complaint.Resolve{Outcome: complaint.OutcomeNotUpheld, CorrectiveEventIDs: []events.ID{correction1}, Reason: "No.", Reply: "No."},
			codes: []string{complaint.CodeCorrectionWithoutUpheld}},
		{name: "the same corrective event linked twice and a zero one are refused", given: open,
			when:  complaint.Resolve{Outcome: complaint.OutcomeUpheld, CorrectiveEventIDs: []events.ID{correction1, {}, correction1}, Reply: "Fixed."},
			codes: []string{complaint.CodeEventIDRequired, complaint.CodeCorrectiveEventDuplicate}},
		{name: "more corrective events than the limit are refused", given: open,
			when:  complaint.Resolve{Outcome: complaint.OutcomeUpheld, CorrectiveEventIDs: manyIDs(complaint.CorrectiveEventsMax + 1), Reply: "Fixed."},
			codes: []string{complaint.CodeCorrectiveEventsTooMany}},
		{name: "exactly the limit of corrective events is resolved", given: open,
			when: complaint.Resolve{Outcome: complaint.OutcomeUpheld, CorrectiveEventIDs: manyIDs(complaint.CorrectiveEventsMax), Reply: "Fixed."},
			want: []events.Payload{&complaint.Resolved{Outcome: complaint.OutcomeUpheld,
				CorrectiveEventIDs: manyIDs(complaint.CorrectiveEventsMax), Reply: "Fixed.", ResolvedAt: later}}},
		{name: "unknown outcome is refused", given: open, when: complaint.Resolve{Outcome: "partly", Reply: "Hm."},
			codes: []string{complaint.CodeOutcomeUnknown}},
		{name: "acknowledged complaint is not resolved before it is assigned", given: open[:2], when: resolve(upheld()),
			codes: []string{complaint.CodeWrongStatus}},
		{name: "resolved complaint is not resolved again", given: resolvedOnce, when: resolve(upheld()),
			codes: []string{complaint.CodeWrongStatus}},

		// close
		{name: "resolved complaint is closed once answered", given: resolvedOnce, when: complaint.Close{ReplyMethod: complaint.ReplyLetter},
			want: []events.Payload{&complaint.Closed{ReplyMethod: complaint.ReplyLetter, ClosedAt: later}}},
		{name: "assigned complaint is not closed before it is resolved", given: open, when: complaint.Close{ReplyMethod: complaint.ReplyPhone},
			codes: []string{complaint.CodeWrongStatus}},
		{name: "closed complaint is not closed again", given: closedOnce, when: complaint.Close{ReplyMethod: complaint.ReplyPhone},
			codes: []string{complaint.CodeWrongStatus}},
		{name: "real-name complaint is not closed without answering", given: resolvedOnce, when: complaint.Close{ReplyMethod: complaint.ReplyNone},
			codes: []string{complaint.CodeReplyMethodRequired}},
		{name: "anonymous complaint is closed without answering",
			given: []events.Payload{anonymous(received(t)), acknowledged(), assigned(), upheld()},
			when:  complaint.Close{ReplyMethod: complaint.ReplyNone},
			want:  []events.Payload{&complaint.Closed{ReplyMethod: complaint.ReplyNone, ClosedAt: later}}},
		{name: "unknown reply method is refused", given: resolvedOnce, when: complaint.Close{ReplyMethod: "pigeon"},
			codes: []string{complaint.CodeReplyMethodUnknown}},

		// appeal
		{name: "closed complaint is appealed with a new resolve-by", given: closedOnce, when: complaint.Appeal{Reason: "Half arrived."},
			want: []events.Payload{&complaint.Appealed{Reason: "Half arrived.", AppealedAt: later, ResolveBy: at(2026, 4, 4, 0, 0)}}},
		{name: "resolved complaint not yet closed is appealed", given: resolvedOnce, when: complaint.Appeal{Reason: "Half arrived."},
			want: []events.Payload{&complaint.Appealed{Reason: "Half arrived.", AppealedAt: later, ResolveBy: at(2026, 4, 4, 0, 0)}}},
		{name: "appeal without a reason is refused", given: closedOnce, when: complaint.Appeal{},
			codes: []string{complaint.CodeReasonRequired}},
		{name: "open complaint is not appealed", given: open, when: complaint.Appeal{Reason: "Slow."},
			codes: []string{complaint.CodeWrongStatus}},
		{name: "appealed complaint is not appealed again before it is resolved", given: reopened, when: complaint.Appeal{Reason: "Slow."},
			codes: []string{complaint.CodeWrongStatus}},
		{name: "second appeal is accepted", given: append(slices.Clone(reopened), upheld()), when: complaint.Appeal{Reason: "Still half."},
			want: []events.Payload{&complaint.Appealed{Reason: "Still half.", AppealedAt: later, ResolveBy: at(2026, 4, 4, 0, 0)}}},
		{name: "third appeal is refused", given: twiceAppealed, when: complaint.Appeal{Reason: "Again."},
			codes: []string{complaint.CodeAppealsExhausted}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			when := tt.at
			if when.IsZero() {
				when = later
			}
			got, err := tt.when.Decide(given(t, tt.given...), env(t, when))
			check(t, got, err, tt.want, tt.codes)
		})
	}
}

func resolve(r *complaint.Resolved) complaint.Resolve {
	return complaint.Resolve{Outcome: r.Outcome, CorrectiveEventIDs: r.CorrectiveEventIDs, Reason: r.Reason, Reply: r.Reply}
}

func withResolvedAt(r *complaint.Resolved, when time.Time) *complaint.Resolved {
	r.ResolvedAt = when
	return r
}

func manyIDs(n int) []events.ID {
	ids := make([]events.ID, n)
	for i := range ids {
		ids[i] = events.DeriveID(correction1, string(rune('a'+i%26))+string(rune('0'+i/26)))
	}
	return ids
}

// TestFullLifecycle plays a complaint from receipt through an upheld
// resolution, closing, an appeal and a second resolution, deciding each step
// on the state the previous ones left.
func TestFullLifecycle(t *testing.T) {
	steps := []struct {
		when   complaint.Command
		at     time.Time
		status complaint.Status
	}{
		{receive(t), friday, complaint.StatusReceived},
		{complaint.Acknowledge{}, at(2026, 3, 9, 9, 0), complaint.StatusAcknowledged},
		{complaint.Assign{Assignee: complaint.Assignee{OfficerID: "officer-17", Unit: "Weining county PAO"}}, at(2026, 3, 9, 10, 0), complaint.StatusAssigned},
		{complaint.AddNote{Text: "Visited: the removal was never approved."}, at(2026, 3, 12, 16, 0), complaint.StatusAssigned},
		{complaint.Resolve{Outcome: complaint.OutcomeUpheld, CorrectiveEventIDs: []events.ID{correction1},
			Reply: "Re-enrolled; subsidy paid."}, at(2026, 3, 18, 11, 0), complaint.StatusResolved},
		{complaint.Close{ReplyMethod: complaint.ReplyPhone}, at(2026, 3, 18, 15, 0), complaint.StatusClosed},
		{complaint.Appeal{Reason: "Only half arrived."}, at(2026, 3, 20, 9, 0), complaint.StatusAppealed},
		{complaint.AddNote{Text: "The village kept half as a 'fee'."}, at(2026, 3, 25, 9, 0), complaint.StatusAppealed},
		{complaint.Resolve{Outcome: complaint.OutcomeUpheld, CorrectiveEventIDs: []events.ID{correction2, correction1},
			Reason: "Deduction by the village committee.", Reply: "The rest was paid; the cadre is disciplined."},
			at(2026, 3, 30, 10, 0), complaint.StatusResolved},
	}
	var s complaint.State
	var history []events.Payload
	for i, step := range steps {
		ps, err := step.when.Decide(s, env(t, step.at))
		if err != nil {
			t.Fatalf("step %d (%s): %v", i+1, step.when.Name(), err)
		}
		for _, p := range ps {
			if s, err = complaint.Evolve(s, events.Event{Type: p.EventType()}, p); err != nil {
				t.Fatalf("step %d: evolve: %v", i+1, err)
			}
			history = append(history, p)
		}
		if s.Status() != step.status {
			t.Fatalf("after step %d (%s): status %q, want %q", i+1, step.when.Name(), s.Status(), step.status)
		}
	}
	if len(history) != len(steps) {
		t.Fatalf("%d events for %d steps", len(history), len(steps))
	}
	r, ok := s.Resolution()
	if !ok || r.Outcome != complaint.OutcomeUpheld || !r.ResolvedAt.Equal(at(2026, 3, 30, 10, 0)) {
		t.Errorf("resolution = %+v, %v", r, ok)
	}
	if got := s.Resolutions(); len(got) != 2 || got[0].Reply != "Re-enrolled; subsidy paid." {
		t.Errorf("resolutions = %+v", got)
	}
	if diff := cmp.Diff([]events.ID{correction1, correction2}, s.CorrectiveEventIDs()); diff != "" {
		t.Errorf("corrective events (-want +got):\n%s", diff)
	}
	if s.Appeals() != 1 || s.Notes() != 2 || s.Assignee().OfficerID != "officer-17" || !s.AssignedAt().Equal(at(2026, 3, 9, 10, 0)) ||
		!s.AcknowledgedAt().Equal(at(2026, 3, 9, 9, 0)) || !s.AppealedAt().Equal(at(2026, 3, 20, 9, 0)) ||
		!s.LastNotedAt().Equal(at(2026, 3, 25, 9, 0)) || !s.ClosedAt().IsZero() || s.ReplyMethod() != "" {
		t.Errorf("state = %+v", s)
	}
	// The appeal set a new resolve-by: 15 days from 20 March.
	if want := at(2026, 4, 5, 0, 0); !s.Due().ResolveBy.Equal(want) {
		t.Errorf("resolve-by = %s, want %s", s.Due().ResolveBy, want)
	}
	if m := complaint.Overdue(s, at(2026, 4, 30, 0, 0)); m.Any() {
		t.Errorf("a complaint handled in time is flagged %+v", m)
	}
}

func TestStateCopiesDoNotShareResolutions(t *testing.T) {
	base := given(t, received(t), acknowledged(), assigned(), upheld(), closed(), appealed())
	a, _ := complaint.Evolve(base, events.Event{}, upheld())
	other := upheld()
	other.CorrectiveEventIDs = []events.ID{correction2}
	b, _ := complaint.Evolve(base, events.Event{}, other)
	if a.Resolutions()[1].CorrectiveEventIDs[0] != correction1 || b.Resolutions()[1].CorrectiveEventIDs[0] != correction2 {
		t.Fatal("two states folded from one base share their resolutions")
	}
	a.Resolutions()[0].CorrectiveEventIDs[0] = correction2
	if a.Resolutions()[0].CorrectiveEventIDs[0] != correction1 {
		t.Fatal("Resolutions exposes the state's own slice")
	}
}

func TestEvolveRefusesImpossibleStreams(t *testing.T) {
	tests := []struct {
		name  string
		given []events.Payload
		next  events.Payload
	}{
		{"an event before the receipt", nil, acknowledged()},
		{"a second receipt", []events.Payload{received(t)}, received(t)},
		{"an event of another aggregate", []events.Payload{received(t)}, &foreign{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := complaint.Evolve(given(t, tt.given...), events.Event{Type: tt.next.EventType()}, tt.next); err == nil {
				t.Fatal("evolve accepted it")
			}
		})
	}
}

type foreign struct{}

func (*foreign) EventType() string { return "household.enrolled.v1" }
func (*foreign) Validate() error   { return nil }
