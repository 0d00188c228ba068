package main

import (
	"context"
	"crypto/ed25519"
	"encoding/json"
	"fmt"
	"hash/fnv"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/drip-ledger/drip/api"
	"github.com/drip-ledger/drip/domain"
	"github.com/jackc/pgx/v5"
)

// leadingLog is what a process logs when it takes the leadership.
const leadingLog = "leading: this process advances the read models"

// TestTwoServeProcessesOnOnePostgreSQLReadTheirWritesAndSurviveTheLeader:
// two real drip serve processes share a PostgreSQL schema (the log and the
// read models' tables), one leading (advancing the durable models), one
// following. Given a complaint filed through the leader, when it is read
// through the follower with ?position= of the leader's answer, then the
// follower answers it, saying a position at least that one (and the same
// for a complaint filed through the follower); when the leader is killed
// (SIGKILL: no resignation, the lock goes with its session), then the
// follower takes the leadership and a complaint filed through it is read
// through it with ?position=.
func TestTwoServeProcessesOnOnePostgreSQLReadTheirWritesAndSurviveTheLeader(t *testing.T) {
	url := freshSchemaURL(t)

	// Given two processes with data directories of their own (keys, the
	// notary's tree) that accept the same tokens, one of them leading.
	dirA, dirB := t.TempDir(), t.TempDir()
	key := sharedTokenKey(t, dirA, dirB)
	a := startServeProcess(t, dirA, "--store "+url)
	b := startServeProcess(t, dirB, "--store "+url)
	var leader, follower *serveProcess
	waitFor(t, func() bool {
		la, lb := strings.Contains(a.logged(), leadingLog), strings.Contains(b.logged(), leadingLog)
		switch {
		case la && !lb:
			leader, follower = a, b
		case lb && !la:
			leader, follower = b, a
		case la && lb:
			t.Fatalf("both processes lead:\n%s\n%s", a.logged(), b.logged())
		}
		return leader != nil
	})
	_, models := readiness(t, follower.base)
	for _, name := range []string{"households.v2", "complaints.v2", "redflags.v2", "funds"} {
		if _, ok := models[name]; !ok {
			t.Errorf("the follower's /readyz does not name %s: %v", name, models)
		}
	}
	now := time.Now()
	desk, err := api.IssueToken(key, api.Claims{User: "desk.zhang", Role: domain.RoleComplaintDesk, Jurisdiction: "520526",
		IssuedAt: now.Unix(), ExpiresAt: now.Add(time.Hour).Unix()})
	must(t, err)

	// When a complaint is filed through the leader and read through the
	// follower at its position; and one filed through the follower too.
	registerComplainedHousehold(t, leader.base, key, now)
	pos := fileComplaintAt(t, leader.base, desk, "12317-2026-000011")
	readComplaintAt(t, follower.base, desk, "12317-2026-000011", pos)
	pos = fileComplaintAt(t, follower.base, desk, "12317-2026-000012")
	readComplaintAt(t, follower.base, desk, "12317-2026-000012", pos)

	// When the leader is killed.
	must(t, leader.cmd.Process.Signal(syscall.SIGKILL))
	<-leader.exited
	killed := time.Now()

	// Then the follower takes over: its new write is readable through it.
	waitFor(t, func() bool { return strings.Contains(follower.logged(), leadingLog) })
	t.Logf("the follower leads %v after the leader was killed", time.Since(killed).Round(time.Millisecond))
	pos = fileComplaintAt(t, follower.base, desk, "12317-2026-000013")
	readComplaintAt(t, follower.base, desk, "12317-2026-000013", pos)
}

// TestALeaderThatLosesItsLockFollowsAndCampaignsAgain: given two serve
// processes on one schema, when the leader's lock session is terminated
// (as a network cut or a restarted server would end it), then the leader
// stops advancing the models but goes on serving, a leader is elected
// again, and a write through the old leader is read through the other
// process with ?position=.
func TestALeaderThatLosesItsLockFollowsAndCampaignsAgain(t *testing.T) {
	url := freshSchemaURL(t)
	dirA, dirB := t.TempDir(), t.TempDir()
	key := sharedTokenKey(t, dirA, dirB)
	a := startServeProcess(t, dirA, "--store "+url)
	b := startServeProcess(t, dirB, "--store "+url)
	var leader, other *serveProcess
	waitFor(t, func() bool {
		switch {
		case strings.Contains(a.logged(), leadingLog):
			leader, other = a, b
		case strings.Contains(b.logged(), leadingLog):
			leader, other = b, a
		}
		return leader != nil
	})

	terminateLeadership(t, url)

	waitFor(t, func() bool { return strings.Contains(leader.logged(), "no longer leading the read models") })
	waitFor(t, func() bool {
		return strings.Count(leader.logged(), leadingLog)+strings.Count(other.logged(), leadingLog) >= 2
	})
	select {
	case err := <-leader.exited:
		t.Fatalf("the process that lost its lock exited (%v):\n%s", err, leader.logged())
	default:
	}
	now := time.Now()
	desk, err := api.IssueToken(key, api.Claims{User: "desk.zhang", Role: domain.RoleComplaintDesk, Jurisdiction: "520526",
		IssuedAt: now.Unix(), ExpiresAt: now.Add(time.Hour).Unix()})
	must(t, err)
	registerComplainedHousehold(t, leader.base, key, now)
	pos := fileComplaintAt(t, leader.base, desk, "12317-2026-000031")
	readComplaintAt(t, other.base, desk, "12317-2026-000031", pos)
}

// terminateLeadership ends the PostgreSQL session that holds the models'
// leadership on url's schema (pgmodels: advisory lock ("lead", fnv32a of
// schema/models)).
func terminateLeadership(t *testing.T, url string) {
	t.Helper()
	dsn, schema, err := splitParam(url, "drip_schema")
	must(t, err)
	h := fnv.New32a()
	h.Write([]byte(schema + "/" + leadershipModels))
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, dsn)
	must(t, err)
	defer conn.Close(ctx)
	var n int
	must(t, conn.QueryRow(ctx, `SELECT count(pg_terminate_backend(pid)) FROM pg_locks
		WHERE locktype = 'advisory' AND classid = $1 AND objid = $2 AND objsubid = 2 AND granted`,
		uint32(0x6c656164), h.Sum32()).Scan(&n))
	if n != 1 {
		t.Fatalf("terminated %d sessions holding the leadership, want 1", n)
	}
}

// TestDripProjectAdvancesTheModelsWhileServeFollows: given drip project
// leading on a fresh schema and a drip serve beside it, when a complaint is
// filed through serve, then serve reads it with ?position= — the models
// were advanced by the project process, serve only followed.
func TestDripProjectAdvancesTheModelsWhileServeFollows(t *testing.T) {
	url := freshSchemaURL(t)
	proj := startProjectProcess(t, url)
	waitFor(t, func() bool { return strings.Contains(proj.logged(), leadingLog) })
	dir := t.TempDir()
	key := sharedTokenKey(t, dir)
	srv := startServeProcess(t, dir, "--store "+url)
	now := time.Now()
	desk, err := api.IssueToken(key, api.Claims{User: "desk.zhang", Role: domain.RoleComplaintDesk, Jurisdiction: "520526",
		IssuedAt: now.Unix(), ExpiresAt: now.Add(time.Hour).Unix()})
	must(t, err)
	registerComplainedHousehold(t, srv.base, key, now)
	pos := fileComplaintAt(t, srv.base, desk, "12317-2026-000021")
	readComplaintAt(t, srv.base, desk, "12317-2026-000021", pos)
	if strings.Contains(srv.logged(), leadingLog) {
		t.Fatalf("serve led while drip project held the leadership:\n%s", srv.logged())
	}
}

// startProjectProcess starts `drip project` on url as a child process
// (this test binary as main), killed at the end of the test.
func startProjectProcess(t *testing.T, url string) *serveProcess {
	t.Helper()
	p := &serveProcess{exited: make(chan error, 1), logPath: filepath.Join(t.TempDir(), "project.log")}
	logs, err := os.Create(p.logPath)
	must(t, err)
	t.Cleanup(func() { logs.Close() })
	p.cmd = exec.Command(os.Args[0], "-test.run=^$")
	p.cmd.Env = append(os.Environ(), runMainEnv+"=project --store "+url)
	p.cmd.Stdout, p.cmd.Stderr = logs, logs
	must(t, p.cmd.Start())
	go func() { p.exited <- p.cmd.Wait() }()
	t.Cleanup(func() {
		if p.cmd.ProcessState == nil {
			p.cmd.Process.Kill()
			<-p.exited
		}
	})
	return p
}

// freshSchemaURL is the CI's PostgreSQL with a schema of the test's own,
// dropped at its end; it skips without DRIP_TEST_POSTGRES (fails under
// CI=true).
func freshSchemaURL(t *testing.T) string {
	t.Helper()
	dsn := os.Getenv("DRIP_TEST_POSTGRES")
	if dsn == "" {
		if os.Getenv("CI") == "true" {
			t.Fatal("CI must provide PostgreSQL: set DRIP_TEST_POSTGRES")
		}
		t.Skip("no PostgreSQL: set DRIP_TEST_POSTGRES (e.g. postgres://postgres@127.0.0.1:5432/test?sslmode=disable)")
	}
	schema := fmt.Sprintf("drip_cluster_test_%d", time.Now().UnixNano())
	sep := "?"
	if strings.Contains(dsn, "?") {
		sep = "&"
	}
	t.Cleanup(func() { dropSchema(t, dsn, schema) })
	return dsn + sep + "drip_schema=" + schema
}

// sharedTokenKey creates the token key in the first directory and copies it
// to the others, so every process verifies the same tokens.
func sharedTokenKey(t *testing.T, first string, others ...string) ed25519.PrivateKey {
	t.Helper()
	key, err := loadOrCreateKey(filepath.Join(first, tokenKeyFile))
	must(t, err)
	pem, err := os.ReadFile(filepath.Join(first, tokenKeyFile))
	must(t, err)
	for _, dir := range others {
		path := filepath.Join(dir, tokenKeyFile)
		must(t, os.MkdirAll(filepath.Dir(path), 0o700))
		must(t, os.WriteFile(path, pem, 0o600))
	}
	return key
}

// fileComplaintAt files complaint id through base and returns the position
// its answer says.
func fileComplaintAt(t *testing.T, base, tok, id string) uint64 {
	t.Helper()
	status, body, err := fileComplaint(http.DefaultClient, base, tok, id)
	must(t, err)
	if status != 201 {
		t.Fatalf("complaint %s through %s = %d %s", id, base, status, body)
	}
	var ans struct {
		Position uint64 `json:"position"`
	}
	must(t, json.Unmarshal([]byte(body), &ans))
	if ans.Position == 0 {
		t.Fatalf("complaint %s: no position in %s", id, body)
	}
	return ans.Position
}

// readComplaintAt reads the complaints through base with ?position=pos: the
// first answer must be 200, hold id and say a position of at least pos.
func readComplaintAt(t *testing.T, base, tok, id string, pos uint64) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, fmt.Sprintf("%s/complaints?position=%d", base, pos), nil)
	req.Header.Set("Authorization", "Bearer "+tok)
	resp, err := http.DefaultClient.Do(req)
	must(t, err)
	defer resp.Body.Close()
	var page json.RawMessage
	must(t, json.NewDecoder(resp.Body).Decode(&page))
	if resp.StatusCode != 200 || !strings.Contains(string(page), id) {
		t.Fatalf("GET /complaints?position=%d through %s = %d, want 200 with %s: %s", pos, base, resp.StatusCode, id, page)
	}
	got, err := strconv.ParseUint(resp.Header.Get(api.PositionHeader), 10, 64)
	if err != nil || got < pos {
		t.Fatalf("%s = %q through %s, want at least %d", api.PositionHeader, resp.Header.Get(api.PositionHeader), base, pos)
	}
}
