package notary_test

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/drip-ledger/drip/projections/notary"
)

// After a crash or a lost file the notary re-derives its tree from the log
// and proves it is the same tree its checkpoints signed.
func TestOpenRepairsTheTreeFiles(t *testing.T) {
	tests := []struct {
		name   string
		damage func(t *testing.T, notaryDir string)
	}{
		{"tree directory lost", func(t *testing.T, d string) {
			if err := os.RemoveAll(filepath.Join(d, "tree")); err != nil {
				t.Fatal(err)
			}
		}},
		{"garbage past the last checkpoint", func(t *testing.T, d string) {
			for _, l := range []string{"level-00", "level-01", "level-05"} {
				appendFile(t, filepath.Join(d, "tree", l), bytes.Repeat([]byte{0xAB}, 100))
			}
		}},
		{"upper levels cut short", func(t *testing.T, d string) {
			for _, l := range []string{"level-02", "level-03"} {
				if err := os.Truncate(filepath.Join(d, "tree", l), 64); err != nil {
					t.Fatal(err)
				}
			}
		}},
		{"top level file lost", func(t *testing.T, d string) {
			if err := os.Remove(filepath.Join(d, "tree", "level-07")); err != nil {
				t.Fatal(err)
			}
		}},
		{"torn checkpoint record", func(t *testing.T, d string) {
			appendFile(t, filepath.Join(d, "checkpoints"), []byte{200, 0, 0, 0, 1, 2, 3, 4, 'x'})
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx := context.Background()
			k := newKeys(t, origin)
			storeDir, notaryDir := deployment(t, k, tamperEvents)
			tt.damage(t, notaryDir)
			s := openStore(t, storeDir)
			defer s.Close()
			n := openNotary(t, notaryDir, s, k, notary.Config{})
			defer n.Close()
			cp, err := n.Latest()
			if err != nil || cp.Size != tamperEvents {
				t.Fatalf("Latest = %d, %v; want %d", cp.Size, err, tamperEvents)
			}
			fill(t, s, tamperEvents, 33)
			now := catchUp(t, n)
			p, err := n.ConsistencyProof(ctx, cp.Size, now.Size)
			if err != nil {
				t.Fatal(err)
			}
			if err := notary.VerifyConsistency(cp.Note, now.Note, p, k.vkey); err != nil {
				t.Fatalf("after repair: %v", err)
			}
			b, err := n.Bundle(ctx, []uint64{1, 100, 200, 233})
			if err != nil {
				t.Fatal(err)
			}
			if _, err := notary.VerifyBundle(b, k.vkey); err != nil {
				t.Fatalf("after repair: %v", err)
			}
		})
	}
}

func appendFile(t *testing.T, path string, b []byte) {
	t.Helper()
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if _, err := f.Write(b); err != nil {
		t.Fatal(err)
	}
}

func TestSecondOpenIsRefused(t *testing.T) {
	k := newKeys(t, origin)
	s := openStore(t, t.TempDir())
	defer s.Close()
	dir := t.TempDir()
	n := openNotary(t, dir, s, k, notary.Config{})
	defer n.Close()
	if _, err := notary.Open(context.Background(), dir, s, k.signer, notary.Config{Logger: quiet}); !errors.Is(err, notary.ErrLocked) {
		t.Fatalf("second Open = %v; want ErrLocked", err)
	}
}

func TestOpenWithAnotherDeploymentsKeyIsRefused(t *testing.T) {
	k := newKeys(t, origin)
	storeDir, notaryDir := deployment(t, k, 40)
	s := openStore(t, storeDir)
	defer s.Close()
	other := newKeys(t, "drip.example/county/520527")
	if _, err := notary.Open(context.Background(), notaryDir, s, other.signer, notary.Config{Logger: quiet}); err == nil {
		t.Fatal("Open signed on with another deployment's key")
	}
}
