// Package complaints is the 12317 desk's queue: every complaint's current
// state with its deadlines, filtered by jurisdiction, status and whether it
// is overdue. It folds complaint events with the domain's own Evolve and is
// rebuilt from the log at start (in memory, like the households view).
package complaints

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/drip-ledger/drip/domain"
	"github.com/drip-ledger/drip/domain/complaint"
	"github.com/drip-ledger/drip/events"
)

// Name is the projection's name.
const Name = "complaints"

const streamPrefix = "complaint-"

// View is the complaint queue. Queries are safe alongside Apply.
type View struct {
	reg *events.Registry

	mu   sync.RWMutex
	byID map[string]complaint.State
}

// New returns an empty queue decoding with reg.
func New(reg *events.Registry) (*View, error) {
	if reg == nil || !reg.Known(complaint.TypeComplaintReceived) {
		return nil, fmt.Errorf("complaints: New needs a registry with the complaint types")
	}
	return &View{reg: reg, byID: map[string]complaint.State{}}, nil
}

// Name implements projections.Projection.
func (v *View) Name() string { return Name }

// Reset implements projections.Projection.
func (v *View) Reset(context.Context) error {
	v.mu.Lock()
	defer v.mu.Unlock()
	v.byID = map[string]complaint.State{}
	return nil
}

// Apply implements projections.Projection.
func (v *View) Apply(_ context.Context, ev events.Event) error {
	if !strings.HasPrefix(ev.Stream, streamPrefix) {
		return nil
	}
	p, err := v.reg.Decode(ev)
	if err != nil {
		return err
	}
	id := strings.TrimPrefix(ev.Stream, streamPrefix)
	v.mu.Lock()
	defer v.mu.Unlock()
	next, err := complaint.Evolve(v.byID[id], ev, p)
	if err != nil {
		return fmt.Errorf("complaints: position %d: %w", ev.Position, err)
	}
	v.byID[id] = next
	return nil
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

func item(id string, s complaint.State, now time.Time) Item {
	it := Item{ID: id, Status: s.Status(), Channel: s.Channel(), Category: s.Category(), Subject: s.Subject(),
		Division: s.Division().String(), Anonymous: s.Anonymous(), ReceivedAt: s.ReceivedAt(), Due: s.Due(),
		Overdue: complaint.Overdue(s, now), Assignee: s.Assignee(), Appeals: s.Appeals(), Corrections: s.CorrectiveEventIDs()}
	if r, ok := s.Resolution(); ok {
		it.Resolution = &r
	}
	return it
}

// PageLenMax bounds a page of the queue.
const PageLenMax = 200

// Query selects complaints; every set field must match.
type Query struct {
	Within   domain.Jurisdiction
	Status   complaint.Status
	Category complaint.Category
	// OverdueOnly keeps complaints with a missed deadline at Now.
	OverdueOnly bool
	Now         time.Time
	// After is the ID the previous page ended with.
	After string
	Limit int
}

// Page is one page of the queue in ID order.
type Page struct {
	Complaints []Item `json:"complaints"`
	Next       string `json:"next,omitempty"`
}

// List returns the complaints matching q.
func (v *View) List(q Query) (Page, error) {
	if q.Limit < 1 || q.Limit > PageLenMax {
		return Page{}, domain.Errorf("page_length", "a page holds 1 to %d items, not %d", PageLenMax, q.Limit)
	}
	v.mu.RLock()
	defer v.mu.RUnlock()
	ids := make([]string, 0, len(v.byID))
	for id := range v.byID {
		if id > q.After {
			ids = append(ids, id)
		}
	}
	slices.Sort(ids)
	page := Page{Complaints: []Item{}}
	for _, id := range ids {
		s := v.byID[id]
		if !q.Within.Contains(s.Division()) || q.Status != "" && s.Status() != q.Status ||
			q.Category != "" && s.Category() != q.Category {
			continue
		}
		it := item(id, s, q.Now)
		if q.OverdueOnly && !it.Overdue.Any() {
			continue
		}
		if len(page.Complaints) == q.Limit {
			page.Next = page.Complaints[q.Limit-1].ID
			break
		}
		page.Complaints = append(page.Complaints, it)
	}
	return page, nil
}

// Get returns one complaint, as the queue shows it at now.
func (v *View) Get(id string, now time.Time) (Item, complaint.State, bool) {
	v.mu.RLock()
	defer v.mu.RUnlock()
	s, ok := v.byID[id]
	if !ok {
		return Item{}, complaint.State{}, false
	}
	return item(id, s, now), s, true
}
