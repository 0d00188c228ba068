package notary

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/mod/sumdb/note"
	"golang.org/x/sys/unix"

	"github.com/drip-ledger/drip/events"
)

// Notary keeps the Merkle tree of a store's log and signs checkpoints of it.
// Open it, run Run in its own goroutine for as long as the store is open, and
// ask it for checkpoints and proofs from any goroutine.
type Notary struct {
	dir    string
	store  events.Store
	signer note.Signer
	cfg    Config
	log    *slog.Logger
	lock   *os.File
	tree   *tree
	cps    *checkpointLog

	running atomic.Bool
	// issueMu serialises issuing checkpoints (Run and Close).
	issueMu sync.Mutex
	closed  atomic.Bool
}

// Open opens the notary's state in dir (creating it if missing) for the log
// of store, signing checkpoints with signer, whose name is the deployment's
// origin.
//
// Open checks the state against the log before trusting it: it cuts the tree
// back to the latest checkpoint (all that is certainly durable), re-reads
// from the log whatever leaves it lacks up to that checkpoint, checks that the
// root there is the checkpoint's, and re-hashes the last cfg.TailCheckEvents
// leaves from the log. If the log no longer holds what was recorded — shorter
// than the tree, or an event that hashes differently — it returns a
// *ChangedError (ErrLogChanged) and changes nothing: that is for an operator
// (and an auditor) to look at, never to repair silently.
func Open(ctx context.Context, dir string, store events.Store, signer note.Signer, cfg Config) (*Notary, error) {
	var errs []error
	if store == nil {
		errs = append(errs, errors.New("notary: Open needs a store"))
	}
	if signer == nil {
		errs = append(errs, errors.New("notary: Open needs a signer"))
	}
	if err := cfg.Validate(); err != nil {
		errs = append(errs, err)
	}
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	cfg = cfg.withDefaults()
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("notary: %w", err)
	}
	n := &Notary{dir: dir, store: store, signer: signer, cfg: cfg, log: cfg.Logger}
	var err error
	if n.lock, err = lockDir(dir); err != nil {
		return nil, err
	}
	if err := n.load(ctx); err != nil {
		n.closeFiles()
		return nil, err
	}
	return n, nil
}

func (n *Notary) load(ctx context.Context) error {
	var err error
	if n.cps, err = openCheckpointLog(n.dir, n.signer.Name()); err != nil {
		return err
	}
	latest, err := n.cps.Latest()
	if errors.Is(err, ErrNotFound) {
		latest = Checkpoint{}
	} else if err != nil {
		return err
	}
	if n.tree, err = openTree(filepath.Join(n.dir, "tree"), latest.Size); err != nil {
		return err
	}
	head, err := n.store.Head(ctx)
	if err != nil {
		return fmt.Errorf("notary: head of the log: %w", err)
	}
	if head < latest.Size {
		return &ChangedError{Position: head + 1,
			Reason: fmt.Sprintf("the log ends at %d but checkpoint %d signs %d events", head, latest.Size, latest.Size)}
	}
	if rebuilt := latest.Size - n.tree.Size(); rebuilt > 0 {
		n.log.Warn("notary: re-reading leaves the tree files lack", "from", n.tree.Size()+1, "to", latest.Size)
		if err := n.catchUp(ctx, latest.Size); err != nil {
			return err
		}
	}
	if err := n.checkTail(ctx); err != nil {
		return err
	}
	root, err := n.tree.root()
	if err != nil {
		return err
	}
	if latest.Size > 0 && !bytes.Equal(root, latest.Root) {
		return &ChangedError{Reason: fmt.Sprintf("the tree of %d leaves has a root other than its checkpoint's", latest.Size)}
	}
	return nil
}

// catchUp adds the log's events up to position to to the tree.
func (n *Notary) catchUp(ctx context.Context, to uint64) error {
	for n.tree.rng.End() < to {
		from := n.tree.rng.End() + 1
		evs, err := n.store.ReadAll(ctx, from, int(min(to-from+1, uint64(events.ReadEventsMax))))
		if err != nil {
			return fmt.Errorf("notary: read the log from %d: %w", from, err)
		}
		if len(evs) == 0 {
			return &ChangedError{Position: from, Reason: "the log ends before the latest checkpoint"}
		}
		if err := n.add(evs); err != nil {
			return err
		}
	}
	return nil
}

// add appends events, which must be the next positions in order, to the tree.
func (n *Notary) add(evs []events.Event) error {
	leaves := make([][]byte, len(evs))
	next := n.tree.rng.End() + 1
	var buf []byte
	for i, ev := range evs {
		if ev.Position != next+uint64(i) {
			return fmt.Errorf("notary: the log gives position %d where %d belongs: leaves need a log without gaps", ev.Position, next+uint64(i))
		}
		buf = AppendLeafBytes(buf[:0], ev)
		leaves[i] = hasher.HashLeaf(buf)
	}
	return n.tree.append(leaves)
}

// checkTail re-hashes the tree's last leaves from the log.
func (n *Notary) checkTail(ctx context.Context) error {
	size := n.tree.Size()
	from := size - min(size, uint64(n.cfg.TailCheckEvents)) + 1
	for from <= size {
		evs, err := n.store.ReadAll(ctx, from, int(min(size-from+1, uint64(events.ReadEventsMax))))
		if err != nil {
			return fmt.Errorf("notary: read the log from %d: %w", from, err)
		}
		if len(evs) == 0 {
			return &ChangedError{Position: from, Reason: "the log ends before the tree does"}
		}
		for _, ev := range evs {
			stored, err := n.tree.leaf(ev.Position - 1)
			if err != nil {
				return err
			}
			if !bytes.Equal(stored, LeafHash(ev)) {
				return &ChangedError{Position: ev.Position, Reason: "the event hashes differently from its leaf"}
			}
		}
		from = evs[len(evs)-1].Position + 1
	}
	return nil
}

// Run follows the log from the tree's end, adds every event to the tree as
// it is appended, and issues checkpoints (see Config). It returns when ctx is
// done (with ctx.Err(), after issuing a last checkpoint of whatever the tree
// has), or on the first failure: a read error, a gap in the log, a file that
// cannot be written. Only one Run may be in progress.
func (n *Notary) Run(ctx context.Context) error {
	if !n.running.CompareAndSwap(false, true) {
		return errors.New("notary: Run is already running")
	}
	defer n.running.Store(false)
	// Whatever the log already holds (a restart, a loaded demo, a
	// migration) is signed at once, not up to CheckpointInterval later:
	// an auditor asking right after a start gets a checkpoint.
	if err := n.catchUpAndIssue(ctx); err != nil {
		return err
	}
	sub, err := n.store.Subscribe(ctx, n.tree.rng.End()+1)
	if err != nil {
		return fmt.Errorf("notary: follow the log: %w", err)
	}
	defer sub.Close()
	tick := time.NewTicker(n.cfg.CheckpointInterval)
	defer tick.Stop()
	batch := make([]events.Event, 0, n.cfg.BatchLeavesMax)
	for {
		select {
		case ev, ok := <-sub.C:
			if !ok {
				err := sub.Err()
				if cerr := n.issue(); cerr != nil {
					err = errors.Join(err, cerr)
				}
				return fmt.Errorf("notary: the log's subscription ended: %w", err)
			}
			batch = drain(sub.C, append(batch[:0], ev), n.cfg.BatchLeavesMax)
			if err := n.addAndIssue(batch); err != nil {
				return err
			}
		case <-tick.C:
			if err := n.issue(); err != nil {
				return err
			}
		case <-ctx.Done():
			if err := n.issue(); err != nil {
				return errors.Join(ctx.Err(), err)
			}
			return ctx.Err()
		}
	}
}

// CatchUp adds every event up to the log's current head to the tree and
// issues a checkpoint of it: Run's work, once, for tools and tests that want
// a checkpoint now. It fails while Run is running.
func (n *Notary) CatchUp(ctx context.Context) error {
	if !n.running.CompareAndSwap(false, true) {
		return errors.New("notary: CatchUp while Run is running")
	}
	defer n.running.Store(false)
	head, err := n.store.Head(ctx)
	if err != nil {
		return fmt.Errorf("notary: head of the log: %w", err)
	}
	if head < n.tree.rng.End() {
		return &ChangedError{Position: head + 1, Reason: fmt.Sprintf("the log ends at %d but the tree holds %d events", head, n.tree.rng.End())}
	}
	if err := n.catchUp(ctx, head); err != nil {
		return err
	}
	return n.issue()
}

func (n *Notary) catchUpAndIssue(ctx context.Context) error {
	head, err := n.store.Head(ctx)
	if err != nil {
		return fmt.Errorf("notary: head of the log: %w", err)
	}
	if head <= n.tree.rng.End() {
		return nil
	}
	if err := n.catchUp(ctx, head); err != nil {
		return err
	}
	return n.issue()
}

// addAndIssue adds batch to the tree, split so that a checkpoint is issued
// at every CheckpointEvents leaves, never later.
func (n *Notary) addAndIssue(batch []events.Event) error {
	for len(batch) > 0 {
		due := uint64(n.cfg.CheckpointEvents) - min(uint64(n.cfg.CheckpointEvents), n.tree.rng.End()-n.lastSize())
		k := min(uint64(len(batch)), max(due, 1))
		if err := n.add(batch[:k]); err != nil {
			return err
		}
		batch = batch[k:]
		if n.tree.rng.End()-n.lastSize() >= uint64(n.cfg.CheckpointEvents) {
			if err := n.issue(); err != nil {
				return err
			}
		}
	}
	return nil
}

// drain takes the events already waiting, up to max in all, without
// blocking, so a busy log is added in batches of one write per level.
func drain(c <-chan events.Event, batch []events.Event, max int) []events.Event {
	for len(batch) < max {
		select {
		case ev, ok := <-c:
			if !ok {
				return batch
			}
			batch = append(batch, ev)
		default:
			return batch
		}
	}
	return batch
}

func (n *Notary) lastSize() uint64 {
	c, err := n.cps.Latest()
	if err != nil {
		return 0
	}
	return c.Size
}

// issue signs and keeps a checkpoint of the tree if it has grown since the
// last one. The tree files are synced first, so the tree under every kept
// checkpoint is durable.
func (n *Notary) issue() error {
	n.issueMu.Lock()
	defer n.issueMu.Unlock()
	size := n.tree.rng.End()
	if size == 0 || size == n.lastSize() {
		return nil
	}
	root, err := n.tree.root()
	if err != nil {
		return err
	}
	if err := n.tree.sync(); err != nil {
		return err
	}
	c, err := signCheckpoint(n.signer, size, root)
	if err != nil {
		return err
	}
	if err := n.cps.append(c); err != nil {
		return err
	}
	n.log.Debug("notary: checkpoint issued", "size", size)
	return nil
}

// Size returns the number of leaves in the tree: the log's events the notary
// has recorded, which may be ahead of the latest checkpoint.
func (n *Notary) Size() uint64 { return n.tree.Size() }

// Latest returns the latest checkpoint, or ErrNotFound before the first.
func (n *Notary) Latest() (Checkpoint, error) { return n.cps.Latest() }

// Checkpoint returns the checkpoint issued at exactly size leaves, or
// ErrNotFound.
func (n *Notary) Checkpoint(size uint64) (Checkpoint, error) { return n.cps.bySize(size) }

// CheckpointSizes returns the sizes of up to limit checkpoints (at most
// CheckpointSizesMax) issued above size after, in order: how an auditor
// lists what there is to fetch.
func (n *Notary) CheckpointSizes(after uint64, limit int) []uint64 {
	return n.cps.sizesAfter(after, max(0, min(limit, CheckpointSizesMax)))
}

// InclusionProof returns the proof that the event at position is leaf
// position-1 of the tree of treeSize leaves (any size up to Size, usually a
// checkpoint's). It returns ErrTreeSize for a position or size outside the
// tree.
func (n *Notary) InclusionProof(ctx context.Context, position, treeSize uint64) ([][]byte, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if position == 0 {
		return nil, fmt.Errorf("position 0: %w", ErrTreeSize)
	}
	return n.tree.inclusion(position-1, treeSize)
}

// IDLookup is what InclusionProofByID needs from a store: the event with a
// given ID. A store that offers it implements this; events.Store does not
// require it.
type IDLookup interface {
	EventByID(ctx context.Context, id events.ID) (events.Event, error)
}

// InclusionProofByID is InclusionProof for the event with id. The store must
// implement IDLookup; it returns the event's position with the proof.
func (n *Notary) InclusionProofByID(ctx context.Context, id events.ID, treeSize uint64) (uint64, [][]byte, error) {
	l, ok := n.store.(IDLookup)
	if !ok {
		return 0, nil, errors.New("notary: the store cannot look events up by ID")
	}
	ev, err := l.EventByID(ctx, id)
	if err != nil {
		return 0, nil, err
	}
	p, err := n.InclusionProof(ctx, ev.Position, treeSize)
	return ev.Position, p, err
}

// ConsistencyProof returns the proof that the tree of size1 leaves is a
// prefix of the tree of size2 (size1 <= size2 <= Size).
func (n *Notary) ConsistencyProof(ctx context.Context, size1, size2 uint64) ([][]byte, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	return n.tree.consistency(size1, size2)
}

// Close issues a last checkpoint if the tree has grown and releases the
// files. Call it after Run has returned.
func (n *Notary) Close() error {
	if !n.closed.CompareAndSwap(false, true) {
		return nil
	}
	err := n.issue()
	return errors.Join(err, n.closeFiles())
}

func (n *Notary) closeFiles() error {
	var errs []error
	if n.tree != nil {
		errs = append(errs, n.tree.close())
	}
	if n.cps != nil {
		errs = append(errs, n.cps.close())
	}
	if n.lock != nil {
		errs = append(errs, n.lock.Close())
	}
	return errors.Join(errs...)
}

// lockDir takes an exclusive flock on dir/LOCK, so two notaries cannot write
// the same files; the kernel releases it if the process dies.
func lockDir(dir string) (*os.File, error) {
	path := filepath.Join(dir, "LOCK")
	f, err := os.OpenFile(path, os.O_CREATE|os.O_RDWR, 0o644)
	if err != nil {
		return nil, fmt.Errorf("notary: open lock file: %w", err)
	}
	if err := unix.Flock(int(f.Fd()), unix.LOCK_EX|unix.LOCK_NB); err != nil {
		f.Close()
		if errors.Is(err, unix.EWOULDBLOCK) {
			return nil, fmt.Errorf("notary: %s (lock %s is held): %w", dir, path, ErrLocked)
		}
		return nil, fmt.Errorf("notary: lock %s: %w", path, err)
	}
	return f, nil
}
