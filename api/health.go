package api

import (
	"net/http"
	"strconv"

	"github.com/labstack/echo/v4"
)

// healthz answers 200 while the process can serve at all: it checks nothing
// that could make a load balancer restart a server that is merely catching up.
func (s *Server) healthz(c echo.Context) error {
	return c.JSON(http.StatusOK, map[string]string{"status": "ok"})
}

type readiness struct {
	Ready       bool               `json:"ready"`
	Head        uint64             `json:"head"`
	Projections []ProjectionStatus `json:"projections"`
	// StoreFailed is why the store failed for good, if it did.
	StoreFailed string `json:"storeFailed,omitempty"`
}

// readyz answers 200 once every serving read model has reached the head the
// process saw at its start (a model that starts far behind is not ready
// merely because it moves), is within ReadyLagMax events of the log's head,
// and none has stopped, and the store has not failed; 503
// otherwise, with the detail, so queries are not routed to a server whose
// answers would be stale (a failed store's head stops, so its read models
// look caught up: lag alone would say ready).
func (s *Server) readyz(c echo.Context) error {
	head, err := s.deps.Store.Head(c.Request().Context())
	if err != nil {
		return err
	}
	r := readiness{Ready: true, Head: head, Projections: s.deps.Projections(c.Request().Context())}
	if r.Projections == nil {
		r.Projections = []ProjectionStatus{}
	}
	if err := storeErr(s.deps.Store); err != nil {
		r.Ready, r.StoreFailed = false, err.Error()
	}
	for _, p := range r.Projections {
		if p.Beside != "" {
			continue // rebuilt beside a serving version, which answers meanwhile
		}
		if p.StoppedAt != 0 || p.CatchingUp || head-min(head, p.Position) > s.cfg.ReadyLagMax {
			r.Ready = false
		}
	}
	status := http.StatusOK
	if !r.Ready {
		status = http.StatusServiceUnavailable
	}
	return c.JSON(status, r)
}

// PositionHeader is the response header of every authenticated read: the log
// position the answer reflects at least (Deps.Position), so a client can
// tell how fresh it is and pass it back as ?position= elsewhere.
const PositionHeader = "Drip-Position"

// markPosition sets PositionHeader from the read models' position now. It
// runs before a read's handler and again once ?position= has been waited
// for (readStart): either way before the handler reads a view, so the
// header never claims more than the answer holds.
func (s *Server) markPosition(c echo.Context) {
	if s.deps.Position != nil {
		c.Response().Header().Set(PositionHeader, strconv.FormatUint(s.deps.Position(), 10))
	}
}

// withPosition is the one middleware that gives every authenticated GET its
// PositionHeader.
func (s *Server) withPosition(h echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		s.markPosition(c)
		return h(c)
	}
}
