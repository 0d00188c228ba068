package main

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/drip-ledger/drip/api"
	"github.com/drip-ledger/drip/domain"
)

func TestTokenRotateKeepsOldTokensVerifyingUntilRetired(t *testing.T) {
	dir := t.TempDir()
	old, _, err := tokenKeys(dir)
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	cl := api.Claims{User: "desk.zhang", Role: domain.RoleComplaintDesk, Jurisdiction: "520526",
		IssuedAt: now.Unix(), ExpiresAt: now.Add(time.Hour).Unix()}
	oldTok, _ := api.IssueToken(old, cl)

	var out, errOut bytes.Buffer
	if err := runToken(context.Background(), []string{"rotate", "--data", dir}, &out, &errOut); err != nil {
		t.Fatalf("rotate: %v %s", err, errOut.String())
	}
	if !strings.Contains(out.String(), api.KeyID(old.Public().(ed25519.PublicKey))) {
		t.Errorf("rotate output does not name the retired key: %s", out.String())
	}
	cur, retired, err := tokenKeys(dir)
	if err != nil {
		t.Fatal(err)
	}
	if cur.Equal(old) {
		t.Fatal("rotate kept the signing key")
	}
	newTok, _ := api.IssueToken(cur, cl)
	ring, err := api.NewKeyRing(append([]ed25519.PublicKey{cur.Public().(ed25519.PublicKey)}, retired...)...)
	if err != nil {
		t.Fatal(err)
	}
	for name, tok := range map[string]string{"old": oldTok, "new": newTok} {
		if _, err := ring.Verify(tok, now); err != nil {
			t.Errorf("%s token refused after rotation: %v", name, err)
		}
	}

	// Retiring for good is deleting the file.
	files, _ := filepath.Glob(filepath.Join(dir, tokenRetiredDir, "*.pem"))
	if len(files) != 1 {
		t.Fatalf("retired files = %v, want one", files)
	}
	os.Remove(files[0])
	cur, retired, _ = tokenKeys(dir)
	ring, _ = api.NewKeyRing(append([]ed25519.PublicKey{cur.Public().(ed25519.PublicKey)}, retired...)...)
	if _, err := ring.Verify(oldTok, now); err == nil {
		t.Error("token of a deleted retired key accepted")
	}
	if _, err := ring.Verify(newTok, now); err != nil {
		t.Errorf("new token refused: %v", err)
	}
}
