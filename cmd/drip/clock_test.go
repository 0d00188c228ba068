package main

import (
	"context"
	"errors"
	"log/slog"
	"path/filepath"
	"testing"
	"time"

	"github.com/drip-ledger/drip/api"
	"github.com/drip-ledger/drip/domain"
	"github.com/drip-ledger/drip/events"
	"github.com/drip-ledger/drip/events/embedded"
)

// TestServeRefusesASimulatedClockWithoutDemo: a simulated clock would let
// whoever sets it close a publicity or a complaint deadline at will, so
// serve takes one only with --demo, and only where it drives the store's
// recorded time too.
func TestServeRefusesASimulatedClockWithoutDemo(t *testing.T) {
	later := func() time.Time { return time.Now().AddDate(0, 0, 8) }
	cases := []struct {
		name string
		sc   serveConfig
	}{
		{"without --demo", serveConfig{DataDir: t.TempDir(), Clock: later}},
		{"on a store that stamps its own time", serveConfig{DataDir: t.TempDir(), Clock: later, Demo: true,
			Store: "postgres://postgres@127.0.0.1:5432/none"}},
	}
	for _, c := range cases {
		cfg := api.DefaultConfig()
		cfg.Addr = "127.0.0.1:0"
		c.sc.API = cfg
		ready := make(chan string, 1)
		err := serve(context.Background(), c.sc, slog.New(slog.DiscardHandler), ready)
		if !errors.Is(err, errSimulatedClock) {
			t.Fatalf("%s: serve = %v, want errSimulatedClock", c.name, err)
		}
		if len(ready) != 0 {
			t.Fatalf("%s: serve listened", c.name)
		}
	}
}

// TestServeDemoClockIsTheStoresAndTheServers: with --demo, a simulated
// clock stamps the recorded time of a command's events and is the time the
// command was decided at.
func TestServeDemoClockIsTheStoresAndTheServers(t *testing.T) {
	sim := time.Date(2019, 1, 1, 9, 0, 0, 0, time.UTC)
	dir := t.TempDir()
	ctx, cancel := context.WithCancel(context.Background())
	cfg := api.DefaultConfig()
	cfg.Addr = "127.0.0.1:0"
	ready, done := make(chan string, 1), make(chan error, 1)
	go func() {
		done <- serve(ctx, serveConfig{API: cfg, DataDir: dir, Origin: "drip.test/clock", CheckpointInterval: time.Second,
			Demo: true, Clock: func() time.Time { return sim }}, slog.New(slog.DiscardHandler), ready)
	}()
	var addr string
	select {
	case addr = <-ready:
	case err := <-done:
		t.Fatalf("serve stopped: %v", err)
	}
	key, err := loadOrCreateKey(filepath.Join(dir, tokenKeyFile))
	if err != nil {
		t.Fatal(err)
	}
	tok, _ := api.IssueToken(key, api.Claims{User: "desk.zhang", Role: domain.RoleComplaintDesk, Jurisdiction: "520526",
		IssuedAt: sim.Unix(), ExpiresAt: sim.Add(time.Hour).Unix()})
	registerComplainedHousehold(t, "http://"+addr, key, sim)
	complain(t, "http://"+addr, tok, "12317-2019-000001")
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	s, err := embedded.Open(dir, registry(), embedded.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	evs, err := s.ReadAll(context.Background(), 1, 10)
	// The resident ID's claim, the household, the complaint: all on the demo's clock.
	if err != nil || len(evs) != 3 || !evs[2].RecordedAt.Equal(sim) || !events.RecordedTime(evs[2].Meta.OccurredAt).Equal(sim) {
		t.Fatalf("events %+v (%v): want recorded and decided at %s", evs, err, sim)
	}
}
