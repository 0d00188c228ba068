package postgres_test

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/drip-ledger/drip/events"
	"github.com/drip-ledger/drip/events/postgres"
	"github.com/drip-ledger/drip/events/storetest"
)

// The append benchmarks compare the store with Baseline: the same rows
// inserted and committed one per transaction with no head row, so that
// PostgreSQL can group-commit them. The difference is the price of the
// serial section that keeps positions dense and visible in order (doc.go).
// One event of about 300 bytes (Event.Size) per append, each writer on its own
// stream. Run them with
//
//	DRIP_TEST_POSTGRES=postgres://postgres@127.0.0.1:5432/test?sslmode=disable \
//	  go test -run '^$' -bench . -benchtime 3s ./events/postgres
//
// Measured on the shared 2-core machine with PostgreSQL 15 on the same host
// (two runs, the machine busy with other work), events/s:
//
//	writers   Append       Baseline
//	1         1070-1730    3740-5770
//	16        1400-1420    12250-20460
//	64        720-1180     7820-23580
//	ReadAll (pages of 1000 from a 20,000-event log): 290,000-550,000
var benchWriters = []int{1, 16, 64}

// benchConnsMax bounds each benchmark's pool; the database is shared.
const benchConnsMax = 32

func benchEvent(id events.ID) events.Event {
	data, _ := json.Marshal(storetest.Noted{Text: strings.Repeat("b", 230), N: 7})
	return events.Event{ID: id, Type: storetest.TypeNoted, Data: data,
		Meta: events.Metadata{ActorID: "bench-actor", Role: "clerk", Jurisdiction: "520526",
			OccurredAt: time.Date(2025, 1, 2, 3, 4, 5, 0, time.UTC)}}
}

func BenchmarkAppend(b *testing.B) {
	d := dsn(b)
	for _, writers := range benchWriters {
		b.Run(fmt.Sprintf("writers=%d", writers), func(b *testing.B) {
			s := open(b, d, newSchema(b, d), postgres.Options{ConnsMax: min(writers, benchConnsMax)})
			ns := events.DeriveID(events.NilID, b.Name()+fmt.Sprint(b.N))
			ctx := context.Background()
			storetest.RunWriters(b, writers, func(w int, i int64) error {
				_, err := s.Append(ctx, fmt.Sprint("bench-", w), events.Any, benchEvent(events.DeriveID(ns, fmt.Sprint(i))))
				return err
			})
		})
	}
}

func BenchmarkBaseline(b *testing.B) {
	d := dsn(b)
	for _, writers := range benchWriters {
		b.Run(fmt.Sprintf("writers=%d", writers), func(b *testing.B) {
			ctx := context.Background()
			schema := newSchema(b, d)
			cfg, err := pgxpool.ParseConfig(d)
			if err != nil {
				b.Fatal(err)
			}
			cfg.MaxConns = int32(min(writers, benchConnsMax))
			pool, err := pgxpool.NewWithConfig(ctx, cfg)
			if err != nil {
				b.Fatal(err)
			}
			defer pool.Close()
			table := pgx.Identifier{schema, "rows"}.Sanitize()
			for _, q := range []string{"CREATE SCHEMA " + pgx.Identifier{schema}.Sanitize(),
				"CREATE TABLE " + table + " (id bigserial PRIMARY KEY, stream text NOT NULL, event_id uuid NOT NULL UNIQUE, data bytea NOT NULL)"} {
				if _, err := pool.Exec(ctx, q); err != nil {
					b.Fatal(err)
				}
			}
			insert := "INSERT INTO " + table + " (stream, event_id, data) VALUES ($1, $2, $3)"
			ns := events.DeriveID(events.NilID, b.Name()+fmt.Sprint(b.N))
			storetest.RunWriters(b, writers, func(w int, i int64) error {
				ev := benchEvent(events.DeriveID(ns, fmt.Sprint(i)))
				_, err := pool.Exec(ctx, insert, fmt.Sprint("bench-", w), ev.ID[:], []byte(ev.Data))
				return err
			})
		})
	}
}

func BenchmarkReadAll(b *testing.B) {
	const logLen, pageLen = 20_000, 1000
	d := dsn(b)
	s := open(b, d, newSchema(b, d), postgres.Options{ConnsMax: 4})
	ctx := context.Background()
	for i := 0; i < logLen; i += 100 {
		evs := make([]events.Event, 100)
		for j := range evs {
			evs[j] = benchEvent(events.DeriveID(events.NilID, fmt.Sprint("read-", i+j)))
		}
		if _, err := s.Append(ctx, fmt.Sprint("read-", i%7), events.Any, evs...); err != nil {
			b.Fatal(err)
		}
	}
	b.ResetTimer()
	n := 0
	for i := 0; b.Loop(); i++ {
		from := uint64(1 + (i*pageLen)%logLen)
		page, err := s.ReadAll(ctx, from, pageLen)
		if err != nil || len(page) != pageLen {
			b.Fatalf("ReadAll(%d): %d events, %v", from, len(page), err)
		}
		n += len(page)
	}
	b.ReportMetric(float64(n)/b.Elapsed().Seconds(), "events/s")
}
