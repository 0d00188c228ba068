package api_test

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/drip-ledger/drip/api"
	"github.com/drip-ledger/drip/domain"
	"github.com/drip-ledger/drip/domain/complaint"
	"github.com/drip-ledger/drip/events"
)

// desk is a server with the complaint commands over an in-memory store, and
// a way to mint tokens for any user.
type desk struct {
	t     *testing.T
	url   string
	store events.Store
	key   ed25519.PrivateKey
	now   time.Time
}

func newDesk(t *testing.T) *desk {
	t.Helper()
	return newDeskLogged(t, slog.New(slog.DiscardHandler))
}

func newDeskLogged(t *testing.T, log *slog.Logger) *desk {
	t.Helper()
	reg := events.NewRegistry()
	complaint.Register(reg)
	store := events.NewMemoryStore(reg, nil)
	t.Cleanup(func() { store.Close() })
	x, err := domain.NewExecutor(store, reg, func() (events.ID, error) { return events.NewID(nil) })
	if err != nil {
		t.Fatal(err)
	}
	svc, err := complaint.NewService(x, complaint.Rules{})
	if err != nil {
		t.Fatal(err)
	}
	pub, priv, _ := ed25519.GenerateKey(nil)
	d := &desk{t: t, store: store, key: priv, now: time.Date(2026, 11, 27, 10, 0, 0, 0, time.UTC)}
	srv, err := api.New(api.DefaultConfig(), api.Deps{Store: store, TokenKey: pub, Complaints: svc,
		Logger: log, Now: func() time.Time { return d.now }})
	if err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(conforming(t, srv.Handler()))
	t.Cleanup(ts.Close)
	d.url = ts.URL
	return d
}

func (d *desk) token(user string, role domain.Role, jur string) string {
	tok, err := api.IssueToken(d.key, api.Claims{User: user, Role: role, Jurisdiction: jur,
		IssuedAt: d.now.Unix(), ExpiresAt: d.now.Add(time.Hour).Unix()})
	if err != nil {
		d.t.Fatal(err)
	}
	return tok
}

type reply struct {
	status  int
	problem api.Problem
	command api.CommandResponse
	header  http.Header
}

func (d *desk) post(token, path, key string, body any) reply {
	d.t.Helper()
	b, _ := json.Marshal(body)
	if s, ok := body.(string); ok {
		b = []byte(s)
	}
	req, _ := http.NewRequest(http.MethodPost, d.url+path, bytes.NewReader(b))
	req.Header.Set("Content-Type", "application/json")
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	if key != "" {
		req.Header.Set("Idempotency-Key", key)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		d.t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	r := reply{status: resp.StatusCode, header: resp.Header}
	if resp.StatusCode >= 400 {
		if ct := resp.Header.Get("Content-Type"); ct != "application/problem+json" {
			d.t.Fatalf("error response has content type %q: %s", ct, raw)
		}
		_ = json.Unmarshal(raw, &r.problem)
	} else {
		_ = json.Unmarshal(raw, &r.command)
	}
	return r
}

func (d *desk) head() uint64 {
	h, err := d.store.Head(context.Background())
	if err != nil {
		d.t.Fatal(err)
	}
	return h
}

func phoneComplaint(id string) map[string]any {
	return map[string]any{
		"complaintId": id, "channel": "phone_12317", "category": "money_not_received",
		"subject":     map[string]any{"kind": "household", "ref": "520526104201-0007"},
		"division":    "520526104201",
		"complainant": map[string]any{"kind": "real_name", "name": "Wang Fang", "phone": "13800000000"},
		"text":        "Our housing subsidy never came.",
	}
}

func TestComplaintReceivedThroughHTTPRecordsTheTokensActor(t *testing.T) {
	d := newDesk(t)
	r := d.post(d.token("desk.zhang", domain.RoleComplaintDesk, "520526"), "/complaints", "", phoneComplaint("12317-2026-000123"))
	if r.status != http.StatusCreated || r.command.Position != 1 || r.header.Get("Drip-Position") != "1" {
		t.Fatalf("receive = %d %+v %+v", r.status, r.command, r.problem)
	}
	evs, err := d.store.ReadAll(context.Background(), 1, 10)
	if err != nil || len(evs) != 1 {
		t.Fatalf("log = %v, %v", evs, err)
	}
	m := evs[0].Meta
	if m.ActorID != "desk.zhang" || m.Role != "complaint_desk" || m.Jurisdiction != "520526" || !m.OccurredAt.Equal(d.now) {
		t.Errorf("metadata %+v is not the token's", m)
	}
}

func TestComplaintCommandRefusedWritesNothing(t *testing.T) {
	d := newDesk(t)
	deskTok := d.token("desk.zhang", domain.RoleComplaintDesk, "520526")
	if r := d.post(deskTok, "/complaints", "", phoneComplaint("12317-2026-000001")); r.status != 201 {
		t.Fatalf("setup: %d %+v", r.status, r.problem)
	}
	cases := []struct {
		name       string
		token      string
		path       string
		body       any
		wantStatus int
		wantCode   string
	}{
		{"no token", "", "/complaints", phoneComplaint("12317-2026-000002"), 401, "unauthorized"},
		{"a forged token", deskTok[:len(deskTok)-3] + "abc", "/complaints", phoneComplaint("12317-2026-000002"), 401, "unauthorized"},
		{"a role the table does not allow", d.token("li", domain.RoleVillage, "520526104201"), "/complaints", phoneComplaint("12317-2026-000002"), 403, "role_not_permitted"},
		{"another county's desk", d.token("desk.qian", domain.RoleComplaintDesk, "520527"), "/complaints", phoneComplaint("12317-2026-000002"), 403, "outside_jurisdiction"},
		{"another county's desk on an existing complaint", d.token("desk.qian", domain.RoleComplaintDesk, "520527"), "/complaints/12317-2026-000001/acknowledge", map[string]any{}, 403, "outside_jurisdiction"},
		{"a command out of order", deskTok, "/complaints/12317-2026-000001/resolve", map[string]any{"outcome": "not_upheld", "reason": "r", "reply": "r"}, 409, "wrong_status"},
		{"a body that is not JSON", deskTok, "/complaints", "{not json", 422, "validation_failed"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			before := d.head()
			r := d.post(c.token, c.path, "", c.body)
			if r.status != c.wantStatus || r.problem.Code != c.wantCode {
				t.Fatalf("got %d %q (%s), want %d %q", r.status, r.problem.Code, r.problem.Detail, c.wantStatus, c.wantCode)
			}
			if after := d.head(); after != before {
				t.Fatalf("head moved from %d to %d: a refused command wrote", before, after)
			}
		})
	}
}

func TestComplaintMalformedBodyListsEveryBadField(t *testing.T) {
	d := newDesk(t)
	body := map[string]any{
		"complaintId": "12317-2026-000009", "channel": "carrier_pigeon", "category": 7,
		"subject":  map[string]any{"kind": "household", "ref": "520526104201-0007"},
		"division": "520526104201", "complainant": map[string]any{"kind": "anonymous", "name": "Wang"},
		"text": "", "colour": "red",
	}
	r := d.post(d.token("desk.zhang", domain.RoleComplaintDesk, "520526"), "/complaints", "", body)
	if r.status != 422 || r.problem.Code != "validation_failed" {
		t.Fatalf("got %d %+v", r.status, r.problem)
	}
	got := map[string]bool{}
	for _, e := range r.problem.Errors {
		got[e.Field] = true
	}
	// The decoder names type and unknown-field problems together; semantic
	// ones (channel, anonymity, text) come once the body decodes.
	for _, f := range []string{"category", "colour"} {
		if !got[f] {
			t.Errorf("problem does not name %q: %+v", f, r.problem.Errors)
		}
	}
	body["category"], body["colour"] = "money_not_received", nil
	delete(body, "colour")
	r = d.post(d.token("desk.zhang", domain.RoleComplaintDesk, "520526"), "/complaints", "", body)
	got = map[string]bool{}
	for _, e := range r.problem.Errors {
		got[e.Field] = true
	}
	for _, f := range []string{"channel", "complainant.name", "text"} {
		if !got[f] {
			t.Errorf("problem does not name %q: %+v", f, r.problem.Errors)
		}
	}
	if d.head() != 0 {
		t.Fatal("a malformed complaint was written")
	}
}

func TestComplaintIdempotencyKeyRetryWritesNothingNew(t *testing.T) {
	d := newDesk(t)
	tok := d.token("desk.zhang", domain.RoleComplaintDesk, "520526")
	first := d.post(tok, "/complaints", "call-4711", phoneComplaint("12317-2026-000042"))
	again := d.post(tok, "/complaints", "call-4711", phoneComplaint("12317-2026-000042"))
	if first.status != 201 || again.status != 200 || !again.command.Replayed || again.command.Position != first.command.Position {
		t.Fatalf("first %d %+v, retry %d %+v", first.status, first.command, again.status, again.command)
	}
	if d.head() != 1 {
		t.Fatalf("head = %d after a retried request", d.head())
	}
	other := phoneComplaint("12317-2026-000042")
	other["text"] = "something else"
	if r := d.post(tok, "/complaints", "call-4711", other); r.status != 409 || r.problem.Code != "idempotency_key_reused" {
		t.Fatalf("key reused for another body = %d %+v", r.status, r.problem)
	}
}
