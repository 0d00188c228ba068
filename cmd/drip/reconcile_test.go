package main

import (
	"bytes"
	"context"
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"

	"github.com/drip-ledger/drip/domain/reconcile"
	rt "github.com/drip-ledger/drip/domain/reconcile/reconciletest"
	"github.com/drip-ledger/drip/events/embedded"
)

func TestReconcileCommandImportsIntoTheEmbeddedStore(t *testing.T) {
	dir := t.TempDir()
	reg := registry()
	store, err := embedded.Open(dir, reg, embedded.Options{})
	if err != nil {
		t.Fatal(err)
	}
	w := rt.NewOn(t, store, reg, 1_000_000)
	refs := []string{w.Household(t, 1, 120_000), w.Household(t, 2, 120_000)}
	if err := store.Close(); err != nil {
		t.Fatal(err)
	}
	bank := writeFile(t, dir, "weining.csv", string(rt.CSV(rt.Line(refs[0], "B1", 1, "1200.00", "settled", ""), rt.Line(refs[1], "B2", 2, "1200.00", "failed", "closed"))))
	out := filepath.Join(dir, "report.xlsx")
	var stdout, stderr bytes.Buffer
	args := []string{"reconcile", bank, "--data", dir, "--jurisdiction", "520526", "--user", "clerk.liu", "--at", "2026-11-28T10:00:00+08:00"}
	if err := dispatch(context.Background(), append(args, "--format", "xlsx", "--out", out), &stdout, &stderr); err != nil {
		t.Fatalf("%v: %s", err, stderr.String())
	}
	f, err := excelize.OpenFile(out)
	if err != nil {
		t.Fatal(err)
	}
	rows, _ := f.GetRows("Summary")
	if len(rows) != 7 || rows[1][4] != "settled" || rows[1][6] != "1200.00" || rows[3][4] != "failed" || rows[3][6] != "1200.00" {
		t.Errorf("summary %v", rows)
	}
	stdout.Reset()
	if err := dispatch(context.Background(), args, &stdout, &stderr); err != nil {
		t.Fatal(err)
	}
	var b reconcile.Batch
	if err := json.Unmarshal(stdout.Bytes(), &b); err != nil || len(b.Files) != 1 || !b.Files[0].Replayed {
		t.Errorf("second run: %v %s", err, stdout.String())
	}
	bad := writeFile(t, dir, "bad.csv", string(rt.CSV(rt.Line(refs[0], "B1", 1, "x", "settled", ""))))
	err = dispatch(context.Background(), []string{"reconcile", bad, "--data", dir, "--jurisdiction", "520526", "--user", "u", "--at", "2026-11-28T10:00:00+08:00"}, &stdout, &stderr)
	if err == nil || !strings.Contains(err.Error(), "lines[2].amount_yuan") {
		t.Errorf("bad file: %v", err)
	}
}
