package api

import (
	"context"
	"crypto/ed25519"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"time"

	"github.com/drip-ledger/drip/domain"
	"github.com/drip-ledger/drip/domain/complaint"
	"github.com/drip-ledger/drip/domain/household"
	"github.com/drip-ledger/drip/domain/scorecard"
	"github.com/drip-ledger/drip/events"
	"github.com/drip-ledger/drip/projections/complaints"
	"github.com/drip-ledger/drip/projections/funds"
	"github.com/drip-ledger/drip/projections/households"
	"github.com/labstack/echo/v4"
	"github.com/labstack/echo/v4/middleware"
	"github.com/prometheus/client_golang/prometheus"
)

// ProjectionStatus is what the API needs to know of one read model: how far
// it has applied the log, and whether it has stopped on an event it could not
// apply.
type ProjectionStatus struct {
	Name     string `json:"name"`
	Position uint64 `json:"position"`
	// Target is the log's head when the read model started (the process's
	// start, or its rebuild's); CatchingUp is set until Position has
	// reached it, and EventsPerS is the catch-up's rate.
	Target     uint64  `json:"target"`
	CatchingUp bool    `json:"catchingUp,omitempty"`
	EventsPerS float64 `json:"eventsPerS"`
	// Beside names the serving version this one is being rebuilt beside;
	// it does not count for readiness (the serving one answers).
	Beside string `json:"beside,omitempty"`
	// StoppedAt is the position the projection stopped at (0: running).
	StoppedAt uint64 `json:"stoppedAt,omitempty"`
	Err       string `json:"error,omitempty"`
}

// Deps are the server's collaborators, wired by cmd/drip.
type Deps struct {
	Store events.Store
	// Projections reports every read model's status; nil means none.
	Projections func(ctx context.Context) []ProjectionStatus
	// Metrics is the registry /metrics serves; nil means a new one.
	Metrics *prometheus.Registry
	Logger  *slog.Logger
	// TokenKey verifies bearer tokens (the public half of the deployment's
	// token key, the one it signs with now).
	TokenKey ed25519.PublicKey
	// TokenKeysRetired verify tokens signed before a rotation, until the
	// operator removes them (after TokenTTLMax no such token is still valid).
	TokenKeysRetired []ed25519.PublicKey
	// HouseholdView and ComplaintView answer searches and queues; nil
	// leaves those reads out. Registry decodes the log for the reads that
	// rebuild a household from its events.
	HouseholdView *households.View
	ComplaintView *complaints.View
	Registry      *events.Registry
	// Divisions is the division registry every code a request sends is
	// checked against (and the names stats give beside codes); nil checks
	// only the codes' shape.
	Divisions *domain.Divisions
	// Notary serves checkpoints, proofs and bundles; nil leaves them out.
	// VerifierKey is its public key, in note's format.
	Notary      Notary
	VerifierKey string
	// Complaints handles the 12317 desk's commands; nil leaves them out.
	Complaints *complaint.Service
	// Households handles the household file's commands; nil leaves them out.
	Households *household.Service
	// Funds runs the fund ledger's commands and FundView answers its reads; nil leaves them out.
	Funds    Funds
	FundView *funds.View
	// Reconciliation imports bank files and answers red flags; nil leaves them out.
	Reconciliation *Reconciliation
	// Scorecards are the cards assessments are scored with, resolved by the
	// server (never sent by the caller); nil means the cards built into Drip.
	Scorecards *scorecard.Catalog
	// PovertyLines are the yearly lines enrollment and monitoring compare
	// with; empty means domain.DefaultPovertyLines.
	PovertyLines domain.PovertyLines
	// CadreLoads counts a cadre's households for the "4321" rule; nil means
	// every cadre helps none yet.
	CadreLoads CadreLoads
	// WaitFor blocks until every read model has applied position, or ctx
	// is done; nil means reads never wait.
	WaitFor func(ctx context.Context, position uint64) error
	// Position is the lowest position the serving read models have
	// applied: an answer read from them now reflects the log up to at least
	// it (the Drip-Position header); nil sends no header.
	Position func() uint64
	// Now is the server's clock (token expiry, commands' business time);
	// nil means time.Now.
	Now func() time.Time
}

// Server is Drip's HTTP server.
type Server struct {
	cfg  Config
	deps Deps
	keys *KeyRing
	echo *echo.Echo
	http *http.Server
	docCache
}

// New checks its configuration and dependencies and builds the routes.
func New(cfg Config, deps Deps) (*Server, error) {
	var errs []error
	if err := cfg.Validate(); err != nil {
		errs = append(errs, err)
	}
	if deps.Store == nil {
		errs = append(errs, errors.New("api: Deps.Store is nil"))
	}
	if (deps.HouseholdView != nil || deps.ComplaintView != nil) && deps.Registry == nil {
		errs = append(errs, errors.New("api: the read models need Deps.Registry to decode the log"))
	}
	if len(deps.TokenKey) != ed25519.PublicKeySize {
		errs = append(errs, errors.New("api: Deps.TokenKey is not an Ed25519 public key"))
	}
	ring, err := NewKeyRing(append([]ed25519.PublicKey{deps.TokenKey}, deps.TokenKeysRetired...)...)
	if err != nil && len(deps.TokenKey) == ed25519.PublicKeySize {
		errs = append(errs, fmt.Errorf("api: Deps.TokenKeysRetired: %w", err))
	}
	if err := deps.PovertyLines.Validate(); err != nil {
		errs = append(errs, fmt.Errorf("api: Deps.PovertyLines: %w", err))
	}
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	if len(deps.PovertyLines) == 0 {
		deps.PovertyLines = domain.DefaultPovertyLines()
	}
	if deps.Scorecards == nil && deps.Households != nil {
		deps.Scorecards = scorecard.Builtin()
	}
	if deps.Logger == nil {
		deps.Logger = slog.Default()
	}
	if deps.Projections == nil {
		deps.Projections = func(context.Context) []ProjectionStatus { return nil }
	}
	if deps.Now == nil {
		deps.Now = time.Now
	}
	if deps.Metrics == nil {
		deps.Metrics = prometheus.NewRegistry()
	}
	s := &Server{cfg: cfg, deps: deps, keys: ring, echo: echo.New()}
	s.echo.HideBanner, s.echo.HidePort = true, true
	s.echo.HTTPErrorHandler = errorHandler(deps.Logger)
	// The access log sits outside Recover and BodyLimit so a panic (500) and
	// an oversized body (413) are logged with the status the client got.
	s.echo.Use(middleware.RequestID(), s.accessLog(), middleware.Recover(),
		middleware.BodyLimit(fmt.Sprintf("%dB", cfg.BodyBytesMax)))
	s.routes()
	s.http = &http.Server{
		Addr:              cfg.Addr,
		Handler:           s.echo,
		ReadHeaderTimeout: cfg.ReadHeaderTimeout,
		ReadTimeout:       cfg.ReadTimeout,
		WriteTimeout:      cfg.WriteTimeout,
		IdleTimeout:       cfg.IdleTimeout,
		MaxHeaderBytes:    64 << 10,
		ErrorLog:          slog.NewLogLogger(deps.Logger.Handler(), slog.LevelWarn),
	}
	return s, nil
}

// Handler returns the server's handler, for tests with httptest.
func (s *Server) Handler() http.Handler { return s.echo }

// Routes lists the routes the router serves, as "METHOD /openapi/{path}",
// for the test that holds the OpenAPI document to them.
func (s *Server) Routes() []string {
	var out []string
	for _, r := range s.echo.Routes() {
		out = append(out, r.Method+" "+openAPIPath(r.Path))
	}
	return out
}

// Serve answers requests on ln until Shutdown. It returns nil after a
// graceful Shutdown.
func (s *Server) Serve(ln net.Listener) error {
	if err := s.http.Serve(ln); !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}

// Shutdown stops accepting connections and waits, until ctx is done, for
// requests in flight (and so their appends) to finish.
func (s *Server) Shutdown(ctx context.Context) error { return s.http.Shutdown(ctx) }

func (s *Server) accessLog() echo.MiddlewareFunc {
	return middleware.RequestLoggerWithConfig(middleware.RequestLoggerConfig{
		LogStatus: true, LogURI: true, LogMethod: true, LogLatency: true, LogRequestID: true,
		// The error handler writes the response before the line is logged:
		// without it a domain error (422, 403, 409) was logged as 200, the
		// status of a response not yet written.
		HandleError: true,
		LogValuesFunc: func(c echo.Context, v middleware.RequestLoggerValues) error {
			s.deps.Logger.Info("http", "method", v.Method, "uri", v.URI, "status", v.Status,
				"latency_ms", v.Latency.Milliseconds(), "request_id", v.RequestID)
			return nil
		},
	})
}
