package complaints_test

import (
	"context"
	"math/rand/v2"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/drip-ledger/drip/domain/complaint"
	"github.com/drip-ledger/drip/projections/complaints"
	"github.com/drip-ledger/drip/projections/modelstore"
)

// benchComplaints is the size of the benchmarks' queue.
const benchComplaints = 40_000

var bench struct {
	once sync.Once
	v    *complaints.View
	err  error
}

// benchView is a queue of benchComplaints random complaints (see queue),
// folded in one batch into modelstore.Memory (see the households
// benchmark for why one).
func benchView(b *testing.B) *complaints.View {
	bench.once.Do(func() {
		l := newLog(b)
		queue(l, rand.New(rand.NewPCG(21, 22)), benchComplaints)
		evs := l.decoded()
		v, err := complaints.New(l.reg, l.store, &modelstore.Memory{}, complaints.Name, 0)
		if err != nil {
			bench.err = err
			return
		}
		start := time.Now()
		bench.err = v.ApplyBatch(context.Background(), evs)
		bench.v = v
		b.Logf("%d complaints, %d events: folded and committed in %v", benchComplaints, len(evs), time.Since(start))
	})
	if bench.err != nil {
		b.Fatal(bench.err)
	}
	return bench.v
}

func BenchmarkQueueOfATownshipByStatus(b *testing.B) {
	v := benchView(b)
	ctx := context.Background()
	q := complaints.Query{Within: jur(b, "520526104"), Status: complaint.StatusAcknowledged, Now: t0.Add(30 * 24 * time.Hour), Limit: 50}
	defer cpuPerOp(b)()
	for b.Loop() {
		if p, err := v.List(ctx, q); err != nil || len(p.Complaints) != 50 {
			b.Fatal(len(p.Complaints), err)
		}
	}
}

func BenchmarkOverdueOfACounty(b *testing.B) {
	v := benchView(b)
	ctx := context.Background()
	q := complaints.Query{Within: jur(b, "520526"), OverdueOnly: true, Now: t0.Add(30 * 24 * time.Hour), Limit: 50}
	defer cpuPerOp(b)()
	for b.Loop() {
		if p, err := v.List(ctx, q); err != nil || len(p.Complaints) != 50 {
			b.Fatal(len(p.Complaints), err)
		}
	}
}

// cpuPerOp reports the process's CPU time per op beside the wall time: on
// a machine shared with other work, wall time measures the neighbours too.
func cpuPerOp(b *testing.B) func() {
	before := cpuTime()
	return func() {
		if b.N > 0 {
			b.ReportMetric(float64((cpuTime()-before).Nanoseconds())/float64(b.N), "cpu-ns/op")
		}
	}
}

func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
