package scorecard_test

import (
	"testing"

	"github.com/drip-ledger/drip/domain"
	"github.com/drip-ledger/drip/domain/scorecard"
)

func TestStandingBoundaries(t *testing.T) {
	th := scorecard.Default().Thresholds
	tests := []struct {
		name  string
		total int
		want  scorecard.Standing
	}{
		{"0 is poor", 0, scorecard.StandingPoor},
		{"59 is poor", 59, scorecard.StandingPoor},
		{"exactly 60 is unstable, no longer poor by score", 60, scorecard.StandingUnstable},
		{"exactly 80 is still unstable", 80, scorecard.StandingUnstable},
		{"81 can exit", 81, scorecard.StandingCanExit},
		{"100 can exit", 100, scorecard.StandingCanExit},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := th.Standing(tt.total); got != tt.want {
				t.Errorf("Standing(%d) = %s, want %s", tt.total, got, tt.want)
			}
		})
	}
}

func TestPoorNeedsBothALowScoreAndALowIncome(t *testing.T) {
	th := scorecard.Default().Thresholds
	line, err := domain.DefaultPovertyLines().Line(2014) // 2,800 yuan
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name      string
		total     int
		incomeFen domain.Fen
		want      bool
	}{
		{"low score and income below the line is poor", 41, 2000 * domain.FenPerYuan, true},
		{"a fen below the line is poor", 59, line - 1, true},
		{"income exactly at the line is not poor", 59, line, false},
		{"low score but income above the line is not poor", 41, 3500 * domain.FenPerYuan, false},
		{"exactly 60 points is not poor even with no income", 60, 0, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := th.Poor(tt.total, tt.incomeFen, line); got != tt.want {
				t.Errorf("Poor(%d, %s, %s) = %v, want %v", tt.total, tt.incomeFen, line, got, tt.want)
			}
		})
	}
}
