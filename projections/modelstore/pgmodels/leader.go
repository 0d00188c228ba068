package pgmodels

import (
	"context"
	"errors"
	"fmt"
	"hash/fnv"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/drip-ledger/drip/projections/modelstore"
)

// ErrNotLeader: a commit through a Leadership's Store found that the
// leadership's lock is no longer held by its session. Nothing was written;
// the process must stop advancing the models (Lost is closed, or soon is).
var ErrNotLeader = errors.New("pgmodels: the leadership is lost")

// LeaderOptions configures Lead and TryLead. The zero value is usable.
type LeaderOptions struct {
	// CheckInterval is how often the leader checks that its session still
	// holds the lock (default 1s); it bounds how long a leader whose
	// connection died takes to see Lost closed. Commits through the
	// Leadership's Store are fenced regardless.
	CheckInterval time.Duration
	// RetryInterval is how often Lead tries again while another process
	// leads (default 1s): it bounds the takeover after a leader is gone.
	RetryInterval time.Duration
}

// Defaults and bounds of LeaderOptions.
const (
	LeaderIntervalDefault = time.Second
	LeaderIntervalMin     = 10 * time.Millisecond
	LeaderIntervalMax     = time.Minute
	// leaderCheckTimeoutMin bounds one check from below: a check that
	// times out ends the leadership, and a loaded machine may take longer
	// than a short interval to answer.
	leaderCheckTimeoutMin = 5 * time.Second
	// leaderLockKey is the first key of the leaderships' advisory locks
	// ("lead"); the second is the hash of the schema and the name.
	leaderLockKey = 0x6c656164
)

func (o LeaderOptions) withDefaults() (LeaderOptions, error) {
	var errs []error
	for _, f := range []struct {
		name string
		v    *time.Duration
	}{{"CheckInterval", &o.CheckInterval}, {"RetryInterval", &o.RetryInterval}} {
		if *f.v == 0 {
			*f.v = LeaderIntervalDefault
		} else if *f.v < LeaderIntervalMin || *f.v > LeaderIntervalMax {
			errs = append(errs, fmt.Errorf("pgmodels: leader options: %s is %v, want 0 (default) or %v..%v", f.name, *f.v, LeaderIntervalMin, LeaderIntervalMax))
		}
	}
	return o, errors.Join(errs...)
}

// Leadership is this process's hold of one leadership: a session advisory
// lock (pg_try_advisory_lock) on a connection of its own, held for the
// leadership's life. The lock goes with the session: a process that dies,
// or whose session is terminated, loses it at once, and another may take
// it. A leader cut off by the network keeps the lock until the server sees
// its connection dead (tcp_keepalives_idle and friends on the server, two
// hours by Linux's default: set them lower for a quick takeover), while the
// cut-off leader itself sees Lost within CheckInterval plus a 5 s timeout.
// It needs a session of its own: not through a transaction-pooling proxy.
type Leadership struct {
	s    *Store
	conn *pgx.Conn
	key1 int32
	key2 int32
	pid  uint32
	lost chan struct{}

	stop context.CancelFunc
	done chan struct{}
	once sync.Once
}

// Lead campaigns for the leadership called name (e.g. "models") among the
// processes on this database and schema: it tries every RetryInterval
// until it wins, and returns ctx's error if ctx ends first.
func (s *Store) Lead(ctx context.Context, name string, opts LeaderOptions) (*Leadership, error) {
	opts, err := opts.withDefaults()
	if err != nil {
		return nil, err
	}
	t := time.NewTicker(opts.RetryInterval)
	defer t.Stop()
	for {
		l, err := s.TryLead(ctx, name, opts)
		if l != nil || err != nil {
			return l, err
		}
		select {
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-t.C:
		}
	}
}

// TryLead makes one attempt: the Leadership if this process won it, nil
// and no error if another holds it.
func (s *Store) TryLead(ctx context.Context, name string, opts LeaderOptions) (*Leadership, error) {
	opts, err := opts.withDefaults()
	if err != nil {
		return nil, err
	}
	if name == "" || len(name) > modelstore.ModelBytesMax {
		return nil, fmt.Errorf("%w: leadership name of %d bytes (want 1..%d)", modelstore.ErrLimit, len(name), modelstore.ModelBytesMax)
	}
	if !s.gate.Enter() {
		return nil, modelstore.ErrClosed
	}
	defer s.gate.Leave()
	conn, err := pgx.ConnectConfig(ctx, s.pool.Config().ConnConfig.Copy())
	if err != nil {
		return nil, fail(ctx, "lead "+name, err)
	}
	h := fnv.New32a()
	h.Write([]byte(s.schema + "/" + name))
	l := &Leadership{s: s, conn: conn, key1: leaderLockKey, key2: int32(h.Sum32()), pid: conn.PgConn().PID(),
		lost: make(chan struct{}), done: make(chan struct{})}
	var won bool
	if err := conn.QueryRow(ctx, "SELECT pg_try_advisory_lock($1, $2)", l.key1, l.key2).Scan(&won); err != nil {
		conn.Close(context.WithoutCancel(ctx))
		return nil, fail(ctx, "lead "+name, err)
	}
	if !won {
		conn.Close(ctx)
		return nil, nil
	}
	wctx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	l.stop = cancel
	go l.watch(wctx, opts.CheckInterval)
	return l, nil
}

// watch checks every interval, on the leadership's own connection, that its
// session still holds the lock; on the first failure the leadership is
// lost.
func (l *Leadership) watch(ctx context.Context, interval time.Duration) {
	defer close(l.done)
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		cctx, cancel := context.WithTimeout(ctx, max(interval, leaderCheckTimeoutMin))
		var held int
		err := l.conn.QueryRow(cctx, l.s.q.fence, int64(l.key1), int64(uint32(l.key2)), int32(l.pid)).Scan(&held)
		cancel()
		if ctx.Err() != nil {
			return
		}
		if err != nil || held == 0 {
			l.end()
			l.conn.Close(context.WithoutCancel(ctx))
			return
		}
	}
}

func (l *Leadership) end() { l.once.Do(func() { close(l.lost) }) }

// Lost is closed when the leadership ends: its connection failed or its
// lock is gone (seen within CheckInterval), or Resign. The process must
// then stop advancing the models; commits through Store fail already.
func (l *Leadership) Lost() <-chan struct{} { return l.lost }

// PID is the leadership's backend process ID on the server: for logs, and
// for an operator's pg_terminate_backend.
func (l *Leadership) PID() uint32 { return l.pid }

// Resign gives the leadership up: the lock is released and Lost closed.
func (l *Leadership) Resign(ctx context.Context) error {
	l.stop()
	<-l.done
	l.end()
	if l.conn.IsClosed() {
		return nil
	}
	// Closing the session releases its advisory locks.
	if err := l.conn.Close(ctx); err != nil {
		return fmt.Errorf("pgmodels: resign: %w", err)
	}
	return nil
}

// Store is the models' store as the leader writes it: reads are the
// Store's, and Commit and Drop write only while this leadership's session
// holds the lock (ErrNotLeader otherwise), checked in the commit's own
// transaction after it locked the model's checkpoint row. Close closes
// nothing: the Store is its opener's.
func (l *Leadership) Store() modelstore.Store { return fenced{l.s, l} }

type fenced struct {
	*Store
	l *Leadership
}

func (f fenced) Commit(ctx context.Context, model string, b *modelstore.Batch, checkpoint uint64) error {
	return f.Store.commit(ctx, model, b, checkpoint, f.l)
}

func (f fenced) Drop(ctx context.Context, model string) error { return f.Store.drop(ctx, model, f.l) }

func (f fenced) Close() error { return nil }

// Campaign is a process's part in a leadership for its whole life: it
// campaigns for name, runs lead while it holds it, with the Leadership's
// fenced Store and a context that ends when the leadership is lost, and
// campaigns again after a loss, until ctx ends (it returns ctx's error) or
// lead fails of its own accord (it returns lead's error; ErrNotLeader
// counts as a loss). A failed attempt to campaign (the server restarting)
// is tried again every RetryInterval.
//
// This is what drip serve on PostgreSQL runs around its projection runner:
// every process serves reads from the Store, and only the one in lead
// advances the models.
func (s *Store) Campaign(ctx context.Context, name string, opts LeaderOptions, lead func(ctx context.Context, ms modelstore.Store) error) error {
	opts, err := opts.withDefaults()
	if err != nil {
		return err
	}
	for {
		l, err := s.Lead(ctx, name, opts)
		if err != nil {
			if ctx.Err() != nil {
				return ctx.Err()
			}
			if errors.Is(err, modelstore.ErrClosed) || errors.Is(err, modelstore.ErrLimit) {
				return err
			}
			select {
			case <-ctx.Done():
				return ctx.Err()
			case <-time.After(opts.RetryInterval):
			}
			continue
		}
		lctx, cancel := context.WithCancel(ctx)
		go func() {
			select {
			case <-l.Lost():
				cancel()
			case <-lctx.Done():
			}
		}()
		err = lead(lctx, l.Store())
		lost := lctx.Err() != nil && ctx.Err() == nil
		cancel()
		rctx, rcancel := context.WithTimeout(context.WithoutCancel(ctx), leaderCheckTimeoutMin)
		l.Resign(rctx)
		rcancel()
		switch {
		case ctx.Err() != nil:
			return ctx.Err()
		case err != nil && !lost && !errors.Is(err, ErrNotLeader):
			return err
		}
	}
}
