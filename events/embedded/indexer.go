package embedded

import (
	"fmt"

	"github.com/cockroachdb/pebble/v2"

	"github.com/drip-ledger/drip/events"
)

// runIndexer is stage 4 of the write pipeline (writer.go): it indexes each
// synced, acknowledged group in one batch and makes it readable.
func (s *Store) runIndexer() {
	ix := s.newIndexer()
	defer ix.b.Close()
	defer close(s.sealCh)
	for g := range s.indexCh {
		ix.group(g)
	}
}

// indexer holds the reusable batch and key buffers of stage 4.
type indexer struct {
	s        *Store
	b        *pebble.Batch
	key, val []byte
	stopped  bool // an index batch failed: the index gets nothing more
}

func (s *Store) newIndexer() *indexer { return &indexer{s: s, b: s.db.NewBatch()} }

// group indexes g, makes it readable and hands it back to the writer. It
// must not touch g's requests: they are acknowledged, and their callers
// may be reusing them.
func (ix *indexer) group(g *group) {
	s := ix.s
	if len(g.ents) > 0 && g.err == nil && !ix.stopped {
		last := g.ents[len(g.ents)-1].pos
		if err := s.index(ix.b, g, &ix.key, &ix.val); err != nil {
			err = fmt.Errorf("embedded: index group ending at %d: %w", last, err)
			s.fail(err)
			s.indexed(0, err)
			ix.stopped = true
		} else {
			s.indexed(last, nil)
			s.notify.Advance(last)
		}
	}
	// g is the first group of a new segment: every group of the segment
	// before it is synced (and indexed), so its keys may go to Pebble.
	if g.sealed != nil && g.err == nil && !ix.stopped {
		s.sealCh <- g.sealed
	}
	s.retired <- g
}

// ackFailed fails every append of a failed group: "may or may not have
// been written" is what an error means for an append. That includes the
// retries place matched against an original still in flight (in this group
// or an earlier one, whose failure made this one fail too) and the appends
// it refused against versions the failed writes would have made: none of
// them may be told that what it asked for is durable.
func ackFailed(g *group, err error) {
	for _, r := range g.reqs {
		r.res, r.err = events.AppendResult{}, err
	}
}

func (s *Store) index(b *pebble.Batch, g *group, key, val *[]byte) error {
	b.Reset()
	var sparseOff int64 = -1
	for _, l := range g.ents {
		if sparseOff < 0 || l.off >= sparseOff+sparseBytes {
			sparseOff = l.off
			*val = l.append((*val)[:0])
			*key = posKey((*key)[:0], l.pos)
			if err := b.Set(*key, (*val)[8:], nil); err != nil {
				return err
			}
		}
	}
	last := g.ents[len(g.ents)-1]
	if err := setMarker(b, marker{pos: last.pos, seg: g.seg, end: g.end}, *val); err != nil {
		return err
	}
	if f := s.opts.faults; f != nil && f.index != nil {
		if err := f.index(last.pos); err != nil {
			return err
		}
	}
	return s.db.Apply(b, pebble.NoSync)
}
