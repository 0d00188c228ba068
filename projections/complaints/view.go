// Package complaints is the 12317 desk's queue: every complaint's current
// state with its deadlines, filtered by jurisdiction, status, category and
// whether it is overdue. It folds complaint events with the domain's own
// Evolve.
//
// It is a durable projections.Model: its state lives in a modelstore.Store
// under its name ("complaints.v2"), committed with its checkpoint in one
// batch per ApplyBatch. Queries read committed keys only and walk an index
// chosen by their filters, never every complaint.
//
// # Keys
//
// Within the model's namespace, where <j> is each jurisdiction containing
// the complaint's division (the nation "", its province, prefecture, county,
// township and village prefixes, down to the division's own level):
//
//	i/<id>                       → record: Item without Overdue + when each deadline counts as missed + stream version (JSON)
//	d/<j>/<id>                   → ""                            (the queue of j, in ID order)
//	s/<j>/<status>/<id>          → ""                            (j × status)
//	c/<j>/<category>/<id>        → ""                            (j × category)
//	m/<j>/<id>                   → ""                            (overdue by the log's time: see below)
//	o/<late after, UTC>/<id>     → <division>|<status>|<category> (not overdue by then: the instant it becomes so)
//
// Whether a complaint is overdue depends on when one asks: the record keeps,
// for each deadline, the instant after which it counts as missed (the zero
// time: missed for good, an act done late). A complaint overdue by the
// recorded time of the last event the model folded (a deadline missed for
// good, or passed while it waited) sits in m/, in ID order like the queue;
// one not overdue by then sits in o/ at the instant it becomes overdue, and
// each batch moves the o/ keys its recorded time passed into m/. So the
// complaints overdue at now are m/ (each checked again at now) and the o/
// keys before now — those whose deadline passed since the log last moved,
// few while the desk writes (every read of personal data is an event). An
// overdue page merges the two in ID order.
//
// # Memory
//
// ApplyBatch folds each complaint's events into its complaint.State, kept
// in an LRU of at most the cacheMax given to New (ComplaintCacheMax by
// default), valid for the stream version it was folded at; on a miss it
// folds the complaint's own stream from the log. Queries never need it, so
// a follower (Follow) answers from the store alone.
package complaints

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sync/atomic"
	"time"

	"github.com/drip-ledger/drip/domain"
	"github.com/drip-ledger/drip/domain/complaint"
	"github.com/drip-ledger/drip/events"
	"github.com/drip-ledger/drip/projections"
	"github.com/drip-ledger/drip/projections/internal/lru"
	"github.com/drip-ledger/drip/projections/modelstore"
)

// Name is the model's default name; v1 was the in-memory view.
const Name = "complaints.v2"

// ComplaintCacheMax is the default bound of the LRU of folded complaints.
const ComplaintCacheMax = 20_000

// FollowInterval is how often a follower polls the model's checkpoint.
const FollowInterval = 100 * time.Millisecond

const streamPrefix = "complaint-"

// StreamReader is what the model reads of the log: a complaint's own
// stream. events.Store is one.
type StreamReader interface {
	ReadStream(ctx context.Context, stream string, from uint64, dir events.Direction, limit int) ([]events.Event, error)
}

// View is the complaint queue. Queries are safe alongside ApplyBatch.
type View struct {
	reg      *events.Registry
	log      StreamReader
	ms       modelstore.Store
	name     string
	cache    *lru.Cache[string, folded]
	position atomic.Uint64
}

type folded struct {
	state   complaint.State
	version uint64
}

var _ projections.Model = (*View)(nil)

// New returns the queue named name over ms, decoding with reg and reading
// streams from log; cacheMax bounds its LRU (ComplaintCacheMax if 0).
func New(reg *events.Registry, log StreamReader, ms modelstore.Store, name string, cacheMax int) (*View, error) {
	var errs []error
	if reg == nil || !reg.Known(complaint.TypeComplaintReceived) {
		errs = append(errs, errors.New("a registry with the complaint types"))
	}
	if log == nil {
		errs = append(errs, errors.New("a stream reader"))
	}
	if ms == nil {
		errs = append(errs, errors.New("a modelstore"))
	}
	if err := modelstore.CheckModel(name); err != nil {
		errs = append(errs, err)
	}
	if cacheMax < 0 {
		errs = append(errs, fmt.Errorf("a cache of 0 (the default) or more complaints, not %d", cacheMax))
	}
	if len(errs) > 0 {
		return nil, fmt.Errorf("complaints: New needs %w", errors.Join(errs...))
	}
	if cacheMax == 0 {
		cacheMax = ComplaintCacheMax
	}
	return &View{reg: reg, log: log, ms: ms, name: name, cache: lru.New[string, folded](cacheMax)}, nil
}

// Name implements projections.Model.
func (v *View) Name() string { return v.name }

// Checkpoint implements projections.Model; it also sets Position.
func (v *View) Checkpoint(ctx context.Context) (uint64, error) {
	cp, err := v.ms.Checkpoint(ctx, v.name)
	if err != nil {
		return 0, err
	}
	v.position.Store(cp)
	return cp, nil
}

// Reset implements projections.Model.
func (v *View) Reset(ctx context.Context) error {
	v.cache.Clear()
	if err := v.ms.Drop(ctx, v.name); err != nil {
		return err
	}
	v.position.Store(0)
	return nil
}

// Position is the last event the committed queue includes, as this process
// last saw it (ApplyBatch, Checkpoint, or Follow).
func (v *View) Position() uint64 { return v.position.Load() }

// Follow keeps Position at the stored checkpoint until ctx ends.
func (v *View) Follow(ctx context.Context) error {
	t := time.NewTicker(FollowInterval)
	defer t.Stop()
	for {
		if _, err := v.Checkpoint(ctx); err != nil && ctx.Err() == nil {
			return err
		}
		select {
		case <-ctx.Done():
			return nil
		case <-t.C:
		}
	}
}

// Item is one complaint in the queue.
type Item struct {
	ID          string                `json:"id"`
	Status      complaint.Status      `json:"status"`
	Channel     complaint.Channel     `json:"channel"`
	Category    complaint.Category    `json:"category"`
	Subject     complaint.Subject     `json:"subject"`
	Division    string                `json:"division"`
	Anonymous   bool                  `json:"anonymous"`
	ReceivedAt  time.Time             `json:"receivedAt"`
	Due         complaint.Due         `json:"due"`
	Overdue     complaint.Missed      `json:"overdue"`
	Assignee    complaint.Assignee    `json:"assignee"`
	Appeals     int                   `json:"appeals"`
	Corrections []events.ID           `json:"correctiveEventIds,omitempty"`
	Resolution  *complaint.Resolution `json:"resolution,omitempty"`
}

// record is what the store keeps of one complaint.
type record struct {
	Item
	// AcknowledgeLateAfter and ResolveLateAfter: the deadline counts as
	// missed at any instant after it (the zero time: missed whenever one
	// asks); nil: it cannot be missed any more.
	AcknowledgeLateAfter *time.Time `json:"acknowledgeLateAfter,omitempty"`
	ResolveLateAfter     *time.Time `json:"resolveLateAfter,omitempty"`
	Version              uint64     `json:"version"`
	// KeyedAt is the log's recorded time its keys were written at: past
	// it, a deadline that passed is in m/ rather than o/.
	KeyedAt time.Time `json:"keyedAt"`
}

// The instants recordOf asks complaint.Overdue at, to learn which deadlines
// are missed for good, pending, or met.
var (
	beforeAll = time.Date(1, 1, 1, 0, 0, 0, 1, time.UTC)
	afterAll  = time.Date(9999, 12, 31, 0, 0, 0, 0, time.UTC)
)

// recordOf summarises s. Which deadlines are missed comes from
// complaint.Overdue itself: missed at beforeAll means missed for good (an
// act done late); missed only at afterAll means missed once its due date
// passes (still waiting); missed at neither, met.
func recordOf(s complaint.State, version uint64, keyedAt time.Time) *record {
	r := &record{Item: Item{ID: s.ID().String(), Status: s.Status(), Channel: s.Channel(), Category: s.Category(),
		Subject: s.Subject(), Division: s.Division().String(), Anonymous: s.Anonymous(), ReceivedAt: s.ReceivedAt(),
		Due: s.Due(), Assignee: s.Assignee(), Appeals: s.Appeals(), Corrections: s.CorrectiveEventIDs()}, Version: version, KeyedAt: keyedAt}
	if res, ok := s.Resolution(); ok {
		r.Resolution = &res
	}
	early, late := complaint.Overdue(s, beforeAll), complaint.Overdue(s, afterAll)
	r.AcknowledgeLateAfter = lateAfter(early.Acknowledge, late.Acknowledge, s.Due().AcknowledgeBy)
	r.ResolveLateAfter = lateAfter(early.Resolve, late.Resolve, s.Due().ResolveBy)
	return r
}

func lateAfter(early, late bool, by time.Time) *time.Time {
	switch {
	case early:
		return &time.Time{}
	case late:
		return &by
	}
	return nil
}

// item is the record as the queue shows it at now.
func (r *record) item(now time.Time) Item {
	it := r.Item
	it.Overdue = complaint.Missed{Acknowledge: missed(r.AcknowledgeLateAfter, now), Resolve: missed(r.ResolveLateAfter, now)}
	return it
}

func missed(after *time.Time, now time.Time) bool {
	return after != nil && (after.IsZero() || now.After(*after))
}

// overdueFrom is the earliest instant after which the complaint is
// overdue; ok is false if it cannot become overdue.
func (r *record) overdueFrom() (time.Time, bool) {
	switch a, b := r.AcknowledgeLateAfter, r.ResolveLateAfter; {
	case a == nil && b == nil:
		return time.Time{}, false
	case a == nil:
		return *b, true
	case b == nil || a.Before(*b):
		return *a, true
	default:
		return *b, true
	}
}

// timeKey writes t so that keys sort by time: UTC, fixed width.
func timeKey(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05.000000000Z") }

// jurisdictions are the prefixes of every jurisdiction containing d.
func jurisdictions(d domain.DivisionCode) []string {
	out := []string{""}
	for l := domain.LevelProvince; l <= d.Level(); l++ {
		out = append(out, d.String()[:l.Digits()])
	}
	return out
}

// keys are the index keys (with values) a record stands for.
func (r *record) keys() (map[string]string, error) {
	d, err := domain.ParseDivisionCode(r.Division)
	if err != nil {
		return nil, fmt.Errorf("complaints: complaint %s: %w", r.ID, err)
	}
	out := map[string]string{}
	for _, j := range jurisdictions(d) {
		out["d/"+j+"/"+r.ID] = ""
		out["s/"+j+"/"+string(r.Status)+"/"+r.ID] = ""
		out["c/"+j+"/"+string(r.Category)+"/"+r.ID] = ""
	}
	switch t, ok := r.overdueFrom(); {
	case ok && (t.IsZero() || r.KeyedAt.After(t)): // overdue by the log's time
		for _, j := range jurisdictions(d) {
			out["m/"+j+"/"+r.ID] = ""
		}
	case ok:
		out["o/"+timeKey(t)+"/"+r.ID] = r.Division + "|" + string(r.Status) + "|" + string(r.Category)
	}
	return out, nil
}

func idKey(id string) []byte { return []byte("i/" + id) }

func decodeRecord(b []byte) (*record, error) {
	var r record
	if err := json.Unmarshal(b, &r); err != nil {
		return nil, fmt.Errorf("complaints: a stored record: %w", err)
	}
	return &r, nil
}
