package api

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"

	"github.com/drip-ledger/drip/api/catalogue"
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
	// Imported lists what a refused bank-file batch wrote all the same: the
	// files that were good were imported, each whole.
	Imported []ImportedFile `json:"imported,omitempty"`
}

// ImportedFile is one bank file a refused batch imported.
type ImportedFile struct {
	Name     string `json:"name"`
	SHA256   string `json:"sha256"`
	Position uint64 `json:"position"`
	// Replayed is true when the file had been imported before.
	Replayed bool `json:"replayed"`
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
// become HTTP statuses: the status and title of every code come from
// api/catalogue, so a code means the same thing on every endpoint.
func problemFor(err error) Problem {
	var pi *partialImport
	if errors.As(err, &pi) {
		p := problemFor(pi.err)
		p.Detail = fmt.Sprintf("%d of the batch's files were imported (listed in imported), the others refused with nothing of them written; send the refused files again once fixed", len(pi.imported))
		for _, r := range pi.imported {
			p.Imported = append(p.Imported, ImportedFile{Name: r.Name, SHA256: r.SHA256, Position: r.Position, Replayed: r.Replayed})
		}
		return p
	}
	var he *echo.HTTPError
	var inv *events.InvalidError
	var de *domain.Error
	switch {
	case errors.As(err, &inv):
		code := "validation_failed"
		if errors.Is(err, events.ErrLimit) {
			code = "limit_exceeded"
		}
		p := catalogued(code, "")
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
		return catalogued(de.Code, de.Message)
	case errors.Is(err, events.ErrConcurrency):
		return catalogued("concurrent_change", "Someone changed this record at the same time; read it again and retry.")
	case errors.Is(err, events.ErrIDConflict):
		return catalogued("idempotency_conflict", "This request's identity was already used for a different request.")
	case errors.Is(err, events.ErrStreamNotFound):
		return catalogued("not_found", "No such record.")
	case errors.Is(err, events.ErrClosed):
		return catalogued("shutting_down", "The server is shutting down.")
	case errors.Is(err, context.DeadlineExceeded):
		return catalogued("timeout", "The request took too long.")
	case errors.As(err, &he):
		return problemForHTTP(he)
	}
	return catalogued("internal", "Something went wrong on our side; it has been logged.")
}

// httpCodes are the codes of the statuses echo itself answers with.
var httpCodes = map[int]string{
	http.StatusNotFound:              "not_found",
	http.StatusMethodNotAllowed:      "method_not_allowed",
	http.StatusRequestEntityTooLarge: "body_too_large",
	http.StatusUnauthorized:          "unauthorized",
	http.StatusForbidden:             "forbidden",
	http.StatusUnsupportedMediaType:  "unsupported_media_type",
	http.StatusBadRequest:            "bad_request",
	http.StatusServiceUnavailable:    "unavailable",
	http.StatusTooManyRequests:       "too_many_requests",
}

func problemForHTTP(he *echo.HTTPError) Problem {
	code, ok := httpCodes[he.Code]
	if !ok {
		code = "http_error"
	}
	p := catalogued(code, "")
	// echo's status stands: http_error is every status without a code of
	// its own, and echo's 5xx (a panic recovered) must stay a 5xx.
	p.Status = he.Code
	if msg, ok := he.Message.(string); ok && msg != http.StatusText(he.Code) {
		p.Detail = msg
	}
	return p
}

// catalogued is the problem of a code, with its status and title from the
// catalogue. A code the catalogue lacks is a programmer error (a test scans
// the source for every code); it is answered as what domain errors mostly
// are, 422, with the code kept, so a client still sees what went wrong.
func catalogued(code, detail string) Problem {
	e, ok := catalogue.Lookup(code)
	if !ok {
		e = catalogue.Entry{Status: http.StatusUnprocessableEntity, En: "Request refused"}
	}
	return Problem{Type: "https://drip.example/problems/" + code, Title: e.En, Status: e.Status, Code: code, Detail: detail}
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
