package api

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strconv"

	"github.com/drip-ledger/drip/domain"
	"github.com/drip-ledger/drip/domain/access"
	"github.com/drip-ledger/drip/events"
	"github.com/drip-ledger/drip/projections/funds"
	"github.com/drip-ledger/drip/projections/notary"
	"github.com/labstack/echo/v4"
)

// Notary is what the API serves of the notary: signed checkpoints, proofs,
// and bundles an auditor verifies offline with the verifier key.
type Notary interface {
	Latest() (notary.Checkpoint, error)
	Checkpoint(size uint64) (notary.Checkpoint, error)
	InclusionProof(ctx context.Context, position, treeSize uint64) ([][]byte, error)
	ConsistencyProof(ctx context.Context, size1, size2 uint64) ([][]byte, error)
	Bundle(ctx context.Context, positions []uint64) (*notary.Bundle, error)
}

// proofAnswer is a proof in the form `drip verify` reads: base64 hashes, one
// per line, as notary.FormatProof writes them, and the same as a list.
type proofAnswer struct {
	Position uint64   `json:"position,omitempty"`
	From     uint64   `json:"from,omitempty"`
	TreeSize uint64   `json:"treeSize"`
	Hashes   [][]byte `json:"hashes"`
	Text     string   `json:"text"`
}

func (s *Server) notaryRoutes() []route {
	if s.deps.Notary == nil {
		return nil
	}
	rs := []route{
		{method: http.MethodGet, path: "/notary/key", tag: "verification", handler: s.verifierKey,
			summary: "The verifier key that signs checkpoints (also get it out of band: a key fetched from the server it checks proves little)."},
		{method: http.MethodGet, path: "/checkpoints/latest", tag: "verification", handler: s.latestCheckpoint,
			summary: "The latest signed checkpoint (C2SP tlog-checkpoint note, text/plain)."},
		{method: http.MethodGet, path: "/checkpoints/:size", tag: "verification", handler: s.checkpointBySize,
			summary: "The signed checkpoint of exactly this tree size."},
		{method: http.MethodGet, path: "/proofs/inclusion", tag: "verification", response: proofAnswer{}, handler: s.inclusionProof,
			summary: "Proof that the event at ?position= is in the tree of ?size= leaves, a checkpoint's size (?format=text: one base64 hash per line)."},
		{method: http.MethodGet, path: "/proofs/consistency", tag: "verification", response: proofAnswer{}, handler: s.consistencyProof,
			summary: "Proof that the tree of ?from= leaves is a prefix of the tree of ?to= leaves (?format=text: one base64 hash per line)."},
	}
	if s.deps.HouseholdView != nil {
		rs = append(rs, route{method: http.MethodGet, path: "/households/:file/bundle", tag: "verification", response: notary.Bundle{},
			handler: s.householdBundle,
			summary: "A household's timeline and drip trail as a bundle: the events (its own, the complaints naming it, every payment to it and the appropriations and allocations behind each fen), their inclusion proofs and the checkpoint, for `drip verify bundle` (the read is recorded)."})
	}
	return rs
}

func (s *Server) verifierKey(c echo.Context) error {
	return c.String(http.StatusOK, s.deps.VerifierKey+"\n")
}

func (s *Server) latestCheckpoint(c echo.Context) error {
	cp, err := s.deps.Notary.Latest()
	if err != nil {
		return notaryError(err)
	}
	return c.Blob(http.StatusOK, "text/plain; charset=utf-8", cp.Note)
}

func (s *Server) checkpointBySize(c echo.Context) error {
	size, err := strconv.ParseUint(c.Param("size"), 10, 64)
	if err != nil {
		return invalid(fieldProblem("size", "must be a whole number, a tree size"))
	}
	cp, err := s.deps.Notary.Checkpoint(size)
	if err != nil {
		return notaryError(err)
	}
	return c.Blob(http.StatusOK, "text/plain; charset=utf-8", cp.Note)
}

func (s *Server) inclusionProof(c echo.Context) error {
	var ps events.Problems
	pos, size := uintParam(c, "position", &ps), uintParam(c, "size", &ps)
	if err := ps.Err(); err != nil {
		return err
	}
	p, err := s.deps.Notary.InclusionProof(c.Request().Context(), pos, size)
	if err != nil {
		return notaryError(err)
	}
	return proofReply(c, proofAnswer{Position: pos, TreeSize: size, Hashes: p, Text: string(notary.FormatProof(p))})
}

func (s *Server) consistencyProof(c echo.Context) error {
	var ps events.Problems
	from, to := uintParam(c, "from", &ps), uintParam(c, "to", &ps)
	if err := ps.Err(); err != nil {
		return err
	}
	p, err := s.deps.Notary.ConsistencyProof(c.Request().Context(), from, to)
	if err != nil {
		return notaryError(err)
	}
	return proofReply(c, proofAnswer{From: from, TreeSize: to, Hashes: p, Text: string(notary.FormatProof(p))})
}

// proofReply answers JSON, or with ?format=text the bare proof (one base64
// hash per line), the file `drip verify consistency` reads.
func proofReply(c echo.Context, a proofAnswer) error {
	if c.QueryParam("format") == "text" {
		return c.String(http.StatusOK, a.Text)
	}
	return c.JSON(http.StatusOK, a)
}

// householdBundle gathers the household's events (its stream and the
// complaints naming it) and proves them against the latest checkpoint.
// Events newer than the checkpoint are left out (at most 10 s of them): a
// bundle proves only what a signature covers.
func (s *Server) householdBundle(c echo.Context) error {
	return s.householdRead(c, access.ViewTimeline, func(ctx context.Context, f domain.FileNumber) (any, error) {
		cp, err := s.deps.Notary.Latest()
		if err != nil {
			return nil, notaryError(err)
		}
		evs, err := s.concerning(ctx, f)
		if err != nil {
			return nil, err
		}
		positions := make([]uint64, 0, len(evs))
		for _, ev := range evs {
			positions = append(positions, ev.Position)
		}
		// The drip trail comes from a read model: let it reach the
		// checkpoint first, or a bundle made right after a start would
		// leave out payments the checkpoint covers.
		if s.deps.WaitFor != nil {
			wctx, cancel := context.WithTimeout(ctx, readWaitMax)
			err := s.deps.WaitFor(wctx, cp.Size)
			cancel()
			if err != nil {
				return nil, fmt.Errorf("waiting for the read models to reach checkpoint %d: %w", cp.Size, err)
			}
		}
		trail, err := s.trailPositions(f)
		if err != nil {
			return nil, err
		}
		positions = slices.DeleteFunc(append(positions, trail...), func(p uint64) bool { return p > cp.Size })
		slices.Sort(positions)
		positions = slices.Compact(positions)
		if len(positions) > notary.BundleEventsMax {
			return nil, domain.Errorf("limit_exceeded", "household %s has %d events to prove, above the %d a bundle holds; ask an operator for an export", f, len(positions), notary.BundleEventsMax)
		}
		if len(positions) == 0 {
			return nil, domain.Errorf("not_yet_checkpointed", "no event of %s is covered by a checkpoint yet; retry in a few seconds", f)
		}
		b, err := s.deps.Notary.Bundle(ctx, positions)
		if err != nil {
			return nil, err
		}
		// The complaint's own events decide who may know the complainant;
		// those withheld keep their leaf and proof, not their payload.
		withheld := withheldFor(claimsOf(c), evs)
		for i := range b.Events {
			if shown, ok := withheld[b.Events[i].Event.Position]; ok {
				b.Events[i].Withhold(shown)
			}
		}
		return b, nil
	})
}

// trailPositions are the positions of every event the household's drip
// trail rests on (none without the fund ledger).
func (s *Server) trailPositions(f domain.FileNumber) ([]uint64, error) {
	if s.deps.FundView == nil {
		return nil, nil
	}
	everywhere, _ := domain.ParseJurisdiction("")
	var out []uint64
	for after := uint64(0); ; {
		t, err := s.deps.FundView.DripTrail(everywhere, f, after, funds.PageLenMax)
		if err != nil {
			return nil, err
		}
		for _, p := range t.Payments {
			out = append(out, p.Positions()...)
		}
		if t.Next == 0 {
			return out, nil
		}
		after = t.Next
	}
}

func uintParam(c echo.Context, name string, ps *events.Problems) uint64 {
	v, err := strconv.ParseUint(c.QueryParam(name), 10, 64)
	if err != nil {
		ps.Add(name, "must be a whole number")
	}
	return v
}

// notaryError maps the notary's errors: a size or position outside the
// tree is the caller's mistake, an unknown checkpoint is not found.
func notaryError(err error) error {
	switch {
	case errors.Is(err, notary.ErrNotFound):
		return domain.Errorf("not_found", "%v", err)
	case errors.Is(err, notary.ErrTreeSize):
		return domain.Errorf("tree_size_invalid", "%v", err)
	}
	return err
}
