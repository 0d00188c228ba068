package projections_test

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/drip-ledger/drip/projections"
)

func TestCheckpoints(t *testing.T) {
	ctx := context.Background()
	file, err := projections.NewFileCheckpoints(filepath.Join(t.TempDir(), "cp"))
	if err != nil {
		t.Fatal(err)
	}
	for name, cps := range map[string]projections.Checkpoints{
		"memory": &projections.MemoryCheckpoints{}, "file": file,
	} {
		t.Run(name, func(t *testing.T) {
			if pos, err := cps.Load(ctx, "never"); pos != 0 || err != nil {
				t.Errorf("Load of an unsaved name = %d, %v; want 0, nil", pos, err)
			}
			for _, n := range []string{"balances", "forwarder@$ce-household", ".hidden/../x"} {
				for _, pos := range []uint64{7, 1 << 60, 0} {
					if err := cps.Save(ctx, n, pos); err != nil {
						t.Fatal(err)
					}
					if got, err := cps.Load(ctx, n); got != pos || err != nil {
						t.Errorf("Load(%q) = %d, %v after saving %d", n, got, err, pos)
					}
				}
			}
			if err := cps.Save(ctx, "", 1); err == nil {
				t.Error("Save with an empty name succeeded")
			}
		})
	}
}

func TestFileCheckpoints(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	cps, err := projections.NewFileCheckpoints(dir)
	if err != nil {
		t.Fatal(err)
	}
	if err := cps.Save(ctx, "balances", 12); err != nil {
		t.Fatal(err)
	}
	if err := cps.Save(ctx, ".x/y", 1); err != nil {
		t.Fatal(err)
	}

	t.Run("survive a new instance", func(t *testing.T) {
		again, err := projections.NewFileCheckpoints(dir)
		if err != nil {
			t.Fatal(err)
		}
		if pos, err := again.Load(ctx, "balances"); pos != 12 || err != nil {
			t.Errorf("Load = %d, %v; want 12", pos, err)
		}
	})
	t.Run("one readable file each, nothing left over, nothing outside", func(t *testing.T) {
		entries, err := os.ReadDir(dir)
		if err != nil {
			t.Fatal(err)
		}
		var names []string
		for _, e := range entries {
			names = append(names, e.Name())
		}
		want := []string{"%2Ex%2Fy.checkpoint", "balances.checkpoint"}
		if len(names) != 2 || names[0] != want[0] || names[1] != want[1] {
			t.Errorf("directory holds %q, want %q", names, want)
		}
	})
	t.Run("a damaged file is an error, not position 0", func(t *testing.T) {
		for _, content := range []string{"", "12", "twelve\n", "-1\n", "123456789012345678901234567890\n"} {
			if err := os.WriteFile(filepath.Join(dir, "broken.checkpoint"), []byte(content), 0o600); err != nil {
				t.Fatal(err)
			}
			if pos, err := cps.Load(ctx, "broken"); err == nil {
				t.Errorf("Load of %q = %d, nil; want an error", content, pos)
			}
		}
	})
}
