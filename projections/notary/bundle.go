package notary

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"strings"

	"github.com/transparency-dev/merkle/proof"

	"github.com/drip-ledger/drip/events"
)

// Bundle is what an auditor takes away: a signed checkpoint and events with
// their inclusion proofs against it, checkable offline with VerifyBundle and
// the deployment's verifier key. Its JSON form:
//
//	{
//	  "checkpoint": "<the signed checkpoint note>",
//	  "events": [{
//	    "leafIndex": 41,
//	    "event": { <the envelope: id, stream, version, position, type,
//	               data, meta, recordedAt> },
//	    "dataBase64": "<the payload bytes exactly as stored>",
//	    "inclusionProof": ["<base64 hash>", ...]
//	  }]
//	}
//
// The payload appears twice on purpose: "data" for people to read, and
// "dataBase64" for the hash, because JSON tools (and Go's encoder) may
// re-space or re-escape "data" and the leaf commits to the stored bytes.
// VerifyBundle hashes dataBase64 and requires "data" to be the same JSON
// value, so neither can be altered alone.
type Bundle struct {
	Checkpoint string        `json:"checkpoint"`
	Events     []BundleEvent `json:"events"`
}

// BundleEvent is one event of a Bundle with its proof.
type BundleEvent struct {
	LeafIndex      uint64       `json:"leafIndex"`
	Event          events.Event `json:"event"`
	DataBase64     []byte       `json:"dataBase64"`
	InclusionProof [][]byte     `json:"inclusionProof"`
	// Withheld says the payload is not the reader's to see (a complainant's
	// identity): dataBase64 is empty, "data" is a redacted view that proves
	// nothing, and LeafHash is the event's leaf, so the bundle still proves
	// that an event stands at this position under the signed root.
	Withheld bool   `json:"withheld,omitempty"`
	LeafHash []byte `json:"leafHash,omitempty"`
}

// Withhold turns be into a withheld entry showing shown instead of its
// payload: the leaf hash is kept, the payload's bytes are not.
func (be *BundleEvent) Withhold(shown []byte) {
	be.LeafHash = LeafHash(be.Event)
	be.Event.Data, be.DataBase64, be.Withheld = shown, nil, true
}

// Bundle makes a bundle of the events at positions (at most BundleEventsMax)
// against the latest checkpoint, which must cover them all. Each event is
// read from the log and checked against its leaf on the way out, so a bundle
// is never made of events the log has changed since they were recorded (that
// is a *ChangedError).
func (n *Notary) Bundle(ctx context.Context, positions []uint64) (*Bundle, error) {
	if len(positions) == 0 || len(positions) > BundleEventsMax {
		return nil, fmt.Errorf("notary: a bundle holds 1..%d events, not %d", BundleEventsMax, len(positions))
	}
	cp, err := n.Latest()
	if err != nil {
		return nil, err
	}
	b := &Bundle{Checkpoint: string(cp.Note), Events: make([]BundleEvent, 0, len(positions))}
	for _, pos := range positions {
		if pos == 0 || pos > cp.Size {
			return nil, fmt.Errorf("notary: position %d is not covered by the latest checkpoint (size %d): %w", pos, cp.Size, ErrTreeSize)
		}
		evs, err := n.store.ReadAll(ctx, pos, 1)
		if err != nil {
			return nil, fmt.Errorf("notary: read position %d: %w", pos, err)
		}
		if len(evs) != 1 || evs[0].Position != pos {
			return nil, &ChangedError{Position: pos, Reason: "the log no longer holds it"}
		}
		ev := evs[0]
		leaf, err := n.tree.leaf(pos - 1)
		if err != nil {
			return nil, err
		}
		if !bytes.Equal(leaf, LeafHash(ev)) {
			return nil, &ChangedError{Position: pos, Reason: "the event hashes differently from its leaf"}
		}
		p, err := n.InclusionProof(ctx, pos, cp.Size)
		if err != nil {
			return nil, err
		}
		b.Events = append(b.Events, BundleEvent{LeafIndex: pos - 1, Event: ev, DataBase64: ev.Data, InclusionProof: p})
	}
	return b, nil
}

// VerifyBundle checks a bundle offline with the deployment's verifier key:
// the checkpoint's signature and origin, and for every event that its
// canonical bytes (with the payload from dataBase64) hash to a leaf that the
// inclusion proof places at its position under the checkpoint's root, and
// that its readable "data" is the same JSON value. It returns the checkpoint
// and nil, or an error naming every event that fails (ErrVerify).
func VerifyBundle(b *Bundle, verifierKey string) (Checkpoint, error) {
	v, err := NewVerifier(verifierKey)
	if err != nil {
		return Checkpoint{}, err
	}
	cp, err := VerifyCheckpoint([]byte(b.Checkpoint), v)
	if err != nil {
		return Checkpoint{}, err
	}
	if len(b.Events) == 0 {
		return Checkpoint{}, &VerifyError{CheckpointSize: cp.Size, Reason: "the bundle holds no events"}
	}
	var errs []error
	for i, be := range b.Events {
		if err := verifyBundleEvent(be, cp); err != nil {
			errs = append(errs, fmt.Errorf("events[%d]: %w", i, err))
		}
	}
	if err := errors.Join(errs...); err != nil {
		return Checkpoint{}, err
	}
	return cp, nil
}

func verifyBundleEvent(be BundleEvent, cp Checkpoint) error {
	ev := be.Event
	bad := func(why string) error {
		return &VerifyError{Position: ev.Position, CheckpointSize: cp.Size, Reason: why}
	}
	if ev.Position == 0 || be.LeafIndex != ev.Position-1 {
		return bad(fmt.Sprintf("leaf index %d does not belong to position %d", be.LeafIndex, ev.Position))
	}
	if be.Withheld {
		// Only the leaf is proven; what "event" shows of it is not.
		if len(be.DataBase64) != 0 || len(be.LeafHash) != HashBytes {
			return bad("a withheld event carries its leaf hash and no payload")
		}
		if err := proof.VerifyInclusion(hasher, be.LeafIndex, cp.Size, be.LeafHash, be.InclusionProof, cp.Root); err != nil {
			return bad("the withheld event's leaf is not in the checkpoint's tree: " + err.Error())
		}
		return nil
	}
	same, err := sameJSON(ev.Data, be.DataBase64)
	if err != nil || !same {
		return bad("\"data\" and \"dataBase64\" are not the same payload")
	}
	ev.Data = be.DataBase64
	if err := proof.VerifyInclusion(hasher, be.LeafIndex, cp.Size, LeafHash(ev), be.InclusionProof, cp.Root); err != nil {
		return bad("the event is not in the checkpoint's tree: " + err.Error())
	}
	return nil
}

// sameJSON reports whether a and b hold the same JSON value. Numbers are
// compared as written, so 100 and 1e2 differ: an amount is never rounded.
func sameJSON(a, b []byte) (bool, error) {
	va, err := decodeJSON(a)
	if err != nil {
		return false, err
	}
	vb, err := decodeJSON(b)
	if err != nil {
		return false, err
	}
	return reflect.DeepEqual(va, vb), nil
}

func decodeJSON(b []byte) (any, error) {
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, err
	}
	if dec.More() {
		return nil, errors.New("trailing data")
	}
	return v, nil
}

// VerifyConsistency checks offline that the tree under the newer checkpoint
// extends the tree under the older one — nothing the older one signed was
// changed or removed — given the consistency proof between their sizes. Both
// checkpoints must be signed by the verifier key.
func VerifyConsistency(older, newer []byte, consistencyProof [][]byte, verifierKey string) error {
	v, err := NewVerifier(verifierKey)
	if err != nil {
		return err
	}
	c1, err := VerifyCheckpoint(older, v)
	if err != nil {
		return fmt.Errorf("older checkpoint: %w", err)
	}
	c2, err := VerifyCheckpoint(newer, v)
	if err != nil {
		return fmt.Errorf("newer checkpoint: %w", err)
	}
	if c1.Size > c2.Size {
		return &VerifyError{CheckpointSize: c2.Size,
			Reason: fmt.Sprintf("the newer checkpoint (size %d) is smaller than the older (size %d): the log lost events", c2.Size, c1.Size)}
	}
	if err := proof.VerifyConsistency(hasher, c1.Size, c2.Size, consistencyProof, c1.Root, c2.Root); err != nil {
		return &VerifyError{CheckpointSize: c2.Size,
			Reason: fmt.Sprintf("the tree of size %d does not extend the tree of size %d: %v", c2.Size, c1.Size, err)}
	}
	return nil
}

// FormatProof writes a proof as text: one base64 hash per line, the form
// the CLI reads.
func FormatProof(p [][]byte) []byte {
	var b strings.Builder
	for _, h := range p {
		b.WriteString(base64.StdEncoding.EncodeToString(h))
		b.WriteByte('\n')
	}
	return []byte(b.String())
}

// ParseProof reads a proof written by FormatProof, or a JSON array of
// base64 hashes. It accepts at most 128 hashes (a proof of a tree of 2^64
// leaves has 128).
func ParseProof(text []byte) ([][]byte, error) {
	const hashesMax = 128
	var lines []string
	if t := bytes.TrimSpace(text); len(t) > 0 && t[0] == '[' {
		if err := json.Unmarshal(t, &lines); err != nil {
			return nil, fmt.Errorf("notary: proof: %w", err)
		}
	} else {
		lines = strings.Fields(string(text))
	}
	if len(lines) > hashesMax {
		return nil, fmt.Errorf("notary: proof of %d hashes, more than %d", len(lines), hashesMax)
	}
	p := make([][]byte, 0, len(lines))
	for i, l := range lines {
		h, err := base64.StdEncoding.DecodeString(l)
		if err != nil || len(h) != HashBytes {
			return nil, fmt.Errorf("notary: proof line %d is not a base64 %d-byte hash", i+1, HashBytes)
		}
		p = append(p, h)
	}
	return p, nil
}
