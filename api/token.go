package api

import (
	"crypto/ed25519"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/drip-ledger/drip/domain"
)

// Claims are what a bearer token asserts about its holder. Events take their
// actor, role and jurisdiction from verified claims, never from a request.
type Claims struct {
	User string      `json:"sub"`
	Role domain.Role `json:"role"`
	// Jurisdiction is a division-code prefix: "" the nation, 2 digits a
	// province, 4 a prefecture, 6 a county, 9 a township, 12 a village.
	Jurisdiction string `json:"jur"`
	IssuedAt     int64  `json:"iat"`
	ExpiresAt    int64  `json:"exp"`
	// Backfill grants the explicit backfill of older paper records (see
	// domain.CodeBackfillNotPermitted): a permission of its own, per user.
	Backfill bool `json:"bf,omitempty"`
}

// Token limits: a token is short-lived by design, so a leaked one expires
// soon, and bounded in size, so parsing one costs nothing.
const (
	TokenTTLMax   = 90 * 24 * time.Hour
	tokenBytesMax = 2048
	userBytesMax  = 64
	tokenPrefix   = "drip1."
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
	if c.ExpiresAt <= c.IssuedAt || time.Duration(c.ExpiresAt-c.IssuedAt)*time.Second > TokenTTLMax {
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

// IssueToken signs claims with the deployment's private key.
func IssueToken(key ed25519.PrivateKey, c Claims) (string, error) {
	if err := c.Validate(); err != nil {
		return "", err
	}
	body, err := json.Marshal(c)
	if err != nil {
		return "", err
	}
	enc := base64.RawURLEncoding
	signed := tokenPrefix + enc.EncodeToString(body)
	return signed + "." + enc.EncodeToString(ed25519.Sign(key, []byte(signed))), nil
}

// errToken is every reason a token is refused; the detail goes to the log,
// not to the caller, who only learns that the token is not accepted.
var errToken = errors.New("token not accepted")

// VerifyToken checks the signature, the claims and the expiry at now.
func VerifyToken(pub ed25519.PublicKey, token string, now time.Time) (Claims, error) {
	var c Claims
	if len(token) > tokenBytesMax || !strings.HasPrefix(token, tokenPrefix) {
		return c, fmt.Errorf("%w: malformed", errToken)
	}
	dot := strings.LastIndexByte(token, '.')
	signed, sigText := token[:dot], token[dot+1:]
	enc := base64.RawURLEncoding
	sig, err := enc.DecodeString(sigText)
	if err != nil || !ed25519.Verify(pub, []byte(signed), sig) {
		return c, fmt.Errorf("%w: bad signature", errToken)
	}
	body, err := enc.DecodeString(strings.TrimPrefix(signed, tokenPrefix))
	if err != nil {
		return c, fmt.Errorf("%w: malformed claims", errToken)
	}
	if err := json.Unmarshal(body, &c); err != nil {
		return c, fmt.Errorf("%w: malformed claims", errToken)
	}
	if err := c.Validate(); err != nil {
		return c, fmt.Errorf("%w: %v", errToken, err)
	}
	if now.Unix() >= c.ExpiresAt {
		return c, fmt.Errorf("%w: expired at %s", errToken, time.Unix(c.ExpiresAt, 0).UTC().Format(time.RFC3339))
	}
	return c, nil
}

// Actor is the domain's view of the claims.
func (c Claims) Actor() domain.Actor {
	return domain.Actor{ID: c.User, Role: string(c.Role), Jurisdiction: c.Jurisdiction}
}
