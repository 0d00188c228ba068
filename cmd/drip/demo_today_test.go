package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"path/filepath"
	"testing"
	"time"

	"github.com/drip-ledger/drip/api"
	"github.com/drip-ledger/drip/domain"
	"github.com/drip-ledger/drip/internal/demo"
)

// TestServeDemoTakesTodaysCommands: drip serve --demo on a fresh directory
// loads the county up to today and serves it on the real clock; then a
// newcomer's commands of today succeed through the API: a payment from the
// project still paying, an objection to the publicity open today, a
// complaint, and the enrollment of a household the township passed.
func TestServeDemoTakesTodaysCommands(t *testing.T) {
	dir := t.TempDir()
	var out bytes.Buffer
	if err := demoBeforeServe(context.Background(), dir, "127.0.0.1:0", demoTestHouseholds, &out, io.Discard); err != nil {
		t.Fatal(err)
	}
	// What the load left open today, from a plan of the same seed and day.
	today := demo.Plan(demoTestHouseholds, 1, time.Now())
	if today.InPublicity == "" || today.Enrollable == "" || today.PayProject == "" || today.PayHousehold == "" {
		t.Fatalf("the county leaves nothing open today: %+v", today)
	}
	base := startServeWith(t, serveConfig{DataDir: dir, Demo: true, Origin: "drip.test/county/520526", CheckpointInterval: time.Second})
	key, err := loadOrCreateKey(filepath.Join(dir, tokenKeyFile))
	if err != nil {
		t.Fatal(err)
	}
	token := func(user string, role domain.Role, jur string) string {
		now := time.Now()
		tok, err := api.IssueToken(key, api.Claims{User: user, Role: role, Jurisdiction: jur, IssuedAt: now.Unix(), ExpiresAt: now.Add(time.Hour).Unix()})
		if err != nil {
			t.Fatal(err)
		}
		return tok
	}
	village := today.InPublicity[:12]
	now := time.Now().In(time.FixedZone("CST", 8*3600))
	tests := []struct {
		name, path, tok string
		body            any
	}{
		{"a payment from the project still paying", "/projects/" + today.PayProject + "/payments",
			token("fin.today", domain.RoleCountyFinance, demo.CountyCode),
			map[string]any{"payee": "household", "household": today.PayHousehold, "amountFen": 150000,
				"purpose": "production_subsidy", "period": now.Format("2006-01")}},
		{"an objection to a publicity open today", "/households/" + today.InPublicity + "/objections",
			token("cun.today", domain.RoleVillage, village),
			map[string]any{"raisedBy": "王国明", "statement": "他家去年盖了新房 / they built a new house last year"}},
		{"a complaint", "/complaints", token("desk.today", domain.RoleComplaintDesk, demo.CountyCode),
			map[string]any{"complaintId": fmt.Sprintf("12317-%d-990001", now.Year()), "channel": "phone_12317",
				"category": "money_not_received", "subject": map[string]any{"kind": "household", "ref": today.PayHousehold},
				"division": today.PayHousehold[:12], "complainant": map[string]any{"kind": "anonymous"},
				"text": "反映本月奖补资金未到账 / says the award of this month has not arrived"}},
		{"an enrollment the township passed", "/households/" + today.Enrollable + "/enroll",
			token("pao.today", domain.RoleCountyPAO, demo.CountyCode), map[string]any{"decisionRef": fmt.Sprintf("威扶办发〔%d〕99号", now.Year())}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			raw, _ := json.Marshal(tt.body)
			req, _ := http.NewRequest(http.MethodPost, base+tt.path, bytes.NewReader(raw))
			req.Header.Set("Content-Type", "application/json")
			req.Header.Set("Authorization", "Bearer "+tt.tok)
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			b, _ := io.ReadAll(resp.Body)
			if resp.StatusCode != http.StatusCreated {
				t.Fatalf("POST %s today = %d %s", tt.path, resp.StatusCode, b)
			}
		})
	}
}
