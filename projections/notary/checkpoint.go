package notary

import (
	"bytes"
	"crypto/rand"
	"encoding/base64"
	"fmt"
	"strconv"
	"strings"

	"golang.org/x/mod/sumdb/note"
)

// Checkpoint is a signed statement of the tree's size and root, in the
// C2SP tlog-checkpoint format (https://c2sp.org/tlog-checkpoint): a
// golang.org/x/mod/sumdb/note whose body is
//
//	<origin>
//	<size, decimal>
//	<root hash, standard base64>
//
// The origin names the deployment (e.g. "drip.example/county/520526") and is
// the name of the key that signs it, so a checkpoint cannot be passed off as
// another deployment's.
type Checkpoint struct {
	Origin string
	Size   uint64
	Root   []byte
	// Note is the signed note's full text, as issued: what auditors keep
	// and what VerifyCheckpoint checks.
	Note []byte
}

// checkpointBody formats the note body of a checkpoint.
func checkpointBody(origin string, size uint64, root []byte) string {
	return fmt.Sprintf("%s\n%d\n%s\n", origin, size, base64.StdEncoding.EncodeToString(root))
}

// parseBody reads a checkpoint body; extension lines after the root are
// allowed by the format and ignored.
func parseBody(text string) (Checkpoint, error) {
	lines := strings.SplitN(text, "\n", 4)
	if len(lines) < 4 {
		return Checkpoint{}, fmt.Errorf("checkpoint body has %d lines, want at least 3", len(lines)-1)
	}
	origin := lines[0]
	if origin == "" {
		return Checkpoint{}, fmt.Errorf("checkpoint has an empty origin")
	}
	size, err := strconv.ParseUint(lines[1], 10, 64)
	if err != nil || (lines[1] != "0" && strings.HasPrefix(lines[1], "0")) {
		return Checkpoint{}, fmt.Errorf("checkpoint size %q is not a decimal number", lines[1])
	}
	root, err := base64.StdEncoding.DecodeString(lines[2])
	if err != nil || len(root) != HashBytes {
		return Checkpoint{}, fmt.Errorf("checkpoint root %q is not a base64 %d-byte hash", lines[2], HashBytes)
	}
	return Checkpoint{Origin: origin, Size: size, Root: root}, nil
}

// signCheckpoint issues the checkpoint of a tree of size leaves and root.
func signCheckpoint(signer note.Signer, size uint64, root []byte) (Checkpoint, error) {
	msg, err := note.Sign(&note.Note{Text: checkpointBody(signer.Name(), size, root)}, signer)
	if err != nil {
		return Checkpoint{}, fmt.Errorf("notary: sign checkpoint: %w", err)
	}
	return Checkpoint{Origin: signer.Name(), Size: size, Root: root, Note: msg}, nil
}

// parseUnverified reads a checkpoint note this notary wrote itself, without
// checking the signature (the notary holds a signer, not a verifier).
func parseUnverified(msg []byte) (Checkpoint, error) {
	i := bytes.Index(msg, []byte("\n\n"))
	if i < 0 {
		return Checkpoint{}, fmt.Errorf("checkpoint note has no signature block")
	}
	c, err := parseBody(string(msg[:i+1]))
	if err != nil {
		return Checkpoint{}, err
	}
	c.Note = msg
	return c, nil
}

// NewVerifier parses an auditor's verifier key (note's format,
// "<name>+<hash>+<base64 key>", as GenerateKey returns it).
func NewVerifier(verifierKey string) (note.Verifier, error) {
	v, err := note.NewVerifier(strings.TrimSpace(verifierKey))
	if err != nil {
		return nil, fmt.Errorf("notary: verifier key: %w", err)
	}
	return v, nil
}

// NewSigner parses a signer key ("PRIVATE+KEY+<name>+<hash>+<base64 key>",
// as GenerateKey returns it).
func NewSigner(signerKey string) (note.Signer, error) {
	s, err := note.NewSigner(strings.TrimSpace(signerKey))
	if err != nil {
		return nil, fmt.Errorf("notary: signer key: %w", err)
	}
	return s, nil
}

// GenerateKey makes a new Ed25519 key pair for the deployment named origin
// (e.g. "drip.example/county/520526"), in note's text formats: the signer
// key stays with the notary and must be kept secret; the verifier key is
// what auditors hold.
func GenerateKey(origin string) (signerKey, verifierKey string, err error) {
	skey, vkey, err := note.GenerateKey(rand.Reader, origin)
	if err != nil {
		return "", "", fmt.Errorf("notary: generate key for %q: %w", origin, err)
	}
	return skey, vkey, nil
}

// VerifyCheckpoint checks a checkpoint's signature against v and that its
// origin is v's name, and returns it parsed.
func VerifyCheckpoint(msg []byte, v note.Verifier) (Checkpoint, error) {
	n, err := note.Open(msg, note.VerifierList(v))
	if err != nil {
		return Checkpoint{}, &VerifyError{Reason: "checkpoint signature: " + err.Error(), Err: err}
	}
	c, err := parseBody(n.Text)
	if err != nil {
		return Checkpoint{}, &VerifyError{Reason: err.Error()}
	}
	if c.Origin != v.Name() {
		return Checkpoint{}, &VerifyError{CheckpointSize: c.Size,
			Reason: fmt.Sprintf("checkpoint origin %q is not the key's name %q", c.Origin, v.Name())}
	}
	c.Note = msg
	return c, nil
}
