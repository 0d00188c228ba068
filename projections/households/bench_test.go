package households_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"runtime"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/drip-ledger/drip/domain"
	"github.com/drip-ledger/drip/domain/household"
	"github.com/drip-ledger/drip/projections/households"
	"github.com/drip-ledger/drip/projections/modelstore"
)

// benchHouseholds is the size of the benchmarks' county.
const benchHouseholds = 100_000

// benchStore is the store the benchmarks fill; a build that has another
// backend may set it in an init.
var benchStore = func(testing.TB) modelstore.Store { return &modelstore.Memory{} }

var bench struct {
	once sync.Once
	v    *households.View
	err  error
}

// benchView is a county of benchHouseholds households in 20 townships of
// 10 villages, with one or two members named from 20 surnames and 30 given
// names, a third enrolled. It is folded in one batch: modelstore.Memory
// keeps its keys in one sorted slice, so a batch whose keys all sort after
// what it holds (the first, into an empty store) is the only fast one.
func benchView(b *testing.B) *households.View {
	bench.once.Do(func() {
		start := time.Now()
		l := newLog(b)
		rng := rand.New(rand.NewPCG(11, 12))
		surnames := []rune("王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗")
		given := []rune("伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰萍红")
		name := func() string {
			return string(surnames[rng.IntN(len(surnames))]) + string(given[rng.IntN(len(given))])
		}
		people := 0
		for i := 0; i < benchHouseholds; i++ {
			village := fmt.Sprintf("520526%03d%03d", 100+i%20, 200+(i/20)%10)
			file := fmt.Sprintf("%s-%04d", village, i/200+1)
			head := person(people, name())
			people++
			var members []household.MemberInput
			if rng.IntN(2) == 0 {
				members = append(members, person(people, name()))
				people++
			}
			l.append("household-"+file, registration(b, file, village, head, members...))
			if rng.IntN(3) == 0 {
				l.append("household-"+file, assessed(45), enrolled())
			}
		}
		evs := l.decoded()
		// The view reads streams only while it folds: afterwards the log is
		// let go, so the benchmarks' garbage collector marks the model, not
		// the log that made it.
		rd := &benchReader{l.store}
		v, err := households.New(l.reg, rd, benchStore(b), households.Name, 0)
		if err != nil {
			bench.err = err
			return
		}
		built := time.Now()
		bench.err = v.ApplyBatch(context.Background(), evs)
		bench.v, rd.StreamReader = v, nil
		runtime.GC()
		b.Logf("%d households, %d events: written in %v, folded and committed in %v", benchHouseholds, len(evs), built.Sub(start), time.Since(built))
	})
	if bench.err != nil {
		b.Fatal(bench.err)
	}
	return bench.v
}

func BenchmarkSearchByNamePrefix(b *testing.B) {
	v := benchView(b)
	ctx := context.Background()
	q := households.Query{Within: jur(b, "520526"), Name: "张伟", Limit: 50}
	defer cpuPerOp(b)()
	for b.Loop() {
		if p, err := v.Search(ctx, q); err != nil || len(p.Households) == 0 {
			b.Fatal(len(p.Households), err)
		}
	}
}

func BenchmarkSearchBySurnameInATownship(b *testing.B) {
	v := benchView(b)
	ctx := context.Background()
	q := households.Query{Within: jur(b, "520526"), Division: "520526105", Name: "王", Limit: 50}
	defer cpuPerOp(b)()
	for b.Loop() {
		if p, err := v.Search(ctx, q); err != nil || len(p.Households) == 0 {
			b.Fatal(len(p.Households), err)
		}
	}
}

func BenchmarkSearchByVillageAndStatus(b *testing.B) {
	v := benchView(b)
	ctx := context.Background()
	q := households.Query{Within: jur(b, "520526"), Division: "520526107203", Status: household.StatusEnrolled, Limit: 50}
	defer cpuPerOp(b)()
	for b.Loop() {
		if p, err := v.Search(ctx, q); err != nil || len(p.Households) == 0 {
			b.Fatal(len(p.Households), err)
		}
	}
}

func BenchmarkStatsByVillage(b *testing.B) {
	v := benchView(b)
	ctx := context.Background()
	defer cpuPerOp(b)()
	for b.Loop() {
		if c, err := v.CountBy(ctx, jur(b, "520526"), domain.LevelVillage); err != nil || len(c) != 200 {
			b.Fatal(len(c), err)
		}
	}
}

func BenchmarkStatsByCounty(b *testing.B) {
	v := benchView(b)
	ctx := context.Background()
	defer cpuPerOp(b)()
	for b.Loop() {
		if c, err := v.CountBy(ctx, jur(b, ""), domain.LevelCounty); err != nil || len(c) != 1 || c[0].Total != benchHouseholds {
			b.Fatal(c, err)
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

// benchReader is a StreamReader the benchmark can let go of.
type benchReader struct{ households.StreamReader }

// BenchmarkFoldInBatchesOf1000 is a rebuild's rate: 20,000 households'
// events folded into an empty store in batches of 1,000, as a batch runner
// would deliver them. On modelstore.Memory it measures mostly Memory's
// sorted-slice inserts (O(keys) each); run it against a real backend.
func BenchmarkFoldInBatchesOf1000(b *testing.B) {
	l := newLog(b)
	county(b, l, rand.New(rand.NewPCG(13, 14)), 20_000)
	evs := l.decoded()
	defer cpuPerOp(b)()
	for b.Loop() {
		v, err := households.New(l.reg, l.store, benchStore(b), households.Name, 0)
		if err != nil {
			b.Fatal(err)
		}
		apply(b, v, evs, 1000)
	}
	b.ReportMetric(float64(len(evs)*b.N)/b.Elapsed().Seconds(), "events/s")
}
