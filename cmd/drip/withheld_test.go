package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/drip-ledger/drip/api"
	"github.com/drip-ledger/drip/domain"
)

// A village cadre's bundle of a household with a real-name complaint about
// it shows neither the complainant's name nor phone, and still verifies
// with drip verify bundle: the withheld event's leaf and inclusion proof are
// in it; a changed leaf hash fails.
func TestBundleWithholdsTheComplainantAndStillVerifies(t *testing.T) {
	dir := t.TempDir()
	srv := startServe(t, dir)
	key, err := loadOrCreateKey(filepath.Join(dir, tokenKeyFile))
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	issue := func(user string, role domain.Role, jur string) string {
		tok, _ := api.IssueToken(key, api.Claims{User: user, Role: role, Jurisdiction: jur,
			IssuedAt: now.Unix(), ExpiresAt: now.Add(time.Hour).Unix()})
		return tok
	}
	deskTok, audTok := issue("desk.zhang", domain.RoleComplaintDesk, "520526"), issue("audit.li", domain.RoleAuditor, "520526")
	villageTok := issue("li.cun", domain.RoleVillage, "520526104201")
	registerComplainedHousehold(t, srv, key, now)

	body, _ := json.Marshal(map[string]any{
		"complaintId": "12317-2026-000001", "channel": "phone_12317", "category": "cadre_misconduct",
		"subject":     map[string]any{"kind": "household", "ref": "520526104201-0007"},
		"division":    "520526104201",
		"complainant": map[string]any{"kind": "real_name", "name": "Wang Fang", "phone": "13800000000"},
		"text":        "The village secretary kept our subsidy.",
	})
	req, _ := http.NewRequest(http.MethodPost, srv+"/complaints", bytes.NewReader(body))
	req.Header.Set("Authorization", "Bearer "+deskTok)
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	raw, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 201 {
		t.Fatalf("complaint = %d %s", resp.StatusCode, raw)
	}
	waitFor(t, func() bool {
		return bytes.Contains(httpGet(t, srv, audTok, "/checkpoints/latest", -1), []byte("\n3\n"))
	})
	keyFile := filepath.Join(dir, "notary.pub.txt")
	must(t, os.WriteFile(keyFile, httpGet(t, srv, audTok, "/notary/key", 200), 0o644))

	secret := []string{"Wang Fang", "13800000000", "secretary kept"}
	for _, path := range []string{"/households/520526104201-0007/bundle", "/households/520526104201-0007/timeline"} {
		got := httpGet(t, srv, villageTok, path, 200)
		for _, s := range secret {
			if bytes.Contains(got, []byte(s)) {
				t.Errorf("village reads %s and sees %q", path, s)
			}
		}
		if !bytes.Contains(got, []byte("cadre_misconduct")) {
			t.Errorf("village reads %s without the complaint's category: %s", path, got)
		}
		if desk := httpGet(t, srv, deskTok, path, 200); !bytes.Contains(desk, []byte("Wang Fang")) {
			t.Errorf("the desk reads %s without the complainant", path)
		}
	}

	bundle := httpGet(t, srv, villageTok, "/households/520526104201-0007/bundle", 200)
	file := filepath.Join(dir, "bundle.json")
	must(t, os.WriteFile(file, bundle, 0o644))
	if out := drip(t, "verify", "bundle", file, "--key", keyFile); !strings.Contains(out, "verified: 2 events") || !strings.Contains(out, "withheld: 1") {
		t.Fatalf("verify bundle: %s", out)
	}
	var b struct {
		Events []map[string]any `json:"events"`
	}
	must(t, json.Unmarshal(bundle, &b))
	w := -1 // the household's registration is shown; the complaint is withheld
	for i, ev := range b.Events {
		if ev["withheld"] == true {
			w = i
		}
	}
	if w < 0 {
		t.Fatalf("no withheld event in the bundle: %s", bundle)
	}
	leaf, _ := b.Events[w]["leafHash"].(string)
	if leaf == "" {
		t.Fatalf("withheld event has no leaf hash: %v", b.Events[w])
	}
	flipped := []byte(leaf)
	if flipped[0] == 'A' {
		flipped[0] = 'B'
	} else {
		flipped[0] = 'A'
	}
	must(t, os.WriteFile(file, bytes.Replace(bundle, []byte(leaf), flipped, 1), 0o644))
	if err := dispatch(context.Background(), []string{"verify", "bundle", file, "--key", keyFile}, io.Discard, io.Discard); err == nil {
		t.Fatal("a bundle with a changed leaf hash verified")
	}
}
