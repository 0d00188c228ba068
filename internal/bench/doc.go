// Package bench holds Drip's benchmarks, which `drip bench` runs: appends
// against the disk's own group-fsync baseline (Append), replaying the log
// through the projection runner against ReadAll (Replay). They are
// measurements, not tests: each compares a figure with a yardstick taken in
// the same run, because a shared machine's disk and processors change speed
// from minute to minute. Every run works in a scratch directory under the
// system's temporary directory (or one given), removed at its end.
package bench
