package main

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"github.com/drip-ledger/drip/api"
	"github.com/drip-ledger/drip/domain"
)

// readiness GETs /readyz once it says ready (at most 60 s).
func readiness(t *testing.T, base string) (head uint64, byName map[string]api.ProjectionStatus) {
	t.Helper()
	for deadline := time.Now().Add(60 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		resp, err := http.Get(base + "/readyz")
		if err == nil {
			raw, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			var r struct {
				Head        uint64
				Projections []api.ProjectionStatus
			}
			if resp.StatusCode == http.StatusOK && json.Unmarshal(raw, &r) == nil {
				byName = map[string]api.ProjectionStatus{}
				for _, p := range r.Projections {
					byName[p.Name] = p
				}
				return r.Head, byName
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("not ready in 60 s: %v", err)
		}
	}
}

func TestARestartResumesTheDurableModelsAtTheirCheckpoints(t *testing.T) {
	// Given a server that recorded a household and complaints, then stopped
	dir := t.TempDir()
	p := startServeProcess(t, dir, "")
	key, err := loadOrCreateKey(filepath.Join(dir, tokenKeyFile))
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	tok, err := api.IssueToken(key, api.Claims{User: "desk.zhang", Role: domain.RoleComplaintDesk, Jurisdiction: "520526",
		IssuedAt: now.Unix(), ExpiresAt: now.Add(time.Hour).Unix()})
	if err != nil {
		t.Fatal(err)
	}
	registerComplainedHousehold(t, p.base, key, now)
	for i := 1; i <= 5; i++ {
		if status, body, err := fileComplaint(http.DefaultClient, p.base, tok, fmt.Sprintf("12317-2026-%06d", i)); err != nil || status != http.StatusCreated {
			t.Fatalf("complaint %d: %d %s %v", i, status, body, err)
		}
	}
	// (ready is within ReadyLagMax: wait until every model has the head)
	head, models := readiness(t, p.base)
	for deadline := time.Now().Add(30 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		behind := false
		for _, m := range models {
			behind = behind || m.Position < head
		}
		if !behind {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("models short of %d: %+v", head, models)
		}
		head, models = readiness(t, p.base)
	}
	if err := p.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	if err := <-p.exited; err != nil {
		t.Fatalf("exit: %v\n%s", err, p.logged())
	}
	// When it starts again
	p = startServeProcess(t, dir, "")
	again, models := readiness(t, p.base)
	// Then the durable models start at the head, with nothing to replay
	// (their catch-up applied no event), while the in-memory ones replayed
	if again < head {
		t.Fatalf("head %d after the restart, %d before", again, head)
	}
	for _, name := range []string{"households.v2", "complaints.v2"} {
		m, ok := models[name]
		if !ok || m.Target != again || m.Position < again || m.EventsPerS != 0 {
			t.Errorf("%s after the restart: %+v (present %v), want resumed at %d with nothing replayed", name, m, ok, again)
		}
	}
	if m := models["funds"]; m.EventsPerS == 0 {
		t.Errorf("funds after the restart %+v: an in-memory model replays", m)
	}
	// And reads answer from the resumed state
	req, _ := http.NewRequest(http.MethodGet, p.base+"/complaints?limit=10", nil)
	req.Header.Set("Authorization", "Bearer "+tok)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var page struct {
		Items []json.RawMessage `json:"complaints"`
	}
	raw, _ := io.ReadAll(resp.Body)
	if err := json.Unmarshal(raw, &page); err != nil || len(page.Items) != 5 || resp.Header.Get(api.PositionHeader) == "" {
		t.Errorf("complaints after the restart: %d %s (%s %q)", resp.StatusCode, raw, api.PositionHeader, resp.Header.Get(api.PositionHeader))
	}
}
