package fund_test

import (
	"testing"
	"time"

	"github.com/drip-ledger/drip/domain/fund"
)

// The project's publicity runs at least ten days of recorded time. Before,
// a publicity with startsAt 2019-01-01 and endsAt 2019-01-11 was accepted
// in 2026 and closed at once: the window for objections never existed.
func TestPublicityRunsOnRecordedTime(t *testing.T) {
	old := time.Date(2019, 1, 1, 9, 0, 0, 0, cst)
	tests := []struct {
		name string
		when fund.StartPublicity
		at   time.Time
		then decision
	}{
		{"a window wholly in the past is refused", fund.StartPublicity{StartsAt: old, EndsAt: old.AddDate(0, 0, 10), Place: "board"}, later,
			refused(fund.CodePublicityTooShort)},
		{"a window that started days ago counts from when it is posted", fund.StartPublicity{StartsAt: later.AddDate(0, 0, -5),
			EndsAt: later.AddDate(0, 0, 9), Place: "board"}, later, refused(fund.CodePublicityTooShort)},
		{"ten days from the posting are enough", fund.StartPublicity{StartsAt: later.AddDate(0, 0, -5),
			EndsAt: later.AddDate(0, 0, 10), Place: "board"}, later,
			then(&fund.PublicityStarted{StartsAt: later.AddDate(0, 0, -5), EndsAt: later.AddDate(0, 0, 10), Place: "board"})},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := tt.when.Decide(givenProject(t, approvedP()), env(tt.at))
			check(t, got, err, tt.then)
		})
	}
}

// A publicity recorded with dates in the past (as before the rule) still
// runs ten days from when it was recorded: objections are heard and money
// is held until then.
func TestRecordedPublicityCannotBeShortened(t *testing.T) {
	old := time.Date(2019, 1, 1, 9, 0, 0, 0, cst)
	given := append(approvedP(), &fund.PublicityStarted{StartsAt: old, EndsAt: old.AddDate(0, 0, 7), Place: "board"})
	recordedAt := t0.Add(time.Duration(len(given)-1) * time.Hour) // eventsOf: an hour apart from t0
	s := givenProject(t, given)
	in, after := recordedAt.AddDate(0, 0, 9), recordedAt.AddDate(0, 0, 10)

	got, err := fund.RaiseObjection{RaisedBy: "Li Si", Statement: "my household was left out"}.Decide(s, env(in))
	check(t, got, err, then(&fund.ObjectionRaised{Number: 1, RaisedBy: "Li Si", Statement: "my household was left out"}))
	_, err = fund.StartImplementation{}.Decide(s, env(in))
	check(t, nil, err, refused(fund.CodePublicityOpen))
	_, err = fund.RaiseObjection{RaisedBy: "Li Si", Statement: "late"}.Decide(s, env(after))
	check(t, nil, err, refused(fund.CodePublicityClosed))
	got, err = fund.StartImplementation{}.Decide(s, env(after))
	check(t, got, err, then(&fund.ImplementationStarted{PublicityEndedAt: old.AddDate(0, 0, 7)}))
}
