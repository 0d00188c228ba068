// Package homes gives the fund ledger's read models (funds, redflags) what
// they need of a household — its village, status history, members, deaths
// and the positions of its events — as a small exported record (Summary,
// JSON) instead of a household.State per household.
//
// The domain's State keeps its whole history with unexported fields, so it
// is neither serialised nor kept for every household: Folder holds at most
// StatesMax of them (an LRU) to fold the next event with household.Evolve
// (corrections included), and refolds a household's own stream from the
// log on a miss (household streams are short). A cached state is used only
// at the version right before the event being folded, so a batch that
// failed and is folded again, or a state of another process's making, is
// never mistaken for the current one.
package homes

import (
	"container/list"
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/drip-ledger/drip/domain"
	"github.com/drip-ledger/drip/domain/household"
	"github.com/drip-ledger/drip/events"
)

// StatesMax bounds the household states a Folder keeps.
const StatesMax = 4_096

// Change is one change of status: what eligibility questions ask of it.
type Change struct {
	Status     household.Status `json:"status"`
	Version    uint64           `json:"version"`
	OccurredAt time.Time        `json:"occurredAt"`
}

// Member is a member as the flags and trails name them.
type Member struct {
	Name       string            `json:"name"`
	ResidentID domain.ResidentID `json:"residentId"`
	// Died is the recorded date of death (YYYY-MM-DD), "" if none.
	Died string `json:"died,omitempty"`
}

// Summary is what the fund ledger's views keep of one household.
type Summary struct {
	File    string           `json:"file"`
	Village string           `json:"village"`
	Status  household.Status `json:"status"`
	// Members: the head first, the deceased included.
	Members []Member `json:"members"`
	Changes []Change `json:"changes"`
	// Positions are the global positions of the household's events, by
	// version - 1.
	Positions []uint64 `json:"positions"`
	// Deaths maps a resident ID to the position of its (latest) MemberDied.
	Deaths map[string]uint64 `json:"deaths,omitempty"`
}

// Head is the head of the household (the first member).
func (s Summary) Head() Member {
	if len(s.Members) == 0 {
		return Member{}
	}
	return s.Members[0]
}

// Pos is the position of the household's event at version (0: none).
func (s Summary) Pos(version uint64) uint64 {
	if version < 1 || int(version) > len(s.Positions) {
		return 0
	}
	return s.Positions[version-1]
}

// Streams reads a household's stream to refold it: events.Store does.
type Streams interface {
	ReadStream(ctx context.Context, stream string, from uint64, dir events.Direction, limit int) ([]events.Event, error)
}

// Folder folds household events into Summaries. Safe for concurrent use.
type Folder struct {
	reg     *events.Registry
	streams Streams // nil: no refold (every household must be folded from its first event on)

	mu     sync.Mutex
	lru    *list.List // of *entry, most recent first
	byFile map[string]*list.Element
}

type entry struct {
	file  string
	state household.State
}

// NewFolder returns a Folder decoding with reg and refolding from streams
// (nil in tests that fold every household from its first event).
func NewFolder(reg *events.Registry, streams Streams) *Folder {
	return &Folder{reg: reg, streams: streams, lru: list.New(), byFile: map[string]*list.Element{}}
}

// Drop forgets every cached state (after a failed batch).
func (f *Folder) Drop() {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.lru.Init()
	clear(f.byFile)
}

// Fold folds ev (payload p), the next event of a household's stream, onto
// prev — its Summary before ev (zero for the first event) — and returns
// the Summary after it.
func (f *Folder) Fold(ctx context.Context, prev Summary, ev events.Event, p events.Payload) (Summary, error) {
	next, err := f.Evolve(ctx, ev, p)
	if err != nil {
		return Summary{}, err
	}
	file := strings.TrimPrefix(ev.Stream, household.StreamPrefix)
	out := Summary{File: file, Village: next.Village().String(), Status: next.Status(),
		Positions: append(append([]uint64{}, prev.Positions...), ev.Position), Deaths: map[string]uint64{}}
	for k, v := range prev.Deaths {
		out.Deaths[k] = v
	}
	if d, ok := p.(*household.MemberDied); ok {
		out.Deaths[d.ResidentID.String()] = ev.Position
	}
	for _, m := range next.Members() {
		died, _ := next.Deceased(m.ResidentID)
		out.Members = append(out.Members, Member{Name: m.Name, ResidentID: m.ResidentID, Died: died})
	}
	for _, c := range next.Changes() {
		out.Changes = append(out.Changes, Change{Status: c.Status, Version: c.Version, OccurredAt: c.OccurredAt})
	}
	return out, nil
}

// Evolve folds ev (payload p), the next event of a household's stream,
// into the household's state and returns it (the caller keeps what it
// needs of it, not the state).
func (f *Folder) Evolve(ctx context.Context, ev events.Event, p events.Payload) (household.State, error) {
	file := strings.TrimPrefix(ev.Stream, household.StreamPrefix)
	st, err := f.stateBefore(ctx, file, ev)
	if err != nil {
		return household.State{}, err
	}
	next, err := household.Evolve(st, ev, p)
	if err != nil {
		return household.State{}, err
	}
	f.keep(file, next)
	return next, nil
}

func (f *Folder) stateBefore(ctx context.Context, file string, ev events.Event) (household.State, error) {
	f.mu.Lock()
	if el, ok := f.byFile[file]; ok {
		e := el.Value.(*entry)
		if e.state.Version() == ev.Version-1 {
			f.lru.MoveToFront(el)
			f.mu.Unlock()
			return e.state, nil
		}
	}
	f.mu.Unlock()
	var st household.State
	if ev.Version <= 1 {
		return st, nil
	}
	if f.streams == nil {
		return st, fmt.Errorf("homes: household %s at version %d is not cached and there is no log to refold it from", file, ev.Version)
	}
	for from := uint64(1); from < ev.Version; {
		n := min(ev.Version-from, events.ReadEventsMax)
		evs, err := f.streams.ReadStream(ctx, ev.Stream, from, events.Forwards, int(n))
		if err != nil {
			return st, fmt.Errorf("homes: refolding %s: %w", ev.Stream, err)
		}
		if len(evs) == 0 {
			return st, errors.New("homes: refolding " + ev.Stream + ": the stream ends early")
		}
		for _, e := range evs {
			if e.Version >= ev.Version {
				break
			}
			p, err := f.reg.Decode(e)
			if err != nil {
				return st, err
			}
			if st, err = household.Evolve(st, e, p); err != nil {
				return st, fmt.Errorf("homes: refolding %s at version %d: %w", ev.Stream, e.Version, err)
			}
			from = e.Version + 1
		}
	}
	return st, nil
}

func (f *Folder) keep(file string, st household.State) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if el, ok := f.byFile[file]; ok {
		el.Value.(*entry).state = st
		f.lru.MoveToFront(el)
		return
	}
	f.byFile[file] = f.lru.PushFront(&entry{file: file, state: st})
	for f.lru.Len() > StatesMax {
		last := f.lru.Back()
		f.lru.Remove(last)
		delete(f.byFile, last.Value.(*entry).file)
	}
}
