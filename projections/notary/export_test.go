package notary

import "encoding/binary"

// NewTreeForTest builds a notary holding only a tree of n synthetic leaves
// (leaf i's hash is RFC 6962's hash of i's 8 bytes) in dir, for benchmarks
// of proofs at sizes that would take far too long to build from events. Only
// its proof methods and Size work.
func NewTreeForTest(dir string, n uint64) (*Notary, error) {
	t, err := openTree(dir, 0)
	if err != nil {
		return nil, err
	}
	const batch = 1 << 16
	leaves := make([][]byte, 0, batch)
	var b [8]byte
	for i := uint64(0); i < n; i++ {
		binary.BigEndian.PutUint64(b[:], i)
		leaves = append(leaves, hasher.HashLeaf(b[:]))
		if len(leaves) == batch || i == n-1 {
			if err := t.append(leaves); err != nil {
				return nil, err
			}
			leaves = leaves[:0]
		}
	}
	return &Notary{tree: t}, t.sync()
}

// ReopenTreeForTest opens the tree files in dir as Open does after a
// restart (cutting them to keep leaves), for measuring how long that takes.
func ReopenTreeForTest(dir string, keep uint64) (*Notary, error) {
	t, err := openTree(dir, keep)
	if err != nil {
		return nil, err
	}
	return &Notary{tree: t}, nil
}

// CloseTreeForTest closes a notary made by NewTreeForTest.
func CloseTreeForTest(n *Notary) error { return n.tree.close() }

// SyntheticLeafForTest is the hash NewTreeForTest gives leaf i.
func SyntheticLeafForTest(i uint64) []byte {
	var b [8]byte
	binary.BigEndian.PutUint64(b[:], i)
	return hasher.HashLeaf(b[:])
}
