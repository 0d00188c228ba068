// Package bench holds Drip's benchmarks, which `drip bench` runs: appends
// against the disk's own group-fsync baseline (Append, with the yardstick in
// internal/bench/baseline), replaying the log through the projection runner
// against ReadAll (Replay), and a whole county served by a real `drip serve`
// child process (Serve): its start, peak memory, rebuild, reads and
// commands. They are measurements, not tests: each figure is reported
// beside a yardstick taken in the same run, because a shared machine's disk
// and processors change speed from minute to minute. Every run works in a
// scratch directory under the system's temporary directory (or one given),
// removed at its end.
//
// What only cmd/drip knows (the county generator, the read models, the
// token key, how to run the server) comes in as functions of ServeOptions.
package bench
