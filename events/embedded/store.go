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
	"time"

	"github.com/cockroachdb/pebble/v2"

	"github.com/drip-ledger/drip/events"
)

// Store is the embedded, durable events.Store: an append-only segment log
// under dir/log (the truth) and a Pebble index under dir/index (derived).
type Store struct {
	reg  *events.Registry
	opts Options
	log  *slog.Logger
	lock *os.File
	db   *pebble.DB
	// indexDir holds Pebble's files, and the sstables seal writes before
	// Pebble ingests them (segindex.go).
	indexDir string
	segs     *segments
	notify   *events.Notifier
	head     atomic.Uint64 // the last synced, hence acknowledged, position
	// indexedPos is the last position in the index; reads wait for it to
	// reach the head they start from (caughtUp).
	indexedPos atomic.Uint64
	// indexedCh is closed, and replaced, each time indexedPos moves or
	// indexing stops; indexErr says why it stopped.
	indexedCh atomic.Pointer[chan struct{}]
	indexErr  atomic.Pointer[error]
	// ids and streams hold every event ID and stream name in the log or on
	// its way in (filter.go); filterStop ends their build at Open early.
	ids, streams *filter
	filterStop   chan struct{}
	filterDone   chan struct{}

	// mu is held shared by every call in flight and exclusively by Close,
	// so Close waits for them and later calls see closed.
	mu     sync.RWMutex
	closed bool
	failed atomic.Pointer[error] // why the store stopped writing, if it did
	// failedCh is closed when failed is set, so Close can bound its wait.
	failedCh chan struct{}

	queue       chan *request
	indexCh     chan *group
	retired     chan *group
	writerDone  chan struct{}
	syncerDone  chan struct{}
	indexerDone chan struct{}
	// mem lists the segments whose index is in memory, oldest first: the
	// active one and sealed ones not yet in Pebble (segindex.go); memMu
	// orders its replacements. sealCh takes the indexes of sealed segments
	// from the indexer to the sealer.
	mem        atomic.Pointer[[]*segIndex]
	memMu      sync.Mutex
	sealCh     chan *segIndex
	sealerDone chan struct{}
	zero       *zeroer // zero-fills the active segment ahead (zero.go)
	reqs       sync.Pool
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
	s := &Store{reg: reg, opts: opts, log: opts.Logger, lock: lock, ids: newFilter(), streams: newFilter()}
	// notify and failedCh exist before Pebble, which may report a
	// background error (s.fail) from its first moment.
	s.notify = events.NewNotifier(0)
	s.failedCh = make(chan struct{})
	indexDir := filepath.Join(dir, "index")
	s.indexDir = indexDir
	if s.db, err = openIndex(indexDir, opts.IndexCacheBytes, s.log, s.fail); err != nil {
		lock.Close()
		return nil, err
	}
	if s.db, err = checkFormat(s.db, indexDir, opts.IndexCacheBytes, s.log, s.fail); err != nil {
		s.db = nil
		lock.Close()
		return nil, err
	}
	w, err := s.recover(logDir)
	if err != nil {
		s.closeFiles()
		return nil, err
	}
	// The filters' iterators see the index as recovery left it; the writer
	// adds whatever it writes from here on.
	idIt, err := s.db.NewIter(&pebble.IterOptions{LowerBound: []byte{keyID}, UpperBound: []byte{keyID + 1}})
	if err != nil {
		s.closeFiles()
		return nil, fmt.Errorf("embedded: index iterator: %w", err)
	}
	streamIt, err := s.db.NewIter(&pebble.IterOptions{LowerBound: []byte{keyStream}, UpperBound: []byte{keyStream + 1}})
	if err != nil {
		idIt.Close()
		s.closeFiles()
		return nil, fmt.Errorf("embedded: index iterator: %w", err)
	}
	s.filterStop, s.filterDone = make(chan struct{}), make(chan struct{})
	go func() {
		defer close(s.filterDone)
		s.buildFilters(idIt, streamIt, s.head.Load(), s.filterStop)
	}()
	s.start(w)
	return s, nil
}

// start launches the writer, the syncer and the indexer.
func (s *Store) start(w *writer) {
	s.notify.Advance(s.head.Load())
	s.indexedPos.Store(s.head.Load())
	ch := make(chan struct{})
	s.indexedCh.Store(&ch)
	s.queue = make(chan *request, s.opts.QueueLen)
	s.indexCh = make(chan *group, groupsMax)
	s.retired = make(chan *group, groupsMax)
	s.sealCh = make(chan *segIndex, 2)
	s.mem.Store(&[]*segIndex{w.idx})
	s.writerDone, s.syncerDone, s.indexerDone = make(chan struct{}), make(chan struct{}), make(chan struct{})
	s.sealerDone = make(chan struct{})
	s.reqs.New = func() any { return &request{done: make(chan struct{}, 1)} }
	w.s = s
	w.lookupFn = w.lookup
	w.h = newHandoff()
	if s.opts.faults != nil {
		s.opts.faults.h = w.h
	}
	s.zero = newZeroer(s.log.Warn, s.segs.dir, s.opts.SegmentBytes, w.zs)
	go func() {
		defer close(s.writerDone)
		w.run()
	}()
	go func() {
		defer close(s.syncerDone)
		s.runSyncer(w.h)
	}()
	go func() {
		defer close(s.indexerDone)
		s.runIndexer()
	}()
	go func() {
		defer close(s.sealerDone)
		s.runSealer()
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
	s.hash(r)
	r.accepted, r.taken, r.abandoned, r.res, r.err = false, false, false, events.AppendResult{}, nil
	if err := s.enqueue(ctx, r); err != nil {
		r.evs = nil
		s.reqs.Put(r)
		return events.AppendResult{}, err
	}
	if done := ctx.Done(); done == nil {
		<-r.done // a context that is never done: a receive is cheaper than a select
	} else {
		select {
		case <-r.done:
		case <-done:
			// The caller may reuse evs once Append returns, so the writer
			// must be done reading them: either it has not taken the
			// request yet and now never will (the append is not made), or
			// this waits for it to finish placing it. The request stays
			// with the writer, which may still send on done; it is not
			// reused.
			r.claim.Lock()
			r.abandoned = !r.taken
			r.claim.Unlock()
			return events.AppendResult{}, ctx.Err()
		}
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
	// Try the send alone first: the queue is rarely full, and a select
	// over two channels costs more than the send.
	select {
	case s.queue <- r:
		return nil
	default:
	}
	select {
	case s.queue <- r:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// hash is stage 1's share of the sequencer's work (see writer.go): the
// filter hashes of r's stream and IDs.
func (s *Store) hash(r *request) {
	r.streamHash = s.streams.hashString(r.stream)
	r.idHashes = r.idHashes[:0]
	for i := range r.evs {
		r.idHashes = append(r.idHashes, s.ids.hashBytes(r.evs[i].ID[:]))
	}
}

// caughtUp waits until every append acknowledged before the call is in the
// index, so a read that follows an acknowledged append sees it: the
// acknowledgement comes after the sync, the index a little later
// (writer.go). It returns why indexing stopped, if it did.
func (s *Store) caughtUp(ctx context.Context) error {
	head := s.head.Load()
	for s.indexedPos.Load() < head {
		ch := *s.indexedCh.Load()
		if s.indexedPos.Load() >= head {
			return nil
		}
		if err := s.indexErr.Load(); err != nil {
			return *err
		}
		select {
		case <-ch:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	return nil
}

// indexed records that the index holds every position up to pos, or, with
// a non-nil err, that it will hold no more, and wakes caughtUp.
func (s *Store) indexed(pos uint64, err error) {
	if err != nil {
		s.indexErr.Store(&err)
	} else {
		s.indexedPos.Store(pos)
	}
	ch := make(chan struct{})
	close(*s.indexedCh.Swap(&ch))
}

// fail records the first error that stops the store from writing, and ends
// the subscriptions' waits: the head will not move again, and a subscriber
// left waiting would look caught up (lag 0) while every append fails.
func (s *Store) fail(err error) {
	if s.failed.CompareAndSwap(nil, &err) {
		s.log.Error("embedded: store stops writing", "err", err)
		close(s.failedCh)
		s.notify.Close()
	}
}

// Err returns why the store stopped writing, or nil while it works. A
// failed store stays failed: its appends fail, its subscriptions end with
// this error, and only a new Open (after the cause is fixed) writes again.
func (s *Store) Err() error {
	if err := s.failed.Load(); err != nil {
		return *err
	}
	return nil
}

// Failed is closed when the store fails (Err then says why), so whoever
// runs the process can end it: a failed store writes nothing more.
func (s *Store) Failed() <-chan struct{} { return s.failedCh }

// wait is Subscribe's Wait: the notifier's, with the store's failure in
// place of ErrClosed when the store failed rather than closed.
func (s *Store) wait(ctx context.Context, pos uint64) error {
	err := s.notify.Wait(ctx, pos)
	if errors.Is(err, events.ErrClosed) {
		if f := s.failed.Load(); f != nil {
			return fmt.Errorf("embedded: subscription ends, the store failed: %w", *f)
		}
	}
	return err
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
	return events.Follow(ctx, from, events.FollowSource{ReadAll: s.ReadAll, Wait: s.wait}), nil
}

// CloseTimeout bounds how long Close waits, once the store has failed, for
// its goroutines and Pebble to stop. A failed disk can hold them forever (a
// flush Pebble retries without end); the process is expected to exit after
// such a Close, and what is durable is in the log whatever was left behind.
const CloseTimeout = 5 * time.Second

// Close implements events.Store: appends already queued are written and
// acknowledged, then the files are closed. It is safe to call twice. On a
// failed store it returns the failure, within CloseTimeout of it.
func (s *Store) Close() error {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return nil
	}
	s.closed = true
	close(s.queue)
	close(s.filterStop)
	s.mu.Unlock()
	done := make(chan error, 1)
	go func() { done <- s.shutdown() }()
	select {
	case err := <-done:
		return errors.Join(s.Err(), err)
	case <-s.failedCh:
	}
	select {
	case err := <-done:
		return errors.Join(s.Err(), err)
	case <-time.After(CloseTimeout):
		return fmt.Errorf("embedded: close gave up after %v on a failed store: %w", CloseTimeout, s.Err())
	}
}

// shutdown waits for the pipeline to stop and closes the files.
func (s *Store) shutdown() error {
	<-s.filterDone
	<-s.writerDone
	<-s.syncerDone
	<-s.indexerDone
	<-s.sealerDone
	s.zero.close()
	s.notify.Close()
	// A flush makes the next Open start from here instead of re-indexing
	// the tail the memtable held; losing it would cost time, not data. A
	// failed store skips it: it may be what failed.
	var err error
	if s.Err() == nil {
		err = s.db.Flush()
	}
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
