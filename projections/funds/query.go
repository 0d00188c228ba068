package funds

import (
	"cmp"
	"slices"
	"strings"
	"time"

	"github.com/drip-ledger/drip/domain"
	"github.com/drip-ledger/drip/domain/fund"
)

// PageLenMax bounds a page of payments, beneficiaries or households.
const PageLenMax = 200

// Codes of the queries' refusals.
const (
	CodeOutsideJurisdiction   = "outside_jurisdiction"
	CodeAccountNotFound       = "account_not_found"
	CodeAppropriationNotFound = fund.CodeAppropriationNotFound
	CodeProjectNotFound       = fund.CodeProjectNotFound
	CodePoolNotFound          = "pool_not_found"
	CodePageLength            = "page_length"
)

func checkLimit(limit int) error {
	if limit < 1 || limit > PageLenMax {
		return domain.Errorf(CodePageLength, "a page holds 1 to %d items, not %d", PageLenMax, limit)
	}
	return nil
}

func outside(what string) error {
	return domain.Errorf(CodeOutsideJurisdiction, "%s is outside your jurisdiction", what)
}

// AccountBalance is one account of the ledger.
type AccountBalance struct {
	Account     fund.AccountID `json:"account"`
	Kind        string         `json:"kind"`
	BalanceFen  domain.Fen     `json:"balanceFen"`
	DebitedFen  domain.Fen     `json:"debitedFen"`
	CreditedFen domain.Fen     `json:"creditedFen"`
	Movements   int            `json:"movements"`
	// Position is the global position of the account's last movement.
	Position uint64 `json:"position"`
}

// Account returns an account's balance, if j may see it: a source only the
// nation; a pool, project or transit account its county (or, for a
// project, a village it serves); a household its village; a contractor a
// county that paid it.
func (v *View) Account(j domain.Jurisdiction, id fund.AccountID) (AccountBalance, error) {
	v.mu.RLock()
	defer v.mu.RUnlock()
	ok, err := v.accountVisible(j, id)
	if err != nil {
		return AccountBalance{}, err
	}
	if !ok {
		return AccountBalance{}, outside("account " + string(id))
	}
	a := v.ledger[id]
	if a == nil {
		return AccountBalance{}, domain.Errorf(CodeAccountNotFound, "account %s has never moved money", id)
	}
	return AccountBalance{Account: id, Kind: id.Kind(), BalanceFen: a.balance, DebitedFen: a.debited, CreditedFen: a.credited,
		Movements: a.movements, Position: a.position}, nil
}

func (v *View) accountVisible(j domain.Jurisdiction, id fund.AccountID) (bool, error) {
	bad := domain.Errorf(fund.CodeAccountFormat, "%q is not an account: kind:owner, like pool:520526 or household:520526104201-0007", id)
	switch id.Kind() {
	case fund.KindSource:
		return j.Level() == domain.LevelNation, nil
	case fund.KindPool:
		c, err := fund.ParseCounty(id.Owner())
		if err != nil {
			return false, bad
		}
		return j.Contains(c.Code()), nil
	case fund.KindProject, fund.KindTransit:
		p, err := fund.ParseProjectID(id.Owner())
		if err != nil {
			return false, bad
		}
		return v.projectVisible(j, p), nil
	case fund.KindHousehold:
		f, err := domain.ParseFileNumber(id.Owner())
		if err != nil {
			return false, bad
		}
		return j.Contains(f.Village()), nil
	case fund.KindContractor:
		for c := range v.contractors[id.Owner()] {
			if county, err := fund.ParseCounty(c); err == nil && j.Contains(county.Code()) {
				return true, nil
			}
		}
		return false, nil
	}
	return false, bad
}

// projectVisible: j contains the project's county or a village it serves.
func (v *View) projectVisible(j domain.Jurisdiction, id fund.ProjectID) bool {
	if j.Contains(id.County().Code()) {
		return true
	}
	if pr := v.projects[id.String()]; pr != nil {
		return slices.ContainsFunc(pr.state.Villages(), j.Contains)
	}
	return false
}

// DocumentShare is what a payee received from one appropriation.
type DocumentShare struct {
	AppropriationID string     `json:"appropriationId"`
	County          string     `json:"county"`
	Document        string     `json:"document"`
	FiscalYear      int        `json:"fiscalYear"`
	Level           fund.Level `json:"level"`
	// ReceivedFen is settled and not reversed; InTransitFen at the bank.
	ReceivedFen  domain.Fen `json:"receivedFen"`
	InTransitFen domain.Fen `json:"inTransitFen"`
}

// DripTrail is every payment to a household, each fen traced to its
// appropriation document.
type DripTrail struct {
	Household string `json:"household"`
	Village   string `json:"village"`
	HeadName  string `json:"headName,omitempty"`
	Totals    Totals `json:"totals"`
	// Documents sum the lots of live payments by appropriation, in the
	// order they were first paid from.
	Documents []DocumentShare `json:"documents"`
	// Payments is one page, oldest first; Next is the after= of the next
	// page (0 at the end).
	Payments []PaymentTrail `json:"payments"`
	Next     uint64         `json:"next,omitempty"`
}

// DripTrail returns household file's trail: totals and documents over
// every payment, and the page of payments after position after.
func (v *View) DripTrail(j domain.Jurisdiction, file domain.FileNumber, after uint64, limit int) (DripTrail, error) {
	if err := checkLimit(limit); err != nil {
		return DripTrail{}, err
	}
	if !j.Contains(file.Village()) {
		return DripTrail{}, outside("household " + file.String())
	}
	v.mu.RLock()
	defer v.mu.RUnlock()
	t := DripTrail{Household: file.String(), Village: file.Village().String(), Documents: []DocumentShare{}, Payments: []PaymentTrail{}}
	if hh, ok := v.households[file.String()]; ok {
		t.HeadName = hh.HeadName
	}
	docs := map[string]int{}
	for _, p := range v.byHousehold[file.String()] {
		t.Totals.add(p)
		if p.trail.Status == fund.StatusInstructed || p.trail.Status == fund.StatusSettled {
			for i, s := range p.shares {
				k, ok := docs[s.appr.info.ID]
				if !ok {
					a := s.appr.info
					k = len(t.Documents)
					docs[a.ID] = k
					t.Documents = append(t.Documents, DocumentShare{AppropriationID: a.ID, County: a.County, Document: a.Document,
						FiscalYear: a.FiscalYear, Level: a.Level})
				}
				if p.trail.Status == fund.StatusSettled {
					t.Documents[k].ReceivedFen = mustAdd(t.Documents[k].ReceivedFen, p.trail.Lots[i].AmountFen)
				} else {
					t.Documents[k].InTransitFen = mustAdd(t.Documents[k].InTransitFen, p.trail.Lots[i].AmountFen)
				}
			}
		}
		if p.position <= after {
			continue
		}
		if len(t.Payments) == limit {
			t.Next = t.Payments[limit-1].Instructed.Position
			continue
		}
		t.Payments = append(t.Payments, p.copyOut())
	}
	return t, nil
}

// Flow is where money drawn from appropriations stands.
type Flow struct {
	// AtProjectFen is held by the project, not yet paid out.
	AtProjectFen  domain.Fen `json:"atProjectFen"`
	InstructedFen domain.Fen `json:"instructedFen"`
	InTransitFen  domain.Fen `json:"inTransitFen"`
	// SettledFen is with payees: settled and not reversed.
	SettledFen      domain.Fen `json:"settledFen"`
	AcknowledgedFen domain.Fen `json:"acknowledgedFen"`
	ReturnedFen     domain.Fen `json:"returnedFen"`
	ReversedFen     domain.Fen `json:"reversedFen"`
}

func (f *Flow) add(s *share) {
	f.AtProjectFen = mustAdd(f.AtProjectFen, s.atProject(nil))
	f.InstructedFen = mustAdd(f.InstructedFen, s.instructed)
	f.InTransitFen = mustAdd(f.InTransitFen, s.transit)
	f.SettledFen = mustAdd(f.SettledFen, s.settled)
	f.AcknowledgedFen = mustAdd(f.AcknowledgedFen, s.acked)
	f.ReturnedFen = mustAdd(f.ReturnedFen, s.returned)
	f.ReversedFen = mustAdd(f.ReversedFen, s.reversed)
}

// AllocationShare is what one allocation drew from an appropriation, and
// where it is now.
type AllocationShare struct {
	Allocation  string     `json:"allocation"`
	Project     string     `json:"project"`
	ProjectName string     `json:"projectName"`
	ApprovalRef string     `json:"approvalRef"`
	Allocated   Step       `json:"allocated"`
	Received    bool       `json:"received"`
	AmountFen   domain.Fen `json:"amountFen"`
	Flow
}

// DocumentPayment is a payment's part drawn from one appropriation.
type DocumentPayment struct {
	Ref        string             `json:"ref"`
	Project    string             `json:"project"`
	Payee      fund.PayeeKind     `json:"payee"`
	Household  string             `json:"household,omitempty"`
	Contractor string             `json:"contractor,omitempty"`
	AmountFen  domain.Fen         `json:"amountFen"`
	Status     fund.PaymentStatus `json:"status"`
	Position   uint64             `json:"position"`
}

// AppropriationTrail is where every fen of an appropriation went.
type AppropriationTrail struct {
	Appropriation
	AllocatedFen domain.Fen `json:"allocatedFen"`
	// InPoolFen is not yet allocated.
	InPoolFen domain.Fen `json:"inPoolFen"`
	Flow
	// IdleFen is in the pool or held by projects; IdleDays is how long
	// since the appropriation was received (0 when nothing is idle).
	IdleFen     domain.Fen        `json:"idleFen"`
	IdleDays    int               `json:"idleDays"`
	Allocations []AllocationShare `json:"allocations"`
	// Payments is one page of the payments drawn on it, oldest first.
	Payments []DocumentPayment `json:"payments"`
	Next     uint64            `json:"next,omitempty"`
}

// Appropriation returns the trail of appropriation id (AppropriationID), as
// of now, with the page of its payments after position after.
func (v *View) Appropriation(j domain.Jurisdiction, id string, now time.Time, after uint64, limit int) (AppropriationTrail, error) {
	if err := checkLimit(limit); err != nil {
		return AppropriationTrail{}, err
	}
	county, doc, ok := ParseAppropriationID(id)
	if !ok {
		return AppropriationTrail{}, domain.Errorf(CodeAppropriationNotFound, "%q is not an appropriation's id", id)
	}
	c, _ := fund.ParseCounty(county)
	if !j.Contains(c.Code()) {
		return AppropriationTrail{}, outside("pool " + county)
	}
	v.mu.RLock()
	defer v.mu.RUnlock()
	a := v.appropriations[id]
	if a == nil {
		return AppropriationTrail{}, domain.Errorf(CodeAppropriationNotFound, "pool %s has no appropriation %q", county, doc)
	}
	t := v.appropriationTrail(a, now)
	t.Allocations, t.Payments = []AllocationShare{}, []DocumentPayment{}
	var pays []*payment
	for _, s := range a.shares {
		as := AllocationShare{Allocation: s.alloc.rec.Ref, Project: s.alloc.rec.Project.String(), ApprovalRef: s.alloc.rec.ApprovalRef,
			Allocated: s.alloc.step, Received: s.alloc.received, AmountFen: s.amount}
		if prop, ok := v.projects[as.Project].state.Proposal(); ok {
			as.ProjectName = prop.Name
		}
		as.Flow.add(s)
		t.Allocations = append(t.Allocations, as)
		pays = append(pays, s.payments...)
	}
	slices.SortFunc(pays, func(x, y *payment) int { return cmp.Compare(x.position, y.position) })
	for _, p := range pays {
		if p.position <= after {
			continue
		}
		if len(t.Payments) == limit {
			t.Next = t.Payments[limit-1].Position
			break
		}
		dp := DocumentPayment{Ref: p.trail.Ref, Project: p.trail.Project, Payee: p.trail.Payee, Household: p.trail.Household,
			Contractor: p.trail.Contractor, Status: p.trail.Status, Position: p.position}
		for i, s := range p.shares {
			if s.appr == a {
				dp.AmountFen = mustAdd(dp.AmountFen, p.trail.Lots[i].AmountFen)
			}
		}
		t.Payments = append(t.Payments, dp)
	}
	return t, nil
}

func (v *View) appropriationTrail(a *appropriation, now time.Time) AppropriationTrail {
	t := AppropriationTrail{Appropriation: a.info}
	for _, s := range a.shares {
		t.AllocatedFen = mustAdd(t.AllocatedFen, s.amount)
		t.Flow.add(s)
	}
	t.Corrections = slices.Clone(a.info.Corrections)
	t.InPoolFen = a.info.AmountFen - a.info.CorrectedFen - t.AllocatedFen
	t.IdleFen = t.InPoolFen + t.AtProjectFen
	if t.IdleFen > 0 && now.After(a.info.Recorded.At) {
		t.IdleDays = int(now.Sub(a.info.Recorded.At) / (24 * time.Hour))
	}
	return t
}

// PoolSummary is a county pool and its appropriations.
type PoolSummary struct {
	County         string               `json:"county"`
	BalanceFen     domain.Fen           `json:"balanceFen"`
	Allocations    int                  `json:"allocations"`
	Appropriations []AppropriationTrail `json:"appropriations"`
}

// Pool returns county's pool with each appropriation's flows (without
// their allocations and payments: see Appropriation).
func (v *View) Pool(j domain.Jurisdiction, county fund.County, now time.Time) (PoolSummary, error) {
	if !j.Contains(county.Code()) {
		return PoolSummary{}, outside("pool " + county.String())
	}
	v.mu.RLock()
	defer v.mu.RUnlock()
	pool, ok := v.pools[county.String()]
	if !ok {
		return PoolSummary{}, domain.Errorf(CodePoolNotFound, "pool %s has received no appropriation", county)
	}
	out := PoolSummary{County: county.String(), BalanceFen: pool.Balance(), Allocations: pool.Allocations(), Appropriations: []AppropriationTrail{}}
	for _, a := range pool.Appropriations() {
		out.Appropriations = append(out.Appropriations, v.appropriationTrail(v.appropriations[AppropriationID(county.String(), a.Document)], now))
	}
	return out, nil
}

// ProjectSummary is a project's lifecycle and money.
type ProjectSummary struct {
	Project   string                `json:"project"`
	Name      string                `json:"name"`
	Kind      fund.ProjectKind      `json:"kind"`
	Villages  []domain.DivisionCode `json:"villages"`
	Status    fund.ProjectStatus    `json:"status"`
	BudgetFen domain.Fen            `json:"budgetFen"`
	Proposed  Step                  `json:"proposed"`
	Approval  *Approval             `json:"approval,omitempty"`
	// ReceivedFen is every allocation taken in; BalanceFen what it may
	// still spend (its lots); PendingFen allocated by the pool but not yet
	// received on the project's stream.
	ReceivedFen domain.Fen `json:"receivedFen"`
	BalanceFen  domain.Fen `json:"balanceFen"`
	PendingFen  domain.Fen `json:"pendingFen"`
	// Payments sums the payments: PaidFen (Totals.ReceivedFen) is with
	// payees, InTransitFen at the bank, ReturnedFen and ReversedFen came back.
	Payments      Totals     `json:"payments"`
	Beneficiaries int        `json:"beneficiaries"`
	Lots          []fund.Lot `json:"lots"`
	Position      uint64     `json:"position"`
}

// Project returns project id's summary.
func (v *View) Project(j domain.Jurisdiction, id fund.ProjectID) (ProjectSummary, error) {
	v.mu.RLock()
	defer v.mu.RUnlock()
	if !v.projectVisible(j, id) {
		return ProjectSummary{}, outside("project " + id.String())
	}
	pr := v.projects[id.String()]
	if pr == nil {
		return ProjectSummary{}, domain.Errorf(CodeProjectNotFound, "project %s is not in the project database", id)
	}
	s := pr.state
	out := ProjectSummary{Project: id.String(), Status: s.Status(), Villages: s.Villages(), Proposed: pr.proposed, Approval: pr.approval,
		ReceivedFen: s.ReceivedFen(), BalanceFen: s.BalanceFen(), PendingFen: pr.pendingFen,
		Beneficiaries: len(pr.beneficiaries), Lots: s.Lots(), Position: v.lastOf(pr)}
	if p, ok := s.Proposal(); ok {
		out.Name, out.Kind, out.BudgetFen = p.Name, p.Kind, p.BudgetFen
	}
	for _, p := range pr.payments {
		out.Payments.add(p)
	}
	return out, nil
}

func (v *View) lastOf(pr *project) uint64 {
	pos := pr.proposed.Position
	if a := v.ledger[fund.ProjectAccount(pr.state.ID())]; a != nil {
		pos = max(pos, a.position)
	}
	return pos
}

// Beneficiary is a line of a project's publicity list (公示).
type Beneficiary struct {
	Household string `json:"household"`
	Village   string `json:"village"`
	HeadName  string `json:"headName"`
	// HeadResidentID is masked: 520526********1234.
	HeadResidentID string `json:"headResidentId"`
	Members        int    `json:"members"`
	// HouseholdStatus is the household's status now, from its own stream
	// (an exited household shows as exited); StatusWhenAssigned is what it
	// was when the project took it on.
	HouseholdStatus    string     `json:"householdStatus"`
	StatusWhenAssigned string     `json:"statusWhenAssigned"`
	AssignedAt         time.Time  `json:"assignedAt"`
	PaidFen            domain.Fen `json:"paidFen"`
}

// PublicityList is a project's beneficiaries as posted.
type PublicityList struct {
	Project       string             `json:"project"`
	Name          string             `json:"name"`
	Kind          fund.ProjectKind   `json:"kind"`
	Status        fund.ProjectStatus `json:"status"`
	BudgetFen     domain.Fen         `json:"budgetFen"`
	ApprovalRef   string             `json:"approvalRef,omitempty"`
	Beneficiaries []Beneficiary      `json:"beneficiaries"`
	// Next is the after= of the next page: a household's file number.
	Next string `json:"next,omitempty"`
}

// Publicity returns the page of project id's beneficiaries after file
// number after, in file-number order. It is public: identity numbers are
// masked, and no jurisdiction applies.
func (v *View) Publicity(id fund.ProjectID, after string, limit int) (PublicityList, error) {
	if err := checkLimit(limit); err != nil {
		return PublicityList{}, err
	}
	v.mu.RLock()
	defer v.mu.RUnlock()
	pr := v.projects[id.String()]
	// A project has a public list once it is publicized: before that its
	// beneficiaries are a draft of the village and the office, and the
	// answer is the same as for a project that does not exist, so the
	// public endpoint does not reveal drafts either.
	if pr == nil || !slices.Contains(publicStatuses, pr.state.Status()) {
		return PublicityList{}, domain.Errorf(CodeProjectNotFound, "project %s has no publicity list", id)
	}
	out := PublicityList{Project: id.String(), Status: pr.state.Status(), Beneficiaries: []Beneficiary{}}
	if p, ok := pr.state.Proposal(); ok {
		out.Name, out.Kind, out.BudgetFen = p.Name, p.Kind, p.BudgetFen
	}
	if pr.approval != nil {
		out.ApprovalRef = pr.approval.ApprovalRef
	}
	files := slices.Clone(pr.beneficiaries)
	slices.SortFunc(files, func(a, b domain.FileNumber) int { return strings.Compare(a.String(), b.String()) })
	for _, f := range files {
		if f.String() <= after {
			continue
		}
		if len(out.Beneficiaries) == limit {
			out.Next = out.Beneficiaries[limit-1].Household
			break
		}
		out.Beneficiaries = append(out.Beneficiaries, v.beneficiary(pr, f))
	}
	return out, nil
}

func (v *View) beneficiary(pr *project, f domain.FileNumber) Beneficiary {
	b := Beneficiary{Household: f.String(), Village: f.Village().String()}
	if a, ok := pr.state.Beneficiary(f); ok {
		b.HouseholdStatus, b.StatusWhenAssigned, b.AssignedAt = a.HouseholdStatus, a.HouseholdStatus, a.AssignedAt
	}
	if hh, ok := v.households[f.String()]; ok {
		if st := hh.Status; st != "" {
			b.HouseholdStatus = string(st)
		}
		b.HeadName, b.HeadResidentID, b.Members = hh.HeadName, hh.HeadResidentID.Masked(), hh.Members
	}
	for _, p := range pr.payments {
		if p.trail.Household == b.Household && p.trail.Status == fund.StatusSettled {
			b.PaidFen = mustAdd(b.PaidFen, p.trail.AmountFen)
		}
	}
	return b
}

// HouseholdFunds is one household's line in its village's sums.
type HouseholdFunds struct {
	Household string `json:"household"`
	HeadName  string `json:"headName"`
	Totals
}

// ProjectRef names a project serving a village.
type ProjectRef struct {
	Project string             `json:"project"`
	Name    string             `json:"name"`
	Status  fund.ProjectStatus `json:"status"`
}

// VillageFunds sums the payments to a village's households.
type VillageFunds struct {
	Village    string       `json:"village"`
	Households int          `json:"households"`
	Totals     Totals       `json:"totals"`
	Projects   []ProjectRef `json:"projects"`
	// Lines is one page of households, in file-number order.
	Lines []HouseholdFunds `json:"lines"`
	Next  string           `json:"next,omitempty"`
}

// Village returns the sums over the households of village paid by any
// project, the projects serving it, and the page of households after file
// number after.
func (v *View) Village(j domain.Jurisdiction, village domain.DivisionCode, after string, limit int) (VillageFunds, error) {
	if err := checkLimit(limit); err != nil {
		return VillageFunds{}, err
	}
	if !j.Contains(village) {
		return VillageFunds{}, outside("village " + village.String())
	}
	v.mu.RLock()
	defer v.mu.RUnlock()
	out := VillageFunds{Village: village.String(), Projects: []ProjectRef{}, Lines: []HouseholdFunds{}}
	files := make([]string, 0, len(v.byVillage[village.String()]))
	for f := range v.byVillage[village.String()] {
		files = append(files, f)
	}
	slices.Sort(files)
	out.Households = len(files)
	for _, f := range files {
		line := HouseholdFunds{Household: f, HeadName: headName(v.households[f])}
		for _, p := range v.byHousehold[f] {
			line.add(p)
			out.Totals.add(p)
		}
		if f <= after {
			continue
		}
		if len(out.Lines) == limit {
			out.Next = out.Lines[limit-1].Household
			continue
		}
		out.Lines = append(out.Lines, line)
	}
	for id, pr := range v.projects {
		if slices.Contains(pr.state.Villages(), village) {
			p, _ := pr.state.Proposal()
			out.Projects = append(out.Projects, ProjectRef{Project: id, Name: p.Name, Status: pr.state.Status()})
		}
	}
	slices.SortFunc(out.Projects, func(a, b ProjectRef) int { return strings.Compare(a.Project, b.Project) })
	return out, nil
}

func headName(h Household) string { return h.HeadName }

// publicStatuses are the statuses of a project whose publicity list is
// posted: from the start of its publicity on.
var publicStatuses = []fund.ProjectStatus{fund.StatusPublicized, fund.StatusImplementing, fund.StatusCompleted, fund.StatusAccepted}
