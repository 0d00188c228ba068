package postgres_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/drip-ledger/drip/events"
	"github.com/drip-ledger/drip/events/postgres"
	"github.com/drip-ledger/drip/events/storetest"
)

// The crash test runs a writer in a child process (this test binary, with
// -test.run=TestCrashWriter), kills it with SIGKILL at random moments (the
// first ones while it is still migrating) and checks, after each kill, that
// the store opens and holds every append the child saw acknowledged, exactly
// once, at the place it was told, with a dense log and contiguous stream
// versions.
const (
	crashEnvSchema = "DRIP_PG_CRASH_SCHEMA"
	crashEnvIter   = "DRIP_PG_CRASH_ITER"
	// crashAppenders is how many goroutines append concurrently in the child.
	crashAppenders = 32
	// crashChildS bounds a child that is never killed.
	crashChildS = 20
	// crashDrainS bounds the wait for a killed child's server backends to
	// finish: one blocked on a lock learns that its client is gone only when
	// it gets the lock, and may still commit what was pipelined to it.
	crashDrainS = 15
)

type crashAck struct {
	key               string
	stream            string
	version, position uint64
}

// crashEvent is the event the child appends for key; the parent rebuilds it
// from the key to compare content. Keys end in "eJofK": event J of K.
func crashEvent(key string) events.Event {
	data, _ := json.Marshal(storetest.Noted{Text: "crash " + key + " " + strings.Repeat("p", 200), N: len(key)})
	return events.Event{
		ID:   events.DeriveID(events.NilID, key),
		Type: storetest.TypeNoted,
		Data: data,
		Meta: events.Metadata{ActorID: "crash", Role: "tester", Jurisdiction: "52", CorrelationID: key,
			OccurredAt: time.Date(2025, 6, 1, 0, 0, 0, 0, time.UTC)},
	}
}

// withAppName tags the child's connections, so the parent can wait for them
// to end.
func withAppName(dsn, name string) string {
	if strings.HasPrefix(dsn, "postgres://") || strings.HasPrefix(dsn, "postgresql://") {
		sep := "?"
		if strings.Contains(dsn, "?") {
			sep = "&"
		}
		return dsn + sep + "application_name=" + name
	}
	return dsn + " application_name=" + name
}

// TestCrashWriter is the child: it appends until it is killed.
func TestCrashWriter(t *testing.T) {
	schema := os.Getenv(crashEnvSchema)
	if schema == "" {
		t.Skip("the child of TestCrash; runs only when TestCrash starts it")
	}
	iter := os.Getenv(crashEnvIter)
	ctx, cancel := context.WithTimeout(context.Background(), crashChildS*time.Second)
	defer cancel()
	s, err := postgres.Open(ctx, withAppName(dsn(t), schema), storetest.Registry(),
		postgres.Options{Schema: schema, Logger: quiet, ConnsMax: 8})
	if err != nil {
		fmt.Printf("ERR open: %v\n", err)
		os.Exit(3)
	}
	var out sync.Mutex
	var wg sync.WaitGroup
	for a := range crashAppenders {
		wg.Go(func() { crashAppender(ctx, s, iter, a, &out) })
	}
	wg.Wait()
}

func crashAppender(ctx context.Context, s *postgres.Store, iter string, a int, out *sync.Mutex) {
	own := fmt.Sprintf("own-%d", a) // appended with Exact versions
	var ownVersion uint64
	if evs, err := s.ReadStream(ctx, own, events.End, events.Backwards, 1); err == nil {
		ownVersion = evs[0].Version
	} else if !errors.Is(err, events.ErrStreamNotFound) {
		if ctx.Err() == nil {
			fmt.Printf("ERR read %s: %v\n", own, err)
		}
		return
	}
	for n := 0; ctx.Err() == nil; n++ {
		k := 1 + n%3
		evs := make([]events.Event, k)
		for j := range evs {
			evs[j] = crashEvent(fmt.Sprintf("i%s-a%d-n%d-e%dof%d", iter, a, n, j, k))
		}
		stream, exp := fmt.Sprintf("shared-%d", n%5), events.Any
		if a%2 == 0 {
			stream, exp = own, events.Exact(ownVersion)
		}
		res, err := s.Append(ctx, stream, exp, evs...)
		if err != nil {
			if ctx.Err() == nil {
				fmt.Printf("ERR append %s: %v\n", stream, err)
			}
			return
		}
		if a%2 == 0 {
			ownVersion = res.Version
		}
		var b bytes.Buffer
		for j := range evs {
			fmt.Fprintf(&b, "ACK %s %s %d %d\n", evs[j].Meta.CorrelationID, stream,
				res.Version-uint64(k-1-j), res.Position-uint64(k-1-j))
		}
		out.Lock()
		os.Stdout.Write(b.Bytes())
		out.Unlock()
	}
}

func TestCrash(t *testing.T) {
	if os.Getenv(crashEnvSchema) != "" {
		t.Skip("inside the child")
	}
	d := dsn(t)
	schema := newSchema(t, d)
	const kills = 24
	seed := uint64(time.Now().UnixNano())
	t.Logf("seed %d", seed)
	rng := rand.New(rand.NewPCG(seed, 0))
	acks := map[string]crashAck{}
	for i := range kills {
		// The first kills come early, often while the child migrates.
		delay := time.Duration(5+rng.IntN(400)) * time.Millisecond
		if i < 3 {
			delay = time.Duration(rng.IntN(60)) * time.Millisecond
		}
		got := runAndKill(t, schema, i, delay)
		for _, a := range got {
			acks[a.key] = a
		}
		waitForBackends(t, d, schema)
		n := checkCrashed(t, d, schema, acks)
		t.Logf("kill %d after %v: %d acks (%d in all), %d events in the log", i, delay, len(got), len(acks), n)
	}
	if len(acks) == 0 {
		t.Fatal("the child never acknowledged an append")
	}
}

// runAndKill starts the child, kills it after delay and returns its acks.
func runAndKill(t *testing.T, schema string, iter int, delay time.Duration) []crashAck {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^TestCrashWriter$", "-test.count=1")
	cmd.Env = append(os.Environ(), crashEnvSchema+"="+schema, crashEnvIter+"="+strconv.Itoa(iter))
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	var acks []crashAck
	var errs []string
	read := make(chan struct{})
	go func() {
		defer close(read)
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			f := strings.Fields(sc.Text())
			switch {
			case len(f) == 5 && f[0] == "ACK":
				v, _ := strconv.ParseUint(f[3], 10, 64)
				p, _ := strconv.ParseUint(f[4], 10, 64)
				acks = append(acks, crashAck{key: f[1], stream: f[2], version: v, position: p})
			case len(f) > 0 && f[0] == "ERR":
				errs = append(errs, sc.Text())
			}
		}
	}()
	time.Sleep(delay)
	if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatalf("kill: %v", err)
	}
	<-read
	cmd.Wait()
	if len(errs) > 0 {
		t.Fatalf("child %d: %s", iter, strings.Join(errs, "\n"))
	}
	return acks
}

// waitForBackends waits until the killed child's server backends are gone,
// so that none commits behind the next child's back.
func waitForBackends(t *testing.T, dsn, schema string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), crashDrainS*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(context.Background())
	for {
		var n int
		if err := conn.QueryRow(ctx, "SELECT count(*) FROM pg_stat_activity WHERE application_name = $1", schema).Scan(&n); err != nil {
			t.Fatalf("waiting for the killed child's backends: %v", err)
		}
		if n == 0 {
			return
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// checkCrashed opens the store after a kill and checks it against acks; it
// returns the log's length.
func checkCrashed(t *testing.T, dsn, schema string, acks map[string]crashAck) int {
	t.Helper()
	s := open(t, dsn, schema, postgres.Options{ConnsMax: 2})
	defer s.Close()
	all := readAll(t, s)
	head, err := s.Head(context.Background())
	if err != nil || uint64(len(all)) != head {
		t.Fatalf("ReadAll returned %d events, Head is %d (%v)", len(all), head, err)
	}
	byID := map[events.ID]events.Event{}
	versions := map[string]uint64{}
	for i, ev := range all {
		if ev.Position != uint64(i)+1 {
			t.Fatalf("event %d has position %d: a gap", i, ev.Position)
		}
		if _, dup := byID[ev.ID]; dup {
			t.Fatalf("ID %s twice in the log", ev.ID)
		}
		byID[ev.ID] = ev
		if ev.Version != versions[ev.Stream]+1 {
			t.Fatalf("%s: version %d follows %d", ev.Stream, ev.Version, versions[ev.Stream])
		}
		versions[ev.Stream] = ev.Version
	}
	checkAppendsWhole(t, all)
	for _, a := range acks {
		want := crashEvent(a.key)
		got, ok := byID[want.ID]
		switch {
		case !ok:
			t.Fatalf("acknowledged %s (position %d) is missing", a.key, a.position)
		case got.Stream != a.stream || got.Version != a.version || got.Position != a.position:
			t.Fatalf("acknowledged %s at %s@%d pos %d; log has %s@%d pos %d", a.key, a.stream, a.version, a.position,
				got.Stream, got.Version, got.Position)
		case !events.SameContent(got, want):
			t.Fatalf("acknowledged %s has other content: %+v", a.key, got)
		}
	}
	for stream, v := range versions {
		evs, err := s.ReadStream(context.Background(), stream, events.End, events.Backwards, 1)
		if err != nil || evs[0].Version != v {
			t.Fatalf("ReadStream(%s) last = %v, %v; want version %d", stream, evs, err, v)
		}
	}
	return len(all)
}

// checkAppendsWhole checks that every append in the log is there whole: its
// events "e0ofK".."e(K-1)ofK" sit next to each other.
func checkAppendsWhole(t *testing.T, all []events.Event) {
	t.Helper()
	for i := 0; i < len(all); {
		key := all[i].Meta.CorrelationID
		at := strings.LastIndex(key, "-e")
		var j, k int
		if _, err := fmt.Sscanf(key[at+2:], "%dof%d", &j, &k); err != nil || j != 0 {
			t.Fatalf("position %d: %q does not start an append", all[i].Position, key)
		}
		for e := 0; e < k; e++ {
			want := fmt.Sprintf("%s-e%dof%d", key[:at], e, k)
			if i+e >= len(all) || all[i+e].Meta.CorrelationID != want {
				t.Fatalf("append %s is not whole at position %d", key[:at], all[i].Position+uint64(e))
			}
		}
		i += k
	}
}
