package main

import (
	"crypto/ed25519"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/drip-ledger/drip/api"
)

// tokenRetiredDir holds the public keys of token signing keys replaced by a
// rotation, one PEM file named by key ID each. They still verify tokens (so
// a rotation logs nobody out) until the operator deletes the file, which is
// safe once api.TokenTTLMax has passed since the rotation.
const tokenRetiredDir = "keys/token-retired"

// tokenKeys loads (or creates) the signing key and the retired public keys.
func tokenKeys(dataDir string) (ed25519.PrivateKey, []ed25519.PublicKey, error) {
	priv, err := loadOrCreateKey(filepath.Join(dataDir, tokenKeyFile))
	if err != nil {
		return nil, nil, err
	}
	dir := filepath.Join(dataDir, tokenRetiredDir)
	entries, err := os.ReadDir(dir)
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return nil, nil, err
	}
	var retired []ed25519.PublicKey
	for _, e := range entries {
		if e.IsDir() || !strings.HasSuffix(e.Name(), ".pem") {
			continue
		}
		path := filepath.Join(dir, e.Name())
		pub, err := readPublicKey(path)
		if err != nil {
			return nil, nil, err
		}
		retired = append(retired, pub)
	}
	return priv, retired, nil
}

func readPublicKey(path string) (ed25519.PublicKey, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	blk, _ := pem.Decode(b)
	if blk == nil || blk.Type != "PUBLIC KEY" {
		return nil, fmt.Errorf("%s: not a PEM public key", path)
	}
	k, err := x509.ParsePKIXPublicKey(blk.Bytes)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	pub, ok := k.(ed25519.PublicKey)
	if !ok {
		return nil, fmt.Errorf("%s: not an Ed25519 key", path)
	}
	return pub, nil
}

// rotateTokenKey retires the current signing key (its public half moves to
// tokenRetiredDir) and puts a new one in its place. The public half is
// written first and synced, so a crash between the steps loses no key that
// signed a live token. It returns the retired key's file and both key IDs.
func rotateTokenKey(dataDir string) (retiredFile, oldID, newID string, err error) {
	path := filepath.Join(dataDir, tokenKeyFile)
	old, err := loadOrCreateKey(path)
	if err != nil {
		return "", "", "", err
	}
	oldPub := old.Public().(ed25519.PublicKey)
	der, err := x509.MarshalPKIXPublicKey(oldPub)
	if err != nil {
		return "", "", "", err
	}
	oldID = api.KeyID(oldPub)
	dir := filepath.Join(dataDir, tokenRetiredDir)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return "", "", "", err
	}
	retiredFile = filepath.Join(dir, oldID+".pem")
	if err := writeNew(retiredFile, string(pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der})), 0o644); err != nil {
		return "", "", "", err
	}
	tmp := path + ".new"
	_ = os.Remove(tmp) // a leftover of an interrupted rotation signed nothing
	priv, err := createKey(tmp)
	if err != nil {
		return "", "", "", err
	}
	if err := os.Rename(tmp, path); err != nil {
		return "", "", "", err
	}
	if d, err := os.Open(filepath.Dir(path)); err == nil {
		err = errors.Join(d.Sync(), d.Close())
		if err != nil {
			return "", "", "", err
		}
	}
	return retiredFile, oldID, api.KeyID(priv.Public().(ed25519.PublicKey)), nil
}
