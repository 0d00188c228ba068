// Package embedded is Drip's default events.Store: durable, in one
// directory, with no server to run.
//
// The log is the truth: append-only segment files under dir/log, each named
// by the global position of its first record (record.go has the format),
// every record checksummed with CRC-32C. Appends go through a group commit
// (writer.go): a sequencer checks the waiting appends in order, a syncer
// writes each group with one write and one fdatasync and then acknowledges
// its appends, and an indexer applies the group to the index right after;
// no append is acknowledged before its bytes are synced, and reads wait for
// the index to hold every append acknowledged before they started. Bloom
// filters of the event IDs and stream names (filter.go) let the sequencer
// skip the index for the fresh IDs and streams nearly every append brings. A
// Pebble database under dir/index maps stream versions, positions and the
// event IDs of the sealed segments to places in the log (index.go); the IDs
// of the active segment are in memory, and go to the index a segment at a
// time when it is sealed (ids.go). The index is derived, never synced on its
// own, and Open rebuilds whatever it lacks from the log (recover.go),
// including the active segment's IDs, which it reads whole (0.2 s for a
// full 256 MiB segment in the page cache), and the whole index when its
// format version (indexFormat) is not the current one. A
// crash mid-write leaves a torn tail, which Open cuts off and logs; any
// other damage is reported as an *events.CorruptError, never skipped.
//
// Baseline (baseline.go) is the plain group-fsync file that benchmarks
// compare the store's append throughput against.
package embedded
