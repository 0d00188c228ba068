package api

import (
	"bytes"
	"crypto/ed25519"
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
	"sync"
	"time"

	"golang.org/x/crypto/blake2b"

	"github.com/drip-ledger/drip/domain"
)

// Tokens are PASETO v4.public (Ed25519 over PAE, the standard's
// pre-authentication encoding) with the signing key's PASERK ID (k4.pid) in
// the footer. PASETO rather than a home-made format: the format has one
// algorithm per version (no "alg" to downgrade), authenticates the footer,
// and is checkable by any PASETO library; it is small enough to implement
// here with crypto/ed25519 instead of adding a dependency for it.

// Claims are what a bearer token asserts about its holder. Events take their
// actor, role and jurisdiction from verified claims, never from a request.
type Claims struct {
	User string
	Role domain.Role
	// Jurisdiction is a division-code prefix: "" the nation, 2 digits a
	// province, 4 a prefecture, 6 a county, 9 a township, 12 a village.
	Jurisdiction string
	IssuedAt     int64 // Unix seconds
	ExpiresAt    int64 // Unix seconds
	// Backfill grants the explicit backfill of older paper records (see
	// domain.CodeBackfillNotPermitted): a permission of its own, per user,
	// carried as the optional claim "bf": "true".
	Backfill bool
}

// Token limits: a token is short-lived by design, so a leaked one expires
// soon, and bounded in size, so parsing one costs nothing. TokenSkewMax is
// how far in the future of the verifier's clock a token's iat may lie (the
// issuer's clock may run a little ahead); beyond it the token is refused.
const (
	TokenTTLMax   = 90 * 24 * time.Hour
	TokenSkewMax  = 2 * time.Minute
	tokenBytesMax = 2048
	userBytesMax  = 64
	tokenHeader   = "v4.public."
)

// Validate reports every problem with the claims at once.
func (c Claims) Validate() error {
	var errs []error
	if c.User == "" || len(c.User) > userBytesMax || strings.ContainsAny(c.User, " \t\n:") {
		errs = append(errs, fmt.Errorf("user %q must be 1..%d characters without spaces or ':'", c.User, userBytesMax))
	}
	if !c.Role.Valid() {
		errs = append(errs, fmt.Errorf("role %q is not one of %v", c.Role, domain.Roles()))
	}
	if !validJurisdiction(c.Jurisdiction) {
		errs = append(errs, fmt.Errorf("jurisdiction %q is not a division-code prefix of 0, 2, 4, 6, 9 or 12 digits", c.Jurisdiction))
	}
	// exp > iat, so the difference taken in uint64 is exact even where the
	// int64 one would wrap (iat near MinInt64, exp near MaxInt64); it is
	// compared in seconds, never converted to a time.Duration that could wrap.
	if c.ExpiresAt <= c.IssuedAt || uint64(c.ExpiresAt)-uint64(c.IssuedAt) > uint64(TokenTTLMax/time.Second) {
		errs = append(errs, fmt.Errorf("lifetime must be positive and at most %v", TokenTTLMax))
	}
	return errors.Join(errs...)
}

func validJurisdiction(j string) bool {
	switch len(j) {
	case 0, 2, 4, 6, 9, 12:
	default:
		return false
	}
	for i := 0; i < len(j); i++ {
		if j[i] < '0' || j[i] > '9' {
			return false
		}
	}
	return true
}

// KeyID is the PASERK ID (k4.pid) of an Ed25519 public key: what a token's
// footer names, so a verifier holding several keys knows which one to use.
func KeyID(pub ed25519.PublicKey) string {
	const h = "k4.pid."
	sum, _ := blake2b.New(33, nil) // 33 bytes = BLAKE2b-264, as PASERK says
	io.WriteString(sum, h+"k4.public."+base64.RawURLEncoding.EncodeToString(pub))
	return h + base64.RawURLEncoding.EncodeToString(sum.Sum(nil))
}

// pae is PASETO's pre-authentication encoding: the count of pieces, then each
// piece with its length, all lengths as little-endian uint64 with the top bit
// clear, so no two lists of pieces encode alike.
func pae(pieces ...[]byte) []byte {
	var b bytes.Buffer
	le := func(n int) { binary.Write(&b, binary.LittleEndian, uint64(n)&^(1<<63)) }
	le(len(pieces))
	for _, p := range pieces {
		le(len(p))
		b.Write(p)
	}
	return b.Bytes()
}

// wireClaims is the token's payload: PASETO's registered claims sub, iat and
// exp (times as RFC 3339) and Drip's role and jur.
type wireClaims struct {
	Sub  string `json:"sub"`
	Role string `json:"role"`
	Jur  string `json:"jur"`
	Iat  string `json:"iat"`
	Exp  string `json:"exp"`
	// Bf is "true" in a token that grants backfill, and absent otherwise:
	// one spelling only, so no claim can half-grant it.
	Bf string `json:"bf,omitempty"`
}

type wireFooter struct {
	Kid string `json:"kid"`
}

// IssueToken signs claims with the deployment's private key.
func IssueToken(key ed25519.PrivateKey, c Claims) (string, error) {
	if err := c.Validate(); err != nil {
		return "", err
	}
	w := wireClaims{Sub: c.User, Role: string(c.Role), Jur: c.Jurisdiction,
		Iat: time.Unix(c.IssuedAt, 0).UTC().Format(time.RFC3339), Exp: time.Unix(c.ExpiresAt, 0).UTC().Format(time.RFC3339)}
	if c.Backfill {
		w.Bf = "true"
	}
	m, err := json.Marshal(w)
	if err != nil {
		return "", err
	}
	f, err := json.Marshal(wireFooter{Kid: KeyID(key.Public().(ed25519.PublicKey))})
	if err != nil {
		return "", err
	}
	return sign(key, m, f), nil
}

// sign makes a v4.public token of payload m and footer f.
func sign(key ed25519.PrivateKey, m, f []byte) string {
	sig := ed25519.Sign(key, pae([]byte(tokenHeader), m, f, nil))
	enc := base64.RawURLEncoding
	return tokenHeader + enc.EncodeToString(append(m[:len(m):len(m)], sig...)) + "." + enc.EncodeToString(f)
}

// errToken is every reason a token is refused; the detail goes to the log,
// not to the caller, who only learns that the token is not accepted.
var errToken = errors.New("token not accepted")

// KeyRing holds the public keys that verify tokens, by key ID: the current
// signing key's and those of retired signing keys that still verify until
// the operator removes them (a rotation keeps tokens issued before it valid
// until they expire, at most TokenTTLMax).
type KeyRing struct {
	keys map[string]ed25519.PublicKey
	// verified caches the claims of tokens whose signature and claims
	// checked out, by the token's bytes: an official's session sends the
	// same token with every request for its lifetime, and the signature
	// check (an Ed25519 verification, ~0.1 ms) need not be paid again. The
	// time checks (iat, exp) are made at every request. Bounded by
	// VerifiedTokensCacheMax; when full it is emptied and refills.
	mu       sync.Mutex
	verified map[string]Claims
}

// VerifiedTokensCacheMax bounds the tokens a KeyRing remembers as verified:
// more than the officials of a province with a session each, and at most
// tokenBytesMax each (8 MiB).
const VerifiedTokensCacheMax = 4096

// NewKeyRing builds a ring from Ed25519 public keys.
func NewKeyRing(pubs ...ed25519.PublicKey) (*KeyRing, error) {
	r := &KeyRing{keys: make(map[string]ed25519.PublicKey, len(pubs)), verified: map[string]Claims{}}
	for i, p := range pubs {
		if len(p) != ed25519.PublicKeySize {
			return nil, fmt.Errorf("token key %d is not an Ed25519 public key", i)
		}
		r.keys[KeyID(p)] = p
	}
	if len(r.keys) == 0 {
		return nil, errors.New("no token key")
	}
	return r, nil
}

// VerifyToken checks a token against one public key (see KeyRing.Verify).
func VerifyToken(pub ed25519.PublicKey, token string, now time.Time) (Claims, error) {
	r, err := NewKeyRing(pub)
	if err != nil {
		return Claims{}, err
	}
	return r.Verify(token, now)
}

// Verify checks the key ID, the signature, the claims (strictly: every claim
// present once, spelled exactly, no other), the issue time (not after now
// plus TokenSkewMax) and the expiry at now.
func (r *KeyRing) Verify(token string, now time.Time) (Claims, error) {
	r.mu.Lock()
	c, ok := r.verified[token]
	r.mu.Unlock()
	if !ok {
		var err error
		if c, err = r.verifySigned(token); err != nil {
			return c, err
		}
		r.mu.Lock()
		if len(r.verified) >= VerifiedTokensCacheMax {
			clear(r.verified)
		}
		r.verified[token] = c
		r.mu.Unlock()
	}
	if time.Unix(c.IssuedAt, 0).After(now.Add(TokenSkewMax)) {
		return c, fmt.Errorf("%w: issued in the future, at %s", errToken, time.Unix(c.IssuedAt, 0).UTC().Format(time.RFC3339))
	}
	if now.Unix() >= c.ExpiresAt {
		return c, fmt.Errorf("%w: expired at %s", errToken, time.Unix(c.ExpiresAt, 0).UTC().Format(time.RFC3339))
	}
	return c, nil
}

// verifySigned checks everything about token that does not depend on the
// time: its form, key ID, signature and claims.
func (r *KeyRing) verifySigned(token string) (Claims, error) {
	var c Claims
	body, ok := strings.CutPrefix(token, tokenHeader)
	if len(token) > tokenBytesMax || !ok {
		return c, fmt.Errorf("%w: malformed", errToken)
	}
	mText, fText, ok := strings.Cut(body, ".")
	enc := base64.RawURLEncoding
	ms, err1 := enc.DecodeString(mText)
	f, err2 := enc.DecodeString(fText)
	if !ok || err1 != nil || err2 != nil || len(ms) < ed25519.SignatureSize {
		return c, fmt.Errorf("%w: malformed", errToken)
	}
	var foot wireFooter
	if err := decodeStrict(f, &foot, "kid"); err != nil {
		return c, fmt.Errorf("%w: footer: %v", errToken, err)
	}
	pub, ok := r.keys[foot.Kid]
	if !ok {
		return c, fmt.Errorf("%w: unknown key %q", errToken, foot.Kid)
	}
	m, sig := ms[:len(ms)-ed25519.SignatureSize], ms[len(ms)-ed25519.SignatureSize:]
	if !ed25519.Verify(pub, pae([]byte(tokenHeader), m, f, nil), sig) {
		return c, fmt.Errorf("%w: bad signature", errToken)
	}
	var w wireClaims
	if err := decodeStrict(m, &w, "sub", "role", "jur", "iat", "exp", "bf?"); err != nil {
		return c, fmt.Errorf("%w: claims: %v", errToken, err)
	}
	iat, err1 := time.Parse(time.RFC3339, w.Iat)
	exp, err2 := time.Parse(time.RFC3339, w.Exp)
	if err := errors.Join(err1, err2); err != nil {
		return c, fmt.Errorf("%w: claims: %v", errToken, err)
	}
	if w.Bf != "" && w.Bf != "true" {
		return c, fmt.Errorf("%w: claims: bf is %q; it is \"true\" or absent", errToken, w.Bf)
	}
	c = Claims{User: w.Sub, Role: domain.Role(w.Role), Jurisdiction: w.Jur, IssuedAt: iat.Unix(), ExpiresAt: exp.Unix(),
		Backfill: w.Bf == "true"}
	if err := c.Validate(); err != nil {
		return c, fmt.Errorf("%w: %v", errToken, err)
	}
	return c, nil
}

// decodeStrict decodes one JSON object of string values into v, refusing
// what encoding/json forgives: a duplicate key (it keeps the last), a key in
// another case (it matches case-insensitively), a key not in names, a
// missing one, and anything after the object. A claim a signer did not mean
// can then never decide who the holder is. A name ending in "?" is optional.
func decodeStrict(b []byte, v any, names ...string) error {
	optional := make(map[string]bool)
	for i, n := range names {
		if k, ok := strings.CutSuffix(n, "?"); ok {
			names[i], optional[k] = k, true
		}
	}
	d := json.NewDecoder(bytes.NewReader(b))
	if t, err := d.Token(); err != nil || t != json.Delim('{') {
		return errors.New("not a JSON object")
	}
	seen := make(map[string]bool, len(names))
	for d.More() {
		t, err := d.Token()
		if err != nil {
			return err
		}
		k, _ := t.(string)
		known := false
		for _, n := range names {
			known = known || n == k
		}
		switch {
		case !known:
			return fmt.Errorf("unknown claim %q", k)
		case seen[k]:
			return fmt.Errorf("duplicate claim %q", k)
		}
		seen[k] = true
		t, err = d.Token()
		if _, isString := t.(string); err != nil || !isString {
			return fmt.Errorf("claim %q is not a string", k)
		}
	}
	if _, err := d.Token(); err != nil {
		return err
	}
	if _, err := d.Token(); err != io.EOF {
		return errors.New("data after the object")
	}
	for _, n := range names {
		if !seen[n] && !optional[n] {
			return fmt.Errorf("missing claim %q", n)
		}
	}
	// Keys are now exactly names, once each: the ordinary decoder fills v.
	return json.Unmarshal(b, v)
}

// Actor is the domain's view of the claims.
func (c Claims) Actor() domain.Actor {
	return domain.Actor{ID: c.User, Role: string(c.Role), Jurisdiction: c.Jurisdiction}
}
