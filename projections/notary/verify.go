package notary

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/transparency-dev/merkle/compact"
	"golang.org/x/mod/sumdb/note"

	"github.com/drip-ledger/drip/events"
)

// Report is what VerifyStore checked.
type Report struct {
	// Events is how many events were re-hashed (the log's head).
	Events uint64
	// Checkpoints is how many signed checkpoints matched the log.
	Checkpoints int
	// LatestSize is the size of the latest checkpoint (0: none).
	LatestSize uint64
	// Unsigned is how many events lie after the latest checkpoint: they were
	// compared with the notary's leaf file, but no signature covers them yet.
	Unsigned uint64
}

// VerifyStore re-hashes every event of store from position 1, rebuilds the
// tree, and checks the root at every checkpoint kept in the notary directory
// dir against that checkpoint (each checkpoint's signature is checked first
// with verifierKey). Where the notary's leaf file (dir/tree/level-00) is
// present, each event is also compared with the leaf recorded when it was
// appended, which names the exact position of a change; the checkpoints say
// whether that record can be trusted.
//
// It returns a *VerifyError (ErrVerify) naming the first position that
// differs (when known), the first checkpoint that fails, or the file the
// store found damaged; any other error means the check could not be done.
// progress, if not nil, is called after each page of events with the events
// done and the total.
//
// Run it on a stopped store or a copy: the notary and the store lock their
// directories, and a running notary may be ahead of what it has synced.
func VerifyStore(ctx context.Context, store events.Store, dir, verifierKey string, progress func(done, total uint64)) (Report, error) {
	var rep Report
	v, err := NewVerifier(verifierKey)
	if err != nil {
		return rep, err
	}
	cps, err := loadVerified(filepath.Join(dir, checkpointsFile), v)
	if err != nil {
		return rep, err
	}
	if len(cps) > 0 {
		rep.LatestSize = cps[len(cps)-1].Size
	}
	head, err := store.Head(ctx)
	if err != nil {
		return rep, fmt.Errorf("notary: head of the log: %w", err)
	}
	rec, err := openLeafRecord(filepath.Join(dir, "tree", levelName(0)))
	if err != nil {
		return rep, err
	}
	defer rec.close()
	sc := &scan{cps: cps, rec: rec, rng: (&compact.RangeFactory{Hash: hasher.HashChildren}).NewEmptyRange(0)}
	for from := uint64(1); from <= head; {
		evs, err := store.ReadAll(ctx, from, events.ReadEventsMax)
		if err != nil {
			return rep, storeFailure(err, from)
		}
		if len(evs) == 0 {
			break
		}
		if err := sc.add(evs); err != nil {
			return rep, err
		}
		rep.Events = sc.rng.End()
		rep.Checkpoints = sc.next
		from = evs[len(evs)-1].Position + 1
		if progress != nil {
			progress(rep.Events, head)
		}
	}
	return rep, sc.finish(&rep)
}

// loadVerified reads every kept checkpoint and checks its signature. A
// torn last record (a crash while it was written) is not a checkpoint and
// is skipped; any other damage fails.
func loadVerified(path string, verifier note.Verifier) ([]Checkpoint, error) {
	var out []Checkpoint
	_, _, err := readCheckpointLog(path, func(c Checkpoint, off int64) error {
		vc, err := VerifyCheckpoint(c.Note, verifier)
		if err != nil {
			var ve *VerifyError
			if errors.As(err, &ve) {
				ve.CheckpointSize, ve.File = c.Size, path
				ve.Reason = fmt.Sprintf("checkpoint at offset %d: %s", off, ve.Reason)
			}
			return err
		}
		if len(out) > 0 && vc.Size <= out[len(out)-1].Size {
			return &VerifyError{CheckpointSize: vc.Size, File: path,
				Reason: fmt.Sprintf("checkpoint of size %d follows one of size %d", vc.Size, out[len(out)-1].Size)}
		}
		vc.Note = nil
		out = append(out, vc)
		return nil
	})
	if errors.Is(err, os.ErrNotExist) {
		// No checkpoint file is not "nothing to check": it is the wrong
		// directory, or the checkpoints are gone.
		return nil, fmt.Errorf("notary: no checkpoints to verify against: %w", err)
	}
	if errors.Is(err, errDamaged) {
		return nil, &VerifyError{File: path, Reason: err.Error(), Err: err}
	}
	return out, err
}

// scan is VerifyStore's state as it walks the log.
type scan struct {
	cps       []Checkpoint
	next      int // cps[next] is the next checkpoint to reach
	rec       *leafRecord
	rng       *compact.Range
	buf       []byte
	firstDiff uint64 // first position whose leaf differs from the record
}

func (sc *scan) add(evs []events.Event) error {
	for _, ev := range evs {
		want := sc.rng.End() + 1
		if ev.Position != want {
			return &VerifyError{Position: want, Reason: fmt.Sprintf("the log gives position %d where %d belongs", ev.Position, want)}
		}
		sc.buf = AppendLeafBytes(sc.buf[:0], ev)
		leaf := hasher.HashLeaf(sc.buf)
		if recorded, ok, err := sc.rec.next(); err != nil {
			return err
		} else if ok && sc.firstDiff == 0 && !bytes.Equal(recorded, leaf) {
			sc.firstDiff = ev.Position
		}
		if err := sc.rng.Append(leaf, nil); err != nil {
			return err
		}
		if err := sc.checkpoint(); err != nil {
			return err
		}
	}
	return nil
}

// checkpoint compares the root with the checkpoint of the current size, if
// there is one.
func (sc *scan) checkpoint() error {
	if sc.next >= len(sc.cps) || sc.cps[sc.next].Size != sc.rng.End() {
		return nil
	}
	cp := sc.cps[sc.next]
	root, err := sc.rng.GetRootHash(nil)
	if err != nil {
		return err
	}
	if !bytes.Equal(root, cp.Root) {
		prev := uint64(0)
		if sc.next > 0 {
			prev = sc.cps[sc.next-1].Size
		}
		if sc.firstDiff > prev {
			return &VerifyError{Position: sc.firstDiff, CheckpointSize: cp.Size, Reason: fmt.Sprintf(
				"the event differs from the one recorded, and the log's root at %d is not the signed one", cp.Size)}
		}
		return &VerifyError{CheckpointSize: cp.Size, Reason: fmt.Sprintf(
			"the log's root at %d is not the signed one: an event in positions %d..%d was changed (the notary's leaf record does not say which)",
			cp.Size, prev+1, cp.Size)}
	}
	sc.next++
	return nil
}

// finish reports what the walk left: checkpoints beyond the end of the log,
// or a difference from the leaf record that no failing checkpoint covers.
func (sc *scan) finish(rep *Report) error {
	size := sc.rng.End()
	if sc.next < len(sc.cps) {
		cp := sc.cps[sc.next]
		return &VerifyError{Position: size + 1, CheckpointSize: cp.Size, Reason: fmt.Sprintf(
			"the log ends at %d, but a checkpoint signs %d events: events were removed", size, cp.Size)}
	}
	if n := sc.rec.count; n > size {
		return &VerifyError{Position: size + 1, File: sc.rec.path, Reason: fmt.Sprintf(
			"the log ends at %d, but the notary recorded %d events: events were removed", size, n)}
	}
	rep.Unsigned = size - rep.LatestSize
	if sc.firstDiff == 0 {
		return nil
	}
	if sc.firstDiff > rep.LatestSize {
		return &VerifyError{Position: sc.firstDiff, Reason: "the event differs from the one the notary recorded (no checkpoint covers it yet)"}
	}
	return &VerifyError{Position: sc.firstDiff, File: sc.rec.path, Reason: "the notary's leaf record differs from the log, but every signed checkpoint matches the log: the leaf record is damaged, not the log"}
}

// storeFailure turns a read error into a verification failure: a store
// that reports damage has failed verification, at the place it names.
func storeFailure(err error, from uint64) error {
	var ce *events.CorruptError
	if errors.As(err, &ce) {
		pos := ce.Position
		if pos == 0 {
			pos = from
		}
		return &VerifyError{Position: pos, File: ce.File, Reason: "the store reports damage: " + ce.Reason, Err: err}
	}
	return fmt.Errorf("notary: read the log from %d: %w", from, err)
}

// leafRecord reads the notary's leaf file in order; it is empty when the
// file is missing.
type leafRecord struct {
	path  string
	f     *os.File
	r     *bufio.Reader
	count uint64
	read  uint64
	h     [HashBytes]byte
}

func openLeafRecord(path string) (*leafRecord, error) {
	rec := &leafRecord{path: path}
	f, err := os.Open(path)
	if errors.Is(err, os.ErrNotExist) {
		return rec, nil
	}
	if err != nil {
		return nil, fmt.Errorf("notary: open leaf record: %w", err)
	}
	fi, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("notary: stat leaf record: %w", err)
	}
	rec.f, rec.r, rec.count = f, bufio.NewReaderSize(f, 256<<10), uint64(fi.Size())/HashBytes
	return rec, nil
}

// next returns the next recorded leaf hash; ok is false past the end.
func (r *leafRecord) next() ([]byte, bool, error) {
	if r.read >= r.count {
		return nil, false, nil
	}
	if _, err := io.ReadFull(r.r, r.h[:]); err != nil {
		return nil, false, fmt.Errorf("notary: read leaf record: %w", err)
	}
	r.read++
	return r.h[:], true, nil
}

func (r *leafRecord) close() {
	if r.f != nil {
		r.f.Close()
	}
}
