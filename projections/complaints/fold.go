package complaints

import (
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/drip-ledger/drip/domain/complaint"
	"github.com/drip-ledger/drip/events"
	"github.com/drip-ledger/drip/projections"
	"github.com/drip-ledger/drip/projections/modelstore"
)

type touched struct {
	before  *record // committed; nil for a complaint new in this batch
	state   complaint.State
	version uint64
}

// ApplyBatch implements projections.Model: complaint events are folded into
// their complaint's state and the changed records and index keys committed
// with the checkpoint in one modelstore.Commit; every other event only
// moves the checkpoint. The cache learns the new states only once the
// commit succeeded.
func (v *View) ApplyBatch(ctx context.Context, evs []projections.Decoded) error {
	if len(evs) == 0 {
		return nil
	}
	// A batch the store holds already (another process, or an earlier
	// attempt, committed it) is refused before anything is folded.
	if cp, err := v.ms.Checkpoint(ctx, v.name); err != nil {
		return err
	} else if evs[0].Position <= cp {
		return fmt.Errorf("complaints: batch from position %d: %w (at %d)", evs[0].Position, modelstore.ErrCheckpoint, cp)
	}
	last := evs[len(evs)-1].Position
	work := map[string]*touched{}
	for _, d := range evs {
		if !strings.HasPrefix(d.Stream, streamPrefix) {
			continue
		}
		if err := v.fold(ctx, work, d); err != nil {
			v.forget(work)
			return err
		}
	}
	keyedAt := evs[len(evs)-1].RecordedAt
	moved, err := v.passed(ctx, work, keyedAt)
	if err != nil {
		v.forget(work)
		return err
	}
	b, err := v.write(work, moved, keyedAt)
	if err == nil {
		err = v.ms.Commit(ctx, v.name, b, last)
	}
	if err != nil {
		v.forget(work)
		return fmt.Errorf("complaints: batch up to position %d: %w", last, err)
	}
	for id, t := range work {
		v.cache.Put(id, folded{state: t.state, version: t.version})
	}
	v.position.Store(last)
	return nil
}

func (v *View) forget(work map[string]*touched) {
	for id := range work {
		v.cache.Remove(id)
	}
}

func (v *View) fold(ctx context.Context, work map[string]*touched, d projections.Decoded) error {
	p := d.Payload
	if p == nil {
		var err error
		if p, err = v.reg.Decode(d.Event); err != nil {
			return fmt.Errorf("complaints: position %d: %w", d.Position, err)
		}
	}
	id := strings.TrimPrefix(d.Stream, streamPrefix)
	t := work[id]
	if t == nil {
		var err error
		if t, err = v.load(ctx, id, d); err != nil {
			return err
		}
		work[id] = t
	}
	next, err := complaint.Evolve(t.state, d.Event, p)
	if err != nil {
		return fmt.Errorf("complaints: position %d: %w", d.Position, err)
	}
	if next.ID().String() != id {
		return fmt.Errorf("complaints: position %d: stream %s holds complaint %s", d.Position, d.Stream, next.ID())
	}
	t.state, t.version = next, d.Version
	return nil
}

// load is a complaint's committed record and its state just before d: from
// the cache when it holds that version, else folded from its stream.
func (v *View) load(ctx context.Context, id string, d projections.Decoded) (*touched, error) {
	t := &touched{}
	raw, ok, err := v.ms.Get(ctx, v.name, idKey(id))
	if err != nil {
		return nil, err
	}
	if ok {
		if t.before, err = decodeRecord(raw); err != nil {
			return nil, err
		}
	}
	want := d.Version - 1
	if have := t.before; have == nil && want != 0 || have != nil && have.Version != want {
		return nil, fmt.Errorf("complaints: position %d: %s version %d does not follow the committed record", d.Position, d.Stream, d.Version)
	}
	if f, ok := v.cache.Get(id); ok && f.version == want {
		t.state, t.version = f.state, want
		return t, nil
	}
	for from := uint64(1); from <= want; {
		evs, err := v.log.ReadStream(ctx, d.Stream, from, events.Forwards, int(min(want-from+1, events.ReadEventsMax)))
		if err != nil {
			return nil, fmt.Errorf("complaints: folding %s to version %d: %w", d.Stream, want, err)
		}
		if len(evs) == 0 {
			return nil, fmt.Errorf("complaints: folding %s: the log ends at version %d, before %d", d.Stream, from-1, want)
		}
		for _, ev := range evs {
			p, err := v.reg.Decode(ev)
			if err != nil {
				return nil, err
			}
			if t.state, err = complaint.Evolve(t.state, ev, p); err != nil {
				return nil, fmt.Errorf("complaints: position %d: %w", ev.Position, err)
			}
		}
		from = evs[len(evs)-1].Version + 1
	}
	t.version = want
	return t, nil
}

// passed is the committed records, not in work, whose o/ instant the
// batch's recorded time has passed: their keys move to m/.
func (v *View) passed(ctx context.Context, work map[string]*touched, keyedAt time.Time) ([]*record, error) {
	var out []*record
	from, end := []byte("o/"), []byte("o/"+timeKey(keyedAt))
	for {
		kvs, err := v.chunk(ctx, from, end)
		if err != nil {
			return nil, err
		}
		for _, k := range kvs {
			id := k[strings.LastIndexByte(k, '/')+1:]
			if work[id] != nil {
				continue // its keys are made anew
			}
			r, ok, err := v.record(ctx, id)
			if err != nil {
				return nil, err
			}
			if ok {
				out = append(out, r)
			}
		}
		if len(kvs) < scanChunk {
			return out, nil
		}
		from = append([]byte(kvs[len(kvs)-1]), 0)
	}
}

// write turns the batch's work into puts and deletes: each complaint's
// record and the index keys it gained and lost, once each, in key order.
func (v *View) write(work map[string]*touched, moved []*record, keyedAt time.Time) (*modelstore.Batch, error) {
	var ops []op // each key once: complaints have keys of their own
	for _, r := range moved {
		after := *r
		after.KeyedAt = keyedAt
		raw, err := json.Marshal(&after)
		if err != nil {
			return nil, err
		}
		old, err := r.keys()
		if err != nil {
			return nil, err
		}
		now, err := after.keys()
		if err != nil {
			return nil, err
		}
		now[string(idKey(r.ID))] = string(raw)
		diff(&ops, old, now)
	}
	for _, id := range slices.Sorted(maps.Keys(work)) {
		t := work[id]
		after := recordOf(t.state, t.version, keyedAt)
		raw, err := json.Marshal(after)
		if err != nil {
			return nil, err
		}
		old := map[string]string{}
		if t.before != nil {
			if old, err = t.before.keys(); err != nil {
				return nil, err
			}
		}
		now, err := after.keys()
		if err != nil {
			return nil, err
		}
		now[string(idKey(id))] = string(raw)
		diff(&ops, old, now)
	}
	slices.SortFunc(ops, func(a, b op) int { return strings.Compare(a.key, b.key) })
	b := &modelstore.Batch{}
	for _, o := range ops {
		if o.val == nil {
			b.Delete([]byte(o.key))
		} else {
			b.Put([]byte(o.key), []byte(*o.val))
		}
	}
	return b, nil
}

// op is a put (val) or a delete (val nil) of key.
type op struct {
	key string
	val *string
}

// diff adds to ops what turns the keys old into now.
func diff(ops *[]op, old, now map[string]string) {
	for k := range old {
		if _, ok := now[k]; !ok {
			*ops = append(*ops, op{key: k})
		}
	}
	for k, val := range now {
		if was, ok := old[k]; !ok || was != val {
			*ops = append(*ops, op{key: k, val: &val})
		}
	}
}
