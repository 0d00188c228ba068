package storetest

// The crash test: a writer in a child process (the backend's own test binary,
// started with -test.run=^<Child>$) appends from many goroutines and is
// killed with SIGKILL at random moments; after each kill the parent opens the
// store and checks it against every append the child saw acknowledged.
//
// A backend's test has two halves, the child and the parent:
//
//	func TestCrashWriter(t *testing.T) {
//		storetest.CrashChild(t, func(ctx context.Context, dir string) (events.Store, error) {
//			return embedded.Open(dir, storetest.Registry(), embedded.Options{})
//		})
//	}
//
//	func TestCrash(t *testing.T) {
//		dir := t.TempDir()
//		storetest.RunCrash(t, storetest.Crash{
//			Child:  "TestCrashWriter",
//			Target: dir,
//			Open: func(t *testing.T) events.Store {
//				s, err := embedded.Open(dir, storetest.Registry(), embedded.Options{})
//				if err != nil {
//					t.Fatalf("Open after kill: %v", err)
//				}
//				return s
//			},
//		})
//	}
//
// The child prints one line per event, "ACK key stream version position",
// only after Append returned nil, and "ERR ..." for anything unexpected (the
// parent fails on those). After each kill the parent checks that the store
// opens; that every acknowledged event is in it exactly once, with its
// content, at the stream, version and position the child was told; that
// positions are 1..Head with no gap (or increasing, with Crash.Gaps); that
// every stream's versions are 1, 2, 3, ...; that no ID is there twice; that
// every append is there whole, its events next to each other; and that
// ReadStream agrees with the log on each stream's last version.

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

	"github.com/drip-ledger/drip/events"
)

const (
	// CrashKillsMin is the fewest kills a crash test may make.
	CrashKillsMin = 20
	// crashKills is how many kills a crash test makes unless told (20, the
	// minimum, under -short).
	crashKills = 24
	// crashAppenders is how many goroutines append concurrently in the child.
	crashAppenders = 32
	// crashChildS bounds a child that is never killed.
	crashChildS = 20
	// crashEarlyMS bounds the delay of the early kills (Crash.EarlyKills);
	// crashDelayMS bounds the others, which come at least 5 ms in.
	crashEarlyMS = 60
	crashDelayMS = 400

	crashEnvTarget = "DRIP_CRASH_TARGET"
	crashEnvIter   = "DRIP_CRASH_ITER"
)

// CrashOpener opens, in the child, the store to append to; target is the
// parent's Crash.Target and ctx ends when the child gives up (a child that is
// never killed stops after 20 s).
type CrashOpener = func(ctx context.Context, target string) (events.Store, error)

// CrashChild is the child side of a crash test: it opens the store and
// appends to it from 32 goroutines until it is killed. Half of them append to
// their own stream with Exact versions, the others to shared streams with
// Any; appends hold 1 to 3 events. Call it from the test named Crash.Child;
// run any other way (no parent set its environment) it skips.
func CrashChild(t *testing.T, open CrashOpener) {
	target := os.Getenv(crashEnvTarget)
	if target == "" {
		t.Skip("the child of a crash test; runs only when RunCrash starts it")
	}
	iter := os.Getenv(crashEnvIter)
	ctx, cancel := context.WithTimeout(context.Background(), crashChildS*time.Second)
	defer cancel()
	s, err := open(ctx, target)
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

// crashAppender appends until ctx ends or an append fails, and prints the
// ACK lines of each append that returned nil.
func crashAppender(ctx context.Context, s events.Store, iter string, a int, out *sync.Mutex) {
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

// crashEvent is the event the child appends for key; the parent rebuilds it
// from the key to compare content. Keys end in "eJofK": event J of an append
// of K.
func crashEvent(key string) events.Event {
	data, _ := json.Marshal(Noted{Text: "crash " + key + " " + strings.Repeat("p", 200), N: len(key)})
	return events.Event{
		ID:   events.DeriveID(events.NilID, key),
		Type: TypeNoted,
		Data: data,
		Meta: events.Metadata{ActorID: "crash", Role: "tester", Jurisdiction: "52", CorrelationID: key,
			OccurredAt: time.Date(2025, 6, 1, 0, 0, 0, 0, time.UTC)},
	}
}

// Crash is the parent side of a backend's crash test: how to reach its store
// and what the backend needs around each kill.
type Crash struct {
	// Child is the name of the test that calls CrashChild, e.g.
	// "TestCrashWriter"; the parent runs the test binary with
	// -test.run=^Child$.
	Child string
	// Target says which store the child opens (a directory, a schema); it
	// is passed to the child's CrashOpener. The store is the same across
	// kills: each child carries on where the last one died.
	Target string
	// Open opens the store in the parent after a kill, and fails t if it
	// cannot: a store that does not open after a crash fails the test.
	// RunCrash closes it after the checks.
	Open func(t *testing.T) events.Store
	// Settle, if set, runs after each kill, before Open: for a backend where
	// the dead child's work can still land (PostgreSQL's server backends
	// may commit what was pipelined to them).
	Settle func(t *testing.T)
	// Checked, if set, runs after each kill's checks, once the store is
	// closed: for what a backend counts of its own (the embedded store's
	// torn tails).
	Checked func(t *testing.T)
	// Kills is how many times the child is started and killed; 0 means 24
	// (20 under -short). Fewer than CrashKillsMin fails the test.
	Kills int
	// EarlyKills makes the first kills come within 60 ms, often while the
	// child is still opening the store (migrating a schema); the others come
	// after 5 to 404 ms.
	EarlyKills int
	// Gaps is for a backend whose positions increase in commit order but are
	// not dense (see PositionsMayHaveGaps): the checks then want increasing
	// positions up to Head instead of 1..Head.
	Gaps bool
}

// crashAck is one event the child saw acknowledged.
type crashAck struct {
	key               string
	stream            string
	version, position uint64
}

// RunCrash runs the crash test c describes: it starts c.Child, kills it with
// SIGKILL after a random delay, checks the store (see the top of this file)
// and does it again, c.Kills times. It logs its seed, and fails if no child
// ever saw an append acknowledged. Inside a child it skips.
func RunCrash(t *testing.T, c Crash) {
	t.Helper()
	if os.Getenv(crashEnvTarget) != "" {
		t.Skip("inside the child")
	}
	if c.Child == "" || c.Target == "" || c.Open == nil {
		t.Fatal("storetest.Crash needs Child, Target and Open")
	}
	kills := c.Kills
	if kills == 0 {
		kills = crashKills
		if testing.Short() {
			kills = CrashKillsMin
		}
	}
	if kills < CrashKillsMin {
		t.Fatalf("%d kills; a crash test makes at least %d", kills, CrashKillsMin)
	}
	seed := uint64(time.Now().UnixNano())
	t.Logf("seed %d", seed)
	rng := rand.New(rand.NewPCG(seed, 0))
	acks := map[string]crashAck{}
	for i := range kills {
		delay := time.Duration(5+rng.IntN(crashDelayMS)) * time.Millisecond
		if i < c.EarlyKills {
			delay = time.Duration(rng.IntN(crashEarlyMS)) * time.Millisecond
		}
		got := runAndKill(t, c, i, delay)
		for _, a := range got {
			acks[a.key] = a
		}
		if c.Settle != nil {
			c.Settle(t)
		}
		n := checkCrashed(t, c, acks)
		if c.Checked != nil {
			c.Checked(t)
		}
		t.Logf("kill %d after %v: %d acks (%d in all), %d events in the log", i, delay, len(got), len(acks), n)
	}
	t.Logf("%d kills, %d acknowledged events checked", kills, len(acks))
	if len(acks) == 0 {
		t.Fatal("the child never acknowledged an append")
	}
}

// runAndKill starts the child, kills it after delay and returns its acks; it
// fails t on any ERR line the child printed.
func runAndKill(t *testing.T, c Crash, iter int, delay time.Duration) []crashAck {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^"+c.Child+"$", "-test.count=1")
	cmd.Env = append(os.Environ(), crashEnvTarget+"="+c.Target, crashEnvIter+"="+strconv.Itoa(iter))
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

// checkCrashed opens the store after a kill and checks it against acks; it
// returns the log's length.
func checkCrashed(t *testing.T, c Crash, acks map[string]crashAck) int {
	t.Helper()
	ctx := context.Background()
	s := c.Open(t)
	if s == nil {
		t.Fatal("Crash.Open returned a nil store")
	}
	defer s.Close()
	all := crashReadAll(t, s)
	head, err := s.Head(ctx)
	var last uint64
	if len(all) > 0 {
		last = all[len(all)-1].Position
	}
	switch {
	case err != nil:
		t.Fatalf("Head: %v", err)
	case !c.Gaps && uint64(len(all)) != head:
		t.Fatalf("ReadAll returned %d events, Head is %d", len(all), head)
	case c.Gaps && last != head:
		t.Fatalf("ReadAll ends at position %d, Head is %d", last, head)
	}
	byID := map[events.ID]events.Event{}
	versions := map[string]uint64{}
	var prev uint64
	for i, ev := range all {
		switch {
		case !c.Gaps && ev.Position != uint64(i)+1:
			t.Fatalf("event %d has position %d: a gap", i, ev.Position)
		case ev.Position <= prev:
			t.Fatalf("event %d has position %d after %d", i, ev.Position, prev)
		}
		prev = ev.Position
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
		evs, err := s.ReadStream(ctx, stream, events.End, events.Backwards, 1)
		if err != nil || len(evs) != 1 || evs[0].Version != v {
			t.Fatalf("ReadStream(%s) last = %v, %v; want version %d", stream, evs, err, v)
		}
	}
	return len(all)
}

// crashReadAll returns the whole log of s.
func crashReadAll(t *testing.T, s events.Store) []events.Event {
	t.Helper()
	var out []events.Event
	for from := uint64(0); ; {
		page, err := s.ReadAll(context.Background(), from, events.ReadEventsMax)
		if err != nil {
			t.Fatalf("ReadAll(%d): %v", from, err)
		}
		if len(page) == 0 {
			return out
		}
		out = append(out, page...)
		from = page[len(page)-1].Position + 1
	}
}

// checkAppendsWhole checks that every append in the log is there whole: its
// events "e0ofK".."e(K-1)ofK" sit next to each other.
func checkAppendsWhole(t *testing.T, all []events.Event) {
	t.Helper()
	for i := 0; i < len(all); {
		key := all[i].Meta.CorrelationID
		at := strings.LastIndex(key, "-e")
		var j, k int
		if at < 0 {
			t.Fatalf("position %d: %q is not a crash test's event", all[i].Position, key)
		}
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
