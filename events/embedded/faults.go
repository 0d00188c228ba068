package embedded

// faults are the store's fault-injection hooks, set only by tests (through
// export_test.go), the way database/sql's fake driver has hooks: each one,
// if set, runs at its step of the pipeline and a non-nil error makes that
// step fail as the disk would. They are per group, per seal or per roll,
// never per event, and a nil *faults costs one pointer test.
type faults struct {
	// write and sync run before a group's write and its fdatasync.
	write, sync func(seg uint64, at int64, n int) error
	// index runs before a group's index batch is applied.
	index func(last uint64) error
	// seal runs before a sealed segment's sstable is written.
	seal func(seg uint64) error
	// roll runs before the writer starts a new segment.
	roll func(first uint64) error
	// h is the writer's hand-off, so tests can see what the open group
	// holds (set by start).
	h *handoff
}
