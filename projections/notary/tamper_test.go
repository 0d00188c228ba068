package notary_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"hash/crc32"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/drip-ledger/drip/events"
	"github.com/drip-ledger/drip/events/embedded"
	"github.com/drip-ledger/drip/events/storetest"
	"github.com/drip-ledger/drip/projections/notary"
)

// Tamper tests play the insider: they edit the store's files the way
// someone with the disk (and the storage engine's format, record.go in
// events/embedded) would, and check that verification fails and says where.

const tamperEvents = 200

func TestUntouchedStoreVerifies(t *testing.T) {
	k := newKeys(t, origin)
	storeDir, notaryDir := deployment(t, k, tamperEvents)
	rep, err := verifyStore(t, storeDir, notaryDir, k.vkey)
	if err != nil {
		t.Fatalf("VerifyStore of an untouched store: %v", err)
	}
	if rep.Events != tamperEvents || rep.Checkpoints != 5 || rep.LatestSize != tamperEvents || rep.Unsigned != 0 {
		t.Fatalf("report = %+v; want 200 events under 5 checkpoints", rep)
	}
}

// rewriteAmount changes the amount of the event at pos inside its record
// and recomputes the record's CRC-32C, so the store reads it happily. The
// record keeps its length, so the index's offsets stay right.
func rewriteAmount(t *testing.T, storeDir string, pos int) {
	t.Helper()
	seg := segmentPath(storeDir)
	data, offs := records(t, seg)
	off := offs[pos-1]
	n := int64(binary.LittleEndian.Uint32(data[off:]))
	body := data[off+8 : off+8+n]
	old := fmt.Sprintf(`"n":%d`, amountOf(pos-1))
	i := bytes.Index(body, []byte(old))
	if i < 0 {
		t.Fatalf("record %d holds no %s", pos, old)
	}
	copy(body[i:], fmt.Sprintf(`"n":%d`, 900000+pos)) // same width
	binary.LittleEndian.PutUint32(data[off+4:], crc32.Checksum(body, crc32.MakeTable(crc32.Castagnoli)))
	if err := os.WriteFile(seg, data, 0o644); err != nil {
		t.Fatal(err)
	}
}

// (a) An insider rewrites one amount through the storage engine's own
// format: the store serves the new amount without complaint, and
// VerifyStore names the position and the checkpoint.
func TestRewrittenAmountIsFoundAtItsPosition(t *testing.T) {
	k := newKeys(t, origin)
	storeDir, notaryDir := deployment(t, k, tamperEvents)
	const pos = 123
	rewriteAmount(t, storeDir, pos)

	s := openStore(t, storeDir)
	evs, err := s.ReadAll(context.Background(), pos, 1)
	s.Close()
	if err != nil || !bytes.Contains(evs[0].Data, []byte(fmt.Sprint(900000+pos))) {
		t.Fatalf("the store does not serve the rewritten amount (%v): the test tampers wrongly", err)
	}

	_, err = verifyStore(t, storeDir, notaryDir, k.vkey)
	ve := wantVerifyError(t, err)
	if ve.Position != pos || ve.CheckpointSize != 160 {
		t.Fatalf("VerifyStore = %v; want position %d and the checkpoint of 160", err, pos)
	}

	// A restarted notary refuses to carry on over the changed log, when
	// the change is within its tail check.
	s = openStore(t, storeDir)
	defer s.Close()
	_, err = notary.Open(context.Background(), notaryDir, s, k.signer, notary.Config{Logger: quiet, TailCheckEvents: 100})
	var ce *notary.ChangedError
	if !errors.As(err, &ce) || ce.Position != pos {
		t.Fatalf("notary.Open = %v; want a *ChangedError at %d", err, pos)
	}
}

// (a') The insider also rewrites the notary's leaf record to match: the
// signed checkpoints still catch it, and name the range it lies in.
func TestRewrittenAmountAndLeafRecordFailTheCheckpoint(t *testing.T) {
	k := newKeys(t, origin)
	storeDir, notaryDir := deployment(t, k, tamperEvents)
	const pos = 123
	rewriteAmount(t, storeDir, pos)
	s := openStore(t, storeDir)
	evs, err := s.ReadAll(context.Background(), pos, 1)
	s.Close()
	if err != nil {
		t.Fatal(err)
	}
	leaves := filepath.Join(notaryDir, "tree", "level-00")
	f, err := os.OpenFile(leaves, os.O_RDWR, 0)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.WriteAt(notary.LeafHash(evs[0]), (pos-1)*notary.HashBytes); err != nil {
		t.Fatal(err)
	}
	f.Close()

	_, err = verifyStore(t, storeDir, notaryDir, k.vkey)
	ve := wantVerifyError(t, err)
	if ve.CheckpointSize != 160 || !strings.Contains(ve.Reason, "121..160") {
		t.Fatalf("VerifyStore = %v; want the checkpoint of 160 and the range 121..160", err)
	}
}

// (b) A byte flipped at random anywhere in the segment file: never
// verified; the failure names the file and the position (the store's own
// CRC check, reported as a verification failure).
func TestFlippedByteIsNeverVerified(t *testing.T) {
	k := newKeys(t, origin)
	storeDir, notaryDir := deployment(t, k, tamperEvents)
	seg := segmentPath(storeDir)
	pristine, offs := records(t, seg)
	rng := rand.New(rand.NewPCG(1, 2))
	for trial := range 8 {
		at := rng.IntN(dataEnd(pristine, offs)) // a byte of history, not of the zero tail after it
		damaged := bytes.Clone(pristine)
		damaged[at] ^= byte(1 << rng.IntN(8))
		if err := os.WriteFile(seg, damaged, 0o644); err != nil {
			t.Fatal(err)
		}
		pos := 1
		for pos < len(offs) && offs[pos] <= int64(at) {
			pos++
		}
		_, err := verifyStore(t, storeDir, notaryDir, k.vkey)
		var ve *notary.VerifyError
		var ce *events.CorruptError
		switch {
		case errors.As(err, &ve):
			if ve.File != seg || ve.Position != uint64(pos) {
				t.Errorf("trial %d, byte %d (position %d): %v; want the segment and position named", trial, at, pos, err)
			}
		case errors.As(err, &ce): // the store would not even open
			if ce.File != seg {
				t.Errorf("trial %d, byte %d: %v; want the segment named", trial, at, err)
			}
		default:
			t.Errorf("trial %d, byte %d (position %d): VerifyStore = %v; want a failure naming it", trial, at, pos, err)
		}
	}
}

// (c) The tail of the log removed (the segment cut at a record boundary,
// the index dropped so the store rebuilds it) and new events appended in
// its place: the consistency proof from the kept checkpoint fails, whatever
// the new notary signs, and VerifyStore and a restarted notary see it too.
func TestRemovedTailFailsConsistency(t *testing.T) {
	ctx := context.Background()
	k := newKeys(t, origin)
	storeDir, notaryDir := deployment(t, k, tamperEvents)
	kept := latestOf(t, storeDir, notaryDir, k)

	const keep = 150
	_, offs := records(t, segmentPath(storeDir))
	if err := os.Truncate(segmentPath(storeDir), offs[keep]); err != nil {
		t.Fatal(err)
	}
	if err := os.RemoveAll(filepath.Join(storeDir, "index")); err != nil {
		t.Fatal(err)
	}

	_, err := verifyStore(t, storeDir, notaryDir, k.vkey)
	if ve := wantVerifyError(t, err); ve.Position != keep+1 || ve.CheckpointSize != 160 {
		t.Fatalf("VerifyStore of the cut log = %v; want position %d and checkpoint 160", err, keep+1)
	}
	s := openStore(t, storeDir)
	defer s.Close()
	if _, err := notary.Open(ctx, notaryDir, s, k.signer, notary.Config{Logger: quiet}); !errors.Is(err, notary.ErrLogChanged) {
		t.Fatalf("notary.Open over the cut log = %v; want ErrLogChanged", err)
	}

	// The insider refills the log past its old size with other events and
	// starts a fresh notary with the deployment's key.
	fill(t, s, 1000, 80)
	fresh := openNotary(t, t.TempDir(), s, k, notary.Config{})
	defer fresh.Close()
	now := catchUp(t, fresh)
	if now.Size <= kept.Size {
		t.Fatalf("refilled log has %d events", now.Size)
	}
	p, err := fresh.ConsistencyProof(ctx, kept.Size, now.Size)
	if err != nil {
		t.Fatal(err)
	}
	err = notary.VerifyConsistency(kept.Note, now.Note, p, k.vkey)
	if !errors.Is(err, notary.ErrVerify) {
		t.Fatalf("VerifyConsistency(kept %d, new %d) = %v; want ErrVerify", kept.Size, now.Size, err)
	}
	// And the fresh notary's smaller checkpoints cannot be reconciled
	// with the kept one either.
	small, err := fresh.Checkpoint(now.Size)
	if err != nil {
		t.Fatal(err)
	}
	if err := notary.VerifyConsistency(kept.Note, small.Note, nil, k.vkey); err == nil {
		t.Fatal("VerifyConsistency accepted an empty proof across different trees")
	}
}

func latestOf(t *testing.T, storeDir, notaryDir string, k keys) notary.Checkpoint {
	t.Helper()
	s := openStore(t, storeDir)
	defer s.Close()
	n := openNotary(t, notaryDir, s, k, notary.Config{})
	defer n.Close()
	cp, err := n.Latest()
	if err != nil {
		t.Fatal(err)
	}
	return cp
}

// A checkpoint smaller than one already kept is a removed tail too.
func TestShrunkCheckpointFailsConsistency(t *testing.T) {
	k := newKeys(t, origin)
	storeDir, notaryDir := deployment(t, k, 80)
	s := openStore(t, storeDir)
	defer s.Close()
	n := openNotary(t, notaryDir, s, k, notary.Config{})
	defer n.Close()
	older, _ := n.Checkpoint(40)
	newer, _ := n.Checkpoint(80)
	if err := notary.VerifyConsistency(newer.Note, older.Note, nil, k.vkey); !errors.Is(err, notary.ErrVerify) {
		t.Fatalf("VerifyConsistency(80, then 40) = %v; want ErrVerify", err)
	}
}

// (d) Checkpoints signed with another key — even one with the same name —
// are rejected everywhere an auditor looks.
func TestCheckpointSignedWithAnotherKeyIsRejected(t *testing.T) {
	ctx := context.Background()
	k, impostor := newKeys(t, origin), newKeys(t, origin)
	s := openStore(t, t.TempDir())
	defer s.Close()
	fill(t, s, 0, 30)
	real := openNotary(t, t.TempDir(), s, k, notary.Config{})
	defer real.Close()
	fake := openNotary(t, t.TempDir(), s, impostor, notary.Config{})
	defer fake.Close()
	realCP, fakeCP := catchUp(t, real), catchUp(t, fake)

	if _, err := notary.VerifyCheckpoint(fakeCP.Note, mustVerifier(t, k.vkey)); !errors.Is(err, notary.ErrVerify) {
		t.Fatalf("VerifyCheckpoint(impostor's) = %v; want ErrVerify", err)
	}
	b, err := fake.Bundle(ctx, []uint64{7})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := notary.VerifyBundle(b, k.vkey); !errors.Is(err, notary.ErrVerify) {
		t.Fatalf("VerifyBundle(impostor's) = %v; want ErrVerify", err)
	}
	if err := notary.VerifyConsistency(realCP.Note, fakeCP.Note, nil, k.vkey); !errors.Is(err, notary.ErrVerify) {
		t.Fatalf("VerifyConsistency(real, impostor's) = %v; want ErrVerify", err)
	}
	// A checkpoint of another deployment, with its own key, is refused by
	// this deployment's key.
	other := newKeys(t, "drip.example/county/520527")
	if _, err := notary.VerifyCheckpoint(fakeCP.Note, mustVerifier(t, other.vkey)); !errors.Is(err, notary.ErrVerify) {
		t.Fatalf("VerifyCheckpoint(other deployment) = %v; want ErrVerify", err)
	}
}

// (d') An impostor's checkpoint slipped into the notary's file fails
// VerifyStore, naming that checkpoint.
func TestForeignCheckpointInTheFileFailsVerifyStore(t *testing.T) {
	k, impostor := newKeys(t, origin), newKeys(t, origin)
	storeDir, notaryDir := deployment(t, k, 80)
	s := openStore(t, storeDir)
	fake := openNotary(t, t.TempDir(), s, impostor, notary.Config{})
	cp := catchUp(t, fake)
	fake.Close()
	s.Close()
	// Overwrite the last record (the checkpoint of 80) with the impostor's.
	path := filepath.Join(notaryDir, "checkpoints")
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	last := int64(0)
	for off := int64(0); off < int64(len(data)); off += 8 + int64(binary.LittleEndian.Uint32(data[off:])) {
		last = off
	}
	rec := binary.LittleEndian.AppendUint32(nil, uint32(len(cp.Note)))
	rec = binary.LittleEndian.AppendUint32(rec, crc32.Checksum(cp.Note, crc32.MakeTable(crc32.Castagnoli)))
	if err := os.WriteFile(path, append(append(data[:last], rec...), cp.Note...), 0o644); err != nil {
		t.Fatal(err)
	}
	_, err = verifyStore(t, storeDir, notaryDir, k.vkey)
	if ve := wantVerifyError(t, err); ve.CheckpointSize != 80 || ve.File != path {
		t.Fatalf("VerifyStore = %v; want the checkpoint of 80 in %s named", err, path)
	}
}

// (e) A bundle with one altered amount is rejected, whichever copy of the
// payload is altered, and the others in it are still named fine.
func TestBundleWithAlteredAmountIsRejected(t *testing.T) {
	ctx := context.Background()
	k := newKeys(t, origin)
	s := openStore(t, t.TempDir())
	defer s.Close()
	fill(t, s, 0, 50)
	n := openNotary(t, t.TempDir(), s, k, notary.Config{})
	defer n.Close()
	catchUp(t, n)
	b, err := n.Bundle(ctx, []uint64{3, 17, 50})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := notary.VerifyBundle(roundTrip(t, b), k.vkey); err != nil {
		t.Fatalf("VerifyBundle of the untouched bundle: %v", err)
	}
	alter := func(data []byte) []byte {
		return bytes.Replace(data, []byte(fmt.Sprint(amountOf(16))), []byte(fmt.Sprint(amountOf(16)+900000)), 1)
	}
	tests := []struct {
		name string
		edit func(*notary.BundleEvent)
	}{
		{"readable data only", func(e *notary.BundleEvent) { e.Event.Data = alter(e.Event.Data) }},
		{"hashed bytes only", func(e *notary.BundleEvent) { e.DataBase64 = alter(e.DataBase64) }},
		{"both, consistently", func(e *notary.BundleEvent) {
			e.Event.Data, e.DataBase64 = alter(e.Event.Data), alter(e.DataBase64)
		}},
		{"moved to another leaf", func(e *notary.BundleEvent) { e.LeafIndex++; e.Event.Position++ }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			bb := roundTrip(t, b)
			tt.edit(&bb.Events[1])
			_, err := notary.VerifyBundle(bb, k.vkey)
			var ve *notary.VerifyError
			if !errors.As(err, &ve) || ve.Position != bb.Events[1].Event.Position {
				t.Fatalf("VerifyBundle = %v; want a failure naming position %d", err, bb.Events[1].Event.Position)
			}
		})
	}
	// Edited as text, the way someone would with an editor.
	raw, _ := json.Marshal(b)
	b64 := base64.StdEncoding.EncodeToString(b.Events[1].DataBase64)
	edited := bytes.Replace(raw, []byte(b64), []byte(base64.StdEncoding.EncodeToString(alter(b.Events[1].DataBase64))), 1)
	var eb notary.Bundle
	if err := json.Unmarshal(edited, &eb); err != nil {
		t.Fatal(err)
	}
	if _, err := notary.VerifyBundle(&eb, k.vkey); !errors.Is(err, notary.ErrVerify) {
		t.Fatalf("VerifyBundle(text-edited) = %v; want ErrVerify", err)
	}
}

func wantVerifyError(t *testing.T, err error) *notary.VerifyError {
	t.Helper()
	var ve *notary.VerifyError
	if !errors.As(err, &ve) || !errors.Is(err, notary.ErrVerify) {
		t.Fatalf("err = %v; want a *notary.VerifyError", err)
	}
	return ve
}

var (
	_ = embedded.Open
	_ = storetest.Registry
)
