package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"time"

	"github.com/drip-ledger/drip/events"
	"github.com/drip-ledger/drip/events/embedded"
	"github.com/drip-ledger/drip/projections"
	"github.com/drip-ledger/drip/projections/forward"
)

// checkpointsDir is where durable consumer checkpoints live in the data
// directory (the forwarder's: forward-STREAM.checkpoint).
const checkpointsDir = "checkpoints"

// statusEveryS is how often drip forward logs its position and lag.
const statusEveryS = 30

func runForward(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlags("forward --data DIR --to nats://HOST:4222", `
Publishes the log of the embedded store in --data to NATS JetStream, in
global order, each event on SUBJECT-PREFIX.TYPE (drip.household.enrolled.v1)
with its ID as Nats-Msg-Id and its whole envelope in the headers. It creates
or updates the stream on start, keeps its position in DATA/checkpoints, and
resumes there after a restart without losing or repeating an event. It runs
until interrupted. The store locks its directory: run it on a stopped
server's data, or use drip serve --forward.`, stderr)
	dataDir := fs.String("data", "./drip-data", "data directory of the embedded store")
	url := fs.String("to", "", "NATS server URL, e.g. nats://127.0.0.1:4222 (required)")
	prefix := fs.String("subject-prefix", forward.SubjectPrefixDefault, "subjects are PREFIX.TYPE; the stream takes PREFIX.>")
	stream := fs.String("stream", forward.StreamDefault, "the JetStream stream to create or update and publish to")
	dedup := fs.Duration("dedup-window", forward.DedupWindowDefault, "the stream's de-duplication window")
	logJSON := fs.Bool("log-json", false, "write logs as JSON lines instead of text")
	if err := parse(fs, args); err != nil {
		return err
	}
	if *url == "" {
		fmt.Fprintln(stderr, "--to is required")
		fs.Usage()
		return errUsage
	}
	log := newLogger(stderr, *logJSON)
	if _, err := os.Stat(filepath.Join(*dataDir, "log")); err != nil {
		return fmt.Errorf("%s holds no store: %w", *dataDir, err)
	}
	store, err := embedded.Open(*dataDir, registry(), embedded.Options{Logger: log})
	if err != nil {
		return fmt.Errorf("open store: %w", err)
	}
	defer store.Close()
	f, err := newForwarder(store, *dataDir, forward.Config{URL: *url, SubjectPrefix: *prefix, Stream: *stream,
		DedupWindow: *dedup, Logger: log})
	if err != nil {
		return err
	}
	defer f.Close()
	log.Info("drip forwarding", "to", *url, "stream", *stream, "subjects", *prefix+".>")
	go logStatus(ctx, f, log)
	return f.Run(ctx)
}

// newForwarder returns a forwarder of store whose checkpoint is kept in
// dataDir/checkpoints; drip serve --forward wires the same.
func newForwarder(store events.Store, dataDir string, cfg forward.Config) (*forward.Forwarder, error) {
	cps, err := projections.NewFileCheckpoints(filepath.Join(dataDir, checkpointsDir))
	if err != nil {
		return nil, err
	}
	cfg.Checkpoints = cps
	return forward.New(store, cfg)
}

// logStatus logs the forwarder's position and lag until ctx ends.
func logStatus(ctx context.Context, f *forward.Forwarder, log *slog.Logger) {
	t := time.NewTicker(statusEveryS * time.Second)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		st, err := f.Status(ctx)
		if err != nil {
			continue
		}
		log.Info("forward status", "state", st.State, "position", st.Position, "lag", st.Lag,
			"published", st.Published, "lastError", st.LastError)
	}
}

// forwardRetryMax bounds the wait between attempts to start forwarding.
const forwardRetryMax = time.Minute

// forwardUntilDone runs a forwarder for `drip serve --forward` until ctx is
// done. A forwarder that cannot start (NATS unreachable) is retried with a
// growing wait and logged, rather than stopping the server: the log is the
// truth and forwarding resumes from its checkpoint, losing nothing.
func forwardUntilDone(ctx context.Context, store events.Store, dataDir string, cfg forward.Config, log *slog.Logger) error {
	wait := time.Second
	for {
		f, err := newForwarder(store, dataDir, cfg)
		if err != nil {
			return err // a configuration error: retrying cannot help
		}
		go logStatus(ctx, f, log)
		err = f.Run(ctx)
		f.Close()
		if ctx.Err() != nil {
			return nil
		}
		log.Error("forwarding stopped; retrying", "err", err, "in", wait)
		select {
		case <-time.After(wait):
		case <-ctx.Done():
			return nil
		}
		wait = min(2*wait, forwardRetryMax)
	}
}
