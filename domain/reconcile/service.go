package reconcile

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

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
	// CodeInProgress: the same file is being imported by another request
	// right now (or its import stopped midway and the other request is
	// finishing it); its report says how far it got.
	CodeInProgress = "bank_file_in_progress"
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
//  4. FileStarted is recorded on the file's stream (unless an earlier,
//     interrupted import recorded it): from now on the file reads as in
//     progress, with how far it got. The settlements and failures are
//     applied through Payments, one project stream at a time, each under
//     the idempotency key LineKey(hash, line).
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
// recorded the file's report says in progress, N of M lines applied; once
// it is, every line's outcome is in the log. Of two imports of the same
// file at once, the one that loses the race answers the winner's report
// (Replayed) or bank_file_in_progress, never a collision of keys.
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
	if recorded.started == nil {
		if recorded.version, err = s.start(ctx, req, f, ds, recorded.version); err != nil {
			return s.contended(ctx, req, hash, err)
		}
	}
	if err := s.apply(ctx, req, hash, ds); err != nil {
		return s.contended(ctx, req, hash, err)
	}
	if err := s.record(ctx, req, f, ds, recorded); err != nil {
		return s.contended(ctx, req, hash, err)
	}
	return s.Report(ctx, req, hash)
}

// start records FileStarted on the file's stream, at version (the stream
// as read): the file is in progress from now on. It returns the stream's
// new version.
func (s *Service) start(ctx context.Context, req domain.Request, f File, ds []Decision, version uint64) (uint64, error) {
	var projects []string
	for _, d := range ds {
		if id := d.Line.Project.String(); !slices.Contains(projects, id) {
			projects = append(projects, id)
		}
	}
	// A fresh ID, not one derived from the file: the start is one import's
	// claim on the file, and with a derived ID the same clerk's second,
	// simultaneous upload (same content, same second) would pass as an
	// idempotent retry of the first and report the file imported by it too.
	id, err := events.NewID(nil)
	if err != nil {
		return 0, err
	}
	ev, err := s.reg.Encode(id, s.meta(req, f.SHA256), &FileStarted{SHA256: f.SHA256, Name: f.Name,
		ImportedBy: req.Actor.ID, Jurisdiction: req.Actor.Jurisdiction, Lines: len(ds), Tallies: Tallies(ds), Projects: projects})
	if err != nil {
		return 0, err
	}
	res, err := s.log.Append(ctx, Stream(f.SHA256), events.Exact(version), ev)
	if err != nil {
		return 0, err
	}
	return res.Version, nil
}

func (s *Service) meta(req domain.Request, hash string) events.Metadata {
	return events.Metadata{ActorID: req.Actor.ID, Role: req.Actor.Role, Jurisdiction: req.Actor.Jurisdiction,
		CorrelationID: "bankfile-" + hash, OccurredAt: req.At}
}

// contended answers an import that failed to write: if another import of
// the same file got there first (the file's stream or a line's payment
// moved under it), the truth is that file's state, not the collision: its
// report, Replayed, once it is imported, else bank_file_in_progress saying
// how far it got. Any other failure is returned as it is, with how far the
// import got.
func (s *Service) contended(ctx context.Context, req domain.Request, hash string, cause error) (Report, error) {
	rec, err := s.read(ctx, hash)
	if err != nil {
		return Report{}, errors.Join(cause, err)
	}
	if rec.imported != nil {
		r := rec.report()
		r.Replayed = true
		return r, nil
	}
	progress := ""
	if rec.started != nil {
		if r, err := s.progress(ctx, rec); err == nil {
			progress = r.Progress
		}
	}
	var line *lineError
	raced := errors.Is(cause, events.ErrConcurrency) || errors.Is(cause, events.ErrIDConflict) ||
		slices.Contains(domain.Codes(cause), "idempotency_key_reused") ||
		(errors.As(cause, &line) && s.closedByOwnKey(ctx, line.decision))
	switch {
	case raced && rec.started != nil:
		return Report{}, domain.Errorf(CodeInProgress, "bank file %s is being imported by another request (%s): GET /reconciliations/%s for its report",
			hash, strings.TrimSuffix(progress, "; import the same file again to finish"), hash)
	case progress != "":
		return Report{}, fmt.Errorf("reconcile: bank file %s %s: %w", hash, progress, cause)
	}
	return Report{}, cause
}

// lineError is a line's payment change that failed.
type lineError struct {
	decision Decision
	err      error
}

func (e *lineError) Error() string {
	return fmt.Sprintf("reconcile: line %d (%s) could not be applied: %v", e.decision.Line.Number, e.decision.Line.PaymentRef, e.err)
}
func (e *lineError) Unwrap() error { return e.err }

// closedByOwnKey reports whether d's payment has been closed under d's own
// key since d was decided: by another import of the same file.
func (s *Service) closedByOwnKey(ctx context.Context, d Decision) bool {
	_, closed, err := s.project(ctx, d.Line.Project)
	if err != nil {
		return false
	}
	c, ok := closed[d.Line.PaymentRef]
	return ok && appliedBy(c.Meta.IdempotencyKey, d.Key)
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
			return &lineError{decision: *d, err: err}
		}
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
	meta := s.meta(req, f.SHA256)
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
	// A fresh ID, as FileStarted's: of two imports finishing the same file
	// at once only one may record it imported; the other's append then
	// fails on the stream's version and it answers the report, Replayed.
	id, err := events.NewID(nil)
	if err != nil {
		return err
	}
	done, err := s.reg.Encode(id, meta, &FileImported{SHA256: f.SHA256, Name: f.Name,
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
