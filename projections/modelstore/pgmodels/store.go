package pgmodels

import (
	"context"
	"errors"
	"fmt"
	"math"
	"strings"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/drip-ledger/drip/projections/modelstore"
	"github.com/drip-ledger/drip/projections/modelstore/internal/gate"
)

// Options configures Open. The zero value is usable.
type Options struct {
	// Schema holds the tables (default "drip", the event store's): a
	// deployment's log and read models live and are backed up together.
	Schema string
	// ConnsMax bounds the pool's connections (default 10); a Leadership
	// holds one more of its own.
	ConnsMax int
}

// Defaults and bounds of Options.
const (
	SchemaDefault   = "drip"
	SchemaBytesMax  = 48
	ConnsMaxDefault = 10
	ConnsMaxMax     = 1000
	// chunkOpsMax and chunkBytesMax bound one statement of a Commit: a
	// batch of up to modelstore.BatchOpsMax ops is sent in pieces, so no
	// parameter nears PostgreSQL's 1 GB.
	chunkOpsMax   = 5000
	chunkBytesMax = 16 << 20
	// migrateLockKey is events/postgres's: a store and its read models
	// that open at once in one schema create it in turns.
	migrateLockKey = 0x64726970
)

// Validate reports every field out of range, all at once.
func (o Options) Validate() error {
	var errs []error
	if o.Schema != "" && !validSchema(o.Schema) {
		errs = append(errs, fmt.Errorf("pgmodels: options: Schema is %q, want 1..%d bytes of a-z, 0-9 and _, not starting with a digit or pg_", o.Schema, SchemaBytesMax))
	}
	if o.ConnsMax < 0 || o.ConnsMax > ConnsMaxMax {
		errs = append(errs, fmt.Errorf("pgmodels: options: ConnsMax is %d, want 0 (default) or 1..%d", o.ConnsMax, ConnsMaxMax))
	}
	return errors.Join(errs...)
}

func validSchema(s string) bool {
	if s == "" || len(s) > SchemaBytesMax || s[0] >= '0' && s[0] <= '9' || strings.HasPrefix(s, "pg_") {
		return false
	}
	for i := 0; i < len(s); i++ {
		if c := s[i]; !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '_') {
			return false
		}
	}
	return true
}

// Store is a modelstore.Store in PostgreSQL; see the package doc.
type Store struct {
	pool   *pgxpool.Pool
	schema string
	q      queries
	gate   gate.Gate
}

var _ modelstore.Store = (*Store)(nil)

// Open connects to dsn and creates the tables if they are missing. ctx
// bounds Open only.
func Open(ctx context.Context, dsn string, opts Options) (*Store, error) {
	var errs []error
	if err := opts.Validate(); err != nil {
		errs = append(errs, err)
	}
	cfg, err := pgxpool.ParseConfig(dsn)
	if err != nil {
		errs = append(errs, fmt.Errorf("pgmodels: dsn: %w", err))
	}
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	if opts.Schema == "" {
		opts.Schema = SchemaDefault
	}
	if opts.ConnsMax == 0 {
		opts.ConnsMax = ConnsMaxDefault
	}
	cfg.MaxConns = int32(opts.ConnsMax)
	cfg.ConnConfig.RuntimeParams["default_transaction_isolation"] = "read committed"
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("pgmodels: connect: %w", err)
	}
	s := &Store{pool: pool, schema: opts.Schema, q: newQueries(opts.Schema)}
	if err := s.migrate(ctx); err != nil {
		pool.Close()
		return nil, err
	}
	return s, nil
}

// migrate creates the schema and tables if missing, idempotently, under
// the advisory lock events/postgres migrates under. A later change is a new
// idempotent statement here (ALTER ... IF NOT EXISTS), never an edit.
func (s *Store) migrate(ctx context.Context) error {
	var sc string
	if err := s.pool.QueryRow(ctx, "SHOW synchronous_commit").Scan(&sc); err != nil {
		return fmt.Errorf("pgmodels: connect: %w", err)
	}
	if sc == "off" {
		return errors.New("pgmodels: synchronous_commit is off; a committed batch would not be durable")
	}
	tx, err := s.pool.Begin(ctx)
	if err != nil {
		return fmt.Errorf("pgmodels: migrate: %w", err)
	}
	defer tx.Rollback(context.WithoutCancel(ctx))
	steps := []string{
		fmt.Sprintf("SELECT pg_advisory_xact_lock(%d, hashtext('%s'))", migrateLockKey, s.schema),
		"CREATE SCHEMA IF NOT EXISTS " + pgx.Identifier{s.schema}.Sanitize(),
		`CREATE TABLE IF NOT EXISTS ` + s.q.keys + ` (
			model text  COLLATE "C" NOT NULL,
			key   bytea NOT NULL,
			value bytea NOT NULL,
			PRIMARY KEY (model, key))`,
		`CREATE TABLE IF NOT EXISTS ` + s.q.checkpoints + ` (
			model    text   COLLATE "C" PRIMARY KEY,
			position bigint NOT NULL CHECK (position >= 1))`,
	}
	for _, q := range steps {
		if _, err := tx.Exec(ctx, q); err != nil {
			return fmt.Errorf("pgmodels: migrate %s: %w", s.schema, err)
		}
	}
	if err := tx.Commit(ctx); err != nil {
		return fmt.Errorf("pgmodels: migrate %s: %w", s.schema, err)
	}
	return nil
}

// queries are the statements, with the schema's tables named.
type queries struct {
	keys, checkpoints string
	checkpoint, get   string
	scanFrom, scanTo  string
	advance, fence    string
	delete, upsert    string
	dropKeys, dropCP  string
	models            string
}

func newQueries(schema string) queries {
	keys := pgx.Identifier{schema, "model_keys"}.Sanitize()
	cps := pgx.Identifier{schema, "model_checkpoints"}.Sanitize()
	return queries{
		keys: keys, checkpoints: cps,
		checkpoint: "SELECT position FROM " + cps + " WHERE model = $1",
		get:        "SELECT value FROM " + keys + " WHERE model = $1 AND key = $2",
		scanFrom:   "SELECT key, value FROM " + keys + " WHERE model = $1 AND key >= $2 ORDER BY key LIMIT $3",
		scanTo:     "SELECT key, value FROM " + keys + " WHERE model = $1 AND key >= $2 AND key < $3 ORDER BY key LIMIT $4",
		advance: "INSERT INTO " + cps + " AS c (model, position) VALUES ($1, $2) " +
			"ON CONFLICT (model) DO UPDATE SET position = EXCLUDED.position WHERE c.position < EXCLUDED.position",
		// The two-key advisory lock's keys are classid and objid, objsubid 2.
		fence: "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND granted AND objsubid = 2 " +
			"AND classid::bigint = $1 AND objid::bigint = $2 AND pid = $3",
		delete: "DELETE FROM " + keys + " WHERE model = $1 AND key = ANY($2::bytea[])",
		upsert: "INSERT INTO " + keys + " (model, key, value) SELECT $1, k, v FROM unnest($2::bytea[], $3::bytea[]) AS u(k, v) " +
			"ON CONFLICT (model, key) DO UPDATE SET value = EXCLUDED.value",
		dropKeys: "DELETE FROM " + keys + " WHERE model = $1",
		dropCP:   "DELETE FROM " + cps + " WHERE model = $1",
		models:   "SELECT model FROM " + cps + " ORDER BY model",
	}
}

func (s *Store) enter(ctx context.Context, model string) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if err := modelstore.CheckModel(model); err != nil {
		return err
	}
	if !s.gate.Enter() {
		return modelstore.ErrClosed
	}
	return nil
}

// Checkpoint implements modelstore.Store.
func (s *Store) Checkpoint(ctx context.Context, model string) (uint64, error) {
	if err := s.enter(ctx, model); err != nil {
		return 0, err
	}
	defer s.gate.Leave()
	var p int64
	err := s.pool.QueryRow(ctx, s.q.checkpoint, model).Scan(&p)
	if errors.Is(err, pgx.ErrNoRows) {
		return 0, nil
	}
	if err != nil {
		return 0, fail(ctx, "checkpoint of "+model, err)
	}
	return uint64(p), nil
}

// Get implements modelstore.Store.
func (s *Store) Get(ctx context.Context, model string, key []byte) ([]byte, bool, error) {
	if err := modelstore.CheckKey(key); err != nil {
		return nil, false, err
	}
	if err := s.enter(ctx, model); err != nil {
		return nil, false, err
	}
	defer s.gate.Leave()
	var v []byte
	err := s.pool.QueryRow(ctx, s.q.get, model, key).Scan(&v)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, false, nil
	}
	if err != nil {
		return nil, false, fail(ctx, "get in "+model, err)
	}
	if v == nil {
		v = []byte{}
	}
	return v, true, nil
}

// Scan implements modelstore.Store. The page is read by one statement (one
// snapshot: a commit is in it whole or not at all) and f runs after its
// connection went back to the pool, so f may call the store.
func (s *Store) Scan(ctx context.Context, model string, from, to []byte, limit int, f func(key, value []byte) error) error {
	if err := modelstore.CheckScan(limit); err != nil {
		return err
	}
	if err := s.enter(ctx, model); err != nil {
		return err
	}
	defer s.gate.Leave()
	if from == nil {
		from = []byte{}
	}
	var rows pgx.Rows
	var err error
	if to == nil {
		rows, err = s.pool.Query(ctx, s.q.scanFrom, model, from, limit)
	} else {
		rows, err = s.pool.Query(ctx, s.q.scanTo, model, from, to, limit)
	}
	if err != nil {
		return fail(ctx, "scan "+model, err)
	}
	type kv struct{ k, v []byte }
	var page []kv
	for rows.Next() {
		var p kv
		if err := rows.Scan(&p.k, &p.v); err != nil {
			rows.Close()
			return fail(ctx, "scan "+model, err)
		}
		page = append(page, p)
	}
	if err := rows.Err(); err != nil {
		return fail(ctx, "scan "+model, err)
	}
	for _, p := range page {
		if err := f(p.k, p.v); err != nil {
			return err
		}
	}
	return nil
}

// Commit implements modelstore.Store in one transaction; see the package
// doc.
func (s *Store) Commit(ctx context.Context, model string, b *modelstore.Batch, checkpoint uint64) error {
	return s.commit(ctx, model, b, checkpoint, nil)
}

func (s *Store) commit(ctx context.Context, model string, b *modelstore.Batch, checkpoint uint64, fence *Leadership) error {
	if err := modelstore.Check(model, b); err != nil {
		return err
	}
	if checkpoint > math.MaxInt64 {
		return fmt.Errorf("%w: checkpoint %d is above PostgreSQL's bigint", modelstore.ErrLimit, checkpoint)
	}
	if err := s.enter(ctx, model); err != nil {
		return err
	}
	defer s.gate.Leave()
	if checkpoint == 0 {
		return modelstore.ErrCheckpoint // no checkpoint is below 0
	}
	var pb pgx.Batch
	pb.Queue(s.q.advance, model, int64(checkpoint))
	if fence != nil {
		pb.Queue(s.q.fence, int64(fence.key1), int64(uint32(fence.key2)), int32(fence.pid))
	}
	queueOps(&pb, s.q, model, b)
	tx, err := s.pool.Begin(ctx)
	if err != nil {
		return fail(ctx, "commit to "+model, err)
	}
	defer tx.Rollback(context.WithoutCancel(ctx))
	res := tx.SendBatch(ctx, &pb)
	tag, err := res.Exec()
	if err != nil {
		res.Close()
		return fail(ctx, "commit to "+model, err)
	}
	if tag.RowsAffected() == 0 {
		res.Close()
		return modelstore.ErrCheckpoint
	}
	if fence != nil {
		var held int
		if err := res.QueryRow().Scan(&held); err != nil {
			res.Close()
			return fail(ctx, "commit to "+model, err)
		}
		if held == 0 {
			res.Close()
			return fmt.Errorf("pgmodels: commit to %s: %w", model, ErrNotLeader)
		}
	}
	if err := res.Close(); err != nil {
		return fail(ctx, "commit to "+model, err)
	}
	if err := tx.Commit(ctx); err != nil {
		return fail(ctx, "commit to "+model, err)
	}
	return nil
}

// queueOps queues b's ops, collapsed to each key's last, in chunks.
func queueOps(pb *pgx.Batch, q queries, model string, b *modelstore.Batch) {
	if b == nil || b.Len() == 0 {
		return
	}
	last := make(map[string]int, b.Len())
	i := 0
	b.Each(func(key, _ []byte, _ bool) error {
		last[string(key)] = i
		i++
		return nil
	})
	var dels, keys, values [][]byte
	bytes := 0
	flush := func(force bool) {
		if len(dels) > 0 && (force || len(dels) >= chunkOpsMax) {
			pb.Queue(q.delete, model, dels)
			dels = nil
		}
		if len(keys) > 0 && (force || len(keys) >= chunkOpsMax || bytes >= chunkBytesMax) {
			pb.Queue(q.upsert, model, keys, values)
			keys, values, bytes = nil, nil, 0
		}
	}
	i = 0
	b.Each(func(key, value []byte, del bool) error {
		defer func() { i++ }()
		if last[string(key)] != i {
			return nil
		}
		if del {
			dels = append(dels, key)
		} else {
			if value == nil {
				value = []byte{} // NOT NULL: an empty value is a value
			}
			keys, values = append(keys, key), append(values, value)
			bytes += len(key) + len(value)
		}
		flush(false)
		return nil
	})
	flush(true)
}

// Drop implements modelstore.Store in one transaction.
func (s *Store) Drop(ctx context.Context, model string) error {
	return s.drop(ctx, model, nil)
}

func (s *Store) drop(ctx context.Context, model string, fence *Leadership) error {
	if err := s.enter(ctx, model); err != nil {
		return err
	}
	defer s.gate.Leave()
	tx, err := s.pool.Begin(ctx)
	if err != nil {
		return fail(ctx, "drop "+model, err)
	}
	defer tx.Rollback(context.WithoutCancel(ctx))
	// The checkpoint row first: it is the lock commits to the model take.
	if _, err := tx.Exec(ctx, s.q.dropCP, model); err != nil {
		return fail(ctx, "drop "+model, err)
	}
	if fence != nil {
		var held int
		if err := tx.QueryRow(ctx, s.q.fence, int64(fence.key1), int64(uint32(fence.key2)), int32(fence.pid)).Scan(&held); err != nil {
			return fail(ctx, "drop "+model, err)
		}
		if held == 0 {
			return fmt.Errorf("pgmodels: drop %s: %w", model, ErrNotLeader)
		}
	}
	if _, err := tx.Exec(ctx, s.q.dropKeys, model); err != nil {
		return fail(ctx, "drop "+model, err)
	}
	if err := tx.Commit(ctx); err != nil {
		return fail(ctx, "drop "+model, err)
	}
	return nil
}

// Models implements modelstore.Store.
func (s *Store) Models(ctx context.Context) ([]string, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if !s.gate.Enter() {
		return nil, modelstore.ErrClosed
	}
	defer s.gate.Leave()
	rows, err := s.pool.Query(ctx, s.q.models)
	if err != nil {
		return nil, fail(ctx, "models", err)
	}
	ms, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		return nil, fail(ctx, "models", err)
	}
	return ms, nil
}

// Close waits for calls in flight and closes the pool.
func (s *Store) Close() error {
	if !s.gate.Close() {
		return modelstore.ErrClosed
	}
	s.pool.Close()
	return nil
}

// fail wraps err; a call cut short by its context says so.
func fail(ctx context.Context, what string, err error) error {
	if cerr := ctx.Err(); cerr != nil && !errors.Is(err, cerr) {
		return fmt.Errorf("pgmodels: %s: %w (%w)", what, cerr, err)
	}
	return fmt.Errorf("pgmodels: %s: %w", what, err)
}
