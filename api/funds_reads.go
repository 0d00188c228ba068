package api

import (
	"net/http"
	"net/url"
	"strconv"

	"github.com/drip-ledger/drip/domain"
	"github.com/drip-ledger/drip/domain/access"
	"github.com/drip-ledger/drip/domain/fund"
	"github.com/drip-ledger/drip/events"
	"github.com/drip-ledger/drip/projections/funds"
	"github.com/labstack/echo/v4"
)

// The fund ledger's reads, answered from the funds read model and filtered
// by the caller's jurisdiction; a household's drip trail is personal data,
// so reading it is recorded first. A project's publicity list is public to
// every authenticated role: it is what is posted on the village board, with
// identity numbers masked.

func (s *Server) fundReadRoutes() []route {
	if s.deps.FundView == nil {
		return nil
	}
	rs := []route{
		{method: http.MethodGet, path: "/accounts/:account", tag: "funds", response: funds.AccountBalance{}, handler: s.fundAccount,
			summary: "An account's balance (kind:owner, e.g. pool:520526, project:520526-2026-0042, household:520526104201-0007): ?position="},
		{method: http.MethodGet, path: "/pools/:county", tag: "funds", response: funds.PoolSummary{}, handler: s.fundPool,
			summary: "A county pool: its balance and each appropriation's flows, with the id that names it: ?position="},
		{method: http.MethodGet, path: "/appropriations/:appropriation", tag: "funds", response: funds.AppropriationTrail{}, handler: s.fundAppropriation,
			summary: "Where every fen of an appropriation went (allocations, payments, settled, acknowledged, returned) and what is idle, and for how long; {appropriation} is the id from GET /pools/{county}: ?after= ?limit= ?position="},
		{method: http.MethodGet, path: "/projects/:project", tag: "funds", response: funds.ProjectSummary{}, handler: s.fundProject,
			summary: "A project's lifecycle and money: budget, received, paid, in transit, returned, balance, beneficiaries: ?position="},
		{method: http.MethodGet, path: "/projects/:project/publicity", tag: "funds", response: funds.PublicityList{}, handler: s.fundPublicity,
			summary: "A project's publicity list: its beneficiaries with identity numbers masked (public to every role): ?after= ?limit= ?position="},
		{method: http.MethodGet, path: "/villages/:village/funds", tag: "funds", response: funds.VillageFunds{}, handler: s.fundVillage,
			summary: "Payments to a village's households, summed and per household, and the projects serving it: ?after= ?limit= ?position="},
	}
	if s.deps.Registry != nil {
		rs = append(rs, route{method: http.MethodGet, path: "/households/:file/drip-trail", tag: "funds", response: funds.DripTrail{}, handler: s.dripTrail,
			summary: "Every payment to a household, each fen traced to its appropriation documents, with who did each step and when, the bank's reference and the acknowledgement (the read is recorded): ?after= ?limit= ?position="})
	}
	return rs
}

func (s *Server) fundAccount(c echo.Context) error {
	j, err := s.fundReadStart(c)
	if err != nil {
		return err
	}
	a, err := s.deps.FundView.Account(j, fund.AccountID(c.Param("account")))
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, a)
}

func (s *Server) fundPool(c echo.Context) error {
	j, err := s.fundReadStart(c)
	if err != nil {
		return err
	}
	county, err := countyParam(c)
	if err != nil {
		return err
	}
	p, err := s.deps.FundView.Pool(j, county, s.deps.Now())
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, p)
}

func (s *Server) fundAppropriation(c echo.Context) error {
	j, err := s.readStart(c)
	if err != nil {
		return err
	}
	after, limit, err := positionPage(c.QueryParams())
	if err != nil {
		return err
	}
	a, err := s.deps.FundView.Appropriation(j, c.Param("appropriation"), s.deps.Now(), after, limit)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, a)
}

func (s *Server) fundProject(c echo.Context) error {
	j, err := s.fundReadStart(c)
	if err != nil {
		return err
	}
	id, err := projectParam(c)
	if err != nil {
		return err
	}
	p, err := s.deps.FundView.Project(j, id)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, p)
}

func (s *Server) fundPublicity(c echo.Context) error {
	if _, err := s.readStart(c); err != nil {
		return err
	}
	q := c.QueryParams()
	var ps events.Problems
	limit := pageLimit(q, funds.PageLenMax, &ps)
	checkParams(q, &ps, "after", "limit", "position")
	if err := ps.Err(); err != nil {
		return err
	}
	id, err := projectParam(c)
	if err != nil {
		return err
	}
	p, err := s.deps.FundView.Publicity(id, q.Get("after"), limit)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, p)
}

func (s *Server) fundVillage(c echo.Context) error {
	j, err := s.readStart(c)
	if err != nil {
		return err
	}
	q := c.QueryParams()
	var ps events.Problems
	limit := pageLimit(q, funds.PageLenMax, &ps)
	checkParams(q, &ps, "after", "limit", "position")
	if err := ps.Err(); err != nil {
		return err
	}
	code, err := domain.ParseDivisionCode(c.Param("village"))
	if err != nil || code.Level() != domain.LevelVillage {
		return invalid(fieldProblem("village", "must be a village's 12-digit division code"))
	}
	if s.deps.Divisions != nil {
		if err := s.deps.Divisions.Check(code); err != nil {
			return invalid(events.Problem{Field: "village", Reason: err.Error(), Cause: err})
		}
	}
	v, err := s.deps.FundView.Village(j, code, q.Get("after"), limit)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, v)
}

func (s *Server) dripTrail(c echo.Context) error {
	j, err := s.readStart(c)
	if err != nil {
		return err
	}
	after, limit, err := positionPage(c.QueryParams())
	if err != nil {
		return err
	}
	f, err := s.household(c, j)
	if err != nil {
		return err
	}
	if err := s.recordRead(c, f.String(), access.ViewDripTrail, c.QueryParams().Encode()); err != nil {
		return err
	}
	t, err := s.deps.FundView.DripTrail(j, f, after, limit)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, t)
}

// fundReadStart is readStart for reads that take only ?position=.
func (s *Server) fundReadStart(c echo.Context) (domain.Jurisdiction, error) {
	var ps events.Problems
	checkParams(c.QueryParams(), &ps, "position")
	if err := ps.Err(); err != nil {
		return domain.Jurisdiction{}, err
	}
	return s.readStart(c)
}

// positionPage reads ?after= (a global position from the previous page's
// next) and ?limit=, and refuses any other parameter but ?position=.
func positionPage(q url.Values) (after uint64, limit int, err error) {
	var ps events.Problems
	limit = pageLimit(q, funds.PageLenMax, &ps)
	if v := q.Get("after"); v != "" {
		if after, err = strconv.ParseUint(v, 10, 64); err != nil {
			ps.Add("after", "must be a whole number, the next of the previous page")
		}
	}
	checkParams(q, &ps, "after", "limit", "position")
	return after, limit, ps.Err()
}
