package households

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/drip-ledger/drip/domain"
	"github.com/drip-ledger/drip/domain/complaint"
	"github.com/drip-ledger/drip/domain/household"
	"github.com/drip-ledger/drip/events"
	"github.com/drip-ledger/drip/projections"
	"github.com/drip-ledger/drip/projections/internal/lru"
	"github.com/drip-ledger/drip/projections/modelstore"
)

// Name is the model's default name (its namespace in the modelstore). The
// version changes whenever the fold or the keys do: v1 was the in-memory
// view.
const Name = "households.v2"

// HouseholdCacheMax is the default bound of the LRU of folded households
// (a State keeps its whole history: a few KB each).
const HouseholdCacheMax = 20_000

// FollowInterval is how often a follower polls the model's checkpoint.
const FollowInterval = 100 * time.Millisecond

// StreamReader is what the model reads of the log: a household's own
// stream, to fold a household the cache does not hold. events.Store is one.
type StreamReader interface {
	ReadStream(ctx context.Context, stream string, from uint64, dir events.Direction, limit int) ([]events.Event, error)
}

// View is the households read model. Its queries are safe for concurrent
// use with ApplyBatch; ApplyBatch, Checkpoint and Reset are called from one
// goroutine at a time (projections.Model).
type View struct {
	reg      *events.Registry
	log      StreamReader
	ms       modelstore.Store
	name     string
	cache    *lru.Cache[string, folded]
	position atomic.Uint64
}

// folded is a household's state as of one version of its stream.
type folded struct {
	state   household.State
	version uint64
}

var _ projections.Model = (*View)(nil)

// New returns the view named name (Name, or another for a rebuild beside
// the live one) over ms, decoding with reg (which must hold the household
// and complaint types) and reading streams from log. cacheMax bounds the
// LRU of folded households (HouseholdCacheMax if 0).
func New(reg *events.Registry, log StreamReader, ms modelstore.Store, name string, cacheMax int) (*View, error) {
	var errs []error
	if reg == nil || !reg.Known(household.TypeHouseholdRegistered) || !reg.Known(complaint.TypeComplaintReceived) {
		errs = append(errs, errors.New("a registry with the household and complaint types"))
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
		errs = append(errs, fmt.Errorf("a cache of 0 (the default) or more households, not %d", cacheMax))
	}
	if len(errs) > 0 {
		return nil, fmt.Errorf("households: New needs %w", errors.Join(errs...))
	}
	if cacheMax == 0 {
		cacheMax = HouseholdCacheMax
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

// Position is the last event the view's committed state includes, as this
// process last saw it (ApplyBatch, Checkpoint, or Follow on a follower).
func (v *View) Position() uint64 { return v.position.Load() }

// Follow keeps Position at the stored checkpoint until ctx ends: for a
// process that reads the model while another one advances it.
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

// record is what the store keeps of one household: its summary and what
// the indexes and counters were made from, so the next change can undo
// them without the old State.
type record struct {
	Summary
	// Version is the household stream's version the record was made at.
	Version     uint64   `json:"version"`
	Names       []string `json:"names"`
	ResidentIDs []string `json:"residentIds"`
}

func recordOf(s household.State, position uint64) *record {
	head := s.Head()
	r := &record{Summary: Summary{FileNumber: s.File().String(), Village: s.Village().String(), Status: s.Status(),
		HeadName: head.Name, HeadResidentID: head.ResidentID.Masked(), Members: len(s.Members()), Position: position},
		Version: s.Version()}
	if a, ok := s.LatestAssessment(); ok {
		r.Score, r.IncomePerCapitaFen = a.TotalPoints, a.NetIncomePerCapitaFen
	}
	if c, ok := s.Cadre(); ok {
		r.CadreID = c.ID
	}
	for _, m := range s.Members() {
		r.Names = append(r.Names, m.Name)
		r.ResidentIDs = append(r.ResidentIDs, m.ResidentID.String())
	}
	return r
}

// keys are the index keys (with their values) a record stands for. The
// status index holds the summary itself, so a page by division and status
// is one scan; each name key holds how many leading bytes it shares with
// the household's next smaller suffix, so a search can tell, from the key
// alone, whether it is the household's first key for a query (firstKey).
func (r *record) keys() map[string]string {
	sum, err := json.Marshal(r.Summary)
	if err != nil {
		panic(err) // a Summary has no field JSON cannot encode
	}
	out := map[string]string{statusKey(r.Status, r.FileNumber): string(sum)}
	for _, id := range r.ResidentIDs {
		out[string(residentKey(id))] = r.FileNumber
	}
	set := map[string]bool{}
	for _, n := range r.Names {
		nameSuffixes(n, set)
	}
	suffixes := slices.Sorted(maps.Keys(set))
	for i, s := range suffixes {
		shared := 0
		if i > 0 {
			shared = commonPrefix(suffixes[i-1], s)
		}
		out[nameKey(s, r.FileNumber)] = strconv.Itoa(shared)
	}
	return out
}

// commonPrefix is the number of leading bytes a and b share.
func commonPrefix(a, b string) int {
	n := 0
	for n < len(a) && n < len(b) && a[n] == b[n] {
		n++
	}
	return n
}

// helped reports whether a household counts toward its cadre's "4321" load:
// while it is in the file, not after it left it.
func helped(st household.Status) bool {
	switch st {
	case household.StatusRemoved, household.StatusExited, household.StatusRejected:
		return false
	}
	return true
}

// householdOf is the file number a complaint concerns: its subject, or for
// one the fund ledger opened, the household that acknowledged less.
func householdOf(r *complaint.Received) string {
	if r.Subject.Kind == complaint.SubjectHousehold {
		return r.Subject.Ref
	}
	if r.Shortfall != nil {
		return r.Shortfall.Household
	}
	return ""
}

func decodeRecord(b []byte) (*record, error) {
	var r record
	if err := json.Unmarshal(b, &r); err != nil {
		return nil, fmt.Errorf("households: a stored record: %w", err)
	}
	return &r, nil
}

func fileOfStream(stream string) string { return strings.TrimPrefix(stream, household.StreamPrefix) }

// validFile is checked once per household: keys are built from it.
func validFile(s string) error {
	_, err := domain.ParseFileNumber(s)
	return err
}
