package projections_test

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/drip-ledger/drip/events"
	"github.com/drip-ledger/drip/events/embedded"
	"github.com/drip-ledger/drip/projections"
	"github.com/drip-ledger/drip/projections/modelstore"
)

// The replay benchmark: a log of benchEvents events in the embedded store,
// read with a plain ReadAll loop (what the store delivers) and replayed
// through the ModelRunner into paidModels models that do real work, in the
// same run; it reports both rates and their ratio (issue 11's goal is
// ≥ 0.3).
//
//	go test ./projections/ -run '^$' -bench Replay -benchtime 3x -cpuprofile /tmp/replay.cpu
const (
	benchEvents = 200_000
	paidModels  = 2
	// paidFiles is how many distinct households the events touch: the
	// model's working set (a map that does not grow with the log).
	paidFiles = 10_000
)

const typePaid = "bench.paid.v1"

// paid is shaped like a small real fact (a disbursement line): about 300
// bytes with its metadata.
type paid struct {
	FileNumber string `json:"fileNumber"`
	ProjectID  string `json:"projectId"`
	AmountFen  int64  `json:"amountFen"`
	Note       string `json:"note"`
}

func (paid) EventType() string { return typePaid }

func (p paid) Validate() error {
	var ps events.Problems
	if p.FileNumber == "" {
		ps.Add("fileNumber", "is required")
	}
	if p.AmountFen <= 0 {
		ps.Add("amountFen", "must be positive")
	}
	return ps.Err()
}

func paidRegistry() *events.Registry {
	r := events.NewRegistry()
	r.Register(func() events.Payload { return new(paid) })
	return r
}

// paidTotals is the benchmark's model: per household the fen paid and the
// payments, in a map, and per batch one modelstore.Memory commit of the
// households it changed (JSON records) with the checkpoint.
type paidTotals struct {
	name string
	ms   modelstore.Store

	mu     sync.Mutex
	totals map[string]*paidTotal
}

type paidTotal struct {
	Fen      int64 `json:"fen"`
	Payments int   `json:"payments"`
}

func (m *paidTotals) Name() string { return m.name }

func (m *paidTotals) Checkpoint(ctx context.Context) (uint64, error) {
	return m.ms.Checkpoint(ctx, m.name)
}

func (m *paidTotals) Reset(ctx context.Context) error {
	m.mu.Lock()
	m.totals = map[string]*paidTotal{}
	m.mu.Unlock()
	return m.ms.Drop(ctx, m.name)
}

func (m *paidTotals) ApplyBatch(ctx context.Context, evs []projections.Decoded) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	changed := map[string]*paidTotal{}
	for i := range evs {
		p := evs[i].Payload.(*paid)
		t := m.totals[p.FileNumber]
		if t == nil {
			t = &paidTotal{}
			m.totals[p.FileNumber] = t
		}
		t.Fen += p.AmountFen
		t.Payments++
		changed[p.FileNumber] = t
	}
	var b modelstore.Batch
	for f, t := range changed {
		v, err := json.Marshal(t)
		if err != nil {
			return err
		}
		b.Put([]byte("f/"+f), v)
	}
	return m.ms.Commit(ctx, m.name, &b, evs[len(evs)-1].Position)
}

var benchLog struct {
	once  sync.Once
	store events.Store
	reg   *events.Registry
	err   error
}

// openBenchLog fills an embedded store once per process (the fill is not
// measured).
func openBenchLog(b *testing.B) (events.Store, *events.Registry) {
	benchLog.once.Do(func() {
		dir, err := mkdirTemp()
		if err != nil {
			benchLog.err = err
			return
		}
		reg := paidRegistry()
		store, err := embedded.Open(dir, reg, embedded.Options{})
		if err != nil {
			benchLog.err = err
			return
		}
		meta := events.Metadata{ActorID: "bench", Role: "admin", Jurisdiction: "520526",
			OccurredAt: time.Date(2026, 11, 1, 9, 0, 0, 0, time.UTC)}
		ctx := context.Background()
		const perAppend = 1000
		for lo := 0; lo < benchEvents; lo += perAppend {
			evs := make([]events.Event, 0, perAppend)
			for i := lo; i < lo+perAppend; i++ {
				id, _ := events.NewID(nil)
				ev, err := reg.Encode(id, meta, &paid{FileNumber: fmt.Sprintf("520526104201-%04d", i%paidFiles),
					ProjectID: "walnut-2026-07", AmountFen: int64(120000 + i%1000), Note: strings.Repeat("drip ", 14)})
				if err != nil {
					benchLog.err = err
					return
				}
				evs = append(evs, ev)
			}
			if _, err := store.Append(ctx, fmt.Sprintf("bench-%d", lo/perAppend), events.NoStream, evs...); err != nil {
				benchLog.err = err
				return
			}
		}
		benchLog.store, benchLog.reg = store, reg
	})
	if benchLog.err != nil {
		b.Fatal(benchLog.err)
	}
	return benchLog.store, benchLog.reg
}

func BenchmarkReplay(b *testing.B) {
	store, reg := openBenchLog(b)
	ctx := context.Background()
	var readAll, runner time.Duration
	for b.Loop() {
		start := time.Now()
		n := 0
		for from := uint64(1); ; {
			page, err := store.ReadAll(ctx, from, projections.BatchEventsDefault)
			if err != nil {
				b.Fatal(err)
			}
			if len(page) == 0 {
				break
			}
			n += len(page)
			from = page[len(page)-1].Position + 1
		}
		readAll += time.Since(start)
		if n != benchEvents {
			b.Fatalf("read %d events", n)
		}

		ms := &modelstore.Memory{}
		models := make([]projections.Model, paidModels)
		for i := range models {
			models[i] = &paidTotals{name: fmt.Sprintf("paid%d.v1", i), ms: ms, totals: map[string]*paidTotal{}}
		}
		r, err := projections.NewModelRunner(projections.ModelRunnerConfig{Store: store, Registry: reg}, models...)
		if err != nil {
			b.Fatal(err)
		}
		start = time.Now()
		done := make(chan error, 1)
		go func() { done <- r.Run(ctx) }()
		if err := r.WaitFor(ctx, benchEvents); err != nil {
			b.Fatal(err)
		}
		runner += time.Since(start)
		r.Close()
		if err := <-done; err != nil {
			b.Fatal(err)
		}
	}
	readRate := float64(benchEvents*b.N) / readAll.Seconds()
	runRate := float64(benchEvents*b.N) / runner.Seconds()
	b.ReportMetric(readRate, "readall-events/s")
	b.ReportMetric(runRate, "model-events/s")
	b.ReportMetric(runRate/readRate, "ratio")
}

func mkdirTemp() (string, error) { return os.MkdirTemp("", "drip-projections-bench-*") }
