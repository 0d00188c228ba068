package api_test

import (
	"context"
	"crypto/ed25519"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/drip-ledger/drip/api"
	"github.com/drip-ledger/drip/events"
	"github.com/drip-ledger/drip/events/storetest"
	"github.com/prometheus/client_golang/prometheus"
)

func newServer(t *testing.T, status func(context.Context) []api.ProjectionStatus) (*httptest.Server, events.Store, *prometheus.Registry) {
	t.Helper()
	metrics := prometheus.NewRegistry()
	store := api.InstrumentStore(events.NewMemoryStore(storetest.Registry(), nil), metrics)
	t.Cleanup(func() { store.Close() })
	pub, _, _ := ed25519.GenerateKey(nil)
	srv, err := api.New(api.DefaultConfig(), api.Deps{Store: store, Projections: status, Metrics: metrics, TokenKey: pub,
		Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(srv.Handler())
	t.Cleanup(ts.Close)
	return ts, store, metrics
}

func newAPIServer(t *testing.T) (*api.Server, *httptest.Server) {
	t.Helper()
	pub, _, _ := ed25519.GenerateKey(nil)
	store := events.NewMemoryStore(storetest.Registry(), nil)
	t.Cleanup(func() { store.Close() })
	srv, err := api.New(api.DefaultConfig(), api.Deps{Store: store, TokenKey: pub, Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(srv.Handler())
	t.Cleanup(ts.Close)
	return srv, ts
}

func get(t *testing.T, url string) (*http.Response, string) {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp, string(b)
}

func appendNote(t *testing.T, s events.Store) events.AppendResult {
	t.Helper()
	id, _ := events.NewID(nil)
	ev, err := storetest.Registry().Encode(id, events.Metadata{ActorID: "t", OccurredAt: time.Now()}, &storetest.Noted{Text: "x"})
	if err != nil {
		t.Fatal(err)
	}
	res, err := s.Append(context.Background(), "s-1", events.Any, ev)
	if err != nil {
		t.Fatal(err)
	}
	return res
}

func TestNewRejectsBadConfigNamingEveryProblem(t *testing.T) {
	cfg := api.DefaultConfig()
	cfg.Addr, cfg.BodyBytesMax, cfg.ReadTimeout = "", 0, 0
	_, err := api.New(cfg, api.Deps{})
	if err == nil {
		t.Fatal("New accepted an empty address, zero body limit, zero timeout and no store")
	}
	for _, want := range []string{"Addr", "BodyBytesMax", "ReadTimeout", "Store", "TokenKey"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not name %s", err, want)
		}
	}
}

func TestHealthzAnswersOK(t *testing.T) {
	ts, _, _ := newServer(t, nil)
	resp, body := get(t, ts.URL+"/healthz")
	if resp.StatusCode != 200 || !strings.Contains(body, `"ok"`) {
		t.Fatalf("healthz = %d %s", resp.StatusCode, body)
	}
}

func TestReadyzFollowsProjectionLagAndStops(t *testing.T) {
	var statuses []api.ProjectionStatus
	ts, store, _ := newServer(t, func(context.Context) []api.ProjectionStatus { return statuses })
	var last events.AppendResult
	for range 1002 {
		last = appendNote(t, store)
	}
	cases := []struct {
		name   string
		status []api.ProjectionStatus
		want   int
	}{
		{"caught up", []api.ProjectionStatus{{Name: "a", Position: last.Position}}, 200},
		{"within the lag limit", []api.ProjectionStatus{{Name: "a", Position: last.Position - 1000}}, 200},
		{"beyond the lag limit", []api.ProjectionStatus{{Name: "a", Position: last.Position - 1001}}, 503},
		{"one stopped", []api.ProjectionStatus{{Name: "a", Position: last.Position}, {Name: "b", Position: 7, StoppedAt: 8, Err: "boom"}}, 503},
		{"no projections", nil, 200},
		// Within the lag but not yet at the head seen at start: a model
		// that started far behind is not ready merely because it moves.
		{"catching up to the start head", []api.ProjectionStatus{{Name: "a", Position: last.Position - 10, Target: last.Position, CatchingUp: true, EventsPerS: 5000}}, 503},
		{"a new version rebuilt beside the serving one", []api.ProjectionStatus{{Name: "a.v1", Position: last.Position},
			{Name: "a.v2", Position: 3, Target: last.Position, CatchingUp: true, Beside: "a.v1"}}, 200},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			statuses = c.status
			resp, body := get(t, ts.URL+"/readyz")
			if resp.StatusCode != c.want {
				t.Fatalf("readyz = %d, want %d: %s", resp.StatusCode, c.want, body)
			}
		})
	}
}

func TestUnknownRouteIsProblemJSON(t *testing.T) {
	ts, _, _ := newServer(t, nil)
	resp, body := get(t, ts.URL+"/no/such/thing")
	if resp.StatusCode != 404 || resp.Header.Get("Content-Type") != "application/problem+json" {
		t.Fatalf("got %d %q", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	var p api.Problem
	if err := json.Unmarshal([]byte(body), &p); err != nil || p.Code != "not_found" || p.Status != 404 || p.Instance != "/no/such/thing" {
		t.Fatalf("problem = %+v (%v) from %s", p, err, body)
	}
}

func TestMetricsCountAppends(t *testing.T) {
	ts, store, _ := newServer(t, nil)
	appendNote(t, store)
	appendNote(t, store)
	_, body := get(t, ts.URL+"/metrics")
	if !strings.Contains(body, "drip_events_appended_total 2") {
		t.Errorf("metrics lack drip_events_appended_total 2:\n%s", body)
	}
	if !strings.Contains(body, `drip_append_seconds_count{outcome="ok"} 2`) {
		t.Errorf("metrics lack the append latency histogram")
	}
}
