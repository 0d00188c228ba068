package postgres

import (
	"errors"
	"fmt"
	"log/slog"
	"time"
)

// Options configures a Store. The zero value is usable: every zero field
// takes its default.
type Options struct {
	// Schema is the PostgreSQL schema that holds the store's tables
	// (default "drip"). Open creates it if it is missing. Tests give each
	// store its own.
	Schema string
	// ConnsMax bounds the pool's connections (default 10), besides the one
	// that listens for appends. Appends beyond it wait for a connection.
	ConnsMax int
	// PollInterval bounds how long a subscription at the head waits before
	// it reads again when no notification arrives (default 1s):
	// notifications are lost while the listening connection reconnects.
	PollInterval time.Duration
	// Logger receives why the listening connection failed and reconnected;
	// nil means slog.Default().
	Logger *slog.Logger
}

// Defaults and bounds of Options.
const (
	SchemaDefault       = "drip"
	ConnsMaxDefault     = 10
	ConnsMaxMax         = 1000
	PollIntervalDefault = time.Second
	PollIntervalMin     = 10 * time.Millisecond
	PollIntervalMax     = time.Minute
	// SchemaBytesMax leaves room in PostgreSQL's 63-byte identifiers for the
	// notification channel's prefix.
	SchemaBytesMax = 48
)

func (o Options) withDefaults() Options {
	if o.Schema == "" {
		o.Schema = SchemaDefault
	}
	if o.ConnsMax == 0 {
		o.ConnsMax = ConnsMaxDefault
	}
	if o.PollInterval == 0 {
		o.PollInterval = PollIntervalDefault
	}
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	return o
}

// Validate reports every field that is out of range, all at once. Zero
// fields are valid: they take their defaults.
func (o Options) Validate() error {
	var errs []error
	bad := func(field string, v any, rule string) {
		errs = append(errs, fmt.Errorf("postgres: options: %s is %v, %s", field, v, rule))
	}
	if o.Schema != "" && !validSchema(o.Schema) {
		bad("Schema", fmt.Sprintf("%q", o.Schema), fmt.Sprintf("want 1..%d bytes of a-z, 0-9 and _, not starting with a digit or pg_", SchemaBytesMax))
	}
	if o.ConnsMax < 0 || o.ConnsMax > ConnsMaxMax {
		bad("ConnsMax", o.ConnsMax, fmt.Sprintf("want 0 (default) or 1..%d", ConnsMaxMax))
	}
	if o.PollInterval != 0 && (o.PollInterval < PollIntervalMin || o.PollInterval > PollIntervalMax) {
		bad("PollInterval", o.PollInterval, fmt.Sprintf("want 0 (default) or %v..%v", PollIntervalMin, PollIntervalMax))
	}
	return errors.Join(errs...)
}

// validSchema accepts names that need no quoting, so that the schema reads
// the same in SQL, in logs and in psql.
func validSchema(s string) bool {
	if s == "" || len(s) > SchemaBytesMax || s[0] >= '0' && s[0] <= '9' || len(s) >= 3 && s[:3] == "pg_" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '_') {
			return false
		}
	}
	return true
}
