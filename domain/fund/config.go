package fund

import (
	"errors"

	"fmt"
	"github.com/drip-ledger/drip/domain"
	"strings"
	"time"
)

// Config holds the fund ledger's policy settings. The zero value is not
// usable; start from DefaultConfig.
type Config struct {
	// ExitSupportYears is how long after its exit a household may still be
	// paid: policies continue for exited households for a while (DOMAIN.md
	// §8; the national "four don't-removes", 四个不摘, kept support for the
	// transition period).
	ExitSupportYears int
	// PublicityDaysMin is the shortest a project's publicity may run.
	PublicityDaysMin int
	// SystemActorID is the actor in whose name the ledger opens complaints
	// itself (under the county finance bureau's authority).
	SystemActorID string
}

// Bounds of the configuration.
const (
	ExitSupportYearsMax = 10
	PublicityDaysMinMin = 10 // the programme's rule for project publicity
	PublicityDaysMinMax = 90
)

// DefaultConfig returns the defaults: support for three years after exit,
// publicity of at least ten days.
func DefaultConfig() Config {
	return Config{ExitSupportYears: 3, PublicityDaysMin: 10, SystemActorID: "system:fund-ledger"}
}

// Validate reports every problem at once.
func (c Config) Validate() error {
	var errs []error
	if c.ExitSupportYears < 0 || c.ExitSupportYears > ExitSupportYearsMax {
		errs = append(errs, fmt.Errorf("fund: ExitSupportYears %d is not from 0 to %d", c.ExitSupportYears, ExitSupportYearsMax))
	}
	if c.PublicityDaysMin < PublicityDaysMinMin || c.PublicityDaysMin > PublicityDaysMinMax {
		errs = append(errs, fmt.Errorf("fund: PublicityDaysMin %d is not from %d to %d", c.PublicityDaysMin, PublicityDaysMinMin, PublicityDaysMinMax))
	}
	if strings.TrimSpace(c.SystemActorID) == "" {
		errs = append(errs, errors.New("fund: SystemActorID is empty"))
	}
	return errors.Join(errs...)
}

// Env is what every decision needs besides the state and the command: the
// business time of the act and the policy in force.
type Env struct {
	At     time.Time
	Config Config
	// Bounds bound business times against At (zero: no bound but the
	// order rules; Service fills domain.DefaultTimeBounds).
	Bounds domain.TimeBounds
	// Backfill says the request enters older paper records, which may lag
	// At beyond Bounds.LagMax (domain.Request.Backfill, once it exists).
	Backfill bool
}
