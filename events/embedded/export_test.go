package embedded

// FiltersReady reports whether Open's build of the ID and stream filters is
// done, so tests can check both the "maybe" and the "certainly not" paths.
func FiltersReady(s *Store) bool { return s.ids.ready.Load() && s.streams.ready.Load() }

// Faults are the fault-injection hooks (faults.go) that black-box tests
// set; WithFaults puts them in Options.
type Faults struct {
	Write, Sync func(seg uint64, at int64, n int) error
	Index       func(last uint64) error
	Seal        func(seg uint64) error
	Roll        func(first uint64) error
	f           *faults
}

// WithFaults returns o with the hooks of fs.
func WithFaults(o Options, fs *Faults) Options {
	fs.f = &faults{write: fs.Write, sync: fs.Sync, index: fs.Index, seal: fs.Seal, roll: fs.Roll}
	o.faults = fs.f
	return o
}

// OpenGroupLen is how many appends the open group holds, placed and not
// yet taken by the syncer: a test waits for it to know that an append is
// past the sequencer.
func OpenGroupLen(fs *Faults) int {
	h := fs.f.h
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.open == nil {
		return 0
	}
	return len(h.open.reqs)
}
