package api

import (
	"net/http"

	"github.com/drip-ledger/drip/domain"
	"github.com/labstack/echo/v4"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// route is one endpoint: how it is served and how it is documented. The
// OpenAPI document is built from the same table the router is, so the two
// cannot drift apart (and a test checks that they have not).
type route struct {
	method, path string
	summary      string
	tag          string
	// public routes need no token; every other route needs one.
	public bool
	// roles may call the route; nil means every authenticated role.
	roles []domain.Role
	// body is a zero value of the request body's type, nil for none.
	body any
	// response is a zero value of the success body's type, nil for none.
	response any
	handler  echo.HandlerFunc
}

// routeTable is the one list of endpoints a reader scans to find where a URL
// is handled.
func (s *Server) routeTable() []route {
	rs := []route{
		{method: http.MethodGet, path: "/healthz", summary: "The process is up.", tag: "operations", public: true, handler: s.healthz},
		{method: http.MethodGet, path: "/readyz", summary: "The read models have caught up with the log.", tag: "operations", public: true, response: readiness{}, handler: s.readyz},
		{method: http.MethodGet, path: "/metrics", summary: "Prometheus metrics.", tag: "operations", public: true,
			handler: echo.WrapHandler(promhttp.HandlerFor(s.deps.Metrics, promhttp.HandlerOpts{}))},
		{method: http.MethodGet, path: "/openapi.json", summary: "This API's OpenAPI 3.1 document.", tag: "operations", public: true, handler: s.openAPI},
	}
	rs = append(rs, s.complaintRoutes()...)
	rs = append(rs, s.readRoutes()...)
	rs = append(rs, s.notaryRoutes()...)
	rs = append(rs, s.householdRoutes()...)
	rs = append(rs, append(s.fundRoutes(), s.fundReadRoutes()...)...)
	rs = append(rs, s.reconcileRoutes()...)
	return rs
}

func (s *Server) routes() {
	for _, r := range s.routeTable() {
		h := r.handler
		if !r.public {
			if r.method == http.MethodGet {
				h = s.withPosition(h)
			}
			h = s.authenticate(h)
		}
		s.echo.Add(r.method, r.path, h)
	}
}
