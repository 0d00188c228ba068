package households

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/drip-ledger/drip/domain/complaint"
	"github.com/drip-ledger/drip/domain/household"
	"github.com/drip-ledger/drip/events"
	"github.com/drip-ledger/drip/projections"
	"github.com/drip-ledger/drip/projections/modelstore"
)

// batch is one ApplyBatch's work before it is committed: the households it
// touched (their committed record and their new state), counter deltas, and
// complaint keys.
type batch struct {
	households map[string]*touched
	complaints map[string]string // complaint key → stream
}

type touched struct {
	before *record // committed; nil for a household new in this batch
	state  household.State
	pos    uint64 // of its last event in the batch
}

// ApplyBatch implements projections.Model: household events are folded
// into their household's state; a received complaint naming a household is
// remembered for its timeline; every other event only moves the checkpoint.
// The records, indexes and counters the batch changes are committed with
// the checkpoint in one modelstore.Commit; the cache learns the new states
// only once that succeeded.
func (v *View) ApplyBatch(ctx context.Context, evs []projections.Decoded) error {
	if len(evs) == 0 {
		return nil
	}
	// A batch the store holds already (another process, or an earlier
	// attempt, committed it) is refused before anything is folded.
	if cp, err := v.ms.Checkpoint(ctx, v.name); err != nil {
		return err
	} else if evs[0].Position <= cp {
		return fmt.Errorf("households: batch from position %d: %w (at %d)", evs[0].Position, modelstore.ErrCheckpoint, cp)
	}
	w := &batch{households: map[string]*touched{}, complaints: map[string]string{}}
	for _, d := range evs {
		var err error
		switch {
		case strings.HasPrefix(d.Stream, household.StreamPrefix):
			err = v.foldHousehold(ctx, w, d)
		case d.Type == complaint.TypeComplaintReceived:
			err = v.noteComplaint(w, d)
		}
		if err != nil {
			v.forget(w)
			return err
		}
	}
	b, err := v.write(ctx, w)
	if err == nil {
		err = v.ms.Commit(ctx, v.name, b, evs[len(evs)-1].Position)
	}
	if err != nil {
		v.forget(w)
		return fmt.Errorf("households: batch up to position %d: %w", evs[len(evs)-1].Position, err)
	}
	for file, t := range w.households {
		v.cache.Put(file, folded{state: t.state, version: t.state.Version()})
	}
	v.position.Store(evs[len(evs)-1].Position)
	return nil
}

// forget drops the cache entries a failed batch may have spent: a State
// shares slices with the one it was evolved from (household.State).
func (v *View) forget(w *batch) {
	for file := range w.households {
		v.cache.Remove(file)
	}
}

func (v *View) payload(d projections.Decoded) (events.Payload, error) {
	if d.Payload != nil {
		return d.Payload, nil
	}
	return v.reg.Decode(d.Event)
}

func (v *View) foldHousehold(ctx context.Context, w *batch, d projections.Decoded) error {
	p, err := v.payload(d)
	if err != nil {
		return fmt.Errorf("households: position %d: %w", d.Position, err)
	}
	file := fileOfStream(d.Stream)
	t := w.households[file]
	if t == nil {
		if t, err = v.load(ctx, file, d); err != nil {
			return err
		}
		w.households[file] = t
	}
	next, err := household.Evolve(t.state, d.Event, p)
	if err != nil {
		// An event the rules cannot fold is impossible in a log they wrote:
		// stop here, loudly, rather than show a wrong status.
		return fmt.Errorf("households: position %d: %w", d.Position, err)
	}
	if next.File().String() != file || next.Village() != next.File().Village() {
		return fmt.Errorf("households: position %d: stream %s holds household %s of village %s", d.Position, d.Stream, next.File(), next.Village())
	}
	t.state, t.pos = next, d.Position
	return nil
}

// load is a household's committed record and its state just before d: from
// the cache when it holds that version, else folded from its stream.
func (v *View) load(ctx context.Context, file string, d projections.Decoded) (*touched, error) {
	if err := validFile(file); err != nil {
		return nil, fmt.Errorf("households: position %d: stream %s: %w", d.Position, d.Stream, err)
	}
	t := &touched{}
	raw, ok, err := v.ms.Get(ctx, v.name, fileKey(file))
	if err != nil {
		return nil, err
	}
	if ok {
		if t.before, err = decodeRecord(raw); err != nil {
			return nil, err
		}
	}
	want := d.Version - 1 // the version the state must be at
	if have := t.before; have == nil && want != 0 || have != nil && have.Version != want {
		return nil, fmt.Errorf("households: position %d: %s version %d follows a record of version %d", d.Position, d.Stream, d.Version, versionOf(have))
	}
	if f, ok := v.cache.Get(file); ok && f.version == want {
		t.state = f.state
		return t, nil
	}
	t.state, err = v.foldStream(ctx, d.Stream, want)
	return t, err
}

func versionOf(r *record) uint64 {
	if r == nil {
		return 0
	}
	return r.Version
}

// foldStream folds a stream's events 1..upto from the log.
func (v *View) foldStream(ctx context.Context, stream string, upto uint64) (household.State, error) {
	var s household.State
	for from := uint64(1); from <= upto; {
		evs, err := v.log.ReadStream(ctx, stream, from, events.Forwards, int(min(upto-from+1, events.ReadEventsMax)))
		if err != nil {
			return s, fmt.Errorf("households: folding %s to version %d: %w", stream, upto, err)
		}
		if len(evs) == 0 {
			return s, fmt.Errorf("households: folding %s: the log ends at version %d, before %d", stream, from-1, upto)
		}
		for _, ev := range evs {
			p, err := v.reg.Decode(ev)
			if err != nil {
				return s, err
			}
			if s, err = household.Evolve(s, ev, p); err != nil {
				return s, fmt.Errorf("households: position %d: %w", ev.Position, err)
			}
		}
		from = evs[len(evs)-1].Version + 1
	}
	return s, nil
}

func (v *View) noteComplaint(w *batch, d projections.Decoded) error {
	p, err := v.payload(d)
	if err != nil {
		return err
	}
	r, ok := p.(*complaint.Received)
	if !ok {
		return fmt.Errorf("households: position %d: %s decoded as %T", d.Position, d.Type, p)
	}
	// A complaint naming something that is no file number cannot be found
	// from a household's timeline (the API asks by file number), so it
	// needs no key.
	if file := householdOf(r); file != "" && validFile(file) == nil {
		w.complaints[complaintKey(file, d.Position)] = d.Stream
	}
	return nil
}

// write turns the batch's work into the store's puts and deletes: each
// household's record, the index keys it gained and lost, and the counters.
// Every key appears once, and the batch is written in key order: stores
// that keep keys sorted take it fastest so.
func (v *View) write(ctx context.Context, w *batch) (*modelstore.Batch, error) {
	var ops []op // each key once: households (complaints) have keys of their own
	deltas := map[string]int{}
	for file, t := range w.households {
		after := recordOf(t.state, t.pos)
		raw, err := json.Marshal(after)
		if err != nil {
			return nil, err
		}
		old, now := map[string]string{}, after.keys()
		now[string(fileKey(file))] = string(raw)
		if t.before != nil {
			old = t.before.keys()
			count(deltas, t.before, -1)
		}
		count(deltas, after, +1)
		diff(&ops, old, now)
	}
	for k, stream := range w.complaints {
		ops = append(ops, op{key: k, val: &stream})
	}
	for k, d := range deltas {
		if d == 0 {
			continue
		}
		n, err := v.counter(ctx, k)
		if err != nil {
			return nil, err
		}
		switch n += d; {
		case n < 0:
			return nil, fmt.Errorf("households: counter %s would fall to %d", k, n)
		case n == 0:
			ops = append(ops, op{key: k})
		default:
			val := strconv.Itoa(n)
			ops = append(ops, op{key: k, val: &val})
		}
	}
	return sortedBatch(ops), nil
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

func sortedBatch(ops []op) *modelstore.Batch {
	slices.SortFunc(ops, func(a, b op) int { return strings.Compare(a.key, b.key) })
	b := &modelstore.Batch{}
	for _, o := range ops {
		if o.val == nil {
			b.Delete([]byte(o.key))
		} else {
			b.Put([]byte(o.key), []byte(*o.val))
		}
	}
	return b
}

// count adds sign to the counters r stands in: its division at each level
// by status, and its cadre's load.
func count(deltas map[string]int, r *record, sign int) {
	for _, l := range counterLevels {
		deltas[counterKey(l, r.Village, r.Status)] += sign
	}
	if r.CadreID != "" && helped(r.Status) {
		deltas[loadKey(r.CadreID)] += sign
	}
}

func (v *View) counter(ctx context.Context, key string) (int, error) {
	raw, ok, err := v.ms.Get(ctx, v.name, []byte(key))
	if err != nil || !ok {
		return 0, err
	}
	return atoi(raw)
}
