package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/drip-ledger/drip/domain/access"
	"github.com/drip-ledger/drip/events"
	"github.com/drip-ledger/drip/events/embedded"
	"github.com/drip-ledger/drip/events/migrate"
)

var migrateNS = events.MustParseID("9d1c3a52-7e0b-4f8e-a1d6-2b5c8e9f0a13")

// viewed is a valid event of the deployment's registry: a recorded search.
func viewed(t testing.TB, reg *events.Registry, i int) events.Event {
	ev, err := reg.Encode(events.DeriveID(migrateNS, fmt.Sprint(t.Name(), i)),
		events.Metadata{ActorID: fmt.Sprint("cadre-", i%17), Role: "cadre", Jurisdiction: "520526",
			CorrelationID: fmt.Sprint("req-", i/3), OccurredAt: time.Date(2025, 6, 7, 8, 9, 10, 0, time.UTC)},
		&access.Viewed{View: access.ViewSearch, Query: fmt.Sprintf("name:%d", i)})
	if err != nil {
		t.Fatal(err)
	}
	return ev
}

// fillLog appends n events to streams streams from writers goroutines, in
// appends of 1..4 events, so group commits mix appends and times repeat.
func fillLog(t *testing.T, s events.Store, reg *events.Registry, n, streams, writers int) {
	t.Helper()
	var wg sync.WaitGroup
	for w := range writers {
		wg.Go(func() {
			for i := w * (n / writers); i < (w+1)*(n/writers); {
				k := min(1+i%4, (w+1)*(n/writers)-i)
				batch := make([]events.Event, k)
				for j := range batch {
					batch[j] = viewed(t, reg, i+j)
				}
				if _, err := s.Append(context.Background(), fmt.Sprint("access-test-", i%streams), events.Any, batch...); err != nil {
					t.Error(err)
					return
				}
				i += k
			}
		})
	}
	wg.Wait()
}

func readLog(t *testing.T, s events.Store) []events.Event {
	t.Helper()
	var out []events.Event
	for from := uint64(1); ; {
		evs, err := s.ReadAll(context.Background(), from, events.ReadEventsMax)
		if err != nil {
			t.Fatal(err)
		}
		if len(evs) == 0 {
			return out
		}
		out = append(out, evs...)
		from = evs[len(evs)-1].Position + 1
	}
}

func openEmbedded(t *testing.T, dir string) *embedded.Store {
	t.Helper()
	s, err := embedded.Open(dir, registry(), embedded.Options{})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

var rootLine = regexp.MustCompile(`(?m)^(source|target) root: ([0-9a-f]{64}) \((\d+) events\)$`)

func TestMigrateEmbeddedToEmbeddedKeepsTheLogAndRefusesAFullTarget(t *testing.T) {
	const n = 3000
	srcDir, dstDir := t.TempDir(), t.TempDir()
	src := openEmbedded(t, srcDir)
	fillLog(t, src, registry(), n, 150, 6)
	want := readLog(t, src)
	if err := src.Close(); err != nil {
		t.Fatal(err)
	}
	var out, errOut bytes.Buffer
	args := []string{"migrate", "--from", "embedded:" + srcDir, "--to", "pebble:" + dstDir, "--batch", "700"}
	if err := dispatch(context.Background(), args, &out, &errOut); err != nil {
		t.Fatalf("drip migrate: %v\n%s%s", err, out.String(), errOut.String())
	}
	roots := rootLine.FindAllStringSubmatch(out.String(), -1)
	if len(roots) != 2 || roots[0][2] != roots[1][2] || roots[0][3] != fmt.Sprint(n) {
		t.Fatalf("drip migrate printed %q, want two equal roots over %d events", out.String(), n)
	}
	if !bytes.Contains(errOut.Bytes(), []byte("migrating")) {
		t.Errorf("no progress bar on stderr: %q", errOut.String())
	}
	dst := openEmbedded(t, dstDir)
	if diff := cmp.Diff(want, readLog(t, dst)); diff != "" {
		t.Fatalf("target differs from the source (-source +target):\n%s", diff)
	}
	if err := dst.Close(); err != nil {
		t.Fatal(err)
	}
	err := dispatch(context.Background(), args, io.Discard, io.Discard)
	if !errors.Is(err, migrate.ErrNotEmpty) {
		t.Fatalf("migrating into a full store = %v, want ErrNotEmpty", err)
	}
	dst = openEmbedded(t, dstDir)
	defer dst.Close()
	if head, _ := dst.Head(context.Background()); head != n {
		t.Fatalf("the refused migration changed the target: head %d", head)
	}
}

func TestMigrateMemoryToEmbeddedKeepsEveryRecordedTime(t *testing.T) {
	const n = 2000
	ctx := context.Background()
	reg := registry()
	tick := time.Date(2019, 4, 5, 6, 7, 8, 0, time.UTC)
	src := events.NewMemoryStore(reg, func() time.Time { tick = tick.Add(1234 * time.Microsecond); return tick })
	fillLog(t, src, reg, n, 97, 1)
	want := readLog(t, src)
	dst := openEmbedded(t, t.TempDir())
	defer dst.Close()
	var out bytes.Buffer
	if err := migrateStores(ctx, src, dst, 1000, true, &out, io.Discard); err != nil {
		t.Fatalf("migrate: %v\n%s", err, out.String())
	}
	got := readLog(t, dst)
	if diff := cmp.Diff(want, got); diff != "" {
		t.Fatalf("target differs from the source (-source +target):\n%s", diff)
	}
	if !want[0].RecordedAt.Before(want[n-1].RecordedAt) || !got[n-1].RecordedAt.Equal(want[n-1].RecordedAt) {
		t.Fatalf("recorded times not kept: %v..%v", got[0].RecordedAt, got[n-1].RecordedAt)
	}
}

func TestMigrateRefusesAMissingSourceAndUnknownStores(t *testing.T) {
	ctx := context.Background()
	tests := []struct {
		args []string
		want string
	}{
		{[]string{"migrate", "--from", "embedded:" + t.TempDir() + "/nothing", "--to", "memory:"}, "holds no store"},
		{[]string{"migrate", "--from", "memory:", "--to", "kafka://x"}, "unknown store URL scheme"},
		{[]string{"migrate", "--from", "postgres-ish", "--to", "memory:"}, "unknown store URL scheme"},
	}
	for _, tt := range tests {
		err := dispatch(ctx, tt.args, io.Discard, io.Discard)
		if err == nil || !bytes.Contains([]byte(err.Error()), []byte(tt.want)) {
			t.Errorf("drip %v = %v, want %q", tt.args, err, tt.want)
		}
	}
	if err := dispatch(ctx, []string{"migrate", "--from", "memory:"}, io.Discard, io.Discard); !errors.Is(err, errUsage) {
		t.Errorf("migrate without --to = %v, want a usage error", err)
	}
}

func TestOpenStore(t *testing.T) {
	ctx := context.Background()
	for _, url := range []string{"memory:", "embedded:" + t.TempDir(), "pebble://" + t.TempDir()} {
		s, err := openStore(ctx, url, registry(), slog.New(slog.DiscardHandler))
		if err != nil {
			t.Errorf("openStore(%q): %v", url, err)
			continue
		}
		if _, err := s.Head(ctx); err != nil {
			t.Errorf("%s: Head: %v", url, err)
		}
		s.Close()
	}
	for _, url := range []string{"", "embedded:", "memory:x", "nats://127.0.0.1", "/var/lib/drip"} {
		if s, err := openStore(ctx, url, registry(), slog.New(slog.DiscardHandler)); err == nil {
			s.Close()
			t.Errorf("openStore(%q) accepted it", url)
		}
	}
}

// TestMigrateEmbeddedToPostgreSQLAndBackKeepsTheMerkleRoot is issue 6's
// promise: embedded → PostgreSQL → embedded, through `drip migrate`, and
// the three Merkle roots are one.
func TestMigrateEmbeddedToPostgreSQLAndBackKeepsTheMerkleRoot(t *testing.T) {
	dsn := os.Getenv("DRIP_TEST_POSTGRES")
	if dsn == "" {
		if os.Getenv("CI") == "true" {
			t.Fatal("CI must provide PostgreSQL: set DRIP_TEST_POSTGRES")
		}
		t.Skip("no PostgreSQL: set DRIP_TEST_POSTGRES (e.g. postgres://postgres@127.0.0.1:5432/test?sslmode=disable)")
	}
	schema := fmt.Sprintf("drip_migrate_test_%d", time.Now().UnixNano())
	t.Cleanup(func() { dropSchema(t, dsn, schema) })
	sep := "?"
	if strings.Contains(dsn, "?") {
		sep = "&"
	}
	pgURL := dsn + sep + "drip_schema=" + schema
	const n = 1200
	srcDir, backDir := t.TempDir(), t.TempDir()
	src := openEmbedded(t, srcDir)
	fillLog(t, src, registry(), n, 60, 4)
	if err := src.Close(); err != nil {
		t.Fatal(err)
	}
	var roots []string
	for _, hop := range [][2]string{{"embedded:" + srcDir, pgURL}, {pgURL, "embedded:" + backDir}} {
		var out, errOut bytes.Buffer
		if err := dispatch(context.Background(), []string{"migrate", "--from", hop[0], "--to", hop[1], "--quiet"}, &out, &errOut); err != nil {
			t.Fatalf("drip migrate %s → %s: %v\n%s%s", hop[0], hop[1], err, out.String(), errOut.String())
		}
		for _, m := range rootLine.FindAllStringSubmatch(out.String(), -1) {
			if m[3] != fmt.Sprint(n) {
				t.Fatalf("root over %s events, want %d", m[3], n)
			}
			roots = append(roots, m[2])
		}
	}
	if len(roots) != 4 || roots[0] != roots[1] || roots[1] != roots[2] || roots[2] != roots[3] {
		t.Fatalf("roots %v: embedded, PostgreSQL and embedded again must agree", roots)
	}
}
