package api_test

import (
	"crypto/ed25519"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/drip-ledger/drip/api"
)

var t0 = time.Date(2026, 11, 28, 9, 0, 0, 0, time.UTC)

func claims() api.Claims {
	return api.Claims{User: "li.wei", Role: "village", Jurisdiction: "520526104201",
		IssuedAt: t0.Unix(), ExpiresAt: t0.Add(8 * time.Hour).Unix()}
}

func TestTokenRoundTripKeepsClaims(t *testing.T) {
	pub, priv, _ := ed25519.GenerateKey(nil)
	tok, err := api.IssueToken(priv, claims())
	if err != nil {
		t.Fatal(err)
	}
	got, err := api.VerifyToken(pub, tok, t0.Add(time.Hour))
	if err != nil || got != claims() {
		t.Fatalf("verify = %+v, %v", got, err)
	}
}

func TestTokenIsRefused(t *testing.T) {
	pub, priv, _ := ed25519.GenerateKey(nil)
	_, otherPriv, _ := ed25519.GenerateKey(nil)
	good, _ := api.IssueToken(priv, claims())
	foreign, _ := api.IssueToken(otherPriv, claims())
	// Re-sign nothing: swap the claims part of a good token for one with a
	// wider jurisdiction, keeping the signature.
	wider := claims()
	wider.Jurisdiction = ""
	widerTok, _ := api.IssueToken(otherPriv, wider)
	parts, wparts := strings.Split(good, "."), strings.Split(widerTok, ".")
	forged := parts[0] + "." + wparts[1] + "." + parts[2]
	cases := map[string]struct {
		token string
		at    time.Time
	}{
		"signed with another key":          {foreign, t0},
		"claims swapped under a signature": {forged, t0},
		"expired exactly at exp":           {good, t0.Add(8 * time.Hour)},
		"empty":                            {"", t0},
		"not a drip token":                 {"eyJhbGciOi.x.y", t0},
		"signature cut":                    {good[:len(good)-4], t0},
		"oversized":                        {"drip1." + strings.Repeat("a", 4000) + ".x", t0},
	}
	for name, c := range cases {
		t.Run(name, func(t *testing.T) {
			if _, err := api.VerifyToken(pub, c.token, c.at); err == nil {
				t.Fatal("token accepted")
			}
		})
	}
}

func TestIssueTokenRefusesBadClaimsNamingEach(t *testing.T) {
	_, priv, _ := ed25519.GenerateKey(nil)
	c := api.Claims{User: "has space", Role: "mayor", Jurisdiction: "52052", IssuedAt: t0.Unix(), ExpiresAt: t0.Add(100 * 24 * time.Hour).Unix()}
	_, err := api.IssueToken(priv, c)
	if err == nil {
		t.Fatal("bad claims issued")
	}
	for _, want := range []string{"user", "role", "jurisdiction", "lifetime"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not mention %s", err, want)
		}
	}
	var joined interface{ Unwrap() []error }
	if !errors.As(err, &joined) || len(joined.Unwrap()) != 4 {
		t.Errorf("want 4 problems at once, got %v", err)
	}
}
