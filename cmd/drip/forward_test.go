package main

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats-server/v2/server"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
)

// testNATS is the server drip forward is tested against: DRIP_TEST_NATS
// (JetStream on) when set; else, outside CI, an in-process server. Under
// CI=true a missing DRIP_TEST_NATS fails the test instead of skipping it.
func testNATS(t *testing.T) string {
	t.Helper()
	if u := os.Getenv("DRIP_TEST_NATS"); u != "" {
		return u
	}
	if os.Getenv("CI") == "true" {
		t.Fatal("CI=true: set DRIP_TEST_NATS to a NATS server with JetStream (e.g. nats://127.0.0.1:4222)")
	}
	s, err := server.NewServer(&server.Options{Host: "127.0.0.1", Port: -1, JetStream: true,
		StoreDir: t.TempDir(), NoLog: true, NoSigs: true})
	if err != nil {
		t.Fatal(err)
	}
	go s.Start()
	if !s.ReadyForConnections(10 * time.Second) {
		t.Fatal("in-process NATS server not ready")
	}
	t.Cleanup(func() { s.Shutdown(); s.WaitForShutdown() })
	return s.ClientURL()
}

func TestForwardCommandPublishesTheLogAndResumes(t *testing.T) {
	const n = 300
	url := testNATS(t)
	b := make([]byte, 6)
	rand.Read(b)
	stream, prefix := "TEST_CMD_FORWARD_"+strings.ToUpper(hex.EncodeToString(b)), "test-cmd-"+hex.EncodeToString(b)
	conn, err := nats.Connect(url)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(conn.Close) // after the stream is deleted: cleanups run last first
	js, err := jetstream.New(conn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if err := js.DeleteStream(ctx, stream); err != nil && !errors.Is(err, jetstream.ErrStreamNotFound) {
			t.Errorf("delete stream: %v", err)
		}
	})
	dir := t.TempDir()
	store := openEmbedded(t, dir)
	fillLog(t, store, registry(), n, 20, 1)
	if err := store.Close(); err != nil {
		t.Fatal(err)
	}
	args := []string{"forward", "--data", dir, "--to", url, "--stream", stream, "--subject-prefix", prefix}
	// Twice: the second run starts from the checkpoint and publishes nothing.
	for round := range 2 {
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan error, 1)
		var errOut bytes.Buffer
		go func() { done <- dispatch(ctx, args, &bytes.Buffer{}, &errOut) }()
		deadline := time.Now().Add(30 * time.Second)
		for msgs(t, js, stream) < n && time.Now().Before(deadline) {
			time.Sleep(20 * time.Millisecond)
		}
		time.Sleep(100 * time.Millisecond) // room for a wrong extra publish to show
		cancel()
		if err := <-done; err != nil {
			t.Fatalf("round %d: drip forward: %v\n%s", round, err, errOut.String())
		}
		if got := msgs(t, js, stream); got != n {
			t.Fatalf("round %d: the stream holds %d messages, want %d", round, got, n)
		}
	}
	cp, err := os.ReadFile(dir + "/" + checkpointsDir + "/forward-" + stream + ".checkpoint")
	if err != nil || string(cp) != "300\n" {
		t.Fatalf("checkpoint %q, %v", cp, err)
	}
}

func msgs(t *testing.T, js jetstream.JetStream, stream string) uint64 {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	s, err := js.Stream(ctx, stream)
	if errors.Is(err, jetstream.ErrStreamNotFound) {
		return 0
	}
	if err != nil {
		t.Fatal(err)
	}
	info, err := s.Info(ctx)
	if err != nil {
		t.Fatal(err)
	}
	return info.State.Msgs
}
