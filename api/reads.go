package api

import (
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/drip-ledger/drip/domain"
	"github.com/drip-ledger/drip/domain/access"
	"github.com/drip-ledger/drip/domain/complaint"
	"github.com/drip-ledger/drip/domain/household"
	"github.com/drip-ledger/drip/events"
	"github.com/drip-ledger/drip/projections/complaints"
	"github.com/drip-ledger/drip/projections/households"
	"github.com/labstack/echo/v4"
)

// The read side: searches and lists answered from the read models, and a
// household's file, timeline and as-of state answered from the log itself,
// so the 12317 desk sees exactly what was recorded. Every read of personal
// data is recorded first (domain/access); if it cannot be recorded, the data
// is not shown.

// timelineEventsMax bounds the events one timeline or as-of answer gathers.
const timelineEventsMax = 5000

func (s *Server) readRoutes() []route {
	var rs []route
	if s.deps.HouseholdView != nil {
		rs = append(rs,
			route{method: http.MethodGet, path: "/households", tag: "households", response: households.Page{}, handler: s.searchHouseholds,
				summary: "Search households in your jurisdiction: ?fileNumber= ?residentId= ?name= (any member's name containing it) ?division= ?status= ?after= (the previous page's next: a file number, or for ?name= the name index's cursor) ?limit= ?position="},
			route{method: http.MethodGet, path: "/households/:file", tag: "households", response: householdFile{}, handler: s.householdFile,
				summary: "A household's whole file as it stands now (the read is recorded)."},
			route{method: http.MethodGet, path: "/households/:file/timeline", tag: "households", response: timeline{}, handler: s.householdTimeline,
				summary: "Every event concerning a household, from its own stream and from complaints, with actor, role and times (the read is recorded)."},
			route{method: http.MethodGet, path: "/households/:file/as-of", tag: "households", response: householdFile{}, handler: s.householdAsOf,
				summary: "A household's file as it stood at ?at= (RFC 3339 or YYYY-MM-DD, end of that day in China), rebuilt from its events (the read is recorded)."},
			route{method: http.MethodGet, path: "/stats/households", tag: "households", response: []households.Counts{}, handler: s.householdCounts,
				summary: "Households per division (?level=village|township|county): enrolled, exited, at risk, returned, removed."},
		)
	}
	if s.deps.ComplaintView != nil {
		rs = append(rs,
			route{method: http.MethodGet, path: "/complaints", tag: "complaints", response: complaints.Page{}, handler: s.complaintQueue,
				summary: "The complaint queue in your jurisdiction with deadline status: ?status= ?category= ?overdue=true ?after= ?limit= ?position="},
			route{method: http.MethodGet, path: "/complaints/:id", tag: "complaints", response: complaints.Item{}, handler: s.complaintItem,
				summary: "One complaint with its due dates and whether they are missed."},
		)
	}
	return rs
}

// pageLenDefault is the page length when ?limit= is absent.
const pageLenDefault = 50

func (s *Server) searchHouseholds(c echo.Context) error {
	j, err := s.readStart(c)
	if err != nil {
		return err
	}
	q := c.QueryParams()
	var ps events.Problems
	query := households.Query{Within: j, Division: q.Get("division"), FileNumber: q.Get("fileNumber"),
		ResidentID: q.Get("residentId"), Name: q.Get("name"), Status: household.Status(q.Get("status")), After: q.Get("after"),
		Limit: pageLimit(q, households.PageLenMax, &ps)}
	checkParams(q, &ps, "division", "fileNumber", "residentId", "name", "status", "after", "limit", "position")
	s.checkDivisionParam("division", q.Get("division"), &ps)
	if err := ps.Err(); err != nil {
		return err
	}
	if err := s.recordRead(c, "", access.ViewSearch, q.Encode()); err != nil {
		return err
	}
	page, err := s.deps.HouseholdView.Search(c.Request().Context(), query)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, page)
}

func (s *Server) householdCounts(c echo.Context) error {
	j, err := s.readStart(c)
	if err != nil {
		return err
	}
	levels := map[string]domain.Level{"village": domain.LevelVillage, "township": domain.LevelTownship, "county": domain.LevelCounty}
	level, ok := levels[c.QueryParam("level")]
	if !ok {
		return invalid(fieldProblem("level", "must be village, township or county"))
	}
	counts, err := s.deps.HouseholdView.CountBy(c.Request().Context(), j, level)
	if err != nil {
		return err
	}
	if s.deps.Divisions != nil {
		for i := range counts {
			if pj, err := domain.ParseJurisdiction(counts[i].Division); err == nil {
				if div, ok := s.deps.Divisions.LookupJurisdiction(pj); ok {
					counts[i].Name = div.Name
				}
			}
		}
	}
	return c.JSON(http.StatusOK, counts)
}

func (s *Server) complaintQueue(c echo.Context) error {
	j, err := s.readStart(c)
	if err != nil {
		return err
	}
	q := c.QueryParams()
	var ps events.Problems
	query := complaints.Query{Within: j, Status: complaint.Status(q.Get("status")), Category: complaint.Category(q.Get("category")),
		After: q.Get("after"), Now: s.deps.Now(), Limit: pageLimit(q, complaints.PageLenMax, &ps)}
	switch q.Get("overdue") {
	case "", "false":
	case "true":
		query.OverdueOnly = true
	default:
		ps.Add("overdue", "must be true or false")
	}
	checkParams(q, &ps, "status", "category", "overdue", "after", "limit", "position")
	if err := ps.Err(); err != nil {
		return err
	}
	page, err := s.deps.ComplaintView.List(c.Request().Context(), query)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, page)
}

func (s *Server) complaintItem(c echo.Context) error {
	j, err := s.readStart(c)
	if err != nil {
		return err
	}
	// A complaint outside the caller's jurisdiction is answered exactly as
	// one that does not exist: complaint IDs are sequential, and a 403 would
	// tell an outsider which ones exist (how many complaints a county has).
	it, ok, err := s.deps.ComplaintView.Get(c.Request().Context(), c.Param("id"), s.deps.Now())
	if err != nil {
		return err
	}
	if ok {
		d, err := domain.ParseDivisionCode(it.Division)
		ok = err == nil && j.Contains(d)
	}
	if !ok {
		return domain.Errorf("complaint_not_found", "no complaint %q", c.Param("id"))
	}
	return c.JSON(http.StatusOK, it)
}

// readStart does what every read does first: take the caller's jurisdiction
// from the token and, if ?position= is given, wait for the read models to
// reach it.
func (s *Server) readStart(c echo.Context) (domain.Jurisdiction, error) {
	j, err := domain.ParseJurisdiction(claimsOf(c).Jurisdiction)
	if err != nil {
		return j, err
	}
	if err := s.waitForPosition(c); err != nil {
		return j, err
	}
	s.markPosition(c)
	return j, nil
}

// household checks the file number in the path and that it lies in the
// caller's jurisdiction. A household outside it is refused without saying
// whether it exists.
func (s *Server) household(c echo.Context, j domain.Jurisdiction) (domain.FileNumber, error) {
	f, err := domain.ParseFileNumber(c.Param("file"))
	if err != nil {
		var ps domain.Problems
		ps.Add("file", err)
		return f, ps.Err()
	}
	if !j.Contains(f.Village()) {
		return f, domain.Errorf("outside_jurisdiction", "household %s is outside your jurisdiction", f)
	}
	return f, nil
}

// recordRead appends the access event for a read of personal data, before
// the data is sent: a read that cannot be recorded is not served.
func (s *Server) recordRead(c echo.Context, file, view, query string) error {
	cl := claimsOf(c)
	id, err := events.NewID(nil)
	if err != nil {
		return err
	}
	ev, err := s.deps.Registry.Encode(id, events.Metadata{ActorID: cl.User, Role: string(cl.Role), Jurisdiction: cl.Jurisdiction,
		CorrelationID: c.Response().Header().Get(echo.HeaderXRequestID), OccurredAt: s.deps.Now().UTC()},
		&access.Viewed{FileNumber: file, View: view, Query: access.Clip(query)})
	if err != nil {
		return err
	}
	_, err = s.deps.Store.Append(c.Request().Context(), access.Stream(file), events.Any, ev)
	if err != nil {
		return fmt.Errorf("recording the read: %w", err)
	}
	return nil
}

func pageLimit(q url.Values, max int, ps *events.Problems) int {
	v := q.Get("limit")
	if v == "" {
		return min(pageLenDefault, max)
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 1 || n > max {
		ps.Addf("limit", "must be a whole number in 1..%d", max)
		return 0
	}
	return n
}

// checkParams names every query parameter the endpoint does not know, so a
// misspelt filter is an error rather than a silently unfiltered answer.
func checkParams(q url.Values, ps *events.Problems, known ...string) {
	keys := make([]string, 0, len(q))
	for k := range q {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		if !slices.Contains(known, k) {
			ps.Addf(k, "is not a parameter of this endpoint (known: %s)", strings.Join(known, ", "))
		}
	}
}
