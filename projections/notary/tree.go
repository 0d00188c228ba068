package notary

import (
	"errors"
	"fmt"
	"io"
	"math/bits"
	"os"
	"path/filepath"
	"sync"

	"github.com/transparency-dev/merkle/compact"
	"github.com/transparency-dev/merkle/proof"
)

// The tree on disk: one file per level under dir/tree, named level-LL
// (level-00 holds the leaf hashes). Node i of level L — the root of leaves
// [i·2^L, (i+1)·2^L) — is the 32 bytes at offset 32·i of level-LL. Only
// complete nodes are stored: a tree of n leaves has n>>L nodes on level L,
// so the files take 64 bytes per leaf in all, and any inclusion or
// consistency proof is at most 2·log2(n) reads of 32 bytes, without reading
// a single event.
//
// The files are written with plain writes as leaves arrive and synced before
// each checkpoint is written, so the tree up to the latest checkpoint is
// always durable. What lies beyond it may be lost or half-written by a crash;
// Open cuts the tree back to the latest checkpoint and the follower re-reads
// the log from there.
//
// Concurrency: one goroutine appends (the follower); any number read. Readers
// only look at nodes below the published size, and a writer only writes at or
// above it, so reads never see a half-written node.
type tree struct {
	dir string
	rf  *compact.RangeFactory

	mu     sync.RWMutex
	levels []*os.File // levels[L]; grows as the tree does
	size   uint64     // published: leaves readers may rely on

	// Owned by the appending goroutine.
	rng     *compact.Range
	pending [][]byte // per level, the node hashes of the batch being added
}

// levelsMax bounds the levels: a tree of 2^63 leaves has 64.
const levelsMax = 64

func levelName(l int) string { return fmt.Sprintf("level-%02d", l) }

// openTree opens the tree files under dir and cuts them back to keep leaves
// (or fewer, if the files hold fewer). It returns the tree at its new size.
func openTree(dir string, keep uint64) (*tree, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("notary: tree dir: %w", err)
	}
	t := &tree{dir: dir, rf: &compact.RangeFactory{Hash: hasher.HashChildren}}
	for l := 0; l < levelsMax; l++ {
		f, err := os.OpenFile(filepath.Join(dir, levelName(l)), os.O_RDWR, 0)
		if errors.Is(err, os.ErrNotExist) {
			break
		}
		if err != nil {
			t.close()
			return nil, fmt.Errorf("notary: open tree: %w", err)
		}
		t.levels = append(t.levels, f)
	}
	size, err := t.repair(keep)
	if err != nil {
		t.close()
		return nil, err
	}
	t.size = size
	if err := t.loadRange(); err != nil {
		t.close()
		return nil, err
	}
	return t, nil
}

// repair cuts level 0 to at most keep leaves, rebuilds any upper node a
// crash left out from the level below, and cuts every level to exactly the
// nodes the leaves make complete.
func (t *tree) repair(keep uint64) (uint64, error) {
	if len(t.levels) == 0 {
		return 0, nil
	}
	n, err := t.count(0)
	if err != nil {
		return 0, err
	}
	size := min(n, keep)
	if err := t.ensureLevels(depth(size)); err != nil {
		return 0, err
	}
	for l := range t.levels {
		want := size >> l
		have, err := t.count(l)
		if err != nil {
			return 0, err
		}
		if l > 0 && have < want {
			if err := t.rebuildLevel(l, have, want); err != nil {
				return 0, err
			}
		}
		if err := t.levels[l].Truncate(int64(want) * HashBytes); err != nil {
			return 0, fmt.Errorf("notary: cut %s: %w", levelName(l), err)
		}
	}
	return size, nil
}

func (t *tree) count(l int) (uint64, error) {
	fi, err := t.levels[l].Stat()
	if err != nil {
		return 0, fmt.Errorf("notary: stat %s: %w", levelName(l), err)
	}
	return uint64(fi.Size()) / HashBytes, nil
}

// rebuildLevel computes nodes [from, to) of level l from level l-1.
func (t *tree) rebuildLevel(l int, from, to uint64) error {
	const chunk = 4096
	below := make([]byte, 2*chunk*HashBytes)
	out := make([]byte, 0, chunk*HashBytes)
	for i := from; i < to; {
		k := min(to-i, chunk)
		b := below[:2*k*HashBytes]
		if _, err := t.levels[l-1].ReadAt(b, int64(2*i)*HashBytes); err != nil {
			return fmt.Errorf("notary: rebuild %s: %w", levelName(l), err)
		}
		out = out[:0]
		for j := uint64(0); j < k; j++ {
			out = append(out, hasher.HashChildren(b[2*j*HashBytes:(2*j+1)*HashBytes], b[(2*j+1)*HashBytes:(2*j+2)*HashBytes])...)
		}
		if _, err := t.levels[l].WriteAt(out, int64(i)*HashBytes); err != nil {
			return fmt.Errorf("notary: rebuild %s: %w", levelName(l), err)
		}
		i += k
	}
	return nil
}

// loadRange rebuilds the in-memory compact range of [0, size) from the
// stored roots of its perfect subtrees.
func (t *tree) loadRange() error {
	ids := compact.RangeNodes(0, t.size, nil)
	hashes := make([][]byte, len(ids))
	for i, id := range ids {
		h, err := t.node(id)
		if err != nil {
			return err
		}
		hashes[i] = h
	}
	rng, err := t.rf.NewRange(0, t.size, hashes)
	if err != nil {
		return fmt.Errorf("notary: tree range: %w", err)
	}
	t.rng = rng
	return nil
}

// node reads a stored node. The caller holds mu (either way) or is the
// appending goroutine.
func (t *tree) node(id compact.NodeID) ([]byte, error) {
	if int(id.Level) >= len(t.levels) {
		return nil, fmt.Errorf("notary: node %d/%d: level not stored", id.Level, id.Index)
	}
	h := make([]byte, HashBytes)
	if _, err := t.levels[id.Level].ReadAt(h, int64(id.Index)*HashBytes); err != nil {
		if errors.Is(err, io.EOF) {
			err = io.ErrUnexpectedEOF
		}
		return nil, fmt.Errorf("notary: read node %d/%d: %w", id.Level, id.Index, err)
	}
	return h, nil
}

// Size returns the published number of leaves.
func (t *tree) Size() uint64 {
	t.mu.RLock()
	defer t.mu.RUnlock()
	return t.size
}

// append adds leaf hashes to the tree: the new nodes of every level are
// written with one write per level, then the new size is published.
func (t *tree) append(leaves [][]byte) error {
	if len(leaves) == 0 {
		return nil
	}
	old := t.rng.End()
	for l := range t.pending {
		t.pending[l] = t.pending[l][:0]
	}
	visit := func(id compact.NodeID, h []byte) {
		for int(id.Level) >= len(t.pending) {
			t.pending = append(t.pending, nil)
		}
		t.pending[id.Level] = append(t.pending[id.Level], h...)
	}
	for _, h := range leaves {
		if len(h) != HashBytes {
			return fmt.Errorf("notary: leaf hash of %d bytes", len(h))
		}
		if err := t.rng.Append(h, visit); err != nil {
			return fmt.Errorf("notary: append leaf: %w", err)
		}
	}
	if err := t.ensureLevels(len(t.pending)); err != nil {
		return err
	}
	for l, buf := range t.pending {
		if len(buf) == 0 {
			continue
		}
		if _, err := t.levels[l].WriteAt(buf, int64(old>>l)*HashBytes); err != nil {
			return fmt.Errorf("notary: write %s: %w", levelName(l), err)
		}
	}
	t.mu.Lock()
	t.size = t.rng.End()
	t.mu.Unlock()
	return nil
}

// ensureLevels creates level files up to n.
func (t *tree) ensureLevels(n int) error {
	if n > levelsMax {
		return fmt.Errorf("notary: tree deeper than %d levels", levelsMax)
	}
	for l := len(t.levels); l < n; l++ {
		f, err := os.OpenFile(filepath.Join(t.dir, levelName(l)), os.O_RDWR|os.O_CREATE|os.O_TRUNC, 0o644)
		if err != nil {
			return fmt.Errorf("notary: create %s: %w", levelName(l), err)
		}
		t.mu.Lock()
		t.levels = append(t.levels, f)
		t.mu.Unlock()
	}
	return nil
}

// root returns the root of the tree at the appending goroutine's size.
func (t *tree) root() ([]byte, error) {
	if t.rng.End() == 0 {
		return hasher.EmptyRoot(), nil
	}
	return t.rng.GetRootHash(nil)
}

// sync makes every level file durable, and the directory holding them.
func (t *tree) sync() error {
	t.mu.RLock()
	defer t.mu.RUnlock()
	for l, f := range t.levels {
		if err := f.Sync(); err != nil {
			return fmt.Errorf("notary: sync %s: %w", levelName(l), err)
		}
	}
	return syncDir(t.dir)
}

// rootAt returns the root of the first size leaves from the stored nodes.
func (t *tree) rootAt(size uint64) ([]byte, error) {
	t.mu.RLock()
	defer t.mu.RUnlock()
	if size > t.size {
		return nil, fmt.Errorf("tree size %d above %d: %w", size, t.size, ErrTreeSize)
	}
	if size == 0 {
		return hasher.EmptyRoot(), nil
	}
	ids := compact.RangeNodes(0, size, nil)
	var root []byte
	for i := len(ids) - 1; i >= 0; i-- {
		h, err := t.node(ids[i])
		if err != nil {
			return nil, err
		}
		if root == nil {
			root = h
		} else {
			root = hasher.HashChildren(h, root)
		}
	}
	return root, nil
}

// leaf returns the stored hash of leaf index i.
func (t *tree) leaf(i uint64) ([]byte, error) {
	t.mu.RLock()
	defer t.mu.RUnlock()
	if i >= t.size {
		return nil, fmt.Errorf("leaf %d of %d: %w", i, t.size, ErrTreeSize)
	}
	return t.node(compact.NewNodeID(0, i))
}

// inclusion returns the inclusion proof of leaf index in the tree of size.
func (t *tree) inclusion(index, size uint64) ([][]byte, error) {
	if index >= size {
		return nil, fmt.Errorf("leaf %d of a tree of %d: %w", index, size, ErrTreeSize)
	}
	nodes, err := proof.Inclusion(index, size)
	if err != nil {
		return nil, fmt.Errorf("%v: %w", err, ErrTreeSize)
	}
	return t.fetch(nodes, size)
}

// consistency returns the consistency proof between sizes size1 <= size2.
func (t *tree) consistency(size1, size2 uint64) ([][]byte, error) {
	nodes, err := proof.Consistency(size1, size2)
	if err != nil {
		return nil, fmt.Errorf("%v: %w", err, ErrTreeSize)
	}
	return t.fetch(nodes, size2)
}

func (t *tree) fetch(nodes proof.Nodes, size uint64) ([][]byte, error) {
	t.mu.RLock()
	defer t.mu.RUnlock()
	if size > t.size {
		return nil, fmt.Errorf("tree size %d above %d: %w", size, t.size, ErrTreeSize)
	}
	hashes := make([][]byte, len(nodes.IDs))
	for i, id := range nodes.IDs {
		h, err := t.node(id)
		if err != nil {
			return nil, err
		}
		hashes[i] = h
	}
	return nodes.Rehash(hashes, hasher.HashChildren)
}

func (t *tree) close() error {
	var errs []error
	for _, f := range t.levels {
		errs = append(errs, f.Close())
	}
	return errors.Join(errs...)
}

// depth is the number of levels a tree of n leaves has nodes on.
func depth(n uint64) int { return bits.Len64(n) }

func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return fmt.Errorf("notary: open dir for sync: %w", err)
	}
	defer d.Close()
	if err := d.Sync(); err != nil {
		return fmt.Errorf("notary: sync dir %s: %w", dir, err)
	}
	return nil
}
