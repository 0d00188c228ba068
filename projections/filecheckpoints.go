package projections

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// FileCheckpoints keeps each checkpoint in its own small file in one
// directory: NAME.checkpoint holding the position in decimal and a newline.
// Bytes of a name outside [A-Za-z0-9._@$-] are written as %XX, so every
// name is a portable file name and an operator can read the directory.
//
// Save replaces a file atomically (write a temporary file, fsync it, rename
// it over the old one, fsync the directory), so a crash leaves the old
// checkpoint or the new one, never a torn one.
type FileCheckpoints struct {
	dir string
}

var _ Checkpoints = (*FileCheckpoints)(nil)

// checkpointBytesMax bounds what Load reads: a uint64 in decimal is at most
// 20 bytes.
const checkpointBytesMax = 64

// NewFileCheckpoints returns the checkpoints kept in dir, creating dir if it
// does not exist.
func NewFileCheckpoints(dir string) (*FileCheckpoints, error) {
	if dir == "" {
		return nil, errors.New("projections: checkpoint directory is empty")
	}
	if err := os.MkdirAll(dir, 0o750); err != nil {
		return nil, fmt.Errorf("projections: checkpoint directory: %w", err)
	}
	return &FileCheckpoints{dir: dir}, nil
}

// Load implements Checkpoints.
func (f *FileCheckpoints) Load(ctx context.Context, name string) (uint64, error) {
	if err := checkCheckpoint(ctx, name); err != nil {
		return 0, err
	}
	path := f.path(name)
	file, err := os.Open(path)
	if errors.Is(err, fs.ErrNotExist) {
		return 0, nil
	}
	if err != nil {
		return 0, fmt.Errorf("projections: load checkpoint: %w", err)
	}
	defer file.Close()
	buf, err := io.ReadAll(io.LimitReader(file, checkpointBytesMax+1))
	if err != nil {
		return 0, fmt.Errorf("projections: load checkpoint: %w", err)
	}
	s, ok := strings.CutSuffix(string(buf), "\n")
	pos, err := strconv.ParseUint(s, 10, 64)
	if !ok || err != nil || len(buf) > checkpointBytesMax {
		return 0, fmt.Errorf("projections: checkpoint %s holds %q, not a position and a newline", path, buf[:min(len(buf), checkpointBytesMax)])
	}
	return pos, nil
}

// Save implements Checkpoints.
func (f *FileCheckpoints) Save(ctx context.Context, name string, position uint64) error {
	if err := checkCheckpoint(ctx, name); err != nil {
		return err
	}
	if err := writeAtomic(f.dir, f.path(name), strconv.FormatUint(position, 10)+"\n"); err != nil {
		return fmt.Errorf("projections: save checkpoint %q: %w", name, err)
	}
	return nil
}

func (f *FileCheckpoints) path(name string) string {
	var b strings.Builder
	for i := 0; i < len(name); i++ {
		c := name[i]
		if c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' ||
			c == '.' && i > 0 || c == '_' || c == '-' || c == '@' || c == '$' {
			b.WriteByte(c)
		} else {
			fmt.Fprintf(&b, "%%%02X", c)
		}
	}
	return filepath.Join(f.dir, b.String()+".checkpoint")
}

func writeAtomic(dir, path, content string) (err error) {
	tmp, err := os.CreateTemp(dir, ".checkpoint-*")
	if err != nil {
		return err
	}
	defer func() {
		if err != nil {
			tmp.Close()
			os.Remove(tmp.Name())
		}
	}()
	if _, err = tmp.WriteString(content); err != nil {
		return err
	}
	if err = tmp.Sync(); err != nil {
		return err
	}
	if err = tmp.Close(); err != nil {
		return err
	}
	if err = os.Rename(tmp.Name(), path); err != nil {
		return err
	}
	// The rename is durable only once the directory entry is.
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	return d.Sync()
}
