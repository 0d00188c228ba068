package embedded

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"

	"github.com/cockroachdb/pebble/v2"

	"github.com/drip-ledger/drip/events"
)

// Store is the embedded, durable events.Store: an append-only segment log
// under dir/log (the truth) and a Pebble index under dir/index (derived).
type Store struct {
	reg    *events.Registry
	opts   Options
	log    *slog.Logger
	lock   *os.File
	db     *pebble.DB
	segs   *segments
	notify *events.Notifier
	head   atomic.Uint64 // the last indexed, hence readable, position
	// indexedSeq is the last group whose index batch is applied.
	indexedSeq atomic.Uint64

	// mu is held shared by every call in flight and exclusively by Close,
	// so Close waits for them and later calls see closed.
	mu     sync.RWMutex
	closed bool
	failed atomic.Pointer[error] // why the store stopped writing, if it did

	queue       chan *request
	syncCh      chan *group
	indexCh     chan *group
	retired     chan *group
	writerDone  chan struct{}
	syncerDone  chan struct{}
	indexerDone chan struct{}
	reqs        sync.Pool
}

var _ events.Store = (*Store)(nil)

// ErrLocked is returned by Open when another Store (in this process or
// another) has the directory open.
var ErrLocked = errors.New("embedded: store directory is in use")

// Open opens the store in dir, creating it if missing. It recovers from a
// crash: it cuts a torn tail off the last segment (logging what it cut),
// re-indexes the log from where the index left off, and returns an
// *events.CorruptError if it finds damaged data instead.
func Open(dir string, reg *events.Registry, opts Options) (*Store, error) {
	if reg == nil {
		return nil, errors.New("embedded: Open needs a registry")
	}
	if err := opts.Validate(); err != nil {
		return nil, err
	}
	opts = opts.withDefaults()
	logDir := filepath.Join(dir, "log")
	if err := os.MkdirAll(logDir, 0o755); err != nil {
		return nil, fmt.Errorf("embedded: create %s: %w", logDir, err)
	}
	lock, err := lockDir(dir)
	if err != nil {
		return nil, err
	}
	s := &Store{reg: reg, opts: opts, log: opts.Logger, lock: lock}
	if s.db, err = openIndex(filepath.Join(dir, "index"), opts.IndexCacheBytes, s.log); err != nil {
		lock.Close()
		return nil, err
	}
	w, err := s.recover(logDir)
	if err != nil {
		s.closeFiles()
		return nil, err
	}
	s.start(w)
	return s, nil
}

// start launches the writer and the indexer.
func (s *Store) start(w *writer) {
	s.notify = events.NewNotifier(s.head.Load())
	s.queue = make(chan *request, s.opts.QueueLen)
	s.syncCh = make(chan *group) // unbuffered: a group grows until the syncer takes it
	s.indexCh = make(chan *group, groupsMax)
	s.retired = make(chan *group, groupsMax)
	s.writerDone, s.syncerDone, s.indexerDone = make(chan struct{}), make(chan struct{}), make(chan struct{})
	s.reqs.New = func() any { return &request{done: make(chan struct{}, 1)} }
	w.s = s
	w.lookupFn = w.lookup
	go func() {
		defer close(s.writerDone)
		w.run()
	}()
	go func() {
		defer close(s.syncerDone)
		s.runSyncer()
	}()
	go func() {
		defer close(s.indexerDone)
		s.runIndexer()
	}()
}

// Append implements events.Store. See the pipeline in writer.go.
func (s *Store) Append(ctx context.Context, stream string, expected events.Expected, evs ...events.Event) (events.AppendResult, error) {
	if err := ctx.Err(); err != nil {
		return events.AppendResult{}, err
	}
	if err := s.reg.CheckAppend(stream, evs); err != nil {
		return events.AppendResult{}, err
	}
	r := s.reqs.Get().(*request)
	r.stream, r.expected, r.evs = stream, expected, evs
	r.enc = encodeRecords(r.enc[:0], stream, evs)
	r.accepted, r.res, r.err = false, events.AppendResult{}, nil
	if err := s.enqueue(ctx, r); err != nil {
		r.evs = nil
		s.reqs.Put(r)
		return events.AppendResult{}, err
	}
	select {
	case <-r.done:
	case <-ctx.Done():
		// The request stays with the writer, which still sends on done;
		// it is not reused.
		return events.AppendResult{}, ctx.Err()
	}
	res, err := r.res, r.err
	r.evs = nil
	s.reqs.Put(r)
	return res, err
}

func (s *Store) enqueue(ctx context.Context, r *request) error {
	s.mu.RLock()
	defer s.mu.RUnlock()
	if s.closed {
		return events.ErrClosed
	}
	if err := s.failed.Load(); err != nil {
		return *err
	}
	if err := s.precheck(r); err != nil {
		return err
	}
	select {
	case s.queue <- r:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// precheck is stage 1's index look-up of r's IDs (see writer.go): it spares
// the sequencer a look-up per event when, as almost always, none is stored.
func (s *Store) precheck(r *request) error {
	r.seenSeq, r.maybeRetry = s.indexedSeq.Load(), false
	for i := range r.evs {
		r.key = idKey(r.key[:0], r.evs[i].ID)
		_, found, err := getLoc(s.db, r.key)
		if err != nil {
			return err
		}
		if found {
			r.maybeRetry = true
			return nil
		}
	}
	return nil
}

// fail records the first error that stops the store from writing.
func (s *Store) fail(err error) {
	if s.failed.CompareAndSwap(nil, &err) {
		s.log.Error("embedded: store stops writing", "err", err)
	}
}

// Head implements events.Store.
func (s *Store) Head(ctx context.Context) (uint64, error) {
	if err := ctx.Err(); err != nil {
		return 0, err
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	if s.closed {
		return 0, events.ErrClosed
	}
	return s.head.Load(), nil
}

// Subscribe implements events.Store.
func (s *Store) Subscribe(ctx context.Context, from uint64) (*events.Subscription, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	if s.closed {
		return nil, events.ErrClosed
	}
	return events.Follow(ctx, from, events.FollowSource{ReadAll: s.ReadAll, Wait: s.notify.Wait}), nil
}

// Close implements events.Store: appends already queued are written and
// acknowledged, then the files are closed. It is safe to call twice.
func (s *Store) Close() error {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return nil
	}
	s.closed = true
	close(s.queue)
	s.mu.Unlock()
	<-s.writerDone
	<-s.syncerDone
	<-s.indexerDone
	s.notify.Close()
	// A flush makes the next Open start from here instead of re-indexing
	// the tail the memtable held; losing it would cost time, not data.
	err := s.db.Flush()
	return errors.Join(err, s.closeFiles())
}

func (s *Store) closeFiles() error {
	var errs []error
	if s.segs != nil {
		errs = append(errs, s.segs.close())
	}
	if s.db != nil {
		errs = append(errs, s.db.Close())
	}
	errs = append(errs, s.lock.Close())
	return errors.Join(errs...)
}
