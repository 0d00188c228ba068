// Package redflags is the auditors' read model of warning signs (DOMAIN.md
// §1: "did money reach only enrolled households …? What sits idle?"): per
// county, each red flag with the global positions of the events that prove
// it, so an auditor can open exactly those events (and their Merkle proofs)
// rather than take the flag's word.
//
// The flags are maintained as events arrive (a durable projections.Model
// on a modelstore.Store): an event changes the records it touches — a
// payment, a household, an account, a group of payments (project × period
// × village), an appropriation — and the flags of those records only are
// computed again at the end of the batch and written as flag records,
// with the batch's checkpoint in one Commit. A flag appears as soon as the
// events that prove it are in the log, and one that a later event
// disproves (a correction, a settlement) disappears. The flags that depend
// on elapsed time (idle funds, unreconciled payments) are stored as
// candidates under the time they date from and judged at query time
// against the clock the query passes, through keys ordered by that time,
// so a query reads what it lists and not the rest.
//
// Keys (in the model's namespace):
//
//	h/<file>                      household: homes.Summary and its payments' refs
//	p/<ref>                       payment: the instruction, status, acknowledgement, the keys it wrote
//	a/<county>|<document>         appropriation: amounts, positions, its idle candidate's key
//	j/<project>                   project publicity (ends, position)
//	jp/<project>/<pos20>          the project's payments (ref), for a publicity that arrives late
//	ac/<account number>           live household payments to one account
//	g/<project>|<period>|<village> live payments of a village's households in one project and period
//	m/<ref>                       latest mismatching bank line naming a payment
//	f/<county>/<kind>/<subject>   a standing flag (Flag JSON), in ID order, under the county it is seen in
//	fp/<place>/<kind>/<subject>   the same by place (village, or county code), for listings within a county
//	ic/<county>/<since>/<doc>     idle-funds candidate, by receipt time
//	uc/<county>/<since>/<pos20>   pending (unanswered) instruction, by instruction time, per county
//	u/<since>/<pos20>             the same, all counties
//	up/<place>/<since>/<pos20>    the same by the flag's place
//	ul/<place>/<since>/<pos20>    the same by Unreconciled's place (the payee's village)
//	pl/<place>                    a place that has flags or candidates
//	cn/<county>                   a county that has flags or candidates
//	c/<county>/<kind>             count of standing flags
//
// Queries read the store only (never the fold's caches), so a follower
// process that never folds answers correctly; Position is the stored
// checkpoint. The fold's caches (RecordCacheMax records, homes.StatesMax
// household states) hold committed values for the checkpoint they were
// filled at, and are dropped when the store stands elsewhere.
package redflags

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync/atomic"

	"github.com/drip-ledger/drip/domain/fund"
	"github.com/drip-ledger/drip/domain/household"
	"github.com/drip-ledger/drip/domain/reconcile"
	"github.com/drip-ledger/drip/events"
	"github.com/drip-ledger/drip/projections"
	"github.com/drip-ledger/drip/projections/funds/homes"
	"github.com/drip-ledger/drip/projections/modelstore"
)

// Name is the model's name in the modelstore, its version included.
const Name = "redflags.v2"

// Config holds the thresholds of the rules. Start from DefaultConfig.
type Config struct {
	// ExitSupportYears: an exited household may be paid this long after its
	// exit (the fund ledger's own rule, fund.Config.ExitSupportYears).
	ExitSupportYears int
	// UnreconciledDays: an instruction older than this with no settlement
	// or failure is flagged.
	UnreconciledDays int
	// IdenticalHouseholdsMin: identical amounts are flagged from this many
	// households of one village.
	IdenticalHouseholdsMin int
}

// DefaultConfig: the fund ledger's exit support, 30 days, 3 households.
func DefaultConfig() Config {
	return Config{ExitSupportYears: fund.DefaultConfig().ExitSupportYears, UnreconciledDays: 30, IdenticalHouseholdsMin: 3}
}

// Validate reports every problem at once.
func (c Config) Validate() error {
	var errs []error
	if c.ExitSupportYears < 0 || c.ExitSupportYears > fund.ExitSupportYearsMax {
		errs = append(errs, fmt.Errorf("redflags: ExitSupportYears %d is outside 0..%d", c.ExitSupportYears, fund.ExitSupportYearsMax))
	}
	if c.UnreconciledDays < 1 || c.UnreconciledDays > 366 {
		errs = append(errs, fmt.Errorf("redflags: UnreconciledDays %d is outside 1..366", c.UnreconciledDays))
	}
	if c.IdenticalHouseholdsMin < 2 || c.IdenticalHouseholdsMin > 1000 {
		errs = append(errs, fmt.Errorf("redflags: IdenticalHouseholdsMin %d is outside 2..1000", c.IdenticalHouseholdsMin))
	}
	return errors.Join(errs...)
}

// View is the red flags read model: a projections.Model. Its queries are
// safe for concurrent use with ApplyBatch.
type View struct {
	reg   *events.Registry
	cfg   Config
	ms    modelstore.Store
	name  string
	homes *homes.Folder
	cache *lru[[]byte] // committed records as stored
	objs  *lru[any]    // committed records decoded (cloned before a fold changes them)
	// cached is the checkpoint the fold's caches agree with: a store that
	// stands elsewhere (another process advanced the model while this one
	// followed) has its caches dropped before the next batch.
	cached atomic.Uint64
}

var _ projections.Model = (*View)(nil)

// New returns the view named name (Name, or another for a rebuild beside
// the live one) on ms, decoding with reg (which must hold the household,
// fund and reconcile types); streams (the log; nil only in tests that fold
// every household from its first event) refolds a household whose state
// is not cached.
func New(reg *events.Registry, ms modelstore.Store, name string, streams homes.Streams, cfg Config) (*View, error) {
	if reg == nil || !reg.Known(household.TypeHouseholdRegistered) || !reg.Known(fund.TypePaymentInstructed) || !reg.Known(reconcile.TypeLineMismatched) {
		return nil, errors.New("redflags: New needs a registry with the household, fund and reconcile types")
	}
	if ms == nil {
		return nil, errors.New("redflags: New needs a model store")
	}
	if err := modelstore.CheckModel(name); err != nil {
		return nil, err
	}
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	v := &View{reg: reg, cfg: cfg, ms: ms, name: name, homes: homes.NewFolder(reg, streams), cache: newLRU[[]byte](RecordCacheMax), objs: newLRU[any](RecordCacheMax)}
	v.cached.Store(^uint64(0)) // empty caches agree with any checkpoint, but say none until the first batch
	return v, nil
}

// Name implements projections.Model.
func (v *View) Name() string { return v.name }

// Checkpoint implements projections.Model.
func (v *View) Checkpoint(ctx context.Context) (uint64, error) { return v.ms.Checkpoint(ctx, v.name) }

// Position is the last event the committed state includes (0 on error:
// the answer then claims nothing).
func (v *View) Position() uint64 {
	p, err := v.ms.Checkpoint(context.Background(), v.name)
	if err != nil {
		return 0
	}
	return p
}

// Reset implements projections.Model.
func (v *View) Reset(ctx context.Context) error {
	v.drop()
	return v.ms.Drop(ctx, v.name)
}

func (v *View) drop() {
	v.cache.clear()
	v.objs.clear()
	v.homes.Drop()
	v.cached.Store(^uint64(0)) // agrees with no checkpoint until the next commit
}

// relevant says whether the view reads ev.
func relevant(ev events.Event) bool {
	return strings.HasPrefix(ev.Stream, household.StreamPrefix) || strings.HasPrefix(ev.Stream, fund.PoolStreamPrefix) ||
		strings.HasPrefix(ev.Stream, fund.ProjectStreamPrefix) || ev.Type == reconcile.TypeLineMismatched
}

// ApplyBatch implements projections.Model: it folds evs into the records
// they touch, computes the flags of those records again, and commits it
// all with the checkpoint. An event the rules could not have written stops
// the batch, and nothing of it is committed.
func (v *View) ApplyBatch(ctx context.Context, evs []projections.Decoded) error {
	if len(evs) == 0 {
		return nil
	}
	cp, err := v.ms.Checkpoint(ctx, v.name)
	if err != nil {
		return err
	}
	if cp != v.cached.Load() {
		v.drop()
	}
	t := newFold(ctx, v)
	for _, ev := range evs {
		if !relevant(ev.Event) {
			continue
		}
		p := ev.Payload
		if p == nil {
			var err error
			if p, err = v.reg.Decode(ev.Event); err != nil {
				v.drop()
				return fmt.Errorf("redflags: position %d: %w", ev.Position, err)
			}
		}
		if err := t.apply(ev.Event, p); err != nil {
			v.drop()
			return fmt.Errorf("redflags: position %d: %w", ev.Position, err)
		}
	}
	if err := t.flush(); err != nil {
		v.drop()
		return fmt.Errorf("redflags: batch ending at %d: %w", evs[len(evs)-1].Position, err)
	}
	if err := v.ms.Commit(ctx, v.name, t.batch(), evs[len(evs)-1].Position); err != nil {
		v.drop()
		return fmt.Errorf("redflags: commit at %d: %w", evs[len(evs)-1].Position, err)
	}
	t.committed()
	t.cacheRecords()
	v.cached.Store(evs[len(evs)-1].Position)
	return nil
}
