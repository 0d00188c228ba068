package funds

import (
	"fmt"
	"slices"

	"github.com/drip-ledger/drip/domain"
	"github.com/drip-ledger/drip/domain/fund"
	"github.com/drip-ledger/drip/events"
)

func (v *View) applyPool(step Step, p events.Payload) error {
	switch e := p.(type) {
	case *fund.AppropriationReceived:
		id := AppropriationID(e.County.String(), e.Document)
		if _, dup := v.appropriations[id]; dup {
			return fmt.Errorf("appropriation %q recorded twice in pool %s", e.Document, e.County)
		}
		v.appropriations[id] = &appropriation{info: Appropriation{ID: id, County: e.County.String(), Document: e.Document,
			FiscalYear: e.FiscalYear, Level: e.Level, Purpose: e.Purpose, AmountFen: e.AmountFen, Recorded: step,
			Corrections: []Correction{}}}
	case *fund.AppropriationCorrected:
		appr := v.appropriations[AppropriationID(e.County.String(), e.Document)]
		if appr == nil {
			return fmt.Errorf("correction of unknown appropriation %q in pool %s", e.Document, e.County)
		}
		appr.info.CorrectedFen = v.ar.add(appr.info.CorrectedFen, e.AmountFen)
		appr.info.Corrections = append(appr.info.Corrections, Correction{AmountFen: e.AmountFen, Reason: e.Reason, Corrects: e.Corrects, Step: step})
	case *fund.Allocated:
		if _, dup := v.allocations[e.Ref]; dup {
			return fmt.Errorf("allocation %s recorded twice", e.Ref)
		}
		a := &allocation{rec: *e, step: step, shares: map[string]*share{}}
		pr := v.projects[e.Project.String()]
		if pr == nil {
			return fmt.Errorf("allocation %s pays project %s, which has no events", e.Ref, e.Project)
		}
		for _, d := range e.Draws {
			appr := v.appropriations[AppropriationID(e.County.String(), d.Document)]
			if appr == nil {
				return fmt.Errorf("allocation %s draws on unknown appropriation %q", e.Ref, d.Document)
			}
			s := &share{alloc: a, appr: appr, amount: d.AmountFen}
			a.shares[d.Document] = s
			appr.shares = append(appr.shares, s)
			pr.shares = append(pr.shares, s)
		}
		v.allocations[e.Ref] = a
		pr.pendingFen = v.ar.add(pr.pendingFen, e.AmountFen)
	}
	return nil
}

func (v *View) applyProject(pr *project, step Step, p events.Payload) error {
	switch e := p.(type) {
	case *fund.ProjectProposed:
		pr.proposed = step
	case *fund.ProjectApproved:
		pr.approval = &Approval{ApprovalRef: e.ApprovalRef, Step: step}
	case *fund.BeneficiaryAssigned:
		pr.beneficiaries = append(pr.beneficiaries, e.Household)
	case *fund.AllocationReceived:
		a := v.allocations[e.Allocation]
		if a == nil || a.rec.Project != e.Project || a.received {
			return fmt.Errorf("project %s receives allocation %s, which the pool did not make to it or it received already", e.Project, e.Allocation)
		}
		a.received = true
		pr.pendingFen = v.ar.sub(pr.pendingFen, e.AmountFen)
	case *fund.PaymentInstructed:
		return v.instructed(pr, step, e)
	case *fund.PaymentSettled, *fund.PaymentFailed, *fund.PaymentAcknowledged, *fund.PaymentReversed:
		return v.paymentStep(step, p)
	}
	return nil
}

func (v *View) instructed(pr *project, step Step, e *fund.PaymentInstructed) error {
	if _, dup := v.payments[e.Ref]; dup {
		return fmt.Errorf("payment %s instructed twice", e.Ref)
	}
	name := ""
	if prop, ok := pr.state.Proposal(); ok {
		name = prop.Name
	}
	pay := &payment{position: step.Position, trail: PaymentTrail{Ref: e.Ref, Project: e.Project.String(), ProjectName: name,
		ProjectApproval: pr.approval, Payee: e.Payee, Contractor: e.Contractor, ContractorName: e.ContractorName,
		BankAccount: e.Account, AmountFen: e.AmountFen, Purpose: e.Purpose, Period: e.Period, Installment: e.Installment,
		Status: fund.StatusInstructed, Instructed: step}}
	if e.Payee == fund.PayeeHousehold {
		pay.trail.Household = e.Household.String()
	}
	for _, l := range e.Lots {
		s, err := v.shareOf(e.Project, l)
		if err != nil {
			return err
		}
		s.instructed = v.ar.add(s.instructed, l.AmountFen)
		s.transit = v.ar.add(s.transit, l.AmountFen)
		if n := len(s.payments); n == 0 || s.payments[n-1] != pay {
			s.payments = append(s.payments, pay)
		}
		pay.shares = append(pay.shares, s)
		pay.trail.Lots = append(pay.trail.Lots, lotTrail(s, l.AmountFen))
	}
	v.payments[e.Ref] = pay
	pr.payments = append(pr.payments, pay)
	switch e.Payee {
	case fund.PayeeHousehold:
		f := e.Household.String()
		v.byHousehold[f] = append(v.byHousehold[f], pay)
		vil := e.Household.Village().String()
		if v.byVillage[vil] == nil {
			v.byVillage[vil] = map[string]bool{}
		}
		v.byVillage[vil][f] = true
	case fund.PayeeContractor:
		if v.contractors[e.Contractor] == nil {
			v.contractors[e.Contractor] = map[string]bool{}
		}
		v.contractors[e.Contractor][e.Project.County().String()] = true
	}
	return nil
}

// shareOf is the share a lot of project's payment is drawn from.
func (v *View) shareOf(project fund.ProjectID, l fund.Lot) (*share, error) {
	a := v.allocations[l.Allocation]
	if a == nil || a.rec.Project != project || a.shares[l.Document] == nil {
		return nil, fmt.Errorf("a lot of %d fen names allocation %s to project %s from %q, which the pools never made",
			l.AmountFen, l.Allocation, project, l.Document)
	}
	return a.shares[l.Document], nil
}

func lotTrail(s *share, fen domain.Fen) LotTrail {
	a, appr := s.alloc, s.appr.info
	return LotTrail{Allocation: a.rec.Ref, Document: appr.Document, AppropriationID: appr.ID, AmountFen: fen,
		FiscalYear: appr.FiscalYear, Level: appr.Level, AppropriationPurpose: appr.Purpose, Appropriated: appr.Recorded,
		ApprovalRef: a.rec.ApprovalRef, Allocated: a.step}
}

// paymentStep folds the bank's answer, the acknowledgement and a reversal
// into the payment's trail and its shares.
func (v *View) paymentStep(step Step, p events.Payload) error {
	var ref string
	var project fund.ProjectID
	switch e := p.(type) {
	case *fund.PaymentSettled:
		ref, project = e.Ref, e.Project
	case *fund.PaymentFailed:
		ref, project = e.Ref, e.Project
	case *fund.PaymentAcknowledged:
		ref, project = e.Ref, e.Project
	case *fund.PaymentReversed:
		ref, project = e.Ref, e.Project
	}
	pay := v.payments[ref]
	if pay == nil || pay.trail.Project != project.String() {
		return fmt.Errorf("payment %s of project %s was never instructed", ref, project)
	}
	t := &pay.trail
	switch e := p.(type) {
	case *fund.PaymentSettled:
		t.Status, t.Settled = fund.StatusSettled, &Settlement{BankRef: e.BankRef, Step: step}
		for i, s := range pay.shares {
			s.transit = v.ar.sub(s.transit, t.Lots[i].AmountFen)
			s.settled = v.ar.add(s.settled, t.Lots[i].AmountFen)
		}
	case *fund.PaymentFailed:
		t.Status, t.Failed = e.Outcome, &Failure{Outcome: e.Outcome, Reason: e.Reason, BankRef: e.BankRef, Step: step}
		return v.back(project, e.Lots, func(s *share, fen domain.Fen) {
			s.transit, s.returned = v.ar.sub(s.transit, fen), v.ar.add(s.returned, fen)
		})
	case *fund.PaymentAcknowledged:
		t.Acknowledged = &Acknowledgement{AcknowledgedFen: e.AcknowledgedFen, ShortfallFen: e.ShortfallFen,
			Evidence: e.Evidence, ComplaintID: e.ComplaintID, Step: step}
		// First in, first out, as the lots were drawn: a shortfall falls
		// on the payment's last lots.
		left := e.AcknowledgedFen
		for i, s := range pay.shares {
			n := min(left, t.Lots[i].AmountFen)
			t.Lots[i].AcknowledgedFen = n
			s.acked = v.ar.add(s.acked, n)
			left -= n
		}
	case *fund.PaymentReversed:
		t.Status, t.Reversed = fund.StatusReversed, &Reversal{Reason: e.Reason, Reverses: e.Reverses, Step: step}
		return v.back(project, e.Lots, func(s *share, fen domain.Fen) {
			s.settled, s.reversed = v.ar.sub(s.settled, fen), v.ar.add(s.reversed, fen)
		})
	}
	return nil
}

// back applies the lots a failure or reversal gives back to the project.
func (v *View) back(project fund.ProjectID, lots []fund.Lot, f func(*share, domain.Fen)) error {
	for _, l := range lots {
		s, err := v.shareOf(project, l)
		if err != nil {
			return err
		}
		f(s, l.AmountFen)
	}
	return nil
}

// move books a transfer: the debit account gives, the credit account takes.
func (v *View) move(t fund.Transfer, position uint64) error {
	if t.AmountFen <= 0 || t.DebitAccount == t.CreditAccount {
		return fmt.Errorf("transfer %s → %s of %d fen moves nothing", t.DebitAccount, t.CreditAccount, t.AmountFen)
	}
	d, c := v.account(t.DebitAccount), v.account(t.CreditAccount)
	ar := &v.ar
	before := ar.add(d.balance, c.balance)
	d.balance, d.debited, d.movements, d.position = ar.sub(d.balance, t.AmountFen), ar.add(d.debited, t.AmountFen), d.movements+1, position
	c.balance, c.credited, c.movements, c.position = ar.add(c.balance, t.AmountFen), ar.add(c.credited, t.AmountFen), c.movements+1, position
	v.sumFen = ar.add(v.sumFen, ar.sub(ar.add(d.balance, c.balance), before))
	if err := ar.err(); err != nil {
		return fmt.Errorf("transfer %s → %s of %d fen: %w", t.DebitAccount, t.CreditAccount, t.AmountFen, err)
	}
	v.movers++
	if d.balance < 0 && !t.DebitAccount.IsSource() {
		return fmt.Errorf("account %s is overdrawn: %d fen", t.DebitAccount, d.balance)
	}
	return nil
}

func (v *View) account(id fund.AccountID) *account {
	a := v.ledger[id]
	if a == nil {
		a = &account{}
		v.ledger[id] = a
	}
	return a
}

func (v *View) balance(id fund.AccountID) domain.Fen {
	if a := v.ledger[id]; a != nil {
		return a.balance
	}
	return 0
}

// check holds the two derivations to each other after an event: the sum of
// the balances is zero; a pool's balance is what its stream says; a
// project's balance is what it may spend plus the allocations not yet
// received, its transit what its stream says; and the shares traced to
// appropriations add up to both.
func (v *View) check(ev events.Event, p events.Payload) error {
	if v.sumFen != 0 {
		return fmt.Errorf("the balances sum to %d fen, not zero: money was created or destroyed", v.sumFen)
	}
	switch e := p.(type) {
	case *fund.AppropriationReceived:
		return v.checkPool(e.County, []fund.Draw{{Document: e.Document}})
	case *fund.AppropriationCorrected:
		return v.checkPool(e.County, []fund.Draw{{Document: e.Document}})
	case *fund.Allocated:
		if err := v.checkPool(e.County, e.Draws); err != nil {
			return err
		}
		return v.checkProject(e.Project)
	}
	if _, ok := p.(fund.Mover); ok || ev.Type == fund.TypeAllocationReceived {
		id, err := fund.ParseProjectID(ev.Stream[len(fund.ProjectStreamPrefix):])
		if err != nil {
			return err
		}
		return v.checkProject(id)
	}
	return nil
}

// checkPool checks the pool's balance and the appropriations drawn on.
func (v *View) checkPool(c fund.County, draws []fund.Draw) error {
	pool := v.pools[c.String()]
	if got := v.balance(fund.PoolAccount(c)); got != pool.Balance() {
		return fmt.Errorf("pool %s: the transfers leave %d fen, its stream %d", c, got, pool.Balance())
	}
	for _, d := range draws {
		a, ok := pool.Appropriation(d.Document)
		appr := v.appropriations[AppropriationID(c.String(), d.Document)]
		if !ok || appr == nil {
			return fmt.Errorf("appropriation %q is not in pool %s", d.Document, c)
		}
		var drawn domain.Sum
		for _, s := range appr.shares {
			drawn.Add(s.amount)
		}
		if err := drawn.Err("appropriation " + d.Document + "'s allocations"); err != nil {
			return err
		}
		// Bounded amounts (AppropriationFenMax): these differences fit.
		if want := a.AmountFen - a.CorrectedFen - a.RemainingFen; drawn.Fen() != want {
			return fmt.Errorf("appropriation %q: allocations draw %d fen, the pool says %d", a.Document, drawn.Fen(), want)
		}
		if appr.info.CorrectedFen != a.CorrectedFen {
			return fmt.Errorf("appropriation %q: corrections take back %d fen, the pool says %d", a.Document, appr.info.CorrectedFen, a.CorrectedFen)
		}
	}
	return nil
}

func (v *View) checkProject(id fund.ProjectID) error {
	pr := v.projects[id.String()]
	held, transit := v.balance(fund.ProjectAccount(id)), v.balance(fund.TransitAccount(id))
	want, ok := domain.AddFen(pr.state.BalanceFen(), pr.pendingFen)
	if !ok {
		return fmt.Errorf("project %s: its lots and unreceived allocations overflow", id)
	}
	if held != want {
		return fmt.Errorf("project %s: the transfers leave %d fen, its lots and unreceived allocations %d", id, held, want)
	}
	if transit != pr.state.TransitFen() {
		return fmt.Errorf("project %s: the transfers leave %d fen in transit, its stream %d", id, transit, pr.state.TransitFen())
	}
	var ar arith
	var atProject, inTransit domain.Fen
	for _, s := range pr.shares {
		atProject = ar.add(atProject, s.atProject(&ar))
		inTransit = ar.add(inTransit, s.transit)
	}
	if err := ar.err(); err != nil {
		return fmt.Errorf("project %s: its shares: %w", id, err)
	}
	if atProject != held || inTransit != transit {
		return fmt.Errorf("project %s: the appropriations' shares trace %d fen held and %d in transit, the ledger %d and %d",
			id, atProject, inTransit, held, transit)
	}
	return nil
}

// Conservation recounts every balance: their sum, which is zero, and the
// accounts other than sources below zero, of which there are none. It is
// the slow form of the check Apply makes after every event.
func (v *View) Conservation() (sum domain.Fen, overdrawn []fund.AccountID) {
	v.mu.RLock()
	defer v.mu.RUnlock()
	var s domain.Sum
	for id, a := range v.ledger {
		s.Add(a.balance)
		if a.balance < 0 && !id.IsSource() {
			overdrawn = append(overdrawn, id)
		}
	}
	slices.Sort(overdrawn)
	if s.Err("") != nil {
		// Every fold checks its sums, so this cannot be; say so loudly
		// rather than report a wrapped sum as conserved.
		panic("funds: the balances overflow: a fold let an unchecked sum through")
	}
	return s.Fen(), overdrawn
}

// arith adds and subtracts amounts for a fold, keeping the first overflow so
// the fold can refuse the event (the view stops at it) rather than wrap.
type arith struct{ overflow bool }

// A nil *arith panics on overflow (mustAdd's rule, for queries).
func (m *arith) add(a, b domain.Fen) domain.Fen {
	if m == nil {
		return mustAdd(a, b)
	}
	s, ok := domain.AddFen(a, b)
	m.overflow = m.overflow || !ok
	return s
}

func (m *arith) sub(a, b domain.Fen) domain.Fen {
	s, ok := domain.SubFen(a, b)
	if m == nil && !ok {
		panic(fmt.Sprintf("funds: %d - %d fen overflows in a query", a, b))
	}
	if m == nil {
		return s
	}
	m.overflow = m.overflow || !ok
	return s
}

func (m *arith) err() error {
	if m.overflow {
		return fmt.Errorf("an amount overflows int64 fen")
	}
	return nil
}

// mustAdd sums for a query what the folds already checked: each addend is
// a checked balance or amount, bounded by the domain's limits, and the
// queries add a bounded number of them. An overflow here would be a bug
// that lifted a bound; it panics (the server answers 500) rather than show
// a wrapped total.
func mustAdd(a, b domain.Fen) domain.Fen {
	s, ok := domain.AddFen(a, b)
	if !ok {
		panic(fmt.Sprintf("funds: %d + %d fen overflows in a query", a, b))
	}
	return s
}
