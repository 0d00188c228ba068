package household

import (
	"time"

	"github.com/drip-ledger/drip/domain"
	"github.com/drip-ledger/drip/events"
)

// Command is the one shape of every household command: Name is its key in
// Permissions, Decide its pure rule (see the package documentation).
type Command interface {
	Name() string
	Decide(s State, at time.Time) ([]events.Payload, error)
}

// StreamPrefix begins every household stream's name.
const StreamPrefix = "household-"

// Stream is the name of the stream of the household filed as file.
func Stream(file domain.FileNumber) string { return StreamPrefix + file.String() }

// Identification thresholds (DOMAIN.md §3). A card's own thresholds are not
// used: the programme's poor test and exit bar are national rules, stated
// on the Weining card's scale of 100 points.
const (
	// PoorPointsBelow: a household scoring below it is poor by score.
	PoorPointsBelow = 60
	// ExitPointsAbove: a reassessment above it lets a household exit;
	// from PoorPointsBelow up to it, the household is unstable.
	ExitPointsAbove = 80
	// MonitorIncomeTenthsOfLine: an exited household with a per-capita
	// income below this many tenths of the line (1.5×) is at risk.
	MonitorIncomeTenthsOfLine = 15
)

// PoorTest reports whether a household assessed as a is poor: a total below
// PoorPointsBelow and a per-capita net income below the line of the
// assessment's year. It returns the line it compared with.
func PoorTest(a Assessed, lines domain.PovertyLines) (poor bool, lineFen domain.Fen, err error) {
	line, err := lines.Line(a.Year)
	if err != nil {
		return false, 0, err
	}
	return a.TotalPoints < PoorPointsBelow && a.NetIncomePerCapitaFen < line, line, nil
}

// AtRisk reports whether an exited household assessed as a is at risk of
// falling back: a total of ExitPointsAbove or less (the unstable band of
// 60–80, and anything worse), or an income below 1.5 times the line.
func AtRisk(a Assessed, lines domain.PovertyLines) (bool, error) {
	line, err := lines.Line(a.Year)
	if err != nil {
		return false, err
	}
	// Compared in tenths so that no fraction of a fen is ever computed.
	return a.TotalPoints <= ExitPointsAbove || a.NetIncomePerCapitaFen*10 < line*MonitorIncomeTenthsOfLine, nil
}
