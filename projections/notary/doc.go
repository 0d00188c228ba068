// Package notary makes Drip's history verifiable: an auditor holding only
// the deployment's public (verifier) key can check that nothing recorded was
// changed or removed.
//
// Unlike a read model, the notary is not rebuilt at will: its checkpoints are
// promises already handed to auditors. Its tree is a pure function of the log
// and can be re-derived from it, but only to be compared with what was
// signed, never to replace it.
//
// # The tree
//
// Every event, in global order, is a leaf of an RFC 6962 Merkle tree
// (SHA-256): leaf index position-1 holds SHA-256(0x00 | LeafBytes(event)).
// LeafBytes is a fixed, length-prefixed encoding of the envelope (see its
// doc), never re-marshalled JSON. The tree is kept on disk as one file of
// 32-byte hashes per level (tree.go), so a proof is a few dozen small reads
// at any size.
//
// # Checkpoints
//
// A checkpoint is the tree's size and root, signed with Ed25519 as a
// golang.org/x/mod/sumdb/note in the C2SP tlog-checkpoint format
// (checkpoint.go). The note's origin line names the deployment and is the
// key's name. A checkpoint is issued after every Config.CheckpointEvents
// events and at least every Config.CheckpointInterval while the log grows,
// and every checkpoint is kept in an append-only file (checkpointlog.go).
// GenerateKey makes the key pair: the signer key stays with the notary, the
// verifier key goes to auditors.
//
// # Files under the notary's directory
//
//	LOCK          flock held by the open Notary
//	checkpoints   every checkpoint issued: length | CRC-32C | signed note
//	tree/level-LL node i of level L at offset 32·i (level-00: leaf hashes)
//
// Fsync policy: the tree files are written without syncing as events arrive
// and synced just before each checkpoint is written; each checkpoint record
// is synced before it is published. So everything up to the latest
// checkpoint is durable, and Open cuts the tree back to it and re-reads the
// rest from the log. Open also re-hashes the last Config.TailCheckEvents
// leaves from the log and checks the root against the latest checkpoint;
// a log that no longer matches is an ErrLogChanged, never repaired.
//
// # API (for the server and the CLI)
//
//	n, err := notary.Open(ctx, dir, store, signer, notary.Config{})
//	go n.Run(ctx)                  // follow the log, issue checkpoints
//	n.Latest()                     // GET /checkpoints/latest
//	n.Checkpoint(size)             // GET /checkpoints/{size}
//	n.CheckpointSizes(after, limit) // list what there is
//	n.InclusionProof(ctx, position, treeSize)   // GET /proofs/inclusion
//	n.ConsistencyProof(ctx, size1, size2)        // GET /proofs/consistency
//	n.Bundle(ctx, positions)       // events + proofs against the latest checkpoint
//	n.Close()                      // after Run has returned
//
// Auditors, offline, with the verifier key: VerifyCheckpoint, VerifyBundle,
// VerifyConsistency; and, with a copy of the store and the notary's
// directory, VerifyStore re-hashes the whole log and names the first
// position and checkpoint that differ.
//
// Positions must have no gaps (true of the embedded and in-memory stores):
// the leaf index is the position minus one, and the follower stops at a gap.
package notary
