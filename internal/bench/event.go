package bench

import (
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/drip-ledger/drip/events"
)

// typeBenchAppended is the benchmark's own event type; it is registered only
// in the benchmark's registry, never in a deployment's.
const typeBenchAppended = "bench.appended.v1"

// benchAppended is shaped like a small real fact (a disbursement line), so
// the measured bytes are realistic: about 300 bytes with its metadata.
type benchAppended struct {
	FileNumber string `json:"fileNumber"`
	ProjectID  string `json:"projectId"`
	AmountFen  int64  `json:"amountFen"`
	Note       string `json:"note"`
}

func (benchAppended) EventType() string { return typeBenchAppended }

func (b benchAppended) Validate() error {
	var ps events.Problems
	if b.FileNumber == "" {
		ps.Add("fileNumber", "is required")
	}
	if b.AmountFen <= 0 {
		ps.Add("amountFen", "must be positive")
	}
	return ps.Err()
}

// Registry is the benchmarks' registry: their one event type and nothing
// else, so a benchmark's store can hold nothing a deployment reads.
func Registry() *events.Registry {
	r := events.NewRegistry()
	r.Register(func() events.Payload { return new(benchAppended) })
	return r
}

// Events makes n distinct events with deterministic IDs, encoded by reg
// before the clock starts so the benchmark measures the store, not JSON, and
// the baseline's records: each event's whole envelope as JSON, about the bytes
// the store writes for it.
func Events(reg *events.Registry, n int) ([]events.Event, [][]byte, error) {
	ns := events.MustParseID("6f2d4c1e-8a7b-4c3d-9e2f-1a0b3c4d5e6f")
	at := time.Date(2026, 11, 1, 9, 0, 0, 0, time.UTC)
	meta := events.Metadata{ActorID: "bench", Role: "admin", Jurisdiction: "520526", OccurredAt: at}
	out := make([]events.Event, n)
	records := make([][]byte, n)
	for i := range out {
		p := &benchAppended{
			FileNumber: fmt.Sprintf("520526104201-%04d", i%10000),
			ProjectID:  "walnut-2026-07",
			AmountFen:  int64(120000 + i%1000),
			Note:       strings.Repeat("drip ", 14),
		}
		ev, err := reg.Encode(events.DeriveID(ns, fmt.Sprint(i)), meta, p)
		if err != nil {
			return nil, nil, err
		}
		ev.Stream = fmt.Sprintf("bench-%d", i)
		if records[i], err = json.Marshal(ev); err != nil {
			return nil, nil, err
		}
		out[i] = ev
	}
	return out, records, nil
}
