package domain_test

import (
	"testing"
	"time"

	"github.com/drip-ledger/drip/domain"
)

func TestTimeBoundsCheck(t *testing.T) {
	rec := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	b := domain.DefaultTimeBounds()
	cases := []struct {
		name     string
		business time.Time
		backfill bool
		want     string
	}{
		{"zero business time is the command's business", time.Time{}, false, ""},
		{"same instant accepted", rec, false, ""},
		{"skew at the bound accepted", rec.Add(domain.BusinessSkewMaxDefault), false, ""},
		{"beyond skew refused", rec.Add(domain.BusinessSkewMaxDefault + time.Second), false, domain.CodeTimeInFuture},
		{"future refused even in backfill", rec.Add(400 * 24 * time.Hour), true, domain.CodeTimeInFuture},
		{"lag at the bound accepted", rec.Add(-domain.BusinessLagMaxDefault), false, ""},
		{"beyond lag needs backfill", rec.Add(-domain.BusinessLagMaxDefault - time.Second), false, domain.CodeBackfillRequired},
		{"beyond lag in backfill accepted", rec.AddDate(-7, 0, 0), true, ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			err := b.Check("heldAt", c.business, rec, c.backfill)
			got := ""
			if codes := domain.Codes(err); len(codes) > 0 {
				got = codes[0]
			} else if err != nil {
				t.Fatalf("error without a code: %v", err)
			}
			if got != c.want {
				t.Fatalf("Check = %v, want code %q", err, c.want)
			}
		})
	}
}

func TestTimeBoundsZeroValueUsesDefaults(t *testing.T) {
	rec := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	err := domain.TimeBounds{}.Check("heldAt", rec.Add(time.Hour), rec, false)
	if c := domain.Codes(err); len(c) != 1 || c[0] != domain.CodeTimeInFuture {
		t.Fatalf("zero TimeBounds: %v, want time_in_future", err)
	}
	custom := domain.TimeBounds{SkewMax: time.Minute, LagMax: time.Hour}
	if err := custom.Check("heldAt", rec.Add(-2*time.Hour), rec, false); len(domain.Codes(err)) != 1 {
		t.Fatalf("custom LagMax of one hour accepted two hours: %v", err)
	}
}
