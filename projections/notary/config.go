package notary

import (
	"errors"
	"fmt"
	"log/slog"
	"time"
)

// Config tunes a Notary. The zero value is usable: every zero field takes
// its default.
type Config struct {
	// CheckpointEvents issues a checkpoint as soon as the tree has grown by
	// this many leaves since the last one (default 10,000).
	CheckpointEvents int
	// CheckpointInterval issues a checkpoint this long after the last one if
	// the tree has grown at all (default 10 s), so the latest checkpoint is
	// never much more than this behind the log.
	CheckpointInterval time.Duration
	// BatchLeavesMax bounds the leaves the follower adds to the tree files
	// with one write per level (default 4096).
	BatchLeavesMax int
	// TailCheckEvents is how many of the last leaves Open re-hashes from the
	// log and compares with the tree files (default 1000): a cheap check
	// that the log under the notary is still the one it recorded.
	TailCheckEvents int
	// Logger receives what Open repaired and every checkpoint issued at
	// debug level; nil means slog.Default().
	Logger *slog.Logger
}

// Defaults and bounds of Config.
const (
	CheckpointEventsDefault   = 10_000
	CheckpointEventsMax       = 100_000_000
	CheckpointIntervalDefault = 10 * time.Second
	CheckpointIntervalMin     = 10 * time.Millisecond
	CheckpointIntervalMax     = time.Hour
	BatchLeavesMaxDefault     = 4096
	BatchLeavesMaxMax         = 1 << 20
	TailCheckEventsDefault    = 1000
	TailCheckEventsMax        = 1 << 20
)

func (c Config) withDefaults() Config {
	if c.CheckpointEvents == 0 {
		c.CheckpointEvents = CheckpointEventsDefault
	}
	if c.CheckpointInterval == 0 {
		c.CheckpointInterval = CheckpointIntervalDefault
	}
	if c.BatchLeavesMax == 0 {
		c.BatchLeavesMax = BatchLeavesMaxDefault
	}
	if c.TailCheckEvents == 0 {
		c.TailCheckEvents = TailCheckEventsDefault
	}
	if c.Logger == nil {
		c.Logger = slog.Default()
	}
	return c
}

// Validate reports every field that is out of range, all at once. Zero
// fields are valid: they take their defaults.
func (c Config) Validate() error {
	var errs []error
	bad := func(field string, v any, lo, hi any) {
		errs = append(errs, fmt.Errorf("notary: config: %s is %v, want 0 (default) or %v..%v", field, v, lo, hi))
	}
	if c.CheckpointEvents < 0 || c.CheckpointEvents > CheckpointEventsMax {
		bad("CheckpointEvents", c.CheckpointEvents, 1, CheckpointEventsMax)
	}
	if c.CheckpointInterval != 0 && (c.CheckpointInterval < CheckpointIntervalMin || c.CheckpointInterval > CheckpointIntervalMax) {
		bad("CheckpointInterval", c.CheckpointInterval, CheckpointIntervalMin, CheckpointIntervalMax)
	}
	if c.BatchLeavesMax < 0 || c.BatchLeavesMax > BatchLeavesMaxMax {
		bad("BatchLeavesMax", c.BatchLeavesMax, 1, BatchLeavesMaxMax)
	}
	if c.TailCheckEvents < 0 || c.TailCheckEvents > TailCheckEventsMax {
		bad("TailCheckEvents", c.TailCheckEvents, 1, TailCheckEventsMax)
	}
	return errors.Join(errs...)
}

// BundleEventsMax bounds the events of one Bundle.
const BundleEventsMax = 1000

// CheckpointSizesMax bounds the sizes one CheckpointSizes call returns.
const CheckpointSizesMax = 10_000
