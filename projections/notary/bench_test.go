package notary_test

import (
	"context"
	"crypto/sha256"
	"fmt"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/drip-ledger/drip/events"
	"github.com/drip-ledger/drip/events/embedded"
	"github.com/drip-ledger/drip/projections/notary"
)

// benchVerifyEvents is the store BenchmarkVerifyStore walks: big enough
// that a pass takes a measurable while, small enough to build in seconds.
const benchVerifyEvents = 50_000

// BenchmarkVerifyStore measures whole-store verification (read, re-hash,
// rebuild the tree, compare with checkpoints and the leaf record) against
// its baseline in the same run: the same reads and the same canonical bytes
// hashed with SHA-256, with no tree. Target: ratio >= 0.5.
//
//	go test -run '^$' -bench VerifyStore ./projections/notary
func BenchmarkVerifyStore(b *testing.B) {
	ctx := context.Background()
	k := newKeys(b, origin)
	dir := b.TempDir()
	storeDir, notaryDir := filepath.Join(dir, "store"), filepath.Join(dir, "notary")
	s := openStore(b, storeDir)
	n := openNotary(b, notaryDir, s, k, notary.Config{})
	for done := 0; done < benchVerifyEvents; done += 10_000 {
		fillBig(b, s, done, 10_000)
		catchUp(b, n)
	}
	n.Close()
	defer s.Close()
	var verifyD, baseD time.Duration
	for b.Loop() {
		start := time.Now()
		rep, err := notary.VerifyStore(ctx, s, notaryDir, k.vkey, nil)
		if err != nil || rep.Events != benchVerifyEvents {
			b.Fatalf("VerifyStore = %+v, %v", rep, err)
		}
		verifyD += time.Since(start)
		start = time.Now()
		baseline(b, s)
		baseD += time.Since(start)
	}
	events := float64(b.N * benchVerifyEvents)
	b.ReportMetric(events/verifyD.Seconds(), "verify_events/s")
	b.ReportMetric(events/baseD.Seconds(), "baseline_events/s")
	b.ReportMetric(baseD.Seconds()/verifyD.Seconds(), "ratio")
}

// baseline reads the whole log and hashes each event's canonical bytes.
func baseline(b *testing.B, s events.Store) {
	var buf []byte
	var sink byte
	for from := uint64(1); ; {
		evs, err := s.ReadAll(context.Background(), from, events.ReadEventsMax)
		if err != nil {
			b.Fatal(err)
		}
		if len(evs) == 0 {
			break
		}
		for _, ev := range evs {
			buf = notary.AppendLeafBytes(buf[:0], ev)
			sum := sha256.Sum256(buf)
			sink ^= sum[0]
		}
		from = evs[len(evs)-1].Position + 1
	}
	_ = sink
}

// fillBig appends n events in appends of 100, for building stores fast.
func fillBig(b testing.TB, s events.Store, from, n int) {
	b.Helper()
	for i := from; i < from+n; i += 100 {
		evs := make([]events.Event, min(100, from+n-i))
		for j := range evs {
			evs[j] = grant(i+j, amountOf(i+j))
		}
		if _, err := s.Append(context.Background(), fmt.Sprintf("household-%d", i%1000), events.Any, evs...); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkAppendFollower measures appends (8 writers, one event per
// append, each durable) to the embedded store with the notary's follower
// running against the same appends without it, alternating in one run.
// Target: ratio >= 0.9.
//
//	go test -run '^$' -bench AppendFollower ./projections/notary
func BenchmarkAppendFollower(b *testing.B) {
	const writers, perRun = 8, 4000
	k := newKeys(b, origin)
	var on, off time.Duration
	for b.Loop() {
		off += appendRun(b, k, writers, perRun, false)
		on += appendRun(b, k, writers, perRun, true)
	}
	events := float64(b.N * perRun)
	b.ReportMetric(events/on.Seconds(), "follower_events/s")
	b.ReportMetric(events/off.Seconds(), "no_follower_events/s")
	b.ReportMetric(off.Seconds()/on.Seconds(), "ratio")
}

func appendRun(b *testing.B, k keys, writers, total int, follow bool) time.Duration {
	dir := b.TempDir()
	s, err := embedded.Open(filepath.Join(dir, "store"), registryForBench(), embedded.Options{Logger: quiet})
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	var n *notary.Notary
	if follow {
		n = openNotary(b, filepath.Join(dir, "notary"), s, k, notary.Config{})
		go func() { done <- n.Run(ctx) }()
	}
	var next atomic.Int64
	var wg sync.WaitGroup
	start := time.Now()
	for w := range writers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := int(next.Add(1)) - 1; i < total; i = int(next.Add(1)) - 1 {
				if _, err := s.Append(ctx, fmt.Sprintf("household-%d", w), events.Any, grant(i, amountOf(i))); err != nil {
					b.Error(err)
					return
				}
			}
		}()
	}
	wg.Wait()
	took := time.Since(start)
	if follow {
		for n.Size() < uint64(total) {
			time.Sleep(time.Millisecond)
		}
		cancel()
		<-done
		n.Close()
	}
	cancel()
	return took
}
