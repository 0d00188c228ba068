package notary

import (
	"errors"
	"fmt"
)

// Sentinel errors; callers branch on them with errors.Is.
var (
	// ErrLogChanged means the log no longer holds what the notary recorded:
	// an event's canonical bytes hash differently from its leaf, or the log
	// is shorter than the tree. It is evidence of tampering (or of a store
	// restored from an old backup) and is never repaired automatically: an
	// operator must look. The concrete error is a *ChangedError.
	ErrLogChanged = errors.New("notary: the log differs from the notary's record")

	// ErrNotFound is returned for a checkpoint size that was never issued,
	// and by Latest before the first checkpoint.
	ErrNotFound = errors.New("notary: no such checkpoint")

	// ErrTreeSize is returned for a proof asked of a tree size the notary
	// has not reached, or of an index outside it.
	ErrTreeSize = errors.New("notary: outside the tree")

	// ErrVerify is returned when something an auditor checks does not hold:
	// a signature, a proof, a root, an event's bytes. The concrete error is
	// a *VerifyError where there is more to say.
	ErrVerify = errors.New("notary: verification failed")

	// ErrLocked is returned by Open when another Notary holds the directory.
	ErrLocked = errors.New("notary: directory is in use")
)

// ChangedError details ErrLogChanged.
type ChangedError struct {
	// Position is the first position found to differ (0 if unknown).
	Position uint64
	Reason   string
}

func (e *ChangedError) Error() string {
	return fmt.Sprintf("notary: the log differs from the notary's record at position %d: %s", e.Position, e.Reason)
}

// Is makes errors.Is(err, ErrLogChanged) true.
func (e *ChangedError) Is(target error) bool { return target == ErrLogChanged }

// VerifyError details ErrVerify: what failed, and where.
type VerifyError struct {
	// Position is the first event position that differs, when known (0
	// otherwise).
	Position uint64
	// CheckpointSize is the size of the first checkpoint that fails, when
	// one does (0 otherwise).
	CheckpointSize uint64
	// File is the damaged file, when the store reported one.
	File   string
	Reason string
	// Err is the underlying error, if any (e.g. the store's
	// *events.CorruptError).
	Err error
}

func (e *VerifyError) Error() string {
	msg := "notary: verification failed"
	if e.Position > 0 {
		msg += fmt.Sprintf(" at position %d", e.Position)
	}
	if e.CheckpointSize > 0 {
		msg += fmt.Sprintf(" (checkpoint of size %d)", e.CheckpointSize)
	}
	if e.File != "" {
		msg += " in " + e.File
	}
	return msg + ": " + e.Reason
}

// Is makes errors.Is(err, ErrVerify) true.
func (e *VerifyError) Is(target error) bool { return target == ErrVerify }

// Unwrap returns the underlying error.
func (e *VerifyError) Unwrap() error { return e.Err }
