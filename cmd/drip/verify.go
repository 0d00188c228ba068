package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/schollz/progressbar/v3"

	"github.com/drip-ledger/drip/events/embedded"
	"github.com/drip-ledger/drip/projections/notary"
)

// bundleBytesMax bounds a bundle file: BundleEventsMax events of at most
// 64 KiB each, twice (readable and base64), with room for proofs.
const bundleBytesMax = 2 * notary.BundleEventsMax * (200 << 10)

// smallFileBytesMax bounds a checkpoint, proof or key file.
const smallFileBytesMax = 1 << 20

func runVerify(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	sub := ""
	if len(args) > 0 {
		sub = args[0]
	}
	switch sub {
	case "bundle":
		return verifyBundle(args[1:], stdout, stderr)
	case "consistency":
		return verifyConsistency(args[1:], stdout, stderr)
	case "store":
		return verifyStoreCmd(ctx, args[1:], stdout, stderr)
	}
	fmt.Fprintln(stderr, `Usage: drip verify bundle FILE --key VKEY
       drip verify consistency --key VKEY OLD NEW PROOF
       drip verify store --data DIR --key VKEY [--notary DIR]`)
	if sub == "-h" || sub == "--help" || sub == "help" {
		return flag.ErrHelp
	}
	return errUsage
}

func verifyBundle(args []string, stdout, stderr io.Writer) error {
	fs := newFlags("verify bundle FILE", `
Checks a bundle (JSON: a signed checkpoint and events with inclusion
proofs) offline against the deployment's verifier key: the signature, and
that every event's canonical bytes are in the checkpoint's tree.`, stderr)
	key := fs.String("key", "", "verifier key, or a file holding it (required)")
	pos, err := parseMixed(fs, args, 1)
	if err != nil {
		return err
	}
	vkey, err := readKeyArg(fs, *key)
	if err != nil {
		return err
	}
	raw, err := readBounded(pos[0], bundleBytesMax)
	if err != nil {
		return err
	}
	var b notary.Bundle
	if err := json.Unmarshal(raw, &b); err != nil {
		return fmt.Errorf("%s: not a bundle: %w", pos[0], err)
	}
	cp, err := notary.VerifyBundle(&b, vkey)
	if err != nil {
		return err
	}
	withheld := 0
	for _, be := range b.Events {
		if be.Withheld {
			withheld++
		}
	}
	fmt.Fprintf(stdout, "verified: %d events in the tree of %d signed by %s\n", len(b.Events), cp.Size, cp.Origin)
	if withheld > 0 {
		fmt.Fprintf(stdout, "withheld: %d events whose content is not yours to see; their place in the tree is verified, what the bundle shows of them is not\n", withheld)
	}
	return nil
}

func verifyConsistency(args []string, stdout, stderr io.Writer) error {
	fs := newFlags("verify consistency OLD NEW PROOF", `
Checks offline that the tree under checkpoint NEW extends the tree under
checkpoint OLD (nothing OLD signed was changed or removed). OLD and NEW are
files holding signed checkpoints; PROOF holds the consistency proof, one
base64 hash per line or a JSON array of them.`, stderr)
	key := fs.String("key", "", "verifier key, or a file holding it (required)")
	pos, err := parseMixed(fs, args, 3)
	if err != nil {
		return err
	}
	vkey, err := readKeyArg(fs, *key)
	if err != nil {
		return err
	}
	var files [3][]byte
	for i := range files {
		if files[i], err = readBounded(pos[i], smallFileBytesMax); err != nil {
			return err
		}
	}
	p, err := notary.ParseProof(files[2])
	if err != nil {
		return err
	}
	if err := notary.VerifyConsistency(files[0], files[1], p, vkey); err != nil {
		return err
	}
	fmt.Fprintln(stdout, "verified: the newer checkpoint extends the older")
	return nil
}

func verifyStoreCmd(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlags("verify store", `
Re-hashes every event of the embedded store in --data, rebuilds the Merkle
tree and compares it with every checkpoint the notary kept (each checked
against the verifier key), naming the first position and checkpoint that
differ. Stop the server first, or run it on a copy: the store locks its
directory, and opening it may cut a torn tail.`, stderr)
	key := fs.String("key", "", "verifier key, or a file holding it (required)")
	dataDir := fs.String("data", "./drip-data", "data directory of the embedded store")
	notaryDir := fs.String("notary", "", "the notary's directory (default: --data/notary)")
	quietBar := fs.Bool("quiet", false, "no progress bar")
	if err := parse(fs, args); err != nil {
		return err
	}
	vkey, err := readKeyArg(fs, *key)
	if err != nil {
		return err
	}
	if *notaryDir == "" {
		*notaryDir = filepath.Join(*dataDir, "notary")
	}
	// embedded.Open would create an empty store in a mistyped directory,
	// and an empty store has nothing to disagree with.
	if _, err := os.Stat(filepath.Join(*dataDir, "log")); err != nil {
		return fmt.Errorf("%s holds no store: %w", *dataDir, err)
	}
	store, err := embedded.Open(*dataDir, registry(), embedded.Options{})
	if err != nil {
		return fmt.Errorf("open store: %w", err)
	}
	defer store.Close()
	var bar *progressbar.ProgressBar
	progress := func(done, total uint64) {
		if *quietBar {
			return
		}
		if bar == nil {
			bar = progressbar.NewOptions64(int64(total), progressbar.OptionSetWriter(stderr),
				progressbar.OptionSetDescription("verifying"), progressbar.OptionShowCount(),
				progressbar.OptionShowIts(), progressbar.OptionSetItsString("events"),
				progressbar.OptionThrottle(100*time.Millisecond))
		}
		bar.Set64(int64(done))
	}
	start := time.Now()
	rep, err := notary.VerifyStore(ctx, store, *notaryDir, vkey, progress)
	if bar != nil {
		bar.Finish()
		fmt.Fprintln(stderr)
	}
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "verified: %d events, %d checkpoints (latest %d), %d events not yet under a checkpoint, in %s\n",
		rep.Events, rep.Checkpoints, rep.LatestSize, rep.Unsigned, time.Since(start).Round(time.Millisecond))
	return nil
}

// parseMixed parses flags that may come before, between or after exactly n
// positional arguments, and returns those.
func parseMixed(fs *flag.FlagSet, args []string, n int) ([]string, error) {
	var pos []string
	for {
		if err := fs.Parse(args); err != nil {
			if errors.Is(err, flag.ErrHelp) {
				return nil, err
			}
			return nil, errUsage
		}
		if fs.NArg() == 0 {
			break
		}
		pos = append(pos, fs.Arg(0))
		args = fs.Args()[1:]
	}
	if len(pos) != n {
		fmt.Fprintf(fs.Output(), "want %d arguments, got %d: %v\n", n, len(pos), pos)
		fs.Usage()
		return nil, errUsage
	}
	return pos, nil
}

// readKeyArg returns the verifier key given as --key: the key itself, or
// the path of a file holding it.
func readKeyArg(fs *flag.FlagSet, v string) (string, error) {
	if v == "" {
		fmt.Fprintln(fs.Output(), "--key is required")
		fs.Usage()
		return "", errUsage
	}
	if _, err := os.Stat(v); err == nil {
		b, err := readBounded(v, smallFileBytesMax)
		if err != nil {
			return "", err
		}
		return strings.TrimSpace(string(b)), nil
	}
	return v, nil
}

// readBounded reads a file of at most max bytes.
func readBounded(path string, max int64) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	b, err := io.ReadAll(io.LimitReader(f, max+1))
	if err != nil {
		return nil, err
	}
	if int64(len(b)) > max {
		return nil, fmt.Errorf("%s is larger than %d bytes", path, max)
	}
	return b, nil
}
