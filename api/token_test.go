package api_test

import (
	"crypto/ed25519"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"math"
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
	// v4.public.<payload+signature>.<footer>: keep the good signature (the
	// last 64 bytes), put the wider payload in front of it.
	parts, wparts := strings.Split(good, "."), strings.Split(widerTok, ".")
	enc := base64.RawURLEncoding
	gm, _ := enc.DecodeString(parts[2])
	wm, _ := enc.DecodeString(wparts[2])
	forgedM := append(wm[:len(wm)-64:len(wm)-64], gm[len(gm)-64:]...)
	forged := "v4.public." + enc.EncodeToString(forgedM) + "." + parts[3]
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
		"oversized":                        {"v4.public." + strings.Repeat("a", 4000) + ".x", t0},
		"footer cut":                       {good[:strings.LastIndexByte(good, '.')], t0},
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

// signed builds a token over a raw payload with the key's own footer, the
// way a careless or hostile issuer could.
func signed(priv ed25519.PrivateKey, payload string) string {
	f, _ := json.Marshal(map[string]string{"kid": api.KeyID(priv.Public().(ed25519.PublicKey))})
	return api.Sign(priv, []byte(payload), f)
}

func TestTokenWithAmbiguousOrExtraClaimsIsRefused(t *testing.T) {
	pub, priv, _ := ed25519.GenerateKey(nil)
	const rest = `"sub":"li.wei","role":"village","iat":"2026-11-28T09:00:00Z","exp":"2026-11-28T17:00:00Z"`
	cases := map[string]string{
		// encoding/json keeps the last duplicate: the nation.
		"duplicate jur, last empty": `{` + rest + `,"jur":"520526104201","jur":""}`,
		// encoding/json matches keys case-insensitively.
		"case-variant JUR after jur": `{` + rest + `,"jur":"520526104201","JUR":""}`,
		"case-variant JUR alone":     `{` + rest + `,"JUR":""}`,
		"unknown claim":              `{` + rest + `,"jur":"520526104201","nbf":"2026-11-28T09:00:00Z"}`,
		"missing jur":                `{` + rest + `}`,
		"jur not a string":           `{` + rest + `,"jur":520526104201}`,
		"two objects":                `{` + rest + `,"jur":"520526104201"}{}`,
		"iat as a number":            `{"sub":"li.wei","role":"village","jur":"","iat":1764320400,"exp":"2026-11-28T17:00:00Z"}`,
		// The backfill grant has one spelling: "true", or no claim at all.
		"bf false":     `{` + rest + `,"jur":"520526104201","bf":"false"}`,
		"bf twice":     `{` + rest + `,"jur":"520526104201","bf":"true","bf":""}`,
		"bf a boolean": `{` + rest + `,"jur":"520526104201","bf":true}`,
		"BF":           `{` + rest + `,"jur":"520526104201","BF":"true"}`,
	}
	for name, payload := range cases {
		t.Run(name, func(t *testing.T) {
			if c, err := api.VerifyToken(pub, signed(priv, payload), t0.Add(time.Hour)); err == nil {
				t.Fatalf("token accepted with claims %+v", c)
			}
		})
	}
	// The same signer's well-formed payload passes: the refusals above are
	// about the claims, not the signing.
	ok := `{` + rest + `,"jur":"520526104201"}`
	if c, err := api.VerifyToken(pub, signed(priv, ok), t0.Add(time.Hour)); err != nil || c.Backfill {
		t.Fatalf("well-formed token: %+v, %v; want accepted without backfill", c, err)
	}
	bf := `{` + rest + `,"jur":"520526104201","bf":"true"}`
	if c, err := api.VerifyToken(pub, signed(priv, bf), t0.Add(time.Hour)); err != nil || !c.Backfill {
		t.Fatalf("backfill token: %+v, %v; want accepted with backfill", c, err)
	}
}

func TestTokenIssuedInTheFutureIsRefused(t *testing.T) {
	pub, priv, _ := ed25519.GenerateKey(nil)
	future := claims()
	future.IssuedAt, future.ExpiresAt = t0.Add(24*time.Hour).Unix(), t0.Add(32*time.Hour).Unix()
	tok, err := api.IssueToken(priv, future)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := api.VerifyToken(pub, tok, t0); err == nil {
		t.Fatal("token issued a day ahead accepted")
	}
	// Within the allowed skew it passes (the issuer's clock a little ahead).
	if _, err := api.VerifyToken(pub, tok, t0.Add(24*time.Hour-api.TokenSkewMax)); err != nil {
		t.Fatalf("token at the skew bound refused: %v", err)
	}
	if _, err := api.VerifyToken(pub, tok, t0.Add(24*time.Hour-api.TokenSkewMax-time.Second)); err == nil {
		t.Fatal("token a second beyond the skew accepted")
	}
}

func TestTokenLifetimeIsBoundedWithoutOverflow(t *testing.T) {
	_, priv, _ := ed25519.GenerateKey(nil)
	ttlS := int64(api.TokenTTLMax / time.Second)
	cases := map[string]struct {
		iat, exp int64
		ok       bool
	}{
		"exactly the maximum": {t0.Unix(), t0.Unix() + ttlS, true},
		"a second over":       {t0.Unix(), t0.Unix() + ttlS + 1, false},
		// (exp-iat)*1e9 wraps time.Duration to a small or negative value.
		"wraps a Duration": {t0.Unix(), t0.Unix() + math.MaxInt64/1_000_000_000*2 + 7, false},
		"int64 extremes":   {math.MinInt64, math.MaxInt64, false},
		"exp before iat":   {t0.Unix(), t0.Unix() - 1, false},
	}
	for name, c := range cases {
		t.Run(name, func(t *testing.T) {
			cl := claims()
			cl.IssuedAt, cl.ExpiresAt = c.iat, c.exp
			err := cl.Validate()
			if (err == nil) != c.ok {
				t.Fatalf("Validate = %v, want ok %v", err, c.ok)
			}
		})
	}
	// And a signed token with an enormous lifetime in RFC 3339 is refused.
	pub, _ := priv.Public().(ed25519.PublicKey)
	tok := signed(priv, `{"sub":"li.wei","role":"village","jur":"","iat":"2026-11-28T09:00:00Z","exp":"9999-12-31T23:59:59Z"}`)
	if _, err := api.VerifyToken(pub, tok, t0.Add(time.Hour)); err == nil {
		t.Fatal("token living 8,000 years accepted")
	}
}

func TestTokenKeyRotationKeepsRetiredKeysVerifying(t *testing.T) {
	oldPub, oldPriv, _ := ed25519.GenerateKey(nil)
	newPub, newPriv, _ := ed25519.GenerateKey(nil)
	oldTok, _ := api.IssueToken(oldPriv, claims())
	newTok, _ := api.IssueToken(newPriv, claims())
	during, err := api.NewKeyRing(newPub, oldPub)
	if err != nil {
		t.Fatal(err)
	}
	for name, tok := range map[string]string{"old": oldTok, "new": newTok} {
		if _, err := during.Verify(tok, t0.Add(time.Hour)); err != nil {
			t.Errorf("%s token refused while its key is in the ring: %v", name, err)
		}
	}
	after, _ := api.NewKeyRing(newPub)
	if _, err := after.Verify(oldTok, t0.Add(time.Hour)); err == nil {
		t.Error("token of a retired key accepted")
	}
	// A token naming the new key but signed by the old one is refused.
	f, _ := json.Marshal(map[string]string{"kid": api.KeyID(newPub)})
	m := `{"sub":"li.wei","role":"village","jur":"","iat":"2026-11-28T09:00:00Z","exp":"2026-11-28T17:00:00Z"}`
	if _, err := during.Verify(api.Sign(oldPriv, []byte(m), f), t0.Add(time.Hour)); err == nil {
		t.Error("token signed by one key under another's ID accepted")
	}
}

// The key ID is PASERK's k4.pid, checked against the standard's vector
// k4.pid-2 (paseto-standard/test-vectors), so other tools agree on it.
func TestKeyIDIsPASERKPid(t *testing.T) {
	pk, _ := hex.DecodeString("707172737475767778797a7b7c7d7e7f808182838485868788898a8b8c8d8e8f")
	if got, want := api.KeyID(pk), "k4.pid.9ShR3xc8-qVJ_di0tc9nx0IDIqbatdeM2mqLFBJsKRHs"; got != want {
		t.Fatalf("KeyID = %s, want %s", got, want)
	}
}

// PAE's vectors from the PASETO specification (Common.md).
func TestPAEMatchesTheSpecification(t *testing.T) {
	cases := []struct {
		pieces []string
		want   string
	}{
		{nil, "0000000000000000"},
		{[]string{""}, "0100000000000000" + "0000000000000000"},
		{[]string{"test"}, "0100000000000000" + "0400000000000000" + hex.EncodeToString([]byte("test"))},
	}
	for _, c := range cases {
		var ps [][]byte
		for _, p := range c.pieces {
			ps = append(ps, []byte(p))
		}
		if got := hex.EncodeToString(api.PAE(ps...)); got != c.want {
			t.Errorf("PAE(%q) = %s, want %s", c.pieces, got, c.want)
		}
	}
}
