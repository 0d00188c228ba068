package forward

import (
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/nats-io/nats.go"

	"github.com/drip-ledger/drip/projections"
)

// Config configures a Forwarder. Zero optional fields take their defaults.
type Config struct {
	// URL is the NATS server, e.g. "nats://127.0.0.1:4222" (required; a
	// comma-separated list names a cluster).
	URL string
	// Stream is the JetStream stream the forwarder creates or updates on
	// start and publishes to (default "DRIP"; 1..StreamNameBytesMax bytes
	// of [A-Za-z0-9_-]).
	Stream string
	// SubjectPrefix starts every subject: an event of type T is published
	// to SubjectPrefix + "." + T, and the stream takes SubjectPrefix + ".>"
	// (default "drip"; dot-separated tokens of [A-Za-z0-9_-]).
	SubjectPrefix string
	// Checkpoints keeps the forwarder's position (required; durable ones,
	// projections.NewFileCheckpoints in the data directory, in a
	// deployment).
	Checkpoints projections.Checkpoints
	// ConsumerGroup names the forwarder's checkpoint (default "forward-" +
	// Stream, so forwarding one log to two streams keeps two positions).
	ConsumerGroup string
	// DedupWindow is the stream's de-duplication window (default 10 minutes,
	// DedupWindowMin..DedupWindowMax). See the package documentation for
	// what it covers.
	DedupWindow time.Duration
	// PublishTimeout bounds the wait for JetStream's acknowledgement of one
	// publish (default 5s).
	PublishTimeout time.Duration
	// ConnectTimeout bounds connecting to the server and creating or
	// updating the stream on start (default 10s).
	ConnectTimeout time.Duration
	// Retries is how many times a failed publish of one event is tried
	// again before the event is nacked; the Subscriber then delivers it
	// again after NackDelay (default 5, at most projections.RetriesMax).
	Retries int
	// RetryDelayMin and RetryDelayMax bound the exponential backoff between
	// those retries (defaults 100ms and 2s).
	RetryDelayMin, RetryDelayMax time.Duration
	// NackDelayMax bounds the wait before an event whose retries all failed
	// is tried again (default 5s): the pace at which a forwarder probes a
	// server that is down.
	NackDelayMax time.Duration
	// StreamBytesMax bounds the stream's storage (default 0: the server's
	// own JetStream limits). A full stream refuses new messages (discard
	// new) rather than dropping old ones: the forwarder then stops
	// advancing, and Status says why.
	StreamBytesMax int64
	// NatsOptions are extra connection options: credentials, TLS.
	NatsOptions []nats.Option
	// Logger defaults to slog.Default().
	Logger *slog.Logger
}

// Defaults and bounds of Config.
const (
	StreamDefault        = "DRIP"
	SubjectPrefixDefault = "drip"
	DedupWindowDefault   = 10 * time.Minute
	// DedupWindowMin is far above a publish timeout and its retries, so a
	// retried publish always falls inside the window.
	DedupWindowMin = time.Minute
	// DedupWindowMax keeps the server's table of recent IDs bounded.
	DedupWindowMax        = 24 * time.Hour
	StreamNameBytesMax    = 64
	SubjectPrefixBytesMax = 100
	// MessageBytesMax is the stream's largest message: an event's payload
	// (at most events.EventBytesMax) and its envelope in the headers.
	MessageBytesMax = 2 * 64 << 10
)

func (c *Config) setDefaults() {
	if c.Stream == "" {
		c.Stream = StreamDefault
	}
	if c.SubjectPrefix == "" {
		c.SubjectPrefix = SubjectPrefixDefault
	}
	if c.ConsumerGroup == "" {
		c.ConsumerGroup = "forward-" + c.Stream
	}
	if c.DedupWindow == 0 {
		c.DedupWindow = DedupWindowDefault
	}
	if c.PublishTimeout == 0 {
		c.PublishTimeout = 5 * time.Second
	}
	if c.ConnectTimeout == 0 {
		c.ConnectTimeout = 10 * time.Second
	}
	if c.Retries == 0 {
		c.Retries = 5
	}
	if c.RetryDelayMin == 0 {
		c.RetryDelayMin = 100 * time.Millisecond
	}
	if c.RetryDelayMax == 0 {
		c.RetryDelayMax = 2 * time.Second
	}
	if c.NackDelayMax == 0 {
		c.NackDelayMax = 5 * time.Second
	}
	if c.Logger == nil {
		c.Logger = slog.Default()
	}
}

// Validate reports every problem of the configuration (after defaults) at
// once.
func (c Config) Validate() error {
	var errs []error
	add := func(format string, args ...any) { errs = append(errs, fmt.Errorf(format, args...)) }
	if c.URL == "" {
		add("URL is missing")
	}
	if len(c.Stream) > StreamNameBytesMax || !tokenChars(c.Stream) {
		add("Stream %q must be 1..%d bytes of letters, digits, _ and -", c.Stream, StreamNameBytesMax)
	}
	if len(c.SubjectPrefix) > SubjectPrefixBytesMax || !validSubjectPrefix(c.SubjectPrefix) {
		add("SubjectPrefix %q must be up to %d bytes of dot-separated tokens of letters, digits, _ and -", c.SubjectPrefix, SubjectPrefixBytesMax)
	}
	if c.Checkpoints == nil {
		add("Checkpoints is missing")
	}
	if c.DedupWindow < DedupWindowMin || c.DedupWindow > DedupWindowMax {
		add("DedupWindow %s is outside [%s, %s]", c.DedupWindow, DedupWindowMin, DedupWindowMax)
	}
	for _, d := range []struct {
		name string
		v    time.Duration
	}{{"PublishTimeout", c.PublishTimeout}, {"ConnectTimeout", c.ConnectTimeout},
		{"RetryDelayMin", c.RetryDelayMin}, {"RetryDelayMax", c.RetryDelayMax}, {"NackDelayMax", c.NackDelayMax}} {
		if d.v <= 0 || d.v > projections.DelayMax {
			add("%s %s is outside (0, %s]", d.name, d.v, projections.DelayMax)
		}
	}
	if c.RetryDelayMin > c.RetryDelayMax {
		add("RetryDelayMin %s is above RetryDelayMax %s", c.RetryDelayMin, c.RetryDelayMax)
	}
	// Every attempt on one event must fit in the window, or a retry could
	// land after JetStream has forgotten the first attempt's ID.
	if worst := time.Duration(c.Retries+1)*(c.PublishTimeout+c.RetryDelayMax) + c.NackDelayMax; worst >= c.DedupWindow {
		add("DedupWindow %s does not cover one round of retries (%s)", c.DedupWindow, worst)
	}
	if c.Retries < 1 || c.Retries > projections.RetriesMax {
		add("Retries %d is outside 1..%d", c.Retries, projections.RetriesMax)
	}
	if c.StreamBytesMax < 0 {
		add("StreamBytesMax %d is negative", c.StreamBytesMax)
	}
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("forward: config: %w", err)
	}
	return nil
}

func tokenChars(s string) bool {
	return s != "" && strings.Trim(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-") == ""
}

func validSubjectPrefix(s string) bool {
	for tok := range strings.SplitSeq(s, ".") {
		if !tokenChars(tok) {
			return false
		}
	}
	return true
}
