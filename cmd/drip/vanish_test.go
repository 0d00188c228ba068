package main

import (
	"errors"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/drip-ledger/drip/api"
	"github.com/drip-ledger/drip/domain"
	"github.com/drip-ledger/drip/events/embedded"
)

// TestVanishedDataDirEndsServe is the run that hung: `drip serve` gets
// SIGTERM while its data directory is being removed (a failing disk, an
// operator's mistake). It must exit, non-zero, saying the store failed,
// within a bound, and keep its log small (it stayed alive 35 minutes and
// logged 4.8 GB of Pebble's retries).
func TestVanishedDataDirEndsServe(t *testing.T) {
	dir := t.TempDir()
	p := startServeProcess(t, dir, "")
	cmd, exited, logged, base, logPath := p.cmd, p.exited, p.logged, p.base, p.logPath
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
	registerComplainedHousehold(t, base, key, now)
	client := &http.Client{Timeout: 30 * time.Second}
	for i := 1; i <= 50; i++ { // something in the index's memtable to flush
		if status, body, err := fileComplaint(client, base, tok, fmt.Sprintf("12317-2026-%06d", i)); err != nil || status != http.StatusCreated {
			t.Fatalf("complaint %d: %d %s %v", i, status, body, err)
		}
	}
	if err := os.RemoveAll(dir); err != nil {
		t.Fatal(err)
	}
	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	bound := embedded.CloseTimeout + shutdownTimeoutS*time.Second + 10*time.Second
	select {
	case err := <-exited:
		var exit *exec.ExitError
		if !errors.As(err, &exit) || exit.ExitCode() == 0 {
			t.Errorf("drip serve exited with %v; want a non-zero exit:\n%s", err, logged())
		}
	case <-time.After(bound):
		fi, _ := os.Stat(logPath)
		t.Fatalf("drip serve still running %v after SIGTERM with its data dir gone (log %d bytes)", bound, fi.Size())
	}
	out := logged()
	if !strings.Contains(out, "drip: close store: embedded: ") {
		t.Errorf("the exit does not say the store failed:\n%.4000s", out)
	}
	if len(out) > 256<<10 {
		t.Errorf("the log holds %d bytes; want it rate-limited", len(out))
	}
}
