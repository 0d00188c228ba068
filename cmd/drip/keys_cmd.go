package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/drip-ledger/drip/projections/notary"
)

// The notary's key files, as "drip keys generate" writes them: the signer
// key stays with the deployment (mode 0600); the verifier key is public and
// goes to every auditor.
const (
	notarySignerKeyFile   = "notary.key"
	notaryVerifierKeyFile = "notary.pub"
)

func runKeys(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 || args[0] != "generate" {
		if len(args) > 0 && (args[0] == "-h" || args[0] == "--help") {
			args = []string{"generate", "-h"}
		} else {
			fmt.Fprintln(stderr, "Usage: drip keys generate --name ORIGIN --out DIR")
			return errUsage
		}
	}
	fs := newFlags("keys generate", fmt.Sprintf(`
Generates the Ed25519 key pair that signs the notary's checkpoints, named
by the deployment's origin (e.g. drip.example/county/520526), in the formats
of golang.org/x/mod/sumdb/note. Writes --out/%s (the signer key, secret,
mode 0600) and --out/%s (the verifier key, for auditors), refusing to
overwrite either, and prints the verifier key.`, notarySignerKeyFile, notaryVerifierKeyFile), stderr)
	name := fs.String("name", "", "the deployment's origin, e.g. drip.example/county/520526 (required)")
	out := fs.String("out", ".", "directory to write the key files to")
	if err := parse(fs, args[1:]); err != nil {
		return err
	}
	if *name == "" {
		fmt.Fprintln(stderr, "drip keys generate: --name is required")
		return errUsage
	}
	skey, vkey, err := notary.GenerateKey(*name)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(*out, 0o700); err != nil {
		return err
	}
	if err := writeNew(filepath.Join(*out, notarySignerKeyFile), skey+"\n", 0o600); err != nil {
		return err
	}
	if err := writeNew(filepath.Join(*out, notaryVerifierKeyFile), vkey+"\n", 0o644); err != nil {
		return err
	}
	fmt.Fprintln(stdout, vkey)
	return nil
}

// writeNew creates path with data, synced, failing if it exists: a key is
// never overwritten by accident.
func writeNew(path, data string, mode os.FileMode) error {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, mode)
	if err != nil {
		return err
	}
	if _, err := f.WriteString(data); err != nil {
		f.Close()
		return err
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}
