package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"time"

	"github.com/drip-ledger/drip/api"
	"github.com/drip-ledger/drip/domain"
	"github.com/drip-ledger/drip/domain/reconcile"
	"github.com/drip-ledger/drip/events"
	"github.com/drip-ledger/drip/export"
	"github.com/drip-ledger/drip/projections/modelstore"
	"github.com/drip-ledger/drip/projections/redflags"
)

// Reconciliation's wiring: the bank files' service over the fund ledger
// (newReconciliation, named in serve), the red flags read model
// (reconcileViews, embedded in views) and the `drip reconcile` command.

// unreconciledDaysDefault is how old an unanswered instruction must be for
// GET /reconciliations/unmatched when the caller does not say; separate
// from the audit flag's 30 days (redflags.Config.UnreconciledDays).
const unreconciledDaysDefault = 3

// reconcileViews is the reconciliation's read side, embedded in views.
type reconcileViews struct {
	redflags *redflags.View
}

// newReconcileViews builds the red flags model on ms, refolding households
// from store when its cache misses.
func newReconcileViews(reg *events.Registry, store events.Store, ms modelstore.Store) (reconcileViews, error) {
	v, err := redflags.New(reg, ms, redflags.Name, store, redflags.DefaultConfig())
	return reconcileViews{redflags: v}, err
}

// newReconciliation builds the bank files' service on the fund ledger the
// deps carry.
func newReconciliation(store events.Store, reg *events.Registry, deps api.Deps, v reconcileViews) (*api.Reconciliation, error) {
	if deps.Funds == nil {
		return nil, errors.New("reconcile: the fund ledger is not wired")
	}
	files, err := reconcile.NewService(store, reg, deps.Funds)
	if err != nil {
		return nil, err
	}
	return &api.Reconciliation{Files: files, Flags: v.redflags, UnreconciledDays: unreconciledDaysDefault}, nil
}

func runReconcile(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlags("reconcile FILE... [flags]", `
Imports bank return files (format: testdata/bank-returns/README.md) straight
into the embedded store in --data, as POST /reconciliations does: each file is
checked whole and applied all or nothing; the same file again changes nothing
and prints its first report. The store locks its directory, so stop
"drip serve" first — or, while it runs, POST the file to it instead:
  curl -H "Authorization: Bearer $TOKEN" -F file=@FILE localhost:8080/reconciliations
The report (tallies per outcome, every line that did not settle) goes to
--out or standard output.`, stderr)
	dataDir := fs.String("data", "./drip-data", "data directory of the embedded store")
	storeURL := fs.String("store", "", "a store URL instead of --data (see drip serve -h)")
	format := fs.String("format", "json", "report format: json, csv or xlsx")
	out := fs.String("out", "", "write the report to this file (default: standard output; required for xlsx)")
	user := fs.String("user", os.Getenv("USER"), "who imports, as the events will record it")
	jurisdiction := fs.String("jurisdiction", "", "the importer's jurisdiction, a county code prefix such as 520526 (required)")
	at := fs.String("at", "", "the import's time, RFC 3339 (default now): value dates after its day are refused")
	var files []string
	for {
		if err := fs.Parse(args); errors.Is(err, flag.ErrHelp) {
			return err
		} else if err != nil {
			return errUsage
		}
		if fs.NArg() == 0 {
			break
		}
		files, args = append(files, fs.Arg(0)), fs.Args()[1:]
	}
	if len(files) == 0 || *jurisdiction == "" || *user == "" || (*format == "xlsx" && *out == "") ||
		(*format != "json" && *format != "csv" && *format != "xlsx") {
		fs.Usage()
		return errUsage
	}
	if *storeURL == "" {
		*storeURL = "embedded:" + *dataDir
	}
	now := time.Now().UTC()
	if *at != "" {
		t, err := time.Parse(time.RFC3339, *at)
		if err != nil {
			return fmt.Errorf("--at: %w", err)
		}
		now = t
	}
	req := domain.Request{Actor: domain.Actor{ID: *user, Role: string(domain.RoleCountyFinance), Jurisdiction: *jurisdiction},
		At: now, CorrelationID: "cli-reconcile"}
	batch, err := reconcileFiles(ctx, *storeURL, req, files, newLogger(stderr, false))
	if err != nil {
		return err
	}
	return writeReport(stdout, *out, *format, batch)
}

// reconcileFiles opens the store, wires the fund ledger as serve does, and
// imports each file. It stops at the first file refused.
func reconcileFiles(ctx context.Context, url string, req domain.Request, files []string, log *slog.Logger) (reconcile.Batch, error) {
	reg := registry()
	store, err := openStore(ctx, url, reg, log)
	if err != nil {
		return reconcile.Batch{}, err
	}
	defer store.Close()
	set, err := loadSettings("")
	if err != nil {
		return reconcile.Batch{}, err
	}
	deps, err := services(store, reg, set)
	if err != nil {
		return reconcile.Batch{}, err
	}
	svc, err := reconcile.NewService(store, reg, deps.Funds)
	if err != nil {
		return reconcile.Batch{}, err
	}
	var reports []reconcile.Report
	for _, name := range files {
		data, err := os.ReadFile(name)
		if err != nil {
			return reconcile.Batch{}, err
		}
		r, err := svc.Import(ctx, req, filepath.Base(name), data)
		if err != nil {
			return reconcile.Batch{}, fmt.Errorf("%s: %w", name, describe(err))
		}
		reports = append(reports, r)
	}
	return reconcile.NewBatch(reports...), nil
}

// describe spells out every problem of a refused file, one per line.
func describe(err error) error {
	var inv *events.InvalidError
	if !errors.As(err, &inv) {
		return err
	}
	var b bytes.Buffer
	fmt.Fprintf(&b, "the file was refused, nothing was written (%d problems):", len(inv.Problems))
	for _, p := range inv.Problems {
		fmt.Fprintf(&b, "\n  %s: %s (%s)", p.Field, p.Reason, domain.Codes((&events.InvalidError{Problems: []events.Problem{p}}))[0])
	}
	return errors.New(b.String())
}

func writeReport(stdout io.Writer, out, format string, b reconcile.Batch) error {
	var buf bytes.Buffer
	var err error
	switch format {
	case "json":
		enc := json.NewEncoder(&buf)
		enc.SetIndent("", "  ")
		err = enc.Encode(b)
	default:
		tables := make([]export.Table, 0, 2)
		for _, t := range b.Tables() {
			tables = append(tables, export.Table(t))
		}
		if format == "xlsx" {
			err = export.XLSX(&buf, tables)
		} else {
			err = export.CSV(&buf, tables)
		}
	}
	if err != nil {
		return err
	}
	if out == "" {
		_, err = stdout.Write(buf.Bytes())
		return err
	}
	return os.WriteFile(out, buf.Bytes(), 0o644)
}
