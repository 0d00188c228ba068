package embedded

import (
	"context"
	"fmt"
	"sync/atomic"
	"time"

	"github.com/drip-ledger/drip/events"
)

var _ events.Importer = (*Store)(nil)

// Import implements events.Importer through the same write pipeline as
// Append (writer.go): each run of events.ImportRuns is one request, checked
// by the sequencer against its stream's version (Exact(Version-1)) and its
// IDs against the log, written with its group's one write and one fdatasync,
// and only then acknowledged (reads wait for the index, as after an Append).
// So an imported event is exactly as durable, and recovered exactly as, an
// appended one.
//
// The one difference is the recorded time. The sequencer stamps one
// RecordedAt per group, from Options.Now, when it opens the group. Import
// therefore takes the store for itself (the lock Close takes, so no Append
// can queue meanwhile), lets the appends already queued go through, and
// then points the clock at the imported events' time: it sends the runs
// that share a RecordedAt together and waits for them before moving the
// clock on, so no group mixes two times. The cost is one group commit per
// distinct RecordedAt of the source: a log written under load (many appends
// per group) imports in a few large groups, one written an append at a time
// needs one fdatasync per original append.
//
// Reads wait while an Import runs.
func (s *Store) Import(ctx context.Context, evs []events.Event) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return events.ErrClosed
	}
	// A request with no events is a barrier: once it is acknowledged, every
	// append queued before the lock was taken is written, and the sequencer
	// waits for the next request before it reads the clock again.
	if err := s.importGroup([]*request{importRequest(importBarrierStream, nil)}); err != nil {
		return err
	}
	if err := s.reg.CheckImport(s.head.Load(), evs); err != nil {
		return err
	}
	var at atomic.Int64
	now := s.opts.Now
	s.opts.Now = func() time.Time { return time.UnixMicro(at.Load()).UTC() }
	defer func() { s.opts.Now = now }()
	runs := events.ImportRuns(evs)
	for i := 0; i < len(runs); {
		t := events.RecordedTime(runs[i][0].RecordedAt)
		j := i + 1
		for j < len(runs) && events.RecordedTime(runs[j][0].RecordedAt).Equal(t) {
			j++
		}
		reqs := make([]*request, 0, j-i)
		for _, run := range runs[i:j] {
			reqs = append(reqs, importRequest(run[0].Stream, run))
		}
		at.Store(t.UnixMicro())
		if err := s.importGroup(reqs); err != nil {
			return err
		}
		if err := ctx.Err(); err != nil {
			return err
		}
		i = j
	}
	return nil
}

// importBarrierStream names the stream of Import's barrier request. It
// writes nothing; any valid name would do.
const importBarrierStream = "import-barrier"

func importRequest(stream string, evs []events.Event) *request {
	r := &request{stream: stream, evs: evs, expected: events.Any, done: make(chan struct{}, 1)}
	if len(evs) > 0 {
		r.expected = events.Exact(evs[0].Version - 1)
	}
	r.enc = encodeRecords(nil, stream, evs)
	return r
}

// importGroup queues reqs (Import holds s.mu, so the queue is open) and waits
// for every one it queued, whatever the context says: the clock must not
// change while one of them may still be in the sequencer. It then checks
// that each landed where its events say.
func (s *Store) importGroup(reqs []*request) error {
	for _, r := range reqs {
		s.hash(r)
		s.queue <- r
	}
	for _, r := range reqs {
		<-r.done
	}
	for _, r := range reqs {
		if r.err != nil {
			return fmt.Errorf("embedded: import: %w", r.err)
		}
		if len(r.evs) == 0 {
			continue
		}
		last := r.evs[len(r.evs)-1]
		if !r.accepted || r.res.Position != last.Position || r.res.Version != last.Version {
			return fmt.Errorf("embedded: import: event %s of stream %q landed at position %d version %d, not %d and %d",
				last.ID, r.stream, r.res.Position, r.res.Version, last.Position, last.Version)
		}
	}
	return nil
}
