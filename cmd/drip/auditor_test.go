package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/drip-ledger/drip/api"
	"github.com/drip-ledger/drip/domain"
	"github.com/drip-ledger/drip/events/postgres"
	"github.com/drip-ledger/drip/projections/notary"
)

// TestAuditorWalkthrough follows the README's walk-through against a real
// `drip serve` on the embedded store: get the verifier key, fetch a
// household's bundle and verify it offline with `drip verify bundle`, keep
// the checkpoint, let history grow, and check with `drip verify
// consistency` that the newer checkpoint extends the one kept. Then it
// alters one amount in the bundle and checks that verification fails.
func TestAuditorWalkthrough(t *testing.T) {
	dir := t.TempDir()
	srv := startServe(t, dir)
	key, err := loadOrCreateKey(filepath.Join(dir, tokenKeyFile))
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	tok, _ := api.IssueToken(key, api.Claims{User: "desk.zhang", Role: domain.RoleComplaintDesk, Jurisdiction: "520526",
		IssuedAt: now.Unix(), ExpiresAt: now.Add(time.Hour).Unix()})
	audTok, _ := api.IssueToken(key, api.Claims{User: "audit.li", Role: domain.RoleAuditor, Jurisdiction: "520526",
		IssuedAt: now.Unix(), ExpiresAt: now.Add(time.Hour).Unix()})

	vkey := httpGet(t, srv, audTok, "/notary/key", 200)
	keyFile := filepath.Join(dir, "auditor-notary.pub")
	must(t, os.WriteFile(keyFile, vkey, 0o644))

	registerComplainedHousehold(t, srv, key, now)
	complain(t, srv, tok, "12317-2026-000001")
	var first []byte
	waitFor(t, func() bool {
		first = httpGet(t, srv, audTok, "/checkpoints/latest", -1)
		// The resident ID's claim, the household, the complaint.
		return bytes.Contains(first, []byte("\n3\n"))
	})
	oldFile := filepath.Join(dir, "kept-checkpoint")
	must(t, os.WriteFile(oldFile, first, 0o644))

	bundle := httpGet(t, srv, tok, "/households/520526104201-0007/bundle", -1)
	bundleFile := filepath.Join(dir, "bundle.json")
	must(t, os.WriteFile(bundleFile, bundle, 0o644))
	out := drip(t, "verify", "bundle", bundleFile, "--key", keyFile)
	if !strings.Contains(out, "verified") {
		t.Fatalf("verify bundle: %s", out)
	}

	complain(t, srv, tok, "12317-2026-000002")
	complain(t, srv, tok, "12317-2026-000003")
	var newer []byte
	waitFor(t, func() bool {
		newer = httpGet(t, srv, audTok, "/checkpoints/latest", -1)
		return !bytes.Equal(newer, first) && !bytes.Contains(newer, []byte("\n4\n"))
	})
	size := strings.Split(string(newer), "\n")[1]
	newFile, proofFile := filepath.Join(dir, "new-checkpoint"), filepath.Join(dir, "proof")
	must(t, os.WriteFile(newFile, newer, 0o644))
	must(t, os.WriteFile(proofFile, httpGet(t, srv, audTok, "/proofs/consistency?from=3&to="+size+"&format=text", 200), 0o644))
	if out := drip(t, "verify", "consistency", "--key", keyFile, oldFile, newFile, proofFile); !strings.Contains(out, "verified") {
		t.Fatalf("verify consistency: %s", out)
	}

	// One altered amount is caught: the bundle's payload bytes no longer
	// hash to the proven leaf.
	altered := bytes.Replace(bundle, []byte("never came"), []byte("never came!"), 1)
	if bytes.Equal(altered, bundle) {
		t.Fatal("the bundle does not hold the complaint text the test alters")
	}
	must(t, os.WriteFile(bundleFile, altered, 0o644))
	if err := dispatch(context.Background(), []string{"verify", "bundle", bundleFile, "--key", keyFile}, io.Discard, io.Discard); err == nil {
		t.Fatal("an altered bundle verified")
	}
}

// startServe runs `drip serve` on dir, with checkpoints at most 200 ms
// behind the log, until the test ends.
func startServe(t *testing.T, dir string) string {
	t.Helper()
	return startServeWith(t, serveConfig{DataDir: dir, Origin: "drip.test/county/520526", CheckpointInterval: 200 * time.Millisecond})
}

// startServeWith runs `drip serve` with sc (its API address is chosen
// here) until the test ends.
func startServeWith(t *testing.T, sc serveConfig) string {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	sc.API = api.DefaultConfig()
	sc.API.Addr = "127.0.0.1:0"
	ready, done := make(chan string, 1), make(chan error, 1)
	go func() { done <- serve(ctx, sc, slog.New(slog.DiscardHandler), ready) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("serve: %v", err)
		}
	})
	select {
	case addr := <-ready:
		return "http://" + addr
	case err := <-done:
		t.Fatalf("serve stopped: %v", err)
	case <-time.After(30 * time.Second):
		t.Fatal("serve did not start")
	}
	return ""
}

func complain(t *testing.T, base, tok, id string) {
	t.Helper()
	status, body, err := fileComplaint(http.DefaultClient, base, tok, id)
	if err != nil {
		t.Fatal(err)
	}
	if status != 201 {
		t.Fatalf("complaint %s = %d %s", id, status, body)
	}
}

// httpGet fetches path; want -1 accepts any status and returns the body of
// a 200 or nil.
func httpGet(t *testing.T, base, tok, path string, want int) []byte {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, base+path, nil)
	req.Header.Set("Authorization", "Bearer "+tok)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if want >= 0 && resp.StatusCode != want {
		t.Fatalf("GET %s = %d %s", path, resp.StatusCode, b)
	}
	if resp.StatusCode != 200 {
		return nil
	}
	return b
}

func waitFor(t *testing.T, ok func() bool) {
	t.Helper()
	for deadline := time.Now().Add(20 * time.Second); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		if ok() {
			return
		}
	}
	t.Fatal("condition not met in 20 s")
}

func drip(t *testing.T, args ...string) string {
	t.Helper()
	var out, errOut bytes.Buffer
	if err := dispatch(context.Background(), args, &out, &errOut); err != nil {
		t.Fatalf("drip %v: %v\n%s", args, err, errOut.String())
	}
	return out.String()
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func dropSchema(t *testing.T, dsn, schema string) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := postgres.DropSchema(ctx, dsn, schema); err != nil {
		t.Error(err)
	}
}

// TestBundleOfAPaidHouseholdProvesItsDripTrail: on the demo county, the
// bundle of a household paid from two appropriation documents holds the
// appropriations, allocations and payment events behind each fen, and
// verifies offline; so an auditor can check the drip trail, not just read it.
func TestBundleOfAPaidHouseholdProvesItsDripTrail(t *testing.T) {
	dir := t.TempDir()
	sum := loadTestDemo(t, dir, 1)
	if sum.Money.Example == "" {
		t.Fatal("the demo names no household paid from two documents")
	}
	base := startServe(t, dir)
	key, err := loadOrCreateKey(filepath.Join(dir, tokenKeyFile))
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	tok, _ := api.IssueToken(key, api.Claims{User: "audit.li", Role: domain.RoleAuditor, Jurisdiction: "520526",
		IssuedAt: now.Unix(), ExpiresAt: now.Add(time.Hour).Unix()})
	var raw []byte
	waitFor(t, func() bool {
		raw = httpGet(t, base, tok, "/households/"+sum.Money.Example+"/bundle", -1)
		return raw != nil
	})
	var b notary.Bundle
	if err := json.Unmarshal(raw, &b); err != nil {
		t.Fatal(err)
	}
	types := map[string]int{}
	for _, e := range b.Events {
		types[e.Event.Type]++
	}
	for _, want := range []string{"fund.appropriation_received.v1", "fund.allocated.v1", "fund.payment_instructed.v1", "fund.payment_settled.v1"} {
		if types[want] == 0 {
			t.Errorf("the bundle holds no %s: %v", want, types)
		}
	}
	if types["fund.appropriation_received.v1"] < 2 {
		t.Errorf("the example household was paid from two documents; the bundle proves %d", types["fund.appropriation_received.v1"])
	}
	vkey, err := os.ReadFile(filepath.Join(dir, "keys", notaryVerifierKeyFile))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := notary.VerifyBundle(&b, strings.TrimSpace(string(vkey))); err != nil {
		t.Fatalf("the drip trail's bundle does not verify: %v", err)
	}
}
