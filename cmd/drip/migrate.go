package main

import (
	"bytes"
	"context"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"time"

	"github.com/schollz/progressbar/v3"

	"github.com/drip-ledger/drip/events"
	"github.com/drip-ledger/drip/events/migrate"
	"github.com/drip-ledger/drip/projections/notary"
)

// errRootsDiffer: the copy does not hash to the source's Merkle root.
var errRootsDiffer = errors.New("the target's Merkle root differs from the source's")

func runMigrate(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlags("migrate --from STORE --to STORE", `
Copies the whole log from one store to another, in global order, keeping
every event's position, stream version, ID, metadata, recorded time and
payload bytes, then checks that the Merkle root over the target equals the
root over the source and prints both. The target must be empty and able to
import (the embedded store is). Stop the server first: events appended to
the source during the copy are not copied, and the embedded store locks its
directory.

STORE is `+storeSchemes+`.`, stderr)
	from := fs.String("from", "", "the source store (required)")
	to := fs.String("to", "", "the target store, empty (required)")
	batch := fs.Int("batch", 1000, fmt.Sprintf("events read and imported at a time (1..%d)", events.ImportEventsMax))
	quiet := fs.Bool("quiet", false, "no progress bar")
	if err := parse(fs, args); err != nil {
		return err
	}
	if *from == "" || *to == "" {
		fmt.Fprintln(stderr, "--from and --to are required")
		fs.Usage()
		return errUsage
	}
	// Opening an embedded store creates it: a mistyped source would be an
	// empty log that migrates nothing, so it must hold a log already.
	if dir := storeDir(*from); dir != "" {
		if _, err := os.Stat(filepath.Join(dir, "log")); err != nil {
			return fmt.Errorf("--from %s holds no store: %w", *from, err)
		}
	}
	reg := registry()
	src, err := openStore(ctx, *from, reg, slog.New(slog.NewTextHandler(stderr, nil)))
	if err != nil {
		return err
	}
	defer src.Close()
	dst, err := openStore(ctx, *to, reg, slog.New(slog.NewTextHandler(stderr, nil)))
	if err != nil {
		return err
	}
	defer dst.Close()
	if err := migrateStores(ctx, src, dst, *batch, *quiet, stdout, stderr); err != nil {
		return err
	}
	return dst.Close()
}

// migrateStores copies src into dst with a progress bar on stderr, then
// compares the Merkle roots over both and prints them on stdout.
func migrateStores(ctx context.Context, src, dst events.Store, batch int, quiet bool, stdout, stderr io.Writer) error {
	var bar *progressbar.ProgressBar
	progress := func(done, total uint64) {
		if quiet {
			return
		}
		if bar == nil {
			bar = progressbar.NewOptions64(int64(total), progressbar.OptionSetWriter(stderr),
				progressbar.OptionSetDescription("migrating"), progressbar.OptionShowCount(),
				progressbar.OptionShowIts(), progressbar.OptionSetItsString("events"),
				progressbar.OptionThrottle(100*time.Millisecond))
		}
		bar.Set64(int64(done))
	}
	start := time.Now()
	rep, err := migrate.Copy(ctx, src, dst, migrate.Options{BatchEvents: batch, Progress: progress})
	if bar != nil {
		bar.Finish()
		fmt.Fprintln(stderr)
	}
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "copied %d events in %s\n", rep.Events, time.Since(start).Round(time.Millisecond))
	srcRoot, err := notary.LogRoot(ctx, src, rep.Head)
	if err != nil {
		return fmt.Errorf("source: %w", err)
	}
	dstRoot, err := notary.LogRoot(ctx, dst, rep.Head)
	if err != nil {
		return fmt.Errorf("target: %w", err)
	}
	fmt.Fprintf(stdout, "source root: %s (%d events)\ntarget root: %s (%d events)\n",
		hex.EncodeToString(srcRoot), rep.Head, hex.EncodeToString(dstRoot), rep.Head)
	if !bytes.Equal(srcRoot, dstRoot) {
		return errRootsDiffer
	}
	fmt.Fprintln(stdout, "roots equal: the target holds the same log")
	return nil
}
