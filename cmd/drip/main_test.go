package main

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
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
)

func TestHelpListsEveryCommandAndEachHasFlagsHelp(t *testing.T) {
	var out bytes.Buffer
	if err := dispatch(context.Background(), []string{"help"}, &out, io.Discard); err != nil {
		t.Fatal(err)
	}
	for name := range commands() {
		if !strings.Contains(out.String(), name) {
			t.Errorf("help does not list %q", name)
		}
		if name == "help" {
			continue
		}
		var errOut bytes.Buffer
		err := dispatch(context.Background(), []string{name, "-h"}, io.Discard, &errOut)
		if !errors.Is(err, flag.ErrHelp) || !strings.Contains(errOut.String(), "Usage: drip "+name) {
			t.Errorf("drip %s -h = %v, %q", name, err, errOut.String())
		}
	}
}

func TestUnknownCommandAndBadFlagsAreUsageErrors(t *testing.T) {
	for _, args := range [][]string{{"frobnicate"}, {"serve", "--no-such-flag"}, {"bench", "append", "--writers", "0"}, {"serve", "extra"}} {
		if err := dispatch(context.Background(), args, io.Discard, io.Discard); !errors.Is(err, errUsage) {
			t.Errorf("drip %v = %v, want a usage error", args, err)
		}
	}
}

func TestServeAnswersAndStopsGracefullyWhenCancelled(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cfg := api.DefaultConfig()
	cfg.Addr = "127.0.0.1:0"
	ready := make(chan string, 1)
	done := make(chan error, 1)
	go func() {
		done <- serve(ctx, serveConfig{API: cfg, DataDir: t.TempDir(), Origin: "drip.test/county", CheckpointInterval: time.Second}, slog.New(slog.DiscardHandler), ready)
	}()
	var addr string
	select {
	case addr = <-ready:
	case err := <-done:
		t.Fatalf("serve stopped before listening: %v", err)
	case <-time.After(30 * time.Second):
		t.Fatal("serve did not start")
	}
	for _, path := range []string{"/healthz", "/readyz", "/metrics"} {
		resp, err := http.Get("http://" + addr + path)
		if err != nil || resp.StatusCode != 200 {
			t.Fatalf("GET %s = %v, %v", path, resp, err)
		}
		resp.Body.Close()
	}
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("serve returned %v after cancel", err)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("serve did not stop after cancel")
	}
}

// TestServeOnPostgreSQL starts the same server with --store postgres://…
// (the machine's PostgreSQL under CI) and answers a command and a read.
func TestServeOnPostgreSQL(t *testing.T) {
	dsn := os.Getenv("DRIP_TEST_POSTGRES")
	if dsn == "" {
		if os.Getenv("CI") == "true" {
			t.Fatal("CI must provide PostgreSQL: set DRIP_TEST_POSTGRES")
		}
		t.Skip("no PostgreSQL: set DRIP_TEST_POSTGRES (e.g. postgres://postgres@127.0.0.1:5432/test?sslmode=disable)")
	}
	schema := fmt.Sprintf("drip_serve_test_%d", time.Now().UnixNano())
	sep := "?"
	if strings.Contains(dsn, "?") {
		sep = "&"
	}
	url := dsn + sep + "drip_schema=" + schema
	t.Cleanup(func() { dropSchema(t, dsn, schema) })
	dir := t.TempDir()
	base := startServeWith(t, serveConfig{DataDir: dir, Store: url, Origin: "drip.test/pg", CheckpointInterval: 200 * time.Millisecond})
	key, err := loadOrCreateKey(filepath.Join(dir, tokenKeyFile))
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	tok, _ := api.IssueToken(key, api.Claims{User: "desk.zhang", Role: domain.RoleComplaintDesk, Jurisdiction: "520526",
		IssuedAt: now.Unix(), ExpiresAt: now.Add(time.Hour).Unix()})
	registerComplainedHousehold(t, base, key, now)
	complain(t, base, tok, "12317-2026-000009")
	waitFor(t, func() bool {
		return bytes.Contains(httpGet(t, base, tok, "/complaints?position=1", -1), []byte("12317-2026-000009"))
	})
}
