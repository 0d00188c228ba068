package embedded

import (
	"context"
	"encoding/binary"
	"fmt"
	"os"
	"path/filepath"
	rtrace "runtime/trace"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/drip-ledger/drip/events"
	"github.com/drip-ledger/drip/events/storetest"
	"github.com/drip-ledger/drip/internal/bench/baseline"
)

type groupTrace struct {
	start, wrote, synced time.Time
	bytes, n             int
}

// TestTraceGroups (DRIP_TRACE=seconds) runs store and baseline alternately at
// DRIP_TRACE_WRITERS writers and prints per-group timings.
func TestTraceGroups(t *testing.T) {
	secs, _ := strconv.Atoi(os.Getenv("DRIP_TRACE"))
	if secs == 0 {
		t.Skip("DRIP_TRACE not set")
	}
	writers := 256
	if w, _ := strconv.Atoi(os.Getenv("DRIP_TRACE_WRITERS")); w > 0 {
		writers = w
	}
	rounds := 2
	if r, _ := strconv.Atoi(os.Getenv("DRIP_TRACE_ROUNDS")); r > 0 {
		rounds = r
	}
	reg := storetest.Registry()
	ev, err := reg.Encode(events.ID{}, events.Metadata{ActorID: "bench-actor", Role: "clerk", Jurisdiction: "520526",
		OccurredAt: time.Date(2025, 1, 2, 3, 4, 5, 0, time.UTC)}, storetest.Noted{Text: strings.Repeat("b", 230), N: 7})
	if err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	var gs []groupTrace
	syncTrace = func(start, wrote, synced time.Time, bytes, n int) {
		mu.Lock()
		gs = append(gs, groupTrace{start, wrote, synced, bytes, n})
		mu.Unlock()
	}
	defer func() { syncTrace = nil }()
	run := func(name string, op func(w int, i int64) error, closeFn func()) {
		mu.Lock()
		gs = gs[:0]
		mu.Unlock()
		var io0 = readProcIO()
		var ru0, ru1 syscall.Rusage
		syscall.Getrusage(syscall.RUSAGE_SELF, &ru0)
		ctx, cancel := context.WithTimeout(context.Background(), time.Duration(secs)*time.Second)
		defer cancel()
		var count atomic.Int64
		var wg sync.WaitGroup
		start := time.Now()
		for w := range writers {
			wg.Go(func() {
				for ctx.Err() == nil {
					if err := op(w, count.Add(1)); err != nil {
						t.Error(err)
						return
					}
				}
			})
		}
		if out := os.Getenv("DRIP_TRACE_OUT"); out != "" {
			time.Sleep(time.Second)
			f, _ := os.Create(out + "." + name)
			rtrace.Start(f)
			time.Sleep(2 * time.Second)
			rtrace.Stop()
			f.Close()
		}
		wg.Wait()
		el := time.Since(start)
		syscall.Getrusage(syscall.RUSAGE_SELF, &ru1)
		cpu := time.Duration(syscall.TimevalToNsec(ru1.Utime) - syscall.TimevalToNsec(ru0.Utime) + syscall.TimevalToNsec(ru1.Stime) - syscall.TimevalToNsec(ru0.Stime))
		sys := time.Duration(syscall.TimevalToNsec(ru1.Stime) - syscall.TimevalToNsec(ru0.Stime))
		fmt.Printf("%-8s cpu/event %.2f µs (sys %.2f) cores %.2f\n", name, float64(cpu.Nanoseconds())/1e3/float64(count.Load()), float64(sys.Nanoseconds())/1e3/float64(count.Load()), cpu.Seconds()/el.Seconds())
		closeFn()
		io1 := readProcIO()
		mu.Lock()
		defer mu.Unlock()
		var wr, sy, gap []float64
		var bytes, n int
		for i, g := range gs {
			wr = append(wr, float64(g.wrote.Sub(g.start).Microseconds()))
			sy = append(sy, float64(g.synced.Sub(g.wrote).Microseconds()))
			if i > 0 {
				gap = append(gap, float64(g.start.Sub(gs[i-1].synced).Microseconds()))
			}
			bytes += g.bytes
			n += g.n
		}
		q := func(v []float64) string {
			slices.Sort(v)
			if len(v) == 0 {
				return "-"
			}
			var s float64
			for _, x := range v {
				s += x
			}
			return fmt.Sprintf("mean %.0f p50 %.0f p90 %.0f p99 %.0f", s/float64(len(v)), v[len(v)/2], v[len(v)*9/10], v[len(v)*99/100])
		}
		fmt.Printf("%-8s %7.0f ev/s groups %d ev/group %.1f bytes/ev %.1f bytes/group %.0f\n  write µs: %s\n  fsync µs: %s\n  gap µs:   %s\n  cycle µs: %.1f  /proc/self/io write_bytes %+d (%.0f MB/s) wchar %+d\n",
			name, float64(count.Load())/el.Seconds(), len(gs), float64(n)/float64(len(gs)), float64(bytes)/float64(n), float64(bytes)/float64(len(gs)),
			q(wr), q(sy), q(gap), float64(el.Microseconds())/float64(len(gs)),
			io1["write_bytes"]-io0["write_bytes"], float64(io1["write_bytes"]-io0["write_bytes"])/el.Seconds()/1e6, io1["wchar"]-io0["wchar"])
	}
	for range rounds {
		dir := t.TempDir()
		s, err := Open(dir, reg, Options{})
		if err != nil {
			t.Fatal(err)
		}
		streams := make([]string, writers)
		for w := range streams {
			streams[w] = fmt.Sprintf("bench-%d", w)
		}
		// DRIP_TRACE_NEW=1: every append to a new stream, as in drip bench
		// append; otherwise each writer appends to its own stream.
		fresh := os.Getenv("DRIP_TRACE_NEW") != ""
		run("store", func(w int, i int64) error {
			e := [1]events.Event{ev}
			binary.BigEndian.PutUint64(e[0].ID[8:], uint64(i))
			e[0].ID[0] = 1
			if fresh {
				_, err := s.Append(context.Background(), "bench-"+strconv.FormatInt(i, 10), events.NoStream, e[:]...)
				return err
			}
			_, err := s.Append(context.Background(), streams[w], events.Any, e[:]...)
			return err
		}, func() { s.Close() })
		// The baseline reports its groups to the same collector.
		bl, err := baseline.Open(filepath.Join(t.TempDir(), "baseline"), baseline.Options{Trace: syncTrace})
		if err != nil {
			t.Fatal(err)
		}
		rec := make([]byte, 300)
		burn, _ := strconv.Atoi(os.Getenv("DRIP_TRACE_BURN"))
		// DRIP_TRACE_HOG=n: n goroutines spin beside the baseline, off its
		// path, to see what a busy processor does to its fsyncs.
		hog, _ := strconv.Atoi(os.Getenv("DRIP_TRACE_HOG"))
		hogStop := make(chan struct{})
		for range hog {
			go func() {
				for {
					select {
					case <-hogStop:
						return
					default:
						spinN(10000)
					}
				}
			}()
		}
		run("baseline", func(int, int64) error {
			if burn > 0 {
				spin(time.Duration(burn) * time.Microsecond)
			}
			return bl.Append(context.Background(), rec)
		}, func() { close(hogStop); bl.Close() })
	}
}

func readProcIO() map[string]int64 {
	b, _ := os.ReadFile("/proc/self/io")
	m := map[string]int64{}
	for _, l := range strings.Split(string(b), "\n") {
		k, v, ok := strings.Cut(l, ": ")
		if ok {
			n, _ := strconv.ParseInt(v, 10, 64)
			m[k] = n
		}
	}
	return m
}

var spinSink atomic.Uint64

// spinPerUS is how many rounds of spin's loop take a microsecond here.
var spinPerUS = sync.OnceValue(func() int {
	const n = 50_000_000
	t0 := time.Now()
	spinN(n)
	return int(float64(n) / float64(time.Since(t0).Microseconds()))
})

func spinN(n int) {
	x := uint64(n)
	for range n {
		x = x*6364136223846793005 + 1442695040888963407
	}
	spinSink.Add(x)
}

// spin burns about d of CPU, for DRIP_TRACE_BURN.
func spin(d time.Duration) { spinN(spinPerUS() * int(d.Microseconds())) }
