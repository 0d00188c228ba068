package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/drip-ledger/drip/api"
	"github.com/drip-ledger/drip/domain"
	"github.com/drip-ledger/drip/events"
)

// TestRequestsInFlightAtShutdownAreAnsweredAndKept holds appends in flight
// across a graceful shutdown: 16 clients file complaints without pause,
// each on a new connection, to a `drip serve` process that gets SIGTERM
// while they are at it. Every request must
// be answered 201, or go unanswered having had no effect (a connection the
// closed listener refused or reset unread) — never answered with an error
// because the store closed under it — and every complaint answered 201 must
// be in the log and served after a restart on the same directory. Some of the 201s
// must arrive after the signal, or nothing was in flight and the test proved
// nothing. Two guards stand behind the property: the HTTP server's drain,
// and the store's Close, which writes and acknowledges the appends already
// queued; a drain cut short (tried) still passes here, because the rest of
// the teardown outlasts a few-millisecond append.
func TestRequestsInFlightAtShutdownAreAnsweredAndKept(t *testing.T) {
	dir := t.TempDir()
	// A real process and a real SIGTERM: main's signal context, serve's
	// drain and the process's exit, all as in production.
	p := startServeProcess(t, dir, "--checkpoint-interval 1s")
	cmd, exited, logged, base := p.cmd, p.exited, p.logged, p.base
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
	client := &http.Client{Transport: &http.Transport{DisableKeepAlives: true}, Timeout: 30 * time.Second}

	type result struct {
		id     string
		status int
		body   string
		err    error
		at     time.Time
	}
	results := make(chan result, 1<<16)
	var wg sync.WaitGroup
	const clients = 16
	for c := range clients {
		wg.Go(func() {
			for i := 1; i < 4000; i++ {
				id := fmt.Sprintf("12317-2026-%06d", c*4000+i)
				status, body, err := fileComplaint(client, base, tok, id)
				results <- result{id, status, body, err, time.Now()}
				if err != nil {
					return // refused: the server has stopped listening
				}
			}
		})
	}
	// Let a few hundred land, then stop the server while the clients go on.
	for n := 0; n < 300; {
		select {
		case r := <-results:
			results <- r
			n = len(results)
		case <-time.After(60 * time.Second):
			t.Fatal("fewer than 300 complaints filed in 60 s")
		}
		time.Sleep(5 * time.Millisecond)
	}
	cancelAt := time.Now()
	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-exited:
		if err != nil {
			t.Fatalf("drip serve exited with %v after SIGTERM:\n%s", err, logged())
		}
	case <-time.After(60 * time.Second):
		t.Fatal("drip serve did not exit within 60 s of SIGTERM")
	}
	wg.Wait()
	close(results)
	var acked, unanswered []string
	late := 0
	for r := range results {
		switch {
		case r.err != nil:
			// Once the listener closes, a connection still in its accept
			// queue is reset unread: such a request must have had no
			// effect (checked in the log below).
			if r.at.Before(cancelAt) {
				t.Errorf("complaint %s failed before the shutdown: %v", r.id, r.err)
			}
			unanswered = append(unanswered, r.id)
		case r.status == http.StatusCreated:
			acked = append(acked, r.id)
			if r.at.After(cancelAt) {
				late++
			}
		default:
			t.Errorf("complaint %s answered %d %s: a request in flight must finish", r.id, r.status, r.body)
		}
	}
	if late == 0 {
		t.Fatalf("no 201 arrived after the cancel (%d before it): nothing was in flight", len(acked))
	}
	t.Logf("%d complaints acknowledged, %d of them after the shutdown began; %d connections refused or reset unread",
		len(acked), late, len(unanswered))

	// The log itself: every acknowledged complaint is in it, and no request
	// that went unanswered is — an append the server made must be answered.
	inLog := map[string]bool{}
	store, err := openStore(context.Background(), "embedded:"+dir, registry(), slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	for from := uint64(1); ; {
		page, err := store.ReadAll(context.Background(), from, events.ReadEventsMax)
		if err != nil {
			t.Fatal(err)
		}
		if len(page) == 0 {
			break
		}
		for _, ev := range page {
			for _, id := range complaintIDs.FindAll(ev.Data, -1) {
				inLog[string(id)] = true
			}
		}
		from = page[len(page)-1].Position + 1
	}
	if err := store.Close(); err != nil {
		t.Fatal(err)
	}
	for _, id := range acked {
		if !inLog[id] {
			t.Errorf("complaint %s was answered 201 and is not in the log", id)
		}
	}
	for _, id := range unanswered {
		if inLog[id] {
			t.Errorf("complaint %s is in the log, but its request was never answered", id)
		}
	}

	base = startServeWith(t, serveConfig{DataDir: dir, Origin: "drip.test/county/520526", CheckpointInterval: time.Second})
	waitFor(t, func() bool {
		resp, err := http.Get(base + "/readyz")
		if err != nil {
			return false
		}
		resp.Body.Close()
		return resp.StatusCode == 200
	})
	// The read models are rebuilt from the log at start; /readyz lets them
	// trail by a little, so each look-up may wait for them (20 s at most).
	for _, id := range acked {
		waitFor(t, func() bool { return httpGet(t, base, tok, "/complaints/"+id, -1) != nil })
	}
}

// runMainEnv makes the test binary run main with the arguments it holds
// (TestMain): a real drip process for the tests that signal one.
const runMainEnv = "DRIP_TEST_RUN_MAIN"

func TestMain(m *testing.M) {
	if args := os.Getenv(runMainEnv); args != "" {
		os.Args = append([]string{"drip"}, strings.Fields(args)...)
		main()
		os.Exit(0)
	}
	os.Exit(m.Run())
}

var complaintIDs = regexp.MustCompile(`12317-2026-[0-9]{6}`)

// fileComplaint posts one anonymous complaint and returns the status.
func fileComplaint(client *http.Client, base, tok, id string) (int, string, error) {
	body, _ := json.Marshal(map[string]any{
		"complaintId": id, "channel": "phone_12317", "category": "money_not_received",
		"subject":  map[string]any{"kind": "household", "ref": "520526104201-0007"},
		"division": "520526104201", "complainant": map[string]any{"kind": "anonymous"},
		"text": "Our housing subsidy never came.",
	})
	req, err := http.NewRequest(http.MethodPost, base+"/complaints", bytes.NewReader(body))
	if err != nil {
		return 0, "", err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+tok)
	resp, err := client.Do(req)
	if err != nil {
		return 0, "", err
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b), nil
}
