package api

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"time"

	"github.com/drip-ledger/drip/domain"
	"github.com/labstack/echo/v4"
)

// readWaitMax bounds how long a read waits for the read models to reach the
// position it asked for; past it the read answers 504 rather than stale data.
const readWaitMax = 10 * time.Second

// headerPosition carries the global position of a command's last event, so a
// client can pass it to a later read (?position=) and read its own write.
const headerPosition = "Drip-Position"

// CommandResponse is every command's answer.
type CommandResponse struct {
	// Position is the global position of the command's last event; pass it
	// as ?position= to a read to see the command's effect.
	Position uint64          `json:"position"`
	Stream   string          `json:"stream,omitempty"`
	Version  uint64          `json:"version"`
	Events   []RecordedEvent `json:"events"`
	// Replayed is true when the request repeated an Idempotency-Key and
	// nothing new was written: this is the first request's answer.
	Replayed bool `json:"replayed"`
}

// RecordedEvent names one event a command recorded.
type RecordedEvent struct {
	ID       string `json:"id"`
	Type     string `json:"type"`
	Position uint64 `json:"position"`
}

// execFunc runs one decoded command for an actor.
type execFunc func(ctx context.Context, req domain.Request) (domain.Result, error)

// runCommand is the one path every command takes over HTTP: role check,
// body decoding with every bad field named, the domain request built from the
// verified token (never from the body), execution, and the answer with its
// position. body must be a pointer to the command's struct; exec reads it.
func (s *Server) runCommand(c echo.Context, allowed []domain.Role, body any, exec execFunc) error {
	claims := claimsOf(c)
	if !slices.Contains(allowed, claims.Role) {
		return &domain.Error{Code: "role_not_permitted",
			Message: fmt.Sprintf("role %s may not do this; allowed: %v", claims.Role, allowed)}
	}
	raw, err := readBody(c)
	if err != nil {
		return err
	}
	if err := withMissing(raw, body, DecodeCommand(raw, body)); err != nil {
		return err
	}
	if err := s.checkDivisions(body); err != nil {
		return err
	}
	backfill, err := backfillOf(c, claims)
	if err != nil {
		return err
	}
	sum := sha256.Sum256(canonicalJSON(raw))
	req := domain.Request{
		Backfill:       backfill,
		Actor:          claims.Actor(),
		At:             s.deps.Now().UTC(),
		IdempotencyKey: c.Request().Header.Get("Idempotency-Key"),
		Fingerprint:    hex.EncodeToString(sum[:16]),
		CorrelationID:  c.Response().Header().Get(echo.HeaderXRequestID),
	}
	res, err := exec(c.Request().Context(), req)
	if err != nil {
		return err
	}
	out := CommandResponse{Position: res.Position, Version: res.Version, Replayed: res.Replayed, Events: []RecordedEvent{}}
	for _, ev := range res.Events {
		if out.Stream == "" {
			// The command's own stream comes first; a rule across streams
			// (a cadre's capacity, a resident ID) adds events to others.
			out.Stream = ev.Stream
		}
		out.Events = append(out.Events, RecordedEvent{ID: ev.ID.String(), Type: ev.Type, Position: ev.Position})
	}
	c.Response().Header().Set(headerPosition, strconv.FormatUint(res.Position, 10))
	status := http.StatusCreated
	if res.Replayed || len(res.Events) == 0 {
		status = http.StatusOK
	}
	return c.JSON(status, out)
}

// headerBackfill asks for an explicit backfill of older paper records:
// "true", or absent. Asking is not enough: the token must carry the
// backfill permission (Claims.Backfill).
const headerBackfill = "Drip-Backfill"

// backfillOf reads the request's Drip-Backfill header: absent or "false" is
// no backfill, "true" one if the token grants it (backfill_not_permitted),
// anything else is refused.
func backfillOf(c echo.Context, claims Claims) (bool, error) {
	switch v := c.Request().Header.Get(headerBackfill); v {
	case "", "false":
		return false, nil
	case "true":
		if !claims.Backfill {
			return false, &domain.Error{Code: domain.CodeBackfillNotPermitted,
				Message: fmt.Sprintf("%s's token does not grant the backfill of older records", claims.User)}
		}
		return true, nil
	default:
		return false, invalid(fieldProblem(headerBackfill, fmt.Sprintf("is %q; it is true or false", v)))
	}
}

// command makes the handler of one command whose body has type B: it runs
// the shared command path and hands exec the decoded body.
func command[B any](s *Server, roles []domain.Role, exec func(ctx context.Context, c echo.Context, req domain.Request, body *B) (domain.Result, error)) echo.HandlerFunc {
	return func(c echo.Context) error {
		var b B
		return s.runCommand(c, roles, &b, func(ctx context.Context, req domain.Request) (domain.Result, error) {
			return exec(ctx, c, req, &b)
		})
	}
}

// waitForPosition makes a read answer only once the read models have applied
// the position the client passed (?position=N), bounded by readWaitMax.
func (s *Server) waitForPosition(c echo.Context) error {
	q := c.QueryParam("position")
	if q == "" || s.deps.WaitFor == nil {
		return nil
	}
	pos, err := strconv.ParseUint(q, 10, 64)
	if err != nil {
		return invalid(fieldProblem("position", "must be a whole number, a position from a command's answer"))
	}
	ctx, cancel := context.WithTimeout(c.Request().Context(), readWaitMax)
	defer cancel()
	if err := s.deps.WaitFor(ctx, pos); err != nil {
		return fmt.Errorf("waiting for the read models to reach position %d: %w", pos, err)
	}
	return nil
}

// canonicalJSON is the request's fingerprint input: the body decoded and
// encoded again, so the same JSON re-serialised (other key order, spacing,
// escapes) is the same request, while any change of a value is another.
// Numbers keep their spelling (1.0 is not 1): they are compared as written,
// never through a float. encoding/json writes object keys
// sorted. A body that does not decode (DecodeCommand has accepted it, so
// this does not happen) is fingerprinted by its bytes.
func canonicalJSON(raw []byte) []byte {
	var v any
	d := json.NewDecoder(bytes.NewReader(raw))
	d.UseNumber() // a float64 would make two large amounts in fen the same
	if err := d.Decode(&v); err != nil {
		return raw
	}
	out, err := json.Marshal(v)
	if err != nil {
		return raw
	}
	return out
}
