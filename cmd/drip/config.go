package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"time"

	"github.com/drip-ledger/drip/domain"
	"github.com/drip-ledger/drip/domain/complaint"
	"github.com/drip-ledger/drip/domain/scorecard"
)

// settings are the rules' configuration a deployment may change without
// code: the yearly poverty lines, the complaint desk's deadlines and
// holidays, and extra scorecards.
type settings struct {
	lines      domain.PovertyLines
	rules      complaint.Rules
	scorecards *scorecard.Catalog
	// bounds bound business times against recorded time (zero: defaults).
	bounds    domain.TimeBounds
	divisions *domain.Divisions
	// cacheMax and cacheEventsMax size the commands' aggregate cache
	// (domain.NewCache; 0 entries disables it).
	cacheMax, cacheEventsMax int
}

// fileConfig is the JSON of `drip serve --config FILE`, for example:
//
//	{
//	  "povertyLinesFen": {"2014": 280000, "2015": 285500},
//	  "complaintDeadlines": {"money_not_received": {"acknowledgeWorkingDays": 1, "resolveDays": 10}},
//	  "holidays": ["2026-10-01", "2026-10-02"],
//	  "scorecardsDir": "/etc/drip/cards",
//	  "businessLagMaxDays": 31, "businessSkewMaxMinutes": 10,
//	  "divisionsFile": "/etc/drip/divisions.csv",
//	  "aggregateCacheMax": 4096, "aggregateCacheEventsMax": 250000
//	}
//
// Lines it names replace the default line of that year; categories it does
// not name keep the default deadlines (2 working days, 15 days); cards in
// scorecardsDir are added to the built-in ones; the places of divisionsFile
// (lines of code,name,level; see domain.ParseDivisions) are added to the
// embedded registry of the demo county, Weining.
type fileConfig struct {
	PovertyLinesFen    domain.PovertyLines `json:"povertyLinesFen"`
	ComplaintDeadlines complaint.Deadlines `json:"complaintDeadlines"`
	Holidays           []string            `json:"holidays"`
	ScorecardsDir      string              `json:"scorecardsDir"`
	// BusinessLagMaxDays is how many days a business time may lag the
	// recorded time without an explicit backfill (domain.TimeBounds).
	BusinessLagMaxDays int `json:"businessLagMaxDays"`
	// BusinessSkewMaxMinutes is how far ahead of the recorded time a
	// business time may be.
	BusinessSkewMaxMinutes int    `json:"businessSkewMaxMinutes"`
	DivisionsFile          string `json:"divisionsFile"`
	// AggregateCacheMax and AggregateCacheEventsMax size the commands'
	// cache of aggregates (default domain.AggregateCacheMax and
	// domain.AggregateCacheEventsMax; 0 aggregates turns it off).
	AggregateCacheMax       *int `json:"aggregateCacheMax"`
	AggregateCacheEventsMax *int `json:"aggregateCacheEventsMax"`
}

// Bounds of the aggregate cache's sizes in a configuration file.
const (
	aggregateCacheMaxMax       = 1_000_000
	aggregateCacheEventsMaxMax = 100_000_000
)

// divisionsBytesMax bounds a division registry file: a national one (about
// 700,000 villages of some 60 bytes) fits.
const divisionsBytesMax = 64 << 20

// configBytesMax bounds a configuration file.
const configBytesMax = 1 << 20

// loadSettings reads path ("" means defaults) and reports every problem in
// it at once.
func loadSettings(path string) (settings, error) {
	s := settings{lines: domain.DefaultPovertyLines(), scorecards: scorecard.Builtin(), divisions: domain.WeiningDivisions(),
		cacheMax: domain.AggregateCacheMax, cacheEventsMax: domain.AggregateCacheEventsMax}
	if path == "" {
		return s, nil
	}
	raw, err := os.ReadFile(path)
	if err != nil {
		return s, err
	}
	if len(raw) > configBytesMax {
		return s, fmt.Errorf("%s: %d bytes, above the limit of %d", path, len(raw), configBytesMax)
	}
	var fc fileConfig
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&fc); err != nil {
		return s, fmt.Errorf("%s: %w", path, err)
	}
	var errs []error
	for year, line := range fc.PovertyLinesFen {
		s.lines[year] = line
	}
	if err := s.lines.Validate(); err != nil {
		errs = append(errs, fmt.Errorf("povertyLinesFen: %w", err))
	}
	s.rules.Deadlines = fc.ComplaintDeadlines
	if s.rules.Holidays, err = complaint.NewHolidays(fc.Holidays...); err != nil {
		errs = append(errs, err)
	}
	if err := s.rules.Validate(); err != nil {
		errs = append(errs, err)
	}
	s.bounds = domain.TimeBounds{SkewMax: time.Duration(fc.BusinessSkewMaxMinutes) * time.Minute,
		LagMax: time.Duration(fc.BusinessLagMaxDays) * 24 * time.Hour}
	if fc.BusinessLagMaxDays < 0 || fc.BusinessLagMaxDays > 366 || fc.BusinessSkewMaxMinutes < 0 || fc.BusinessSkewMaxMinutes > 60 {
		errs = append(errs, fmt.Errorf("businessLagMaxDays %d (0..366, 0 the default) or businessSkewMaxMinutes %d (0..60) out of range",
			fc.BusinessLagMaxDays, fc.BusinessSkewMaxMinutes))
	} else if err := s.bounds.Validate(); err != nil {
		errs = append(errs, fmt.Errorf("business time bounds: %w", err))
	}
	for _, c := range []struct {
		name     string
		v        *int
		into     *int
		limitMax int
	}{{"aggregateCacheMax", fc.AggregateCacheMax, &s.cacheMax, aggregateCacheMaxMax},
		{"aggregateCacheEventsMax", fc.AggregateCacheEventsMax, &s.cacheEventsMax, aggregateCacheEventsMaxMax}} {
		if c.v != nil && (*c.v < 0 || *c.v > c.limitMax) {
			errs = append(errs, fmt.Errorf("%s %d out of range (0..%d)", c.name, *c.v, c.limitMax))
		} else if c.v != nil {
			*c.into = *c.v
		}
	}
	if fc.ScorecardsDir != "" {
		extra, err := scorecard.LoadDir(os.DirFS(fc.ScorecardsDir))
		if err != nil {
			errs = append(errs, fmt.Errorf("scorecardsDir %s: %w", fc.ScorecardsDir, err))
		} else if s.scorecards, err = scorecard.NewCatalog(append(scorecard.Builtin().Cards(), extra.Cards()...)...); err != nil {
			errs = append(errs, fmt.Errorf("scorecardsDir %s: %w", fc.ScorecardsDir, err))
		}
	}
	if fc.DivisionsFile != "" {
		if err := s.loadDivisions(fc.DivisionsFile); err != nil {
			errs = append(errs, fmt.Errorf("divisionsFile %s: %w", fc.DivisionsFile, err))
		}
	}
	if err := errors.Join(errs...); err != nil {
		return s, fmt.Errorf("%s: %w", path, err)
	}
	return s, nil
}

func (s *settings) loadDivisions(path string) error {
	info, err := os.Stat(path)
	if err != nil {
		return err
	}
	if info.Size() > divisionsBytesMax {
		return fmt.Errorf("%d bytes, above the limit of %d", info.Size(), divisionsBytesMax)
	}
	raw, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	d, err := domain.ParseDivisions(raw, s.divisions)
	if err != nil {
		return err
	}
	s.divisions = d
	return nil
}
