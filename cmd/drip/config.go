package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"

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
}

// fileConfig is the JSON of `drip serve --config FILE`, for example:
//
//	{
//	  "povertyLinesFen": {"2014": 280000, "2015": 285500},
//	  "complaintDeadlines": {"money_not_received": {"acknowledgeWorkingDays": 1, "resolveDays": 10}},
//	  "holidays": ["2026-10-01", "2026-10-02"],
//	  "scorecardsDir": "/etc/drip/cards"
//	}
//
// Lines it names replace the default line of that year; categories it does
// not name keep the default deadlines (2 working days, 15 days); cards in
// scorecardsDir are added to the built-in ones.
type fileConfig struct {
	PovertyLinesFen    domain.PovertyLines `json:"povertyLinesFen"`
	ComplaintDeadlines complaint.Deadlines `json:"complaintDeadlines"`
	Holidays           []string            `json:"holidays"`
	ScorecardsDir      string              `json:"scorecardsDir"`
}

// configBytesMax bounds a configuration file.
const configBytesMax = 1 << 20

// loadSettings reads path ("" means defaults) and reports every problem in
// it at once.
func loadSettings(path string) (settings, error) {
	s := settings{lines: domain.DefaultPovertyLines(), scorecards: scorecard.Builtin()}
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
	if fc.ScorecardsDir != "" {
		extra, err := scorecard.LoadDir(os.DirFS(fc.ScorecardsDir))
		if err != nil {
			errs = append(errs, fmt.Errorf("scorecardsDir %s: %w", fc.ScorecardsDir, err))
		} else if s.scorecards, err = scorecard.NewCatalog(append(scorecard.Builtin().Cards(), extra.Cards()...)...); err != nil {
			errs = append(errs, fmt.Errorf("scorecardsDir %s: %w", fc.ScorecardsDir, err))
		}
	}
	if err := errors.Join(errs...); err != nil {
		return s, fmt.Errorf("%s: %w", path, err)
	}
	return s, nil
}
