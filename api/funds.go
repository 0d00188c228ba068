package api

import (
	"context"
	"net/http"
	"strconv"

	"github.com/drip-ledger/drip/domain"
	"github.com/drip-ledger/drip/domain/fund"
	"github.com/labstack/echo/v4"
)

// The fund ledger's commands (DOMAIN.md §4–§5) over HTTP.
//
// Paths follow the households' rule: a plural noun adds a record
// (appropriations and allocations to a pool; projects; a project's
// objections, beneficiaries and payments), a verb moves a procedure on a
// step (approve, start, complete, accept; a payment's settle, fail,
// acknowledge, reverse; an allocation's receive), and a singular noun sets
// the one current thing (a project's publicity). Roles come from
// fund.Permissions; the service checks them again with the jurisdiction.

// Funds runs the fund ledger's commands; *fund.Service satisfies it.
type Funds interface {
	HandlePool(ctx context.Context, req domain.Request, county fund.County, cmd fund.PoolCommand) (domain.Result, error)
	HandleProject(ctx context.Context, req domain.Request, id fund.ProjectID, cmd fund.ProjectCommand) (domain.Result, error)
	ReceiveAllocation(ctx context.Context, req domain.Request, county fund.County, ref string) (domain.Result, error)
}

type appropriationBody struct {
	// Document is the appropriation's document number (文号).
	Document   string     `json:"document"`
	FiscalYear int        `json:"fiscalYear"`
	Level      fund.Level `json:"level"`
	Purpose    string     `json:"purpose"`
	AmountFen  domain.Fen `json:"amountFen"`
}

type appropriationCorrectionBody struct {
	// Document is the appropriation corrected; AmountFen what goes back
	// to its source, at most what of it is still in the pool.
	Document  string     `json:"document"`
	AmountFen domain.Fen `json:"amountFen"`
	Reason    string     `json:"reason"`
}

type drawBody struct {
	Document  string     `json:"document"`
	AmountFen domain.Fen `json:"amountFen"`
}

type allocationBody struct {
	Project     string     `json:"project"`
	AmountFen   domain.Fen `json:"amountFen"`
	ApprovalRef string     `json:"approvalRef"`
	// Draws cite the appropriations the money comes from, in the order the
	// project will spend them; they add up to amountFen.
	Draws []drawBody `json:"draws"`
}

type proposeProjectBody struct {
	// Project is the number in the county project database,
	// 520526-2026-0042.
	Project     string           `json:"project"`
	Name        string           `json:"name"`
	Kind        fund.ProjectKind `json:"kind"`
	Villages    []string         `json:"villages"`
	BudgetFen   domain.Fen       `json:"budgetFen"`
	Description string           `json:"description,omitempty"`
}

type approvalBody struct {
	ApprovalRef string `json:"approvalRef"`
}

type completeBody struct {
	ReportRef string `json:"reportRef"`
}

type acceptBody struct {
	AcceptanceRef string `json:"acceptanceRef"`
}

type beneficiaryBody struct {
	// Household is the file number.
	Household string `json:"household"`
}

type paymentBody struct {
	// Payee is household (its bank account is taken from its file) or
	// contractor (with contractorAccount).
	Payee             fund.PayeeKind    `json:"payee"`
	Household         string            `json:"household,omitempty"`
	Contractor        string            `json:"contractor,omitempty"`
	ContractorName    string            `json:"contractorName,omitempty"`
	ContractorAccount *fund.BankAccount `json:"contractorAccount,omitempty"`
	AmountFen         domain.Fen        `json:"amountFen"`
	Purpose           fund.Purpose      `json:"purpose"`
	// Period is 2026, 2026-03, 2026-Q1 or 2026-H2.
	Period string `json:"period"`
	// Installment marks a further payment for the same payee, purpose and
	// period; send it with an Idempotency-Key.
	Installment bool `json:"installment,omitempty"`
}

type settleBody struct {
	BankRef string `json:"bankRef"`
}

type failBody struct {
	// Outcome is failed (refused by the bank) or returned (sent back).
	Outcome fund.PaymentStatus `json:"outcome"`
	Reason  string             `json:"reason"`
	BankRef string             `json:"bankRef,omitempty"`
}

type acknowledgeBody struct {
	AcknowledgedFen domain.Fen    `json:"acknowledgedFen"`
	Evidence        fund.Evidence `json:"evidence"`
}

func (s *Server) fundRoutes() []route {
	if s.deps.Funds == nil {
		return nil
	}
	const (
		pool    = "/pools/:county"
		project = "/projects/:project"
		payment = project + "/payments/:ref"
	)
	f := s.deps.Funds
	return []route{
		poolRoute(s, fund.RecordAppropriation{}, pool+"/appropriations",
			"Record an appropriation document (文号) landing in the county pool: the source level's account pays the pool.",
			func(_ echo.Context, b *appropriationBody) (fund.PoolCommand, error) {
				return fund.RecordAppropriation{Document: b.Document, FiscalYear: b.FiscalYear, Level: b.Level, Purpose: b.Purpose, AmountFen: b.AmountFen}, nil
			}),
		poolRoute(s, fund.CorrectAppropriation{}, pool+"/appropriations/corrections",
			"Correct an appropriation by a compensating event: take back to its source what of it is still in the pool (never what was allocated), with a reason.",
			func(_ echo.Context, b *appropriationCorrectionBody) (fund.PoolCommand, error) {
				return fund.CorrectAppropriation{Document: b.Document, AmountFen: b.AmountFen, Reason: b.Reason}, nil
			}),
		poolRoute(s, fund.Allocate{}, pool+"/allocations",
			"Allocate from the pool to an approved project, citing the appropriations drawn on; the project receives it at once.",
			func(_ echo.Context, b *allocationBody) (fund.PoolCommand, error) {
				p, err := fund.ParseProjectID(b.Project)
				if err != nil {
					return nil, fieldError("project", err)
				}
				draws := make([]fund.Draw, len(b.Draws))
				for i, d := range b.Draws {
					draws[i] = fund.Draw{Document: d.Document, AmountFen: d.AmountFen}
				}
				return fund.Allocate{Project: p, AmountFen: b.AmountFen, ApprovalRef: b.ApprovalRef, Draws: draws}, nil
			}),
		{method: http.MethodPost, path: pool + "/allocations/:ref/receive", tag: "funds", body: emptyBody{},
			summary: "Record on the project an allocation the pool made, if a failure left it unreceived; otherwise records nothing.",
			roles:   fundRoles(fund.ReceiveAllocation{}.Name()),
			handler: command(s, fundRoles(fund.ReceiveAllocation{}.Name()), func(ctx context.Context, c echo.Context, req domain.Request, _ *emptyBody) (domain.Result, error) {
				county, err := countyParam(c)
				if err != nil {
					return domain.Result{}, err
				}
				return f.ReceiveAllocation(ctx, req, county, c.Param("ref"))
			})},
		{method: http.MethodPost, path: "/projects", tag: "funds", body: proposeProjectBody{},
			summary: "Propose a project for the county project database: number, name, kind, villages, budget.",
			roles:   fundRoles(fund.Propose{}.Name()),
			handler: command(s, fundRoles(fund.Propose{}.Name()), func(ctx context.Context, _ echo.Context, req domain.Request, b *proposeProjectBody) (domain.Result, error) {
				id, err := fund.ParseProjectID(b.Project)
				if err != nil {
					return domain.Result{}, fieldError("project", err)
				}
				return f.HandleProject(ctx, req, id, fund.Propose{ProjectName: b.Name, Kind: b.Kind, Villages: b.Villages,
					BudgetFen: b.BudgetFen, Description: b.Description})
			})},
		projectRoute(s, fund.Approve{}, project+"/approve", "The county approves a proposed project, by its decision.",
			func(_ echo.Context, b *approvalBody) (fund.ProjectCommand, error) {
				return fund.Approve{ApprovalRef: b.ApprovalRef}, nil
			}),
		projectRoute(s, fund.StartPublicity{}, project+"/publicity", "Post an approved project, its budget and beneficiaries (at least ten days).",
			func(_ echo.Context, b *publicityBody) (fund.ProjectCommand, error) {
				return fund.StartPublicity{StartsAt: b.StartsAt, EndsAt: b.EndsAt, Place: b.Place}, nil
			}),
		projectRoute(s, fund.RaiseObjection{}, project+"/objections", "Record an objection raised during the project's publicity; it blocks implementation and payments until resolved.",
			func(_ echo.Context, b *objectionBody) (fund.ProjectCommand, error) {
				return fund.RaiseObjection{RaisedBy: b.RaisedBy, Statement: b.Statement}, nil
			}),
		projectRoute(s, fund.ResolveObjection{}, project+"/objections/:number/resolve", "Resolve the project's objection {number}: upheld or dismissed, with the reason.",
			func(c echo.Context, b *resolveObjectionBody) (fund.ProjectCommand, error) {
				n, err := strconv.Atoi(c.Param("number"))
				if err != nil {
					var ps domain.Problems
					ps.Addf("number", codePathInvalid, "%q is not an objection's number", c.Param("number"))
					return nil, ps.Err()
				}
				return fund.ResolveObjection{Number: n, Outcome: b.Outcome, Reason: b.Reason}, nil
			}),
		projectRoute(s, fund.StartImplementation{}, project+"/start", "Start a publicized project once its publicity has closed with no objection open; it may then pay.",
			func(echo.Context, *emptyBody) (fund.ProjectCommand, error) { return fund.StartImplementation{}, nil }),
		projectRoute(s, fund.Complete{}, project+"/complete", "Record that the project's works or programme were finished.",
			func(_ echo.Context, b *completeBody) (fund.ProjectCommand, error) {
				return fund.Complete{ReportRef: b.ReportRef}, nil
			}),
		projectRoute(s, fund.Accept{}, project+"/accept", "The county inspects and accepts the completed project (验收).",
			func(_ echo.Context, b *acceptBody) (fund.ProjectCommand, error) {
				return fund.Accept{AcceptanceRef: b.AcceptanceRef}, nil
			}),
		projectRoute(s, fund.AssignBeneficiary{}, project+"/beneficiaries", "Assign a household of one of the project's villages, eligible now, as a beneficiary.",
			func(_ echo.Context, b *beneficiaryBody) (fund.ProjectCommand, error) {
				return fund.AssignBeneficiary{Household: b.Household}, nil
			}),
		projectRoute(s, fund.InstructPayment{}, project+"/payments", "Instruct the bank to pay a beneficiary household (to the card in its file) or a contractor; the money goes into transit.",
			func(_ echo.Context, b *paymentBody) (fund.ProjectCommand, error) {
				return fund.InstructPayment{Payee: b.Payee, Household: b.Household, Contractor: b.Contractor, ContractorName: b.ContractorName,
					ContractorAccount: b.ContractorAccount, AmountFen: b.AmountFen, Purpose: b.Purpose, Period: b.Period, Installment: b.Installment}, nil
			}),
		projectRoute(s, fund.SettlePayment{}, payment+"/settle", "Record the bank's report that payment {ref} was paid; the money leaves transit for the payee.",
			func(c echo.Context, b *settleBody) (fund.ProjectCommand, error) {
				return fund.SettlePayment{Ref: c.Param("ref"), BankRef: b.BankRef}, nil
			}),
		projectRoute(s, fund.FailPayment{}, payment+"/fail", "Record that the bank refused (failed) or sent back (returned) payment {ref}; the money and its lots go back to the project.",
			func(c echo.Context, b *failBody) (fund.ProjectCommand, error) {
				return fund.FailPayment{Ref: c.Param("ref"), Outcome: b.Outcome, Reason: b.Reason, BankRef: b.BankRef}, nil
			}),
		projectRoute(s, fund.AcknowledgePayment{}, payment+"/acknowledge", "Record the household's acknowledgement in person of settled payment {ref}, with evidence; less than paid opens a complaint.",
			func(c echo.Context, b *acknowledgeBody) (fund.ProjectCommand, error) {
				return fund.AcknowledgePayment{Ref: c.Param("ref"), AcknowledgedFen: b.AcknowledgedFen, Evidence: b.Evidence}, nil
			}),
		projectRoute(s, fund.ReversePayment{}, payment+"/reverse", "Undo erroneous settled payment {ref} by a compensating event; the money comes back from the payee to the project.",
			func(c echo.Context, b *reasonBody) (fund.ProjectCommand, error) {
				return fund.ReversePayment{Ref: c.Param("ref"), Reason: b.Reason}, nil
			}),
	}
}

// fundRoles are the roles that may issue the fund command named.
func fundRoles(name string) []domain.Role { return fund.Permissions()[name] }

func fieldError(field string, err error) error {
	var ps domain.Problems
	ps.Add(field, err)
	return ps.Err()
}

func countyParam(c echo.Context) (fund.County, error) {
	county, err := fund.ParseCounty(c.Param("county"))
	if err != nil {
		return county, fieldError("county", err)
	}
	return county, nil
}

func projectParam(c echo.Context) (fund.ProjectID, error) {
	id, err := fund.ParseProjectID(c.Param("project"))
	if err != nil {
		return id, fieldError("project", err)
	}
	return id, nil
}

// poolRoute is the route of a command on the pool of the county in the
// path, built from the body of type B.
func poolRoute[B any](s *Server, kind fund.PoolCommand, path, summary string, build func(c echo.Context, b *B) (fund.PoolCommand, error)) route {
	roles := fundRoles(kind.Name())
	var zero B
	h := command(s, roles, func(ctx context.Context, c echo.Context, req domain.Request, b *B) (domain.Result, error) {
		county, err := countyParam(c)
		if err != nil {
			return domain.Result{}, err
		}
		cmd, err := build(c, b)
		if err != nil {
			return domain.Result{}, err
		}
		return s.deps.Funds.HandlePool(ctx, req, county, cmd)
	})
	return route{method: http.MethodPost, path: path, summary: summary, tag: "funds", roles: roles, body: zero, handler: h}
}

// projectRoute is the route of a command on the project in the path.
func projectRoute[B any](s *Server, kind fund.ProjectCommand, path, summary string, build func(c echo.Context, b *B) (fund.ProjectCommand, error)) route {
	roles := fundRoles(kind.Name())
	var zero B
	h := command(s, roles, func(ctx context.Context, c echo.Context, req domain.Request, b *B) (domain.Result, error) {
		id, err := projectParam(c)
		if err != nil {
			return domain.Result{}, err
		}
		cmd, err := build(c, b)
		if err != nil {
			return domain.Result{}, err
		}
		return s.deps.Funds.HandleProject(ctx, req, id, cmd)
	})
	return route{method: http.MethodPost, path: path, summary: summary, tag: "funds", roles: roles, body: zero, handler: h}
}
