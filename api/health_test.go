package api_test

import (
	"context"
	"crypto/ed25519"
	"encoding/json"
	"errors"
	"log/slog"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/drip-ledger/drip/api"
	"github.com/drip-ledger/drip/events"
	"github.com/drip-ledger/drip/events/storetest"
)

// failingStore is a store that can fail for good, as the embedded one does
// (its Err method): the failure is set by the test.
type failingStore struct {
	events.Store
	err atomic.Pointer[error]
}

func (f *failingStore) Err() error {
	if err := f.err.Load(); err != nil {
		return *err
	}
	return nil
}

// TestFailedStoreIsReportedByReadyzAndMetrics: a failed store's head stops,
// so its read models look caught up; /readyz must still say not ready, with
// the reason, and /metrics must carry drip_store_failed 1.
func TestFailedStoreIsReportedByReadyzAndMetrics(t *testing.T) {
	raw := &failingStore{Store: events.NewMemoryStore(storetest.Registry(), nil)}
	metrics := prometheus.NewRegistry()
	store := api.InstrumentStore(raw, metrics) // the wrapper must pass Err on
	t.Cleanup(func() { store.Close() })
	status := func(context.Context) []api.ProjectionStatus { return []api.ProjectionStatus{{Name: "a"}} }
	api.RegisterProjectionLag(metrics, store, status)
	pub, _, _ := ed25519.GenerateKey(nil)
	srv, err := api.New(api.DefaultConfig(), api.Deps{Store: store, Projections: status, Metrics: metrics, TokenKey: pub,
		Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(srv.Handler())
	t.Cleanup(ts.Close)

	if resp, body := get(t, ts.URL+"/readyz"); resp.StatusCode != 200 {
		t.Fatalf("readyz of a working store = %d: %s", resp.StatusCode, body)
	}
	if _, body := get(t, ts.URL+"/metrics"); !strings.Contains(body, "drip_store_failed 0") {
		t.Errorf("metrics of a working store lack drip_store_failed 0")
	}

	failure := errors.New("embedded: fdatasync 00000000000000000001.seg: input/output error")
	raw.err.Store(&failure)
	resp, body := get(t, ts.URL+"/readyz")
	if resp.StatusCode != 503 {
		t.Fatalf("readyz of a failed store = %d, want 503: %s", resp.StatusCode, body)
	}
	var r struct {
		Ready       bool   `json:"ready"`
		StoreFailed string `json:"storeFailed"`
	}
	if err := json.Unmarshal([]byte(body), &r); err != nil || r.Ready || r.StoreFailed != failure.Error() {
		t.Errorf("readyz body %s (%v); want ready false and the store's failure", body, err)
	}
	if _, body := get(t, ts.URL+"/metrics"); !strings.Contains(body, "drip_store_failed 1") {
		t.Errorf("metrics of a failed store lack drip_store_failed 1")
	}
	if resp, _ := get(t, ts.URL+"/healthz"); resp.StatusCode != 200 {
		t.Errorf("healthz = %d; liveness is not readiness", resp.StatusCode)
	}
}
