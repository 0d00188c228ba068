package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/drip-ledger/drip/domain"
	"github.com/drip-ledger/drip/domain/complaint"
)

func writeFile(t *testing.T, dir, name, text string) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestSettingsFromAFileOverrideTheDefaults(t *testing.T) {
	p := writeFile(t, t.TempDir(), "drip.json", `{
		"povertyLinesFen": {"2030": 500000},
		"complaintDeadlines": {"money_not_received": {"acknowledgeWorkingDays": 1, "resolveDays": 10}},
		"holidays": ["2026-10-01"]
	}`)
	s, err := loadSettings(p)
	if err != nil {
		t.Fatal(err)
	}
	if line, err := s.lines.Line(2030); err != nil || line != 500000 {
		t.Errorf("2030 line = %v, %v", line, err)
	}
	if _, err := s.lines.Line(2014); err != nil {
		t.Errorf("the default 2014 line was lost: %v", err)
	}
	if d := s.rules.Deadlines.For(complaint.CategoryMoneyNotReceived); d.ResolveDays != 10 {
		t.Errorf("deadline = %+v", d)
	}
	if s.rules.Holidays.Len() != 1 || s.scorecards == nil {
		t.Errorf("holidays %d, scorecards %v", s.rules.Holidays.Len(), s.scorecards)
	}
}

func TestSettingsFileWithSeveralMistakesNamesEach(t *testing.T) {
	dir := t.TempDir()
	p := writeFile(t, dir, "drip.json", `{
		"povertyLinesFen": {"2030": -5},
		"complaintDeadlines": {"money_not_received": {"acknowledgeWorkingDays": 0, "resolveDays": 10}},
		"holidays": ["1 October"],
		"scorecardsDir": "`+filepath.Join(dir, "cards")+`"
	}`)
	if err := os.Mkdir(filepath.Join(dir, "cards"), 0o755); err != nil {
		t.Fatal(err)
	}
	writeFile(t, filepath.Join(dir, "cards"), "bad.json", `{"id": "x"}`)
	_, err := loadSettings(p)
	if err == nil {
		t.Fatal("a bad configuration was accepted")
	}
	for _, want := range []string{"povertyLinesFen", "holidays[0]", "money_not_received", "bad.json"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error does not name %s:\n%v", want, err)
		}
	}
	if _, err := loadSettings(writeFile(t, dir, "typo.json", `{"povertyLine": {}}`)); err == nil {
		t.Error("an unknown setting was accepted")
	}
}

func TestSettingsBoundBusinessTimes(t *testing.T) {
	p := writeFile(t, t.TempDir(), "drip.json", `{"businessLagMaxDays": 90, "businessSkewMaxMinutes": 5}`)
	s, err := loadSettings(p)
	if err != nil {
		t.Fatal(err)
	}
	if s.bounds.LagMax != 90*24*time.Hour || s.bounds.SkewMax != 5*time.Minute {
		t.Fatalf("bounds %+v", s.bounds)
	}
	for _, bad := range []string{`{"businessLagMaxDays": 3650}`, `{"businessSkewMaxMinutes": -1}`} {
		if _, err := loadSettings(writeFile(t, t.TempDir(), "drip.json", bad)); err == nil {
			t.Errorf("%s accepted", bad)
		}
	}
}

func TestSettingsSizeTheAggregateCache(t *testing.T) {
	s, err := loadSettings("")
	if err != nil || s.cacheMax != domain.AggregateCacheMax || s.cacheEventsMax != domain.AggregateCacheEventsMax {
		t.Fatalf("defaults %d, %d, %v", s.cacheMax, s.cacheEventsMax, err)
	}
	p := writeFile(t, t.TempDir(), "drip.json", `{"aggregateCacheMax": 0, "aggregateCacheEventsMax": 1000}`)
	if s, err = loadSettings(p); err != nil || s.cacheMax != 0 || s.cacheEventsMax != 1000 {
		t.Fatalf("from the file %d, %d, %v; want 0 (off), 1000", s.cacheMax, s.cacheEventsMax, err)
	}
	for _, bad := range []string{`{"aggregateCacheMax": -1}`, `{"aggregateCacheEventsMax": 1000000000}`} {
		if _, err := loadSettings(writeFile(t, t.TempDir(), "drip.json", bad)); err == nil {
			t.Errorf("%s accepted", bad)
		}
	}
}
