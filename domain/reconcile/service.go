package reconcile

import (
	"context"
	"errors"
	"fmt"
	"slices"

	"github.com/drip-ledger/drip/domain"
	"github.com/drip-ledger/drip/domain/fund"
	"github.com/drip-ledger/drip/events"
)

// Payments is what reconciliation needs of the fund ledger: to run a
// settlement or a failure on a project. *fund.Service satisfies it; it must
// be safe for concurrent use and honour the request's idempotency key.
type Payments interface {
	HandleProject(ctx context.Context, req domain.Request, id fund.ProjectID, cmd fund.ProjectCommand) (domain.Result, error)
}

// Codes of the errors the service reports.
const (
	CodeRoleNotPermitted    = "role_not_permitted"
	CodeOutsideJurisdiction = "outside_jurisdiction"
	CodeNotFound            = "reconciliation_not_found"
	CodeHashFormat          = "hash_format"
)

// eventsPerAppendMax bounds the line events of one append to the file's
// stream (the log takes at most events.BatchEventsMax).
const eventsPerAppendMax = 500

// idNamespace scopes the IDs of a file's events, derived from its hash.
var idNamespace = events.MustParseID("5d1f0c3e-9a47-4c2b-8e61-7b0d2a9f4c18")

// Service imports bank files and answers their reports. It holds no state
// of its own and is safe for concurrent use.
type Service struct {
	log      domain.Log
	reg      *events.Registry
	payments Payments
}

// NewService checks its collaborators. reg must hold the fund and
// reconciliation event types.
func NewService(log domain.Log, reg *events.Registry, payments Payments) (*Service, error) {
	var errs []error
	if log == nil {
		errs = append(errs, errors.New("reconcile: NewService: log is nil"))
	}
	if reg == nil || !reg.Known(TypeFileImported) || !reg.Known(fund.TypePaymentInstructed) {
		errs = append(errs, errors.New("reconcile: NewService: the registry needs the fund and reconcile event types"))
	}
	if payments == nil {
		errs = append(errs, errors.New("reconcile: NewService: payments is nil"))
	}
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	return &Service{log: log, reg: reg, payments: payments}, nil
}

// Import reconciles one bank file, all or nothing, eventually:
//
//  1. A file already imported (its stream ends with FileImported) changes
//     nothing: the earlier report is returned, Replayed.
//  2. The whole file is parsed and checked; any bad line rejects it, every
//     bad line named, and nothing is written.
//  3. Every line is decided against the ledger as it stands (Match), and
//     every settlement and failure is checked by the fund ledger's own
//     rules on its project before anything is written; a line outside the
//     actor's jurisdiction, or one the rules refuse, rejects the file and
//     nothing is written.
//  4. The settlements and failures are applied through Payments, one
//     project stream at a time, each under the idempotency key
//     LineKey(hash, line).
//  5. The lines that changed no payment are recorded on the file's stream,
//     and FileImported last.
//
// The log cannot append to many streams atomically, so step 4 can stop
// midway (a crash, a lost connection, a payment someone else settled in
// the meantime). Then no FileImported is written, the error says so, and
// importing the same file again finishes the job: a payment this file
// already closed is recognised by its line's key and not touched again, the
// file's events carry IDs derived from the hash and line, so whatever part
// of step 5 was written is kept and the rest added. Until FileImported is
// recorded the file counts as not imported; once it is, every line's
// outcome is in the log.
func (s *Service) Import(ctx context.Context, req domain.Request, name string, data []byte) (Report, error) {
	j, err := authorize(req)
	if err != nil {
		return Report{}, err
	}
	hash := Hash(data)
	recorded, err := s.read(ctx, hash)
	if err != nil {
		return Report{}, err
	}
	if recorded.imported != nil {
		r := recorded.report()
		r.Replayed = true
		return r, nil
	}
	f, err := Parse(name, data, req.At)
	if err != nil {
		return Report{}, err
	}
	if err := within(j, f); err != nil {
		return Report{}, err
	}
	facts, projects, err := s.facts(ctx, f)
	if err != nil {
		return Report{}, err
	}
	ds := Match(f, facts)
	if err := precheck(ds, projects, req); err != nil {
		return Report{}, err
	}
	if err := s.apply(ctx, req, hash, ds); err != nil {
		return Report{}, err
	}
	if err := s.record(ctx, req, f, ds, recorded); err != nil {
		return Report{}, err
	}
	return s.Report(ctx, req, hash)
}

// authorize checks that the actor may settle and fail payments, and parses
// its jurisdiction.
func authorize(req domain.Request) (domain.Jurisdiction, error) {
	role := domain.Role(req.Actor.Role)
	if !fund.Allowed(role, fund.SettlePayment{}.Name()) || !fund.Allowed(role, fund.FailPayment{}.Name()) {
		return domain.Jurisdiction{}, domain.Errorf(CodeRoleNotPermitted, "role %q may not import bank files", req.Actor.Role)
	}
	j, err := domain.ParseJurisdiction(req.Actor.Jurisdiction)
	if err != nil {
		return j, domain.Errorf(CodeOutsideJurisdiction, "the actor's jurisdiction %q is not a division-code prefix", req.Actor.Jurisdiction)
	}
	return j, nil
}

// within names every line whose project lies outside j.
func within(j domain.Jurisdiction, f File) error {
	var ps domain.Problems
	for _, l := range f.Lines {
		if !j.Contains(l.Project.County().Code()) {
			ps.Addf(fmt.Sprintf("lines[%d].payment_ref", l.Number), CodeOutsideJurisdiction,
				"payment %s is of county %s, outside your jurisdiction %q", l.PaymentRef, l.Project.County(), j)
		}
	}
	return ps.Err()
}

// facts folds the stream of every project the file names.
func (s *Service) facts(ctx context.Context, f File) (Facts, map[string]fund.Project, error) {
	facts := Facts{Projects: map[string]bool{}, Payments: map[string]PaymentFacts{}}
	projects := map[string]fund.Project{}
	for _, l := range f.Lines {
		id := l.Project.String()
		if _, done := projects[id]; done {
			continue
		}
		p, closed, err := s.project(ctx, l.Project)
		if err != nil {
			return facts, nil, err
		}
		projects[id], facts.Projects[id] = p, p.Exists()
		for _, pay := range p.Payments() {
			pf := PaymentFacts{Payment: pay}
			if c, ok := closed[pay.Ref]; ok {
				pf.ClosedKey, pf.ClosedEventID = c.Meta.IdempotencyKey, c.ID
			}
			facts.Payments[pay.Ref] = pf
		}
	}
	return facts, projects, nil
}

// project folds one project's stream and remembers, per payment, the event
// that settled or failed it.
func (s *Service) project(ctx context.Context, id fund.ProjectID) (fund.Project, map[string]events.Event, error) {
	state, closed := fund.EmptyProject(id), map[string]events.Event{}
	err := readAll(ctx, s.log, fund.ProjectStream(id), func(ev events.Event) error {
		p, err := s.reg.Decode(ev)
		if err != nil {
			return err
		}
		if state, err = fund.EvolveProject(state, ev, p); err != nil {
			return err
		}
		switch e := p.(type) {
		case *fund.PaymentSettled:
			closed[e.Ref] = ev
		case *fund.PaymentFailed:
			closed[e.Ref] = ev
		}
		return nil
	})
	return state, closed, err
}

// precheck runs every command's decision on its project as it stands, so
// that a file the rules refuse is refused before anything is written.
func precheck(ds []Decision, projects map[string]fund.Project, req domain.Request) error {
	var ps domain.Problems
	for _, d := range ds {
		if d.Command == nil {
			continue
		}
		if _, err := d.Command.Decide(projects[d.Line.Project.String()], fund.Env{At: req.At, Config: fund.DefaultConfig(), Bounds: domain.DefaultTimeBounds()}); err != nil {
			ps.Add(fmt.Sprintf("lines[%d]", d.Line.Number), err)
		}
	}
	return ps.Err()
}

// apply runs the settlements and failures, in file order.
func (s *Service) apply(ctx context.Context, req domain.Request, hash string, ds []Decision) error {
	total := 0
	for _, d := range ds {
		if d.Command != nil {
			total++
		}
	}
	done := 0
	for i := range ds {
		d := &ds[i]
		if d.Command == nil {
			continue
		}
		r := req
		r.At, r.IdempotencyKey = d.Line.ValueTime(), d.Key
		r.Fingerprint, r.CorrelationID = Hash([]byte(d.Line.raw))[:32], "bankfile-"+hash
		if r.At.IsZero() {
			r.At = req.At
		}
		res, err := s.payments.HandleProject(ctx, r, d.Line.Project, d.Command)
		if err != nil {
			return fmt.Errorf("reconcile: line %d (%s) could not be applied; %d of %d payments were updated: import the same file again to finish: %w",
				d.Line.Number, d.Line.PaymentRef, done, total, err)
		}
		done++
		if ret, ok := d.Event.(*LineReturned); ok {
			for _, ev := range res.Events {
				if ev.Type == fund.TypePaymentFailed {
					ret.PaymentEventID = ev.ID
				}
			}
			if ret.PaymentEventID.IsZero() {
				return fmt.Errorf("reconcile: line %d (%s): the fund ledger recorded no failure", d.Line.Number, d.Line.PaymentRef)
			}
		}
	}
	return nil
}

// record writes the line events not yet on the file's stream, then
// FileImported. Lines recorded by an earlier, interrupted import keep the
// outcome recorded then.
func (s *Service) record(ctx context.Context, req domain.Request, f File, ds []Decision, rec recorded) error {
	meta := events.Metadata{ActorID: req.Actor.ID, Role: req.Actor.Role, Jurisdiction: req.Actor.Jurisdiction,
		CorrelationID: "bankfile-" + f.SHA256, OccurredAt: req.At}
	var pending []events.Event
	for i, d := range ds {
		if o, ok := rec.outcomes[d.Line.Number]; ok {
			ds[i].Outcome = o
			continue
		}
		if d.Event == nil {
			continue
		}
		ev, err := s.reg.Encode(events.DeriveID(idNamespace, fmt.Sprintf("%s/%d", f.SHA256, d.Line.Number)), meta, d.Event)
		if err != nil {
			return err
		}
		pending = append(pending, ev)
	}
	first, last := ds[0].Line.ValueDate, ds[0].Line.ValueDate
	for _, d := range ds {
		first, last = min(first, d.Line.ValueDate), max(last, d.Line.ValueDate)
	}
	done, err := s.reg.Encode(events.DeriveID(idNamespace, f.SHA256+"/imported"), meta, &FileImported{SHA256: f.SHA256, Name: f.Name,
		ImportedBy: req.Actor.ID, Jurisdiction: req.Actor.Jurisdiction, Lines: len(ds), Tallies: Tallies(ds),
		ValueDateFirst: first, ValueDateLast: last})
	if err != nil {
		return err
	}
	pending = append(pending, done)
	version := rec.version
	for chunk := range slices.Chunk(pending, eventsPerAppendMax) {
		res, err := s.log.Append(ctx, Stream(f.SHA256), events.Exact(version), chunk...)
		if err != nil {
			return fmt.Errorf("reconcile: the payments are updated but the file's record is not complete: import the same file again to finish: %w", err)
		}
		version = res.Version
	}
	return nil
}

// readAll calls fn on every event of stream, in order; a stream that does
// not exist has none.
func readAll(ctx context.Context, log domain.Log, stream string, fn func(events.Event) error) error {
	var version uint64
	for {
		page, err := log.ReadStream(ctx, stream, version+1, events.Forwards, events.ReadEventsMax)
		if errors.Is(err, events.ErrStreamNotFound) {
			return nil
		}
		if err != nil {
			return err
		}
		for _, ev := range page {
			if err := fn(ev); err != nil {
				return fmt.Errorf("reconcile: %s at version %d: %w", stream, ev.Version, err)
			}
			version = ev.Version
		}
		if len(page) < events.ReadEventsMax {
			return nil
		}
	}
}
