package complaint_test

import (
	"testing"
	"time"

	"github.com/drip-ledger/drip/domain/complaint"
	"github.com/drip-ledger/drip/events"
)

func holidays(t *testing.T, dates ...string) complaint.Holidays {
	t.Helper()
	h, err := complaint.NewHolidays(dates...)
	if err != nil {
		t.Fatal(err)
	}
	return h
}

func TestDueDates(t *testing.T) {
	// March 2026: Sunday the 1st, Friday the 6th. October 2026: the
	// National Day holiday is Thursday 1 to Wednesday 7.
	nationalDay := []string{"2026-10-01", "2026-10-02", "2026-10-03", "2026-10-04", "2026-10-05", "2026-10-06", "2026-10-07"}
	tests := []struct {
		name          string
		received      time.Time
		category      complaint.Category
		deadlines     complaint.Deadlines
		holidays      []string
		acknowledgeBy time.Time
		resolveBy     time.Time
	}{
		{name: "Friday afternoon is acknowledged by the end of Tuesday and resolved by the end of the 15th day",
			received: friday, acknowledgeBy: at(2026, 3, 11, 0, 0), resolveBy: at(2026, 3, 22, 0, 0)},
		{name: "Friday just before midnight counts from Friday",
			received: at(2026, 3, 6, 23, 59).Add(59 * time.Second), acknowledgeBy: at(2026, 3, 11, 0, 0), resolveBy: at(2026, 3, 22, 0, 0)},
		{name: "Saturday is acknowledged by the end of Tuesday too",
			received: at(2026, 3, 7, 10, 0), acknowledgeBy: at(2026, 3, 11, 0, 0), resolveBy: at(2026, 3, 23, 0, 0)},
		{name: "Sunday is acknowledged by the end of Tuesday too",
			received: at(2026, 3, 8, 10, 0), acknowledgeBy: at(2026, 3, 11, 0, 0), resolveBy: at(2026, 3, 24, 0, 0)},
		{name: "Monday morning does not count its own day",
			received: at(2026, 3, 9, 8, 0), acknowledgeBy: at(2026, 3, 12, 0, 0), resolveBy: at(2026, 3, 25, 0, 0)},
		{name: "a holiday on the Monday pushes acknowledgement to the end of Wednesday, not resolution",
			received: friday, holidays: []string{"2026-03-09"}, acknowledgeBy: at(2026, 3, 12, 0, 0), resolveBy: at(2026, 3, 22, 0, 0)},
		{name: "a holiday on a weekend changes nothing",
			received: friday, holidays: []string{"2026-03-07", "2026-03-08"}, acknowledgeBy: at(2026, 3, 11, 0, 0), resolveBy: at(2026, 3, 22, 0, 0)},
		{name: "the eve of the National Day week waits for the week after",
			received: at(2026, 9, 30, 16, 0), holidays: nationalDay, acknowledgeBy: at(2026, 10, 10, 0, 0), resolveBy: at(2026, 10, 16, 0, 0)},
		{name: "New Year's Eve crosses into the next year",
			received: at(2026, 12, 31, 11, 0), holidays: []string{"2027-01-01"}, acknowledgeBy: at(2027, 1, 6, 0, 0), resolveBy: at(2027, 1, 16, 0, 0)},
		{name: "a UTC time is counted on its day in China",
			// Thursday 16:30 UTC is Friday 00:30 in China.
			received: time.Date(2026, 3, 5, 16, 30, 0, 0, time.UTC), acknowledgeBy: at(2026, 3, 11, 0, 0), resolveBy: at(2026, 3, 22, 0, 0)},
		{name: "a category's configured deadline replaces the default",
			received: friday, category: complaint.CategoryProjectQuality,
			deadlines:     complaint.Deadlines{complaint.CategoryProjectQuality: {AcknowledgeWorkingDays: 5, ResolveDays: 30}},
			acknowledgeBy: at(2026, 3, 14, 0, 0), resolveBy: at(2026, 4, 6, 0, 0)},
		{name: "a category the configuration does not name keeps the default",
			received:      friday,
			deadlines:     complaint.Deadlines{complaint.CategoryProjectQuality: {AcknowledgeWorkingDays: 5, ResolveDays: 30}},
			acknowledgeBy: at(2026, 3, 11, 0, 0), resolveBy: at(2026, 3, 22, 0, 0)},
		{name: "one working day and one day are the shortest deadlines",
			received: friday, deadlines: complaint.Deadlines{complaint.CategoryMoneyNotReceived: {AcknowledgeWorkingDays: 1, ResolveDays: 1}},
			acknowledgeBy: at(2026, 3, 10, 0, 0), resolveBy: at(2026, 3, 8, 0, 0)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := tt.category
			if c == "" {
				c = complaint.CategoryMoneyNotReceived
			}
			got := complaint.DueDates(tt.received, c, tt.deadlines, holidays(t, tt.holidays...))
			if !got.AcknowledgeBy.Equal(tt.acknowledgeBy) || !got.ResolveBy.Equal(tt.resolveBy) {
				t.Errorf("due = %s / %s, want %s / %s", got.AcknowledgeBy, got.ResolveBy, tt.acknowledgeBy, tt.resolveBy)
			}
		})
	}
}

func TestReceiveUsesTheRulesInForce(t *testing.T) {
	e := env(t, friday)
	e.Rules = complaint.Rules{Holidays: holidays(t, "2026-03-09")}
	got, err := receive(t).Decide(complaint.State{}, e)
	if err != nil {
		t.Fatal(err)
	}
	if r := got[0].(*complaint.Received); !r.AcknowledgeBy.Equal(at(2026, 3, 12, 0, 0)) {
		t.Errorf("acknowledge-by = %s, want the end of Wednesday", r.AcknowledgeBy)
	}
}

func TestOverdue(t *testing.T) {
	lateAck := &complaint.Acknowledged{AcknowledgedAt: ackBy.Add(time.Second)}
	tests := []struct {
		name  string
		given []events.Payload
		now   time.Time
		want  complaint.Missed
	}{
		{name: "a complaint not received misses nothing", now: resolveB.Add(time.Hour)},
		{name: "unacknowledged exactly at the deadline is not overdue",
			given: []events.Payload{received(t)}, now: ackBy},
		{name: "unacknowledged a moment after the deadline is overdue",
			given: []events.Payload{received(t)}, now: ackBy.Add(time.Nanosecond), want: complaint.Missed{Acknowledge: true}},
		{name: "acknowledged exactly at the deadline stays in time",
			given: []events.Payload{received(t), &complaint.Acknowledged{AcknowledgedAt: ackBy}}, now: ackBy.Add(time.Hour)},
		{name: "acknowledged late stays flagged",
			given: []events.Payload{received(t), lateAck}, now: ackBy.Add(time.Hour), want: complaint.Missed{Acknowledge: true}},
		{name: "unresolved exactly at the deadline is not overdue",
			given: []events.Payload{received(t), acknowledged(), assigned()}, now: resolveB},
		{name: "unresolved a moment after the deadline is overdue",
			given: []events.Payload{received(t), acknowledged(), assigned()}, now: resolveB.Add(time.Nanosecond),
			want: complaint.Missed{Resolve: true}},
		{name: "unacknowledged and unresolved after both deadlines is overdue twice",
			given: []events.Payload{received(t)}, now: resolveB.Add(time.Nanosecond),
			want: complaint.Missed{Acknowledge: true, Resolve: true}},
		{name: "resolved in time is never overdue",
			given: []events.Payload{received(t), acknowledged(), assigned(), upheld(), closed()}, now: resolveB.AddDate(1, 0, 0)},
		{name: "resolved late stays flagged",
			given: []events.Payload{received(t), acknowledged(), assigned(), withResolvedAt(upheld(), resolveB.Add(time.Minute))},
			now:   resolveB.AddDate(0, 1, 0), want: complaint.Missed{Resolve: true}},
		{name: "an appeal's investigation is measured against the appeal's deadline",
			given: []events.Payload{received(t), acknowledged(), assigned(), upheld(), closed(), appealed()},
			now:   appealed().ResolveBy},
		{name: "an appeal's investigation past the appeal's deadline is overdue",
			given: []events.Payload{received(t), acknowledged(), assigned(), upheld(), closed(), appealed()},
			now:   appealed().ResolveBy.Add(time.Nanosecond), want: complaint.Missed{Resolve: true}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := complaint.Overdue(given(t, tt.given...), tt.now); got != tt.want {
				t.Errorf("missed = %+v, want %+v", got, tt.want)
			}
		})
	}
}

func TestDeadlinesValidateNamesEveryBadEntry(t *testing.T) {
	if err := complaint.Deadlines(nil).Validate(); err != nil {
		t.Fatalf("the defaults are refused: %v", err)
	}
	d := complaint.Deadlines{
		"other":                          {AcknowledgeWorkingDays: 2, ResolveDays: 15},
		complaint.CategoryProjectQuality: {AcknowledgeWorkingDays: 0, ResolveDays: complaint.ResolveDaysMax + 1},
		complaint.CategoryMoneyDeducted:  {AcknowledgeWorkingDays: complaint.AcknowledgeWorkingDaysMax, ResolveDays: complaint.ResolveDaysMax},
	}
	check(t, nil, d.Validate(), nil, []string{complaint.CodeCategoryUnknown, complaint.CodeDeadlineOutOfRange, complaint.CodeDeadlineOutOfRange})
}

func TestNewHolidays(t *testing.T) {
	h := holidays(t, "2026-10-01")
	if !h.Contains(at(2026, 10, 1, 23, 0)) || h.Contains(at(2026, 10, 2, 0, 0)) || h.Len() != 1 {
		t.Error("holiday membership is wrong")
	}
	if h.WorkingDay(at(2026, 10, 1, 9, 0)) || h.WorkingDay(at(2026, 3, 7, 9, 0)) || !h.WorkingDay(at(2026, 3, 9, 9, 0)) {
		t.Error("working days are wrong")
	}
	_, err := complaint.NewHolidays("2026-13-01", "2026-10-01", "next Monday")
	check(t, nil, err, nil, []string{complaint.CodeHolidayDate, complaint.CodeHolidayDate})
	_, err = complaint.NewHolidays(make([]string, complaint.HolidaysMax+1)...)
	check(t, nil, err, nil, []string{complaint.CodeHolidaysTooMany})
}
