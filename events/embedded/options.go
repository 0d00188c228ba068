package embedded

import (
	"errors"
	"fmt"
	"log/slog"
	"time"
)

// Options configures a Store. The zero value is usable: every zero field
// takes its default.
type Options struct {
	// Now stamps RecordedAt; nil means time.Now.
	Now func() time.Time
	// SegmentBytes is the size at which the log rolls to a new segment file
	// (default 64 MiB). An append larger than that gets a segment to itself.
	// The active segment's index is in memory (segindex.go): about 40 bytes
	// per event and 60 per stream new in the segment.
	SegmentBytes int64
	// Logger receives what recovery cut from a torn tail and why a store
	// failed; nil means slog.Default().
	Logger *slog.Logger
	// QueueLen bounds the appends waiting for the writer (default 4096);
	// further appends wait for room, or for their context.
	QueueLen int
	// GroupBytesMax bounds the bytes one group commit writes (default 4 MiB).
	// A group always takes at least one append, whatever its size.
	GroupBytesMax int
	// GroupAppendsMax bounds the appends in one group commit (default 1024).
	GroupAppendsMax int
	// IndexCacheBytes bounds the index's block cache (default 256 MiB,
	// allocated as used). It must hold the ID filters: with less, every
	// append's ID look-up reads and checksums them from disk.
	IndexCacheBytes int64
	// DeferSync acknowledges an append once it is written to the segment
	// file (the OS's page cache), not once it is fdatasync'd: the segment
	// is fdatasync'd when the log rolls to the next one and at Close. A
	// crash of the process loses nothing; a crash of the machine may lose
	// acknowledged appends. Only for a bulk load of data that can be made
	// again from scratch and that nobody reads as a record until the load
	// ended with Close (drip demo: one fdatasync instead of one per
	// request); never for a county's real ledger.
	DeferSync bool

	// faults are the fault-injection hooks of tests (faults.go); nil in
	// every real store.
	faults *faults
}

// Defaults and bounds of Options.
const (
	SegmentBytesDefault    = 64 << 20
	SegmentBytesMin        = 64 << 10
	SegmentBytesMax        = 1 << 40
	QueueLenDefault        = 4096
	QueueLenMax            = 1 << 20
	GroupBytesMaxDefault   = 4 << 20
	GroupAppendsMaxDefault = 1024
	IndexCacheBytesDefault = 256 << 20
)

// withDefaults returns o with every zero field set to its default.
func (o Options) withDefaults() Options {
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.SegmentBytes == 0 {
		o.SegmentBytes = SegmentBytesDefault
	}
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	if o.QueueLen == 0 {
		o.QueueLen = QueueLenDefault
	}
	if o.GroupBytesMax == 0 {
		o.GroupBytesMax = GroupBytesMaxDefault
	}
	if o.GroupAppendsMax == 0 {
		o.GroupAppendsMax = GroupAppendsMaxDefault
	}
	if o.IndexCacheBytes == 0 {
		o.IndexCacheBytes = IndexCacheBytesDefault
	}
	return o
}

// Validate reports every field that is out of range, all at once. Zero
// fields are valid: they take their defaults.
func (o Options) Validate() error {
	var errs []error
	bad := func(field string, v any, rule string) {
		errs = append(errs, fmt.Errorf("embedded: options: %s is %v, %s", field, v, rule))
	}
	if o.SegmentBytes != 0 && (o.SegmentBytes < SegmentBytesMin || o.SegmentBytes > SegmentBytesMax) {
		bad("SegmentBytes", o.SegmentBytes, fmt.Sprintf("want %d..%d", SegmentBytesMin, int64(SegmentBytesMax)))
	}
	if o.QueueLen < 0 || o.QueueLen > QueueLenMax {
		bad("QueueLen", o.QueueLen, fmt.Sprintf("want 0 (default) or 1..%d", QueueLenMax))
	}
	if o.GroupBytesMax < 0 {
		bad("GroupBytesMax", o.GroupBytesMax, "want 0 (default) or more")
	}
	if o.GroupAppendsMax < 0 {
		bad("GroupAppendsMax", o.GroupAppendsMax, "want 0 (default) or more")
	}
	if o.IndexCacheBytes < 0 {
		bad("IndexCacheBytes", o.IndexCacheBytes, "want 0 (default) or more")
	}
	return errors.Join(errs...)
}
