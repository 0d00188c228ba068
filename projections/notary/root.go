package notary

import (
	"context"
	"fmt"

	"github.com/transparency-dev/merkle/compact"

	"github.com/drip-ledger/drip/events"
)

// LogRoot is the RFC 6962 Merkle root of the first size events of s, as the
// notary's tree has it: the leaf of each is LeafHash, in global order.
// Positions must run 1..size without a gap. It reads the log and keeps no
// state, so two stores holding the same log give the same root (drip
// migrate compares them).
func LogRoot(ctx context.Context, s events.Store, size uint64) ([]byte, error) {
	rng := (&compact.RangeFactory{Hash: hasher.HashChildren}).NewEmptyRange(0)
	for from := uint64(1); from <= size; {
		evs, err := s.ReadAll(ctx, from, events.ReadEventsMax)
		if err != nil {
			return nil, fmt.Errorf("read from position %d: %w", from, err)
		}
		if len(evs) == 0 {
			return nil, fmt.Errorf("the log ends at position %d, before %d", from-1, size)
		}
		for _, ev := range evs {
			if ev.Position > size {
				break
			}
			if ev.Position != rng.End()+1 {
				return nil, fmt.Errorf("position %d follows %d: the log has a gap", ev.Position, rng.End())
			}
			if err := rng.Append(LeafHash(ev), nil); err != nil {
				return nil, err
			}
		}
		from = evs[len(evs)-1].Position + 1
	}
	if rng.End() == 0 {
		return hasher.EmptyRoot(), nil
	}
	return rng.GetRootHash(nil)
}
