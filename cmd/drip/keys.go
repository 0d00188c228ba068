package main

import (
	"crypto/ed25519"
	"log/slog"
	"strings"

	"crypto/rand"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"github.com/drip-ledger/drip/projections/notary"
	"io/fs"
	"os"
	"path/filepath"
)

// tokenKeyFile is where a deployment keeps the private key that signs its
// bearer tokens, inside the data directory and readable by its owner only.
const tokenKeyFile = "keys/token-ed25519.pem"

// loadOrCreateKey reads the Ed25519 private key at path, or creates one
// (synced, mode 0600) if the file does not exist yet.
func loadOrCreateKey(path string) (ed25519.PrivateKey, error) {
	b, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return createKey(path)
	}
	if err != nil {
		return nil, err
	}
	blk, _ := pem.Decode(b)
	if blk == nil || blk.Type != "PRIVATE KEY" {
		return nil, fmt.Errorf("%s: not a PEM private key", path)
	}
	k, err := x509.ParsePKCS8PrivateKey(blk.Bytes)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	priv, ok := k.(ed25519.PrivateKey)
	if !ok {
		return nil, fmt.Errorf("%s: not an Ed25519 key", path)
	}
	return priv, nil
}

func createKey(path string) (ed25519.PrivateKey, error) {
	_, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		return nil, err
	}
	der, err := x509.MarshalPKCS8PrivateKey(priv)
	if err != nil {
		return nil, err
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return nil, err
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return nil, err
	}
	if err := pem.Encode(f, &pem.Block{Type: "PRIVATE KEY", Bytes: der}); err != nil {
		f.Close()
		return nil, err
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return nil, err
	}
	return priv, f.Close()
}

// notaryKeys returns the deployment's notary signer and verifier keys from
// dir, generating them for origin on first start (then the verifier key is
// logged: it is what auditors must be given).
func notaryKeys(dir, origin string, log *slog.Logger) (signer, verifier string, err error) {
	sPath, vPath := filepath.Join(dir, notarySignerKeyFile), filepath.Join(dir, notaryVerifierKeyFile)
	s, serr := os.ReadFile(sPath)
	v, verr := os.ReadFile(vPath)
	switch {
	case serr == nil && verr == nil:
		return strings.TrimSpace(string(s)), strings.TrimSpace(string(v)), nil
	case !errors.Is(serr, fs.ErrNotExist) || !errors.Is(verr, fs.ErrNotExist):
		return "", "", fmt.Errorf("notary keys in %s: need both %s and %s: %v", dir, notarySignerKeyFile, notaryVerifierKeyFile, errors.Join(serr, verr))
	}
	signer, verifier, err = notary.GenerateKey(origin)
	if err != nil {
		return "", "", err
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return "", "", err
	}
	if err := writeNew(sPath, signer+"\n", 0o600); err != nil {
		return "", "", err
	}
	if err := writeNew(vPath, verifier+"\n", 0o644); err != nil {
		return "", "", err
	}
	log.Info("generated the notary's keys; give auditors the verifier key", "verifier_key", verifier, "file", vPath)
	return signer, verifier, nil
}
