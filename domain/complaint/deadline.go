package complaint

import (
	"fmt"
	"sort"
	"time"

	"github.com/drip-ledger/drip/domain"
)

// Deadline is how long the desk has for one category of complaint.
type Deadline struct {
	// AcknowledgeWorkingDays: the complaint is acknowledged by the end of the
	// Nth working day after the day it was received.
	AcknowledgeWorkingDays int `json:"acknowledgeWorkingDays"`
	// ResolveDays: it is resolved by the end of the Nth calendar day after
	// the day it was received (or appealed).
	ResolveDays int `json:"resolveDays"`
}

// DefaultDeadline applies to every category Deadlines does not name.
var DefaultDeadline = Deadline{AcknowledgeWorkingDays: 2, ResolveDays: 15}

// Bounds of a configured deadline: a zero day would make every complaint
// late on arrival, and a year is longer than any rule allows a complaint to
// wait.
const (
	AcknowledgeWorkingDaysMax = 30
	ResolveDaysMax            = 365
)

// Deadlines is the configuration of deadlines per category. A category it
// does not name has DefaultDeadline; the nil Deadlines is every default.
type Deadlines map[Category]Deadline

// For returns the deadline of category c.
func (d Deadlines) For(c Category) Deadline {
	if v, ok := d[c]; ok {
		return v
	}
	return DefaultDeadline
}

// Validate reports every bad entry at once.
func (d Deadlines) Validate() error {
	var ps domain.Problems
	keys := make([]string, 0, len(d))
	for c := range d {
		keys = append(keys, string(c))
	}
	sort.Strings(keys) // report in a stable order
	for _, k := range keys {
		c, v := Category(k), d[Category(k)]
		if !c.Valid() {
			ps.Addf(k, CodeCategoryUnknown, "category %q is not one of %v", k, Categories())
			continue
		}
		if v.AcknowledgeWorkingDays < 1 || v.AcknowledgeWorkingDays > AcknowledgeWorkingDaysMax {
			ps.Addf(k+".acknowledgeWorkingDays", CodeDeadlineOutOfRange, "%d is not between 1 and %d working days", v.AcknowledgeWorkingDays, AcknowledgeWorkingDaysMax)
		}
		if v.ResolveDays < 1 || v.ResolveDays > ResolveDaysMax {
			ps.Addf(k+".resolveDays", CodeDeadlineOutOfRange, "%d is not between 1 and %d days", v.ResolveDays, ResolveDaysMax)
		}
	}
	return ps.Err()
}

// ChinaTime is the time zone every deadline is counted in: China Standard
// Time, UTC+8, which has had no daylight saving since 1991. It is a fixed
// zone rather than time.LoadLocation("Asia/Shanghai") because loading the
// zone database is I/O, and the domain does none. A complaint received at
// 17:30 UTC on a Friday was received on Saturday in China, and its days are
// counted from Saturday.
var ChinaTime = time.FixedZone("CST", 8*60*60)

// HolidaysMax bounds the holiday calendar: ten years of public holidays.
const HolidaysMax = 400

// Holidays is a set of dates (in China) on which no working day is counted:
// the public holidays the State Council announces each year. The zero value
// is empty.
type Holidays struct{ days map[civilDate]bool }

type civilDate struct {
	year  int
	month time.Month
	day   int
}

func dateOf(t time.Time) civilDate {
	y, m, d := t.In(ChinaTime).Date()
	return civilDate{y, m, d}
}

// NewHolidays reads dates written 2006-01-02 and reports every bad one at
// once.
func NewHolidays(dates ...string) (Holidays, error) {
	var ps domain.Problems
	if len(dates) > HolidaysMax {
		ps.Addf("holidays", CodeHolidaysTooMany, "%d holidays, above the limit of %d", len(dates), HolidaysMax)
		return Holidays{}, ps.Err()
	}
	h := Holidays{days: make(map[civilDate]bool, len(dates))}
	for i, s := range dates {
		t, err := time.ParseInLocation(time.DateOnly, s, ChinaTime)
		if err != nil {
			ps.Addf(fmt.Sprintf("holidays[%d]", i), CodeHolidayDate, "%q is not a date written 2006-01-02", s)
			continue
		}
		h.days[dateOf(t)] = true
	}
	if err := ps.Err(); err != nil {
		return Holidays{}, err
	}
	return h, nil
}

// Contains reports whether t falls, in China, on one of the holidays.
func (h Holidays) Contains(t time.Time) bool { return h.days[dateOf(t)] }

// Len is the number of holidays.
func (h Holidays) Len() int { return len(h.days) }

// WorkingDay reports whether t falls, in China, on a working day: not a
// Saturday, not a Sunday, not one of the holidays.
//
// The State Council also moves working days onto weekends around the long
// holidays (调休); those make-up days are not counted as working days here,
// which errs on the complainant's side by at most a day.
func (h Holidays) WorkingDay(t time.Time) bool {
	switch t.In(ChinaTime).Weekday() {
	case time.Saturday, time.Sunday:
		return false
	}
	return !h.Contains(t)
}

// Due is a complaint's deadlines. Each is the instant its day ends in China
// (midnight starting the next day): an act at or before it is in time, an act
// after it is late.
type Due struct {
	AcknowledgeBy time.Time `json:"acknowledgeBy"`
	ResolveBy     time.Time `json:"resolveBy"`
}

// DueDates computes the deadlines of a complaint of category c received at
// received, under deadlines and holidays. Days are counted in ChinaTime, and
// the day of receipt never counts, whatever the hour: "within two working
// days" gives the desk two whole working days.
//   - acknowledge-by: the end of the Nth working day after the day of
//     receipt (working days skip Saturdays, Sundays and holidays). Received
//     Friday afternoon, N = 2: the end of Tuesday; with Monday a holiday, the
//     end of Wednesday. Received on a Saturday: still the end of Tuesday.
//   - resolve-by: the end of the Nth calendar day after the day of receipt,
//     weekends and holidays included.
func DueDates(received time.Time, c Category, deadlines Deadlines, holidays Holidays) Due {
	d := deadlines.For(c)
	return Due{
		AcknowledgeBy: endOfDay(addWorkingDays(received, d.AcknowledgeWorkingDays, holidays)),
		ResolveBy:     resolveBy(received, d),
	}
}

// resolveBy is the end of the calendar day d.ResolveDays after from's day.
func resolveBy(from time.Time, d Deadline) time.Time {
	return endOfDay(midnight(from).AddDate(0, 0, d.ResolveDays))
}

func addWorkingDays(from time.Time, n int, h Holidays) time.Time {
	day := midnight(from)
	// Bounded: n is at most AcknowledgeWorkingDaysMax once validated, and a
	// holiday set of HolidaysMax days cannot hold the count back longer.
	for counted, steps := 0, 0; counted < n && steps < 4*HolidaysMax; steps++ {
		day = day.AddDate(0, 0, 1)
		if h.WorkingDay(day) {
			counted++
		}
	}
	return day
}

// midnight is the start of t's day in China.
func midnight(t time.Time) time.Time {
	y, m, d := t.In(ChinaTime).Date()
	return time.Date(y, m, d, 0, 0, 0, 0, ChinaTime)
}

// endOfDay is the instant t's day ends in China: the next midnight.
func endOfDay(t time.Time) time.Time { return midnight(t).AddDate(0, 0, 1) }

// Missed says which of a complaint's deadlines were missed: flags for the
// complaint queue.
type Missed struct {
	// Acknowledge: not acknowledged by acknowledge-by — still waiting after
	// it, or acknowledged after it.
	Acknowledge bool `json:"acknowledge"`
	// Resolve: the current investigation (the latest after an appeal) was not
	// resolved by its resolve-by — still open after it, or resolved after it.
	Resolve bool `json:"resolve"`
}

// Any reports whether any deadline was missed.
func (m Missed) Any() bool { return m.Acknowledge || m.Resolve }

// Overdue says which deadlines of s are missed at now. An act exactly at a
// deadline is in time, and so is a complaint looked at exactly then. The
// deadlines are those recorded in s's events (see the package doc), so
// Overdue needs no configuration. A complaint not yet received misses
// nothing.
func Overdue(s State, now time.Time) Missed {
	if s.status == StatusNone {
		return Missed{}
	}
	return Missed{
		Acknowledge: late(s.acknowledgedAt, s.due.AcknowledgeBy, now),
		Resolve:     late(s.resolution.ResolvedAt, s.due.ResolveBy, now),
	}
}

// late reports whether an act done at done (zero if not yet) missed by,
// looked at now.
func late(done, by, now time.Time) bool {
	if done.IsZero() {
		return now.After(by)
	}
	return done.After(by)
}
