package kurrentdb

import (
	"errors"
	"fmt"
	"time"

	"github.com/drip-ledger/drip/events"
)

// Options configures a Store. The zero value is usable: every zero field
// takes its default.
type Options struct {
	// Prefix is put in front of every Drip stream name to make the KurrentDB
	// stream name, so several deployments (or test runs) can share a cluster:
	// "prod-gz:" turns household-520526104201-0007 into
	// prod-gz:household-520526104201-0007. Reads and subscriptions see only
	// streams with this prefix. Empty means the deployment owns every
	// non-system stream of the cluster.
	Prefix string
	// PollInterval bounds how long a subscription at the head waits before it
	// reads again when no notification of a new event arrives (default 1s):
	// notifications are lost while the notifying subscription reconnects.
	PollInterval time.Duration
	// HeadScanMax bounds the events of $all (other deployments', system
	// events) Head reads backwards looking for this deployment's last event
	// (default 1000) before it asks the server for a filtered scan instead.
	HeadScanMax int
	// Now stamps RecordedAt; nil means time.Now.
	Now func() time.Time
}

// Defaults and bounds of Options.
const (
	PrefixBytesMax      = 100
	PollIntervalDefault = time.Second
	PollIntervalMin     = 10 * time.Millisecond
	PollIntervalMax     = time.Minute
	HeadScanMaxDefault  = 1000
	HeadScanMaxMax      = events.ReadEventsMax * 10
)

func (o Options) withDefaults() Options {
	if o.PollInterval == 0 {
		o.PollInterval = PollIntervalDefault
	}
	if o.HeadScanMax == 0 {
		o.HeadScanMax = HeadScanMaxDefault
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	return o
}

// Validate reports every field that is out of range, all at once. Zero
// fields are valid: they take their defaults.
func (o Options) Validate() error {
	var errs []error
	bad := func(field string, v any, rule string) {
		errs = append(errs, fmt.Errorf("kurrentdb: options: %s is %v, %s", field, v, rule))
	}
	if o.Prefix != "" {
		// The prefix obeys the stream-name rules, so a prefixed name is a
		// name KurrentDB treats as a user stream (never "$...").
		if why := events.ValidStream(o.Prefix); why != "" || len(o.Prefix) > PrefixBytesMax {
			bad("Prefix", fmt.Sprintf("%q", o.Prefix), fmt.Sprintf("want 1..%d bytes of letters, digits and . - _ :", PrefixBytesMax))
		}
	}
	if o.PollInterval != 0 && (o.PollInterval < PollIntervalMin || o.PollInterval > PollIntervalMax) {
		bad("PollInterval", o.PollInterval, fmt.Sprintf("want 0 (default) or %v..%v", PollIntervalMin, PollIntervalMax))
	}
	if o.HeadScanMax < 0 || o.HeadScanMax > HeadScanMaxMax {
		bad("HeadScanMax", o.HeadScanMax, fmt.Sprintf("want 0 (default) or 1..%d", HeadScanMaxMax))
	}
	return errors.Join(errs...)
}
