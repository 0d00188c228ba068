package postgres

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math"
	"strings"
	"sync"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/drip-ledger/drip/events"
)

// Store is an events.Store in a PostgreSQL schema; see the package doc.
type Store struct {
	reg    *events.Registry
	pool   *pgxpool.Pool
	opts   Options
	log    *slog.Logger
	q      queries
	notify *events.Notifier

	stopListen context.CancelFunc
	listenDone chan struct{}

	// life is held shared by every call in flight and exclusively by Close,
	// so Close waits for calls in flight and later calls see closed.
	life   sync.RWMutex
	closed bool

	// holdBeforeCommit, when set (by tests only), runs after an append has
	// taken its positions and before it commits; an error rolls it back.
	holdBeforeCommit func(ctx context.Context, stream string, last uint64) error
}

var _ events.Store = (*Store)(nil)

// Open connects to the database at dsn, brings the schema up to date and
// returns a Store that accepts the event types in reg. ctx bounds Open only,
// not the store's life.
func Open(ctx context.Context, dsn string, reg *events.Registry, opts Options) (*Store, error) {
	var errs []error
	if reg == nil {
		errs = append(errs, errors.New("postgres: Open needs a registry"))
	}
	if err := opts.Validate(); err != nil {
		errs = append(errs, err)
	}
	cfg, err := pgxpool.ParseConfig(dsn)
	if err != nil {
		errs = append(errs, fmt.Errorf("postgres: dsn: %w", err))
	}
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	opts = opts.withDefaults()
	cfg.MaxConns = int32(opts.ConnsMax)
	// The ordering argument of doc.go holds under READ COMMITTED; a server
	// whose default is stricter would turn stream-row waits into
	// serialization failures.
	cfg.ConnConfig.RuntimeParams["default_transaction_isolation"] = "read committed"
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("postgres: connect: %w", err)
	}
	s := &Store{reg: reg, pool: pool, opts: opts, log: opts.Logger, q: newQueries(opts.Schema)}
	head, err := s.start(ctx)
	if err != nil {
		pool.Close()
		return nil, err
	}
	s.notify = events.NewNotifier(head)
	lctx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	s.stopListen, s.listenDone = cancel, make(chan struct{})
	go s.listen(lctx)
	return s, nil
}

// start checks that commits are durable, migrates and reads the head.
func (s *Store) start(ctx context.Context) (uint64, error) {
	var sc string
	if err := s.pool.QueryRow(ctx, "SHOW synchronous_commit").Scan(&sc); err != nil {
		return 0, fmt.Errorf("postgres: connect: %w", err)
	}
	if sc == "off" {
		// An acknowledged append must survive a server crash.
		return 0, errors.New("postgres: synchronous_commit is off; an acknowledged append would not be durable")
	}
	if err := migrate(ctx, s.pool, s.opts.Schema); err != nil {
		return 0, err
	}
	return s.head(ctx)
}

// enter registers a call in flight; it reports false once the store is
// closed. Every true is followed by leave.
func (s *Store) enter() bool {
	s.life.RLock()
	if s.closed {
		s.life.RUnlock()
		return false
	}
	return true
}

func (s *Store) leave() { s.life.RUnlock() }

// Head implements events.Store.
func (s *Store) Head(ctx context.Context) (uint64, error) {
	if err := ctx.Err(); err != nil {
		return 0, err
	}
	if !s.enter() {
		return 0, events.ErrClosed
	}
	defer s.leave()
	return s.head(ctx)
}

func (s *Store) head(ctx context.Context) (uint64, error) {
	var h int64
	if err := s.pool.QueryRow(ctx, s.q.head).Scan(&h); err != nil {
		return 0, s.fail(ctx, "head", err)
	}
	return uint64(h), nil
}

// Subscribe implements events.Store with events.Follow: live events are read
// from the log, woken by LISTEN/NOTIFY and, should a notification be lost,
// by a poll every Options.PollInterval.
func (s *Store) Subscribe(ctx context.Context, from uint64) (*events.Subscription, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if !s.enter() {
		return nil, events.ErrClosed
	}
	defer s.leave()
	return events.Follow(ctx, from, events.FollowSource{ReadAll: s.ReadAll, Wait: s.wait}), nil
}

// Close implements events.Store. It waits for calls in flight, stops the
// listener and closes the pool. A second Close returns nil.
func (s *Store) Close() error {
	s.life.Lock()
	if s.closed {
		s.life.Unlock()
		return nil
	}
	s.closed = true
	s.life.Unlock()
	s.notify.Close()
	s.stopListen()
	<-s.listenDone
	s.pool.Close()
	return nil
}

// fail wraps a database error; a call cut short by its context returns the
// context's error, as the Store contract asks.
func (s *Store) fail(ctx context.Context, op string, err error) error {
	if cerr := ctx.Err(); cerr != nil {
		return fmt.Errorf("postgres: %s: %w", op, cerr)
	}
	return fmt.Errorf("postgres: %s: %w", op, err)
}

// toBigint clamps a position or version to PostgreSQL's bigint.
func toBigint(v uint64) int64 { return int64(min(v, math.MaxInt64)) }

// queries are the store's SQL with the schema filled in.
type queries struct {
	schema, channel                                      string
	head, newStream, lockStream, lookup, setVersion, add string
	readAll, streamVersion, readFwd, readBack            string
}

// eventCols are the columns scanEvent reads, in its order.
const eventCols = `position, stream, version, event_id, type, data, actor_id, role, jurisdiction,
	idempotency_key, correlation_id, causation_id, occurred_at, recorded_at, backfill`

func newQueries(schema string) queries {
	r := strings.NewReplacer("{s}", `"`+schema+`"`, "{cols}", eventCols)
	return queries{
		schema:  schema,
		channel: "drip_" + schema,
		head:    r.Replace(`SELECT position FROM {s}.head`),
		// Create the stream's row at version 0 if it is new (rolled back
		// with the append if that fails), then lock it and read its
		// version; FOR UPDATE writes no new row version.
		newStream:  r.Replace(`INSERT INTO {s}.streams (name, version) VALUES ($1, 0) ON CONFLICT (name) DO NOTHING`),
		lockStream: r.Replace(`SELECT version FROM {s}.streams WHERE name = $1 FOR UPDATE`),
		lookup:     r.Replace(`SELECT {cols} FROM {s}.events WHERE event_id = ANY($1)`),
		setVersion: r.Replace(`UPDATE {s}.streams SET version = $2 WHERE name = $1`),
		// Takes the positions from the head row (and holds its lock until
		// commit), inserts the events and notifies listeners at commit.
		add: r.Replace(`WITH h AS (
			UPDATE {s}.head SET position = position + $3,
				recorded_at = greatest(recorded_at, clock_timestamp())
			RETURNING position - $3 AS base, recorded_at
		), ins AS (
			INSERT INTO {s}.events (` + eventCols + `)
			SELECT h.base + e.ord, $1, $2 + e.ord, e.id, e.type, e.data, e.actor_id, e.role, e.jurisdiction,
				e.idempotency_key, e.correlation_id, e.causation_id, e.occurred_at, h.recorded_at, e.backfill
			FROM h, unnest($4::uuid[], $5::text[], $6::bytea[], $7::bytea[], $8::bytea[], $9::bytea[],
				$10::bytea[], $11::bytea[], $12::bytea[], $13::timestamptz[], $15::boolean[])
				WITH ORDINALITY AS e(id, type, data, actor_id, role, jurisdiction,
					idempotency_key, correlation_id, causation_id, occurred_at, backfill, ord)
		)
		SELECT base + $3, pg_notify($14, (base + $3)::text) FROM h`),
		readAll:       r.Replace(`SELECT {cols} FROM {s}.events WHERE position >= $1 ORDER BY position LIMIT $2`),
		streamVersion: r.Replace(`SELECT version FROM {s}.streams WHERE name = $1`),
		readFwd:       r.Replace(`SELECT {cols} FROM {s}.events WHERE stream = $1 AND version >= $2 ORDER BY version LIMIT $3`),
		readBack:      r.Replace(`SELECT {cols} FROM {s}.events WHERE stream = $1 AND version <= $2 ORDER BY version DESC LIMIT $3`),
	}
}
