package api_test

import (
	"crypto/ed25519"
	"fmt"
	"testing"
	"time"

	"github.com/drip-ledger/drip/api"
)

// A ring remembers the tokens it verified, but the time checks are made at
// every request: a remembered token still expires, and one first presented
// before its issue time is still refused then and accepted later.
func TestVerifiedTokenCacheStillChecksTimeAtEachRequest(t *testing.T) {
	pub, priv, _ := ed25519.GenerateKey(nil)
	ring, err := api.NewKeyRing(pub)
	if err != nil {
		t.Fatal(err)
	}
	tok, _ := api.IssueToken(priv, claims())
	// Given a token presented too early (beyond the skew),
	if _, err := ring.Verify(tok, t0.Add(-time.Hour)); err == nil {
		t.Fatal("a token issued an hour in the future was accepted")
	}
	// when it is presented in its lifetime, twice, then after it,
	for i := range 2 {
		if got, err := ring.Verify(tok, t0.Add(time.Hour)); err != nil || got != claims() {
			t.Fatalf("verify %d = %+v, %v", i, got, err)
		}
	}
	// then it is refused once expired, though remembered.
	if _, err := ring.Verify(tok, t0.Add(8*time.Hour)); err == nil {
		t.Fatal("a remembered token was accepted after its expiry")
	}
	// And a token of another key is refused however often it is tried.
	_, other, _ := ed25519.GenerateKey(nil)
	foreign, _ := api.IssueToken(other, claims())
	for range 2 {
		if _, err := ring.Verify(foreign, t0.Add(time.Hour)); err == nil {
			t.Fatal("a foreign token was accepted")
		}
	}
}

// More distinct tokens than the cache holds still verify: the cache is
// emptied and refills, never grows beyond its bound, never refuses.
func TestVerifiedTokenCacheIsBounded(t *testing.T) {
	pub, priv, _ := ed25519.GenerateKey(nil)
	ring, _ := api.NewKeyRing(pub)
	for i := range api.VerifiedTokensCacheMax + 10 {
		c := claims()
		c.User = fmt.Sprintf("official.%d", i)
		tok, err := api.IssueToken(priv, c)
		if err != nil {
			t.Fatal(err)
		}
		if got, err := ring.Verify(tok, t0.Add(time.Minute)); err != nil || got.User != c.User {
			t.Fatalf("token %d: %+v, %v", i, got, err)
		}
	}
	if n := ring.VerifiedLen(); n > api.VerifiedTokensCacheMax {
		t.Fatalf("cache holds %d tokens, more than %d", n, api.VerifiedTokensCacheMax)
	}
}
