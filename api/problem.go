package api

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"

	"github.com/drip-ledger/drip/domain"
	"github.com/drip-ledger/drip/events"
	"github.com/labstack/echo/v4"
)

// Problem is an RFC 9457 problem detail. Code is Drip's stable, machine-
// readable error code (clients branch on it, never on Detail); Errors lists
// every bad field of a rejected input at once.
type Problem struct {
	Type     string         `json:"type"`
	Title    string         `json:"title"`
	Status   int            `json:"status"`
	Detail   string         `json:"detail,omitempty"`
	Instance string         `json:"instance,omitempty"`
	Code     string         `json:"code"`
	Errors   []FieldProblem `json:"errors,omitempty"`
}

// FieldProblem is one bad field of an input.
type FieldProblem struct {
	Field  string `json:"field"`
	Reason string `json:"reason"`
	// Code is the rule's stable code where the domain gave one
	// (resident_id_checksum, birth_date_mismatch).
	Code string `json:"code,omitempty"`
}

const problemContentType = "application/problem+json"

// problemFor maps an error to a problem. It is the one place where errors
// become HTTP statuses, so a code means the same thing on every endpoint.
func problemFor(err error) Problem {
	var he *echo.HTTPError
	var inv *events.InvalidError
	var de *domain.Error
	switch {
	case errors.As(err, &inv):
		p := newProblem(http.StatusUnprocessableEntity, "validation_failed", "The input has invalid fields.")
		if errors.Is(err, events.ErrLimit) {
			p.Code = "limit_exceeded"
		}
		for _, fp := range inv.Problems {
			f := FieldProblem{Field: fp.Field, Reason: fp.Reason}
			var de *domain.Error
			if errors.As(fp.Cause, &de) {
				f.Code = de.Code
			}
			p.Errors = append(p.Errors, f)
		}
		return p
	case errors.As(err, &de):
		p := newProblem(domainStatus(de.Code), de.Code, de.Message)
		p.Detail = de.Message
		return p
	case errors.Is(err, events.ErrConcurrency):
		return newProblem(http.StatusConflict, "concurrent_change", "Someone changed this record at the same time; read it again and retry.")
	case errors.Is(err, events.ErrIDConflict):
		return newProblem(http.StatusConflict, "idempotency_conflict", "This request's identity was already used for a different request.")
	case errors.Is(err, events.ErrStreamNotFound):
		return newProblem(http.StatusNotFound, "not_found", "No such record.")
	case errors.Is(err, events.ErrClosed):
		return newProblem(http.StatusServiceUnavailable, "shutting_down", "The server is shutting down.")
	case errors.Is(err, context.DeadlineExceeded):
		return newProblem(http.StatusGatewayTimeout, "timeout", "The request took too long.")
	case errors.As(err, &he):
		return problemForHTTP(he)
	}
	return newProblem(http.StatusInternalServerError, "internal", "Something went wrong on our side; it has been logged.")
}

func problemForHTTP(he *echo.HTTPError) Problem {
	codes := map[int]string{
		http.StatusNotFound:              "not_found",
		http.StatusMethodNotAllowed:      "method_not_allowed",
		http.StatusRequestEntityTooLarge: "body_too_large",
		http.StatusUnauthorized:          "unauthorized",
		http.StatusForbidden:             "forbidden",
		http.StatusUnsupportedMediaType:  "unsupported_media_type",
		http.StatusBadRequest:            "bad_request",
		http.StatusServiceUnavailable:    "unavailable",
	}
	code, ok := codes[he.Code]
	if !ok {
		code = "http_" + http.StatusText(he.Code)
	}
	p := newProblem(he.Code, code, http.StatusText(he.Code))
	if msg, ok := he.Message.(string); ok && msg != http.StatusText(he.Code) {
		p.Detail = msg
	}
	return p
}

// domainStatus is the HTTP status of a broken domain rule, by its code: most
// are 422 (the request is understood but the rules refuse it); these are not.
func domainStatus(code string) int {
	switch code {
	case "outside_jurisdiction", "forbidden_role", "role_not_permitted", "backfill_not_permitted":
		return http.StatusForbidden
	case "not_found", "household_not_found", "household_unknown", "complaint_not_found", "objection_unknown":
		return http.StatusNotFound
	case "wrong_status", "household_exists", "complaint_exists", "idempotency_key_reused",
		"objection_open", "publicity_open", "appeals_exhausted", "already_assigned",
		// A step of a procedure is missing, or the record already has it:
		// the request may succeed once the household's state changes.
		"assessment_missing", "appraisal_missing", "review_missing", "exit_verification_missing",
		"exit_agreement_missing", "cadre_already_assigned", "measure_exists", "objection_resolved":
		return http.StatusConflict
	case "insufficient_funds", "duplicate_payment", "payment_not_pending", "payment_not_settled", "already_acknowledged", "project_exists", "appropriation_exists", "publicity_closed":
		return http.StatusConflict // the fund ledger: the money or the payment is not where the request needs it
	case "project_not_found", "payment_not_found", "allocation_not_found", "objection_not_found", "appropriation_not_found", "account_not_found", "pool_not_found":
		return http.StatusNotFound
	}
	return http.StatusUnprocessableEntity
}

func newProblem(status int, code, title string) Problem {
	return Problem{Type: "https://drip.example/problems/" + code, Title: title, Status: status, Code: code}
}

// errorHandler is echo's HTTPErrorHandler: every error any handler or
// middleware returns is answered here, as application/problem+json.
func errorHandler(log *slog.Logger) echo.HTTPErrorHandler {
	return func(err error, c echo.Context) {
		if c.Response().Committed {
			return
		}
		p := problemFor(err)
		p.Instance = c.Request().URL.Path
		if p.Status >= 500 {
			log.Error("request failed", "path", p.Instance, "err", err,
				"request_id", c.Response().Header().Get(echo.HeaderXRequestID))
		}
		c.Response().Header().Set(echo.HeaderContentType, problemContentType)
		c.Response().WriteHeader(p.Status)
		if c.Request().Method == http.MethodHead {
			return
		}
		if err := json.NewEncoder(c.Response()).Encode(p); err != nil {
			log.Warn("writing problem response", "err", err)
		}
	}
}
