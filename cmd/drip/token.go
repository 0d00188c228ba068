package main

import (
	"context"
	"fmt"
	"io"
	"path/filepath"
	"time"

	"github.com/drip-ledger/drip/api"
	"github.com/drip-ledger/drip/domain"
	"github.com/drip-ledger/drip/events"
)

func runToken(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) > 0 && args[0] == "rotate" {
		return runTokenRotate(args[1:], stdout, stderr)
	}
	if len(args) == 0 || args[0] != "issue" {
		if len(args) > 0 && (args[0] == "-h" || args[0] == "--help") {
			args = []string{"issue", "-h"}
		} else {
			fmt.Fprintln(stderr, "Usage: drip token issue --user U --role R --jurisdiction CODE [--ttl D]\n       drip token rotate [--data DIR]")
			return errUsage
		}
	}
	fs := newFlags("token issue", fmt.Sprintf(`
Signs a bearer token with the deployment's key (%s in --data, created
if missing) and prints it. Roles: %v. The jurisdiction is a division-code
prefix ("" the nation, 520526 a county, 520526104201 a village).`, tokenKeyFile, domain.Roles()), stderr)
	user := fs.String("user", "", "user ID (required)")
	role := fs.String("role", "", "role (required)")
	jur := fs.String("jurisdiction", "", "division-code prefix the user acts within")
	ttl := fs.Duration("ttl", 8*time.Hour, fmt.Sprintf("lifetime, at most %v", api.TokenTTLMax))
	dataDir := fs.String("data", "./drip-data", "data directory holding the deployment's key")
	backfill := fs.Bool("backfill", false, "grant the backfill of older paper records (requests then send Drip-Backfill: true; each such event is an audit red flag)")
	configFile := fs.String("config", "", "serve's --config file, whose divisionsFile adds places to the embedded registry")
	if err := parse(fs, args[1:]); err != nil {
		return err
	}
	// The user ID becomes every event's actorId: the text rule of the
	// log holds for it here already, where the operator can fix it.
	if code, why := events.TextProblem(*user, false); code != "" {
		return fmt.Errorf("token issue: --user %s (%s)", why, code)
	}
	// A token for a place that does not exist grants nothing anyone can
	// use, and hides a typing mistake: the registry is asked first.
	set, err := loadSettings(*configFile)
	if err != nil {
		return fmt.Errorf("token issue: %w", err)
	}
	if j, err := domain.ParseJurisdiction(*jur); err == nil {
		if err := set.divisions.CheckJurisdiction(j); err != nil {
			return fmt.Errorf("token issue: --jurisdiction %w", err)
		}
	}
	key, err := loadOrCreateKey(filepath.Join(*dataDir, tokenKeyFile))
	if err != nil {
		return err
	}
	now := time.Now()
	tok, err := api.IssueToken(key, api.Claims{User: *user, Role: domain.Role(*role), Jurisdiction: *jur, Backfill: *backfill,
		IssuedAt: now.Unix(), ExpiresAt: now.Add(*ttl).Unix()})
	if err != nil {
		return fmt.Errorf("token issue: %w", err)
	}
	fmt.Fprintln(stdout, tok)
	return nil
}

// runTokenRotate replaces the token signing key. Tokens signed by the old
// key keep verifying (its public half is kept in keys/token-retired) until
// the operator deletes that file; a running server reads keys at start, so
// it is restarted after a rotation.
func runTokenRotate(args []string, stdout, stderr io.Writer) error {
	fs := newFlags("token rotate", fmt.Sprintf(`
Retires the token signing key (%s in --data): its public key moves to
%s/<key ID>.pem, where it still verifies the tokens it signed, and a new
key signs from now on. Restart the server to use it. After %v (the longest
token lifetime) no token of the old key is still valid: delete its file
then to retire it for good.`, tokenKeyFile, tokenRetiredDir, api.TokenTTLMax), stderr)
	dataDir := fs.String("data", "./drip-data", "data directory holding the deployment's key")
	if err := parse(fs, args); err != nil {
		return err
	}
	file, oldID, newID, err := rotateTokenKey(*dataDir)
	if err != nil {
		return fmt.Errorf("token rotate: %w", err)
	}
	fmt.Fprintf(stdout, "signing key %s\nretired key %s (verifies until %s is deleted; safe after %v)\nrestart the server to sign with the new key\n", newID, oldID, file, api.TokenTTLMax)
	return nil
}
