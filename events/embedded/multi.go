package embedded

import (
	"context"
	"encoding/binary"

	"github.com/drip-ledger/drip/events"
)

// part is one stream of an AppendMulti on its way through the pipeline.
type part struct {
	stream     string
	expected   events.Expected
	n          int // its events: the next n of the request's evs
	streamHash uint64
	res        events.AppendResult
}

// AppendMulti implements events.Store. The parts go through the pipeline as
// ONE request: their records are written back to back in one group, hence
// one write and one fdatasync, and they are flagged as one append (indexes
// 0..n-1 across all parts, only the very last record flagged last), so
// recovery cuts a torn multi-stream append whole, exactly as it cuts a
// torn single-stream one (record.go). The sequencer checks every part's
// version before placing any.
func (s *Store) AppendMulti(ctx context.Context, parts ...events.StreamAppend) ([]events.AppendResult, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if err := s.reg.CheckAppendMulti(parts); err != nil {
		return nil, err
	}
	r := &request{done: make(chan struct{}, 1)}
	r.parts = make([]part, len(parts))
	for i, p := range parts {
		r.parts[i] = part{stream: p.Stream, expected: p.Expected, n: len(p.Events), streamHash: s.streams.hashString(p.Stream)}
		r.evs = append(r.evs, p.Events...)
		r.enc = encodeRecords(r.enc, p.Stream, p.Events)
	}
	joinRecords(r.enc)
	r.stream = parts[0].Stream
	for i := range r.evs {
		r.idHashes = append(r.idHashes, s.ids.hashBytes(r.evs[i].ID[:]))
	}
	// r is not pooled: a canceled caller leaves it to the writer.
	if err := s.enqueue(ctx, r); err != nil {
		return nil, err
	}
	select {
	case <-r.done:
	case <-ctx.Done():
		// As in Append: the writer must be done reading the caller's
		// events (their payload bytes are shared) before this returns.
		r.claim.Lock()
		r.abandoned = !r.taken
		r.claim.Unlock()
		return nil, ctx.Err()
	}
	if r.err != nil {
		return nil, r.err
	}
	res := make([]events.AppendResult, len(r.parts))
	for i, p := range r.parts {
		res[i] = p.res
	}
	return res, nil
}

// joinRecords turns the records of several appends, back to back in enc,
// into the records of one: indexes 0, 1, 2, ... and only the last record
// flagged last of its append.
func joinRecords(enc []byte) {
	for off, i := 0, 0; off < len(enc); i++ {
		n := int(binary.LittleEndian.Uint32(enc[off:]))
		body := enc[off+headerBytes : off+headerBytes+n]
		binary.LittleEndian.PutUint16(body[offIndex:], uint16(i))
		body[offFlags] &^= flagLast
		off += headerBytes + n
		if off == len(enc) {
			body[offFlags] |= flagLast
		}
	}
}

// placeMulti is place for an AppendMulti: every part is checked (retry,
// then expected version) before any is placed.
func (w *writer) placeMulti(g *group, r *request) {
	g.reqs = append(g.reqs, r)
	if f := w.s.failed.Load(); w.err == nil && f != nil {
		w.err = *f
	}
	if w.err != nil {
		r.err = w.err
		return
	}
	parts := make([]events.StreamAppend, len(r.parts))
	at := 0
	for i, p := range r.parts {
		parts[i] = events.StreamAppend{Stream: p.stream, Expected: p.expected, Events: r.evs[at : at+p.n]}
		at += p.n
	}
	if w.maybeStored(r) {
		res, retry, err := events.CheckRetryMulti(parts, w.lookupFn)
		if err != nil {
			r.err = err
			return
		}
		if retry {
			for i := range r.parts {
				r.parts[i].res = res[i]
			}
			return
		}
	}
	curs := make([]uint64, len(r.parts))
	for i, p := range r.parts {
		cur, err := w.version(p.stream, p.streamHash)
		if err == nil {
			err = p.expected.Check(p.stream, cur)
		}
		if err != nil {
			r.err = err
			return
		}
		curs[i] = cur
	}
	if len(g.buf) == 0 && g.at > 0 && (g.at+int64(len(r.enc)) > w.s.opts.SegmentBytes || w.idx.len()+len(r.evs) > segEventsMax) {
		if err := w.roll(g); err != nil {
			w.err, r.err = err, err
			w.s.fail(err)
			return
		}
	}
	off := len(g.buf)
	g.buf = append(g.buf, r.enc...)
	at = 0
	for i, p := range r.parts {
		cur, evs, idh := curs[i], r.evs[at:at+p.n], r.idHashes[at:at+p.n]
		at += p.n
		if cur == 0 {
			w.s.streams.add(p.streamHash)
		}
		w.offs = w.offs[:0]
		first := w.nextPos
		for j := range evs {
			l := loc{pos: w.nextPos, seg: g.seg, off: g.at + int64(off)}
			w.s.ids.add(idh[j])
			w.offs = append(w.offs, l.off)
			off += patchRecord(g.buf[off:], l.pos, cur+uint64(j)+1, w.atUS)
			g.ents = append(g.ents, l)
			w.nextPos++
		}
		w.idx.addAppend(p.stream, p.streamHash, cur+1, evs, idh, w.offs)
		r.parts[i].res = events.AppendResult{Version: cur + uint64(p.n), Position: w.nextPos - 1, First: first}
	}
	r.accepted = true
}
