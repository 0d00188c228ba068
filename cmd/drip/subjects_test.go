package main

import (
	"bytes"
	"crypto/ed25519"
	"encoding/json"
	"io"
	"net/http"
	"testing"
	"time"

	"github.com/drip-ledger/drip/api"
	"github.com/drip-ledger/drip/domain"
)

// registerComplainedHousehold registers household 520526104201-0007, the
// subject of fileComplaint's complaints: a complaint about a household not
// on file is refused (subject_not_found).
func registerComplainedHousehold(t *testing.T, base string, key ed25519.PrivateKey, now time.Time) {
	t.Helper()
	tok, err := api.IssueToken(key, api.Claims{User: "enum.wang", Role: domain.RoleEnumerator, Jurisdiction: "520526104201",
		IssuedAt: now.Unix(), ExpiresAt: now.Add(time.Hour).Unix()})
	if err != nil {
		t.Fatal(err)
	}
	first := "520526" + "19700302" + "011"
	c, err := domain.ResidentIDCheck(first)
	if err != nil {
		t.Fatal(err)
	}
	head := map[string]any{"name": "Zhang San", "residentId": first + string(c), "birthDate": "1970-03-02", "relation": "head",
		"sex": "male", "education": "primary", "health": "healthy", "labourAbility": "full", "schooling": "not_in_school"}
	body, _ := json.Marshal(map[string]any{"fileNumber": "520526104201-0007", "village": "520526104201", "head": head})
	req, _ := http.NewRequest(http.MethodPost, base+"/households", bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+tok)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusCreated {
		b, _ := io.ReadAll(resp.Body)
		t.Fatalf("registering the complained-of household: %d %s", resp.StatusCode, b)
	}
}

// TestComplaintAboutAHouseholdNotOnFileIsRefused: the server looks the
// subject up in the log before it records a complaint.
func TestComplaintAboutAHouseholdNotOnFileIsRefused(t *testing.T) {
	dir := t.TempDir()
	srv := startServe(t, dir)
	key, err := loadOrCreateKey(dir + "/" + tokenKeyFile)
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	tok, _ := api.IssueToken(key, api.Claims{User: "desk.zhang", Role: domain.RoleComplaintDesk, Jurisdiction: "520526",
		IssuedAt: now.Unix(), ExpiresAt: now.Add(time.Hour).Unix()})
	if status, body, err := fileComplaint(http.DefaultClient, srv, tok, "12317-2026-000001"); err != nil || status != 422 ||
		!bytes.Contains([]byte(body), []byte("subject_not_found")) {
		t.Fatalf("complaint about no household: %d %s %v", status, body, err)
	}
	registerComplainedHousehold(t, srv, key, now)
	complain(t, srv, tok, "12317-2026-000001")
}
