package notary_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"path/filepath"
	"testing"
	"time"

	"github.com/transparency-dev/merkle/proof"
	"github.com/transparency-dev/merkle/rfc6962"

	"github.com/drip-ledger/drip/events"
	"github.com/drip-ledger/drip/events/storetest"
	"github.com/drip-ledger/drip/projections/notary"
)

// The canonical bytes are a contract with every auditor who ever kept a
// bundle: this golden hash must never change. A new encoding is a new tag.
func TestLeafBytesAreStable(t *testing.T) {
	ev := grant(41, 123456)
	ev.Stream, ev.Version, ev.Position = "household-6", 6, 42
	ev.RecordedAt = time.Date(2025, 3, 4, 6, 0, 0, 123456789, time.UTC)
	got := notary.LeafBytes(ev)
	if !bytes.Equal(got, notary.LeafBytes(ev)) {
		t.Fatal("LeafBytes is not deterministic")
	}
	sum := sha256.Sum256(append([]byte{0}, got...))
	if h := notary.LeafHash(ev); !bytes.Equal(h, sum[:]) {
		t.Fatalf("LeafHash is not SHA-256(0x00 | LeafBytes)")
	}
	const golden = "2e40d036dc9c139756960e1a0bcb9cd7b3797046e4c37611dc5e8d66a333844f"
	if hex.EncodeToString(sum[:]) != golden {
		t.Fatalf("leaf hash of the golden event = %x, want %s", sum, golden)
	}
}

func TestLeafBytesChangeWithEveryField(t *testing.T) {
	base := grant(1, 100)
	base.Stream, base.Version, base.Position, base.RecordedAt = "s", 1, 1, time.Unix(1, 0)
	edits := map[string]func(*events.Event){
		"position":     func(e *events.Event) { e.Position++ },
		"stream":       func(e *events.Event) { e.Stream += "x" },
		"version":      func(e *events.Event) { e.Version++ },
		"id":           func(e *events.Event) { e.ID[0]++ },
		"type":         func(e *events.Event) { e.Type += "x" },
		"recordedAt":   func(e *events.Event) { e.RecordedAt = e.RecordedAt.Add(time.Microsecond) },
		"actor":        func(e *events.Event) { e.Meta.ActorID += "x" },
		"role":         func(e *events.Event) { e.Meta.Role += "x" },
		"jurisdiction": func(e *events.Event) { e.Meta.Jurisdiction += "x" },
		"idempotency":  func(e *events.Event) { e.Meta.IdempotencyKey += "x" },
		"correlation":  func(e *events.Event) { e.Meta.CorrelationID += "x" },
		"causation":    func(e *events.Event) { e.Meta.CausationID += "x" },
		"occurredAt":   func(e *events.Event) { e.Meta.OccurredAt = e.Meta.OccurredAt.Add(time.Microsecond) },
		"backfill":     func(e *events.Event) { e.Meta.Backfill = !e.Meta.Backfill },
		"data":         func(e *events.Event) { e.Data = append(append([]byte(nil), e.Data...), ' ') },
		// Moving a byte from one field to the next must change the bytes:
		// the length prefixes see to it.
		"boundary": func(e *events.Event) { e.Meta.ActorID, e.Meta.Role = e.Meta.ActorID+"c", e.Meta.Role[1:] },
	}
	want := notary.LeafBytes(base)
	for name, edit := range edits {
		ev := base
		edit(&ev)
		if bytes.Equal(notary.LeafBytes(ev), want) {
			t.Errorf("editing %s leaves the canonical bytes unchanged", name)
		}
	}
}

// The tree, its proofs and its checkpoints agree with the RFC 6962
// reference computed from scratch, at every size, across restarts.
func TestTreeMatchesReferenceAcrossRestarts(t *testing.T) {
	ctx := context.Background()
	k := newKeys(t, origin)
	storeDir, notaryDir := t.TempDir(), t.TempDir()
	s := openStore(t, storeDir)
	defer s.Close()
	var leaves [][]byte
	var kept []notary.Checkpoint
	for round, n := range []int{1, 2, 5, 8, 13, 64, 100} {
		nt := openNotary(t, notaryDir, s, k, notary.Config{})
		fill(t, s, len(leaves), n)
		evs, err := s.ReadAll(ctx, uint64(len(leaves))+1, events.ReadEventsMax)
		if err != nil {
			t.Fatal(err)
		}
		for _, ev := range evs {
			leaves = append(leaves, notary.LeafHash(ev))
		}
		cp := catchUp(t, nt)
		if cp.Size != uint64(len(leaves)) || !bytes.Equal(cp.Root, refRoot(leaves)) {
			t.Fatalf("round %d: checkpoint %d %x, want %d %x", round, cp.Size, cp.Root, len(leaves), refRoot(leaves))
		}
		if _, err := notary.VerifyCheckpoint(cp.Note, mustVerifier(t, k.vkey)); err != nil {
			t.Fatalf("round %d: %v", round, err)
		}
		for i := range leaves {
			p, err := nt.InclusionProof(ctx, uint64(i)+1, cp.Size)
			if err != nil {
				t.Fatal(err)
			}
			if err := proof.VerifyInclusion(rfc6962.DefaultHasher, uint64(i), cp.Size, leaves[i], p, cp.Root); err != nil {
				t.Fatalf("round %d leaf %d: %v", round, i, err)
			}
		}
		for _, old := range kept {
			p, err := nt.ConsistencyProof(ctx, old.Size, cp.Size)
			if err != nil {
				t.Fatal(err)
			}
			if err := notary.VerifyConsistency(old.Note, cp.Note, p, k.vkey); err != nil {
				t.Fatalf("round %d: consistency %d→%d: %v", round, old.Size, cp.Size, err)
			}
			got, err := nt.Checkpoint(old.Size)
			if err != nil || !bytes.Equal(got.Note, old.Note) {
				t.Fatalf("Checkpoint(%d) = %v; want the one issued", old.Size, err)
			}
		}
		kept = append(kept, cp)
		if err := nt.Close(); err != nil {
			t.Fatal(err)
		}
	}
}

// refRoot is RFC 6962's MTH, computed recursively from the definition.
func refRoot(leaves [][]byte) []byte {
	h := rfc6962.DefaultHasher
	switch len(leaves) {
	case 0:
		return h.EmptyRoot()
	case 1:
		return leaves[0]
	}
	k := 1
	for k*2 < len(leaves) {
		k *= 2
	}
	return h.HashChildren(refRoot(leaves[:k]), refRoot(leaves[k:]))
}

// Run follows appends as they happen and issues a checkpoint every
// CheckpointEvents leaves, and a last one when it stops.
func TestRunFollowsTheLogAndIssuesCheckpoints(t *testing.T) {
	k := newKeys(t, origin)
	s := openStore(t, t.TempDir())
	defer s.Close()
	nt := openNotary(t, t.TempDir(), s, k, notary.Config{CheckpointEvents: 25, CheckpointInterval: time.Hour})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- nt.Run(ctx) }()
	fill(t, s, 0, 103)
	deadline := time.Now().Add(10 * time.Second)
	for nt.Size() < 103 && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond)
	}
	cancel()
	if err := <-done; !errors.Is(err, context.Canceled) {
		t.Fatalf("Run = %v, want context.Canceled", err)
	}
	latest, err := nt.Latest()
	if err != nil || latest.Size != 103 {
		t.Fatalf("Latest = %d, %v; want 103 (the last checkpoint on stop)", latest.Size, err)
	}
	sizes := nt.CheckpointSizes(0, 100)
	for i, size := range sizes {
		prev := uint64(0)
		if i > 0 {
			prev = sizes[i-1]
		}
		if size-prev > 25 {
			t.Errorf("checkpoint %d follows %d: more than CheckpointEvents apart", size, prev)
		}
		if _, err := nt.Checkpoint(size); err != nil {
			t.Errorf("Checkpoint(%d): %v", size, err)
		}
	}
	if len(sizes) < 4 {
		t.Fatalf("checkpoint sizes %v; want one at least every 25 events", sizes)
	}
	if err := nt.Close(); err != nil {
		t.Fatal(err)
	}
}

func TestInterval(t *testing.T) {
	k := newKeys(t, origin)
	s := openStore(t, t.TempDir())
	defer s.Close()
	nt := openNotary(t, t.TempDir(), s, k, notary.Config{CheckpointInterval: 20 * time.Millisecond})
	defer nt.Close()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go nt.Run(ctx)
	fill(t, s, 0, 3)
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		if cp, err := nt.Latest(); err == nil && cp.Size == 3 {
			return
		}
		time.Sleep(5 * time.Millisecond)
	}
	t.Fatal("no checkpoint of 3 events within 10 s at a 20 ms interval")
}

func TestBundleVerifiesOffline(t *testing.T) {
	ctx := context.Background()
	k := newKeys(t, origin)
	s := openStore(t, t.TempDir())
	defer s.Close()
	nt := openNotary(t, t.TempDir(), s, k, notary.Config{})
	defer nt.Close()
	fill(t, s, 0, 77)
	catchUp(t, nt)
	b, err := nt.Bundle(ctx, []uint64{1, 42, 77})
	if err != nil {
		t.Fatal(err)
	}
	cp, err := notary.VerifyBundle(roundTrip(t, b), k.vkey)
	if err != nil || cp.Size != 77 {
		t.Fatalf("VerifyBundle = %d, %v; want the checkpoint of 77", cp.Size, err)
	}
	if _, err := nt.Bundle(ctx, []uint64{78}); !errors.Is(err, notary.ErrTreeSize) {
		t.Fatalf("Bundle beyond the checkpoint = %v, want ErrTreeSize", err)
	}
}

func TestConfigValidateNamesEveryProblem(t *testing.T) {
	err := notary.Config{CheckpointEvents: -1, CheckpointInterval: time.Nanosecond, BatchLeavesMax: -2, TailCheckEvents: -3}.Validate()
	if err == nil {
		t.Fatal("Validate accepted a bad config")
	}
	for _, f := range []string{"CheckpointEvents", "CheckpointInterval", "BatchLeavesMax", "TailCheckEvents"} {
		if !bytes.Contains([]byte(err.Error()), []byte(f)) {
			t.Errorf("Validate does not name %s: %v", f, err)
		}
	}
	if _, err := notary.Open(context.Background(), t.TempDir(), nil, nil, notary.Config{}); err == nil {
		t.Fatal("Open accepted no store and no signer")
	}
}

var _ = storetest.Registry

// TestRunSignsWhatTheLogHoldsAtOnce: a log filled while no notary ran (a
// loaded demo, a migration, a restart) is signed as soon as Run starts, not
// a checkpoint interval later, so an auditor asking right after a start is
// answered.
func TestRunSignsWhatTheLogHoldsAtOnce(t *testing.T) {
	dir := t.TempDir()
	s := openStore(t, filepath.Join(dir, "store"))
	defer s.Close()
	fill(t, s, 0, 57)
	k := newKeys(t, origin)
	n, err := notary.Open(context.Background(), filepath.Join(dir, "notary"), s, k.signer,
		notary.Config{CheckpointInterval: time.Hour, Logger: quiet})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- n.Run(ctx) }()
	defer func() { cancel(); <-done; n.Close() }()
	deadline := time.Now().Add(10 * time.Second)
	for {
		if cp, err := n.Latest(); err == nil && cp.Size == 57 {
			return
		}
		if time.Now().After(deadline) {
			t.Fatal("no checkpoint of the 57 events within 10 s, with an hour's interval")
		}
		time.Sleep(10 * time.Millisecond)
	}
}
