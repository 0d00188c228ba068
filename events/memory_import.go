package events

import (
	"context"
	"fmt"
)

var _ Importer = (*MemoryStore)(nil)

// Import implements Importer. It is atomic: it writes every event or none.
func (s *MemoryStore) Import(ctx context.Context, evs []Event) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return ErrClosed
	}
	if err := s.reg.CheckImport(uint64(len(s.log)), evs); err != nil {
		return err
	}
	// Check every place before writing any, so a refused import leaves the
	// log as it was.
	var ps Problems
	next := map[string]uint64{}
	seen := make(map[ID]bool, len(evs))
	for i, ev := range evs {
		if _, dup := s.ids[ev.ID]; dup || seen[ev.ID] {
			return fmt.Errorf("events[%d]: event %s is already in the log: %w", i, ev.ID, ErrIDConflict)
		}
		cur, ok := next[ev.Stream]
		if !ok {
			cur = uint64(len(s.streams[ev.Stream]))
		}
		if ev.Version != cur+1 {
			ps.Addf(fmt.Sprintf("events[%d].version", i), "is %d, but stream %q is at version %d", ev.Version, ev.Stream, cur)
		}
		next[ev.Stream] = cur + 1
		seen[ev.ID] = true
	}
	if err := ps.Err(); err != nil {
		return err
	}
	for _, ev := range evs {
		ev.Data = append([]byte(nil), ev.Data...)
		ev.RecordedAt = RecordedTime(ev.RecordedAt)
		ev.Meta.OccurredAt = RecordedTime(ev.Meta.OccurredAt)
		s.log = append(s.log, ev)
		s.streams[ev.Stream] = append(s.streams[ev.Stream], ev.Position)
		s.ids[ev.ID] = ev.Position
	}
	s.notify.Advance(uint64(len(s.log)))
	return nil
}
