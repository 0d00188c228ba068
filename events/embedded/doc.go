// Package embedded is Drip's default events.Store: durable, in one
// directory, with no server to run.
//
// The log is the truth: append-only segment files under dir/log, each named
// by the global position of its first record (record.go has the format),
// every record checksummed with CRC-32C. Appends go through a group commit
// (writer.go): a sequencer checks the waiting appends in order, a syncer
// writes each group with one write and one fdatasync and then acknowledges
// its appends, and an indexer makes each group readable right after; no
// append is acknowledged before its bytes are synced, and reads wait for
// the index to hold every append acknowledged before they started. Bloom
// filters of the event IDs and stream names (filter.go) let the sequencer
// skip every look-up for the fresh IDs and streams nearly every append
// brings. The index of the active segment (each event's ID and offset, each
// stream's versions) is in memory, filled by the sequencer as it places each
// event; when the log rolls, the sealed segment's index goes to a Pebble
// database under dir/index as one ingested sstable (segindex.go); Pebble
// also holds sparse positions for ReadAll (index.go). Pebble is derived,
// never synced on its own, and Open rebuilds whatever it lacks from the log
// (recover.go): the active segment's index by reading it whole (0.12 s for
// a full 64 MiB segment in the page cache, TestOpenFullSegment), a sealed
// segment's sstable a crash lost, and the whole index when its format
// version (indexFormat) is not the current one. Segments are zero-filled
// before the writer reaches them, so an fdatasync flushes data and never
// the file's size (zero.go); a zero tail ends a segment's data. A crash mid-write leaves a torn tail, which Open
// cuts off and logs; any other damage is reported as an
// *events.CorruptError, never skipped.
//
// A failure of the disk (a write, an fdatasync, an index batch, a seal, a
// segment roll, or Pebble's background work) stops the store for good: every
// append of the failed group and after it gets the error, including retries
// matched against an append still in flight, so no append is told "ok" and
// lost; subscriptions end with the error; Err and Failed report it, so the
// process can end; Close returns it within CloseTimeout; Pebble's repeated
// reports are rate-limited in the log (lograte.go). Tests inject each of
// these failures through the hooks in faults.go.
//
// The benchmarks compare the store's append throughput against a plain
// group-fsync file, internal/bench/baseline: a yardstick, not part of the
// store.
package embedded
