package api_test

import (
	"bytes"
	"encoding/json"
	"log/slog"
	"sync"
	"testing"

	"github.com/drip-ledger/drip/domain"
)

// syncBuffer is a log sink the server's goroutines may write concurrently.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) lines() []map[string]any {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []map[string]any
	for _, l := range bytes.Split(bytes.TrimSpace(s.b.Bytes()), []byte("\n")) {
		var m map[string]any
		// The test fixture's own fetch of /openapi.json (to check every
		// answer against it) is not one of the test's requests.
		if json.Unmarshal(l, &m) == nil && m["msg"] == "http" && m["uri"] != "/openapi.json" {
			out = append(out, m)
		}
	}
	return out
}

func TestAccessLogRecordsTheStatusTheClientGot(t *testing.T) {
	var buf syncBuffer
	d := newDeskLogged(t, slog.New(slog.NewJSONHandler(&buf, nil)))
	deskTok := d.token("desk.zhang", domain.RoleComplaintDesk, "520526")
	got := []int{
		d.post(deskTok, "/complaints", "", phoneComplaint("12317-2026-000001")).status,
		d.post(deskTok, "/complaints", "", map[string]any{}).status,                                                                               // 422
		d.post(d.token("li", domain.RoleVillage, "520526104201"), "/complaints", "", phoneComplaint("12317-2026-000002")).status,                  // 403
		d.post(deskTok, "/complaints/12317-2026-000001/resolve", "", map[string]any{"outcome": "not_upheld", "reason": "r", "reply": "r"}).status, // 409
		d.post("", "/complaints", "", phoneComplaint("12317-2026-000003")).status,                                                                 // 401
	}
	if want := []int{201, 422, 403, 409, 401}; !equalInts(got, want) {
		t.Fatalf("statuses = %v, want %v", got, want)
	}
	lines := buf.lines()
	if len(lines) != len(got) {
		t.Fatalf("%d access-log lines for %d requests: %v", len(lines), len(got), lines)
	}
	for i, l := range lines {
		if s, _ := l["status"].(float64); int(s) != got[i] {
			t.Errorf("request %d: logged status %v, client got %d", i, l["status"], got[i])
		}
	}
}

func equalInts(a, b []int) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}
