package api_test

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"encoding/json"
	"io"
	"log/slog"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"github.com/drip-ledger/drip/api"
	"github.com/drip-ledger/drip/domain"
	"github.com/drip-ledger/drip/domain/reconcile"
	rt "github.com/drip-ledger/drip/domain/reconcile/reconciletest"
	"github.com/drip-ledger/drip/events"
	"github.com/drip-ledger/drip/projections"
	"github.com/drip-ledger/drip/projections/modelstore"
	"github.com/drip-ledger/drip/projections/redflags"
)

// bankDesk is a server over a world with six instructed payments; its
// red flags view is fed the log before each read.
type bankDesk struct {
	t    *testing.T
	w    *rt.World
	refs []string
	key  ed25519.PrivateKey
	url  string
	view *redflags.View
	fed  uint64
}

func newBankDesk(t *testing.T) *bankDesk {
	w := rt.New(t, 1_000_000)
	var refs []string
	for n := 1; n <= 4; n++ {
		refs = append(refs, w.Household(t, n, 120_000))
	}
	view, err := redflags.New(w.Reg, &modelstore.Memory{}, redflags.Name, w.Store, redflags.DefaultConfig())
	if err != nil {
		t.Fatal(err)
	}
	pub, priv, _ := ed25519.GenerateKey(nil)
	d := &bankDesk{t: t, w: w, refs: refs, key: priv, view: view}
	srv, err := api.New(api.DefaultConfig(), api.Deps{Store: w.Store, TokenKey: pub, Logger: slog.New(slog.DiscardHandler),
		Registry: w.Reg, Now: func() time.Time { return rt.Import },
		Reconciliation: &api.Reconciliation{Files: w.Reconcile, Flags: view},
		WaitFor:        func(ctx context.Context, _ uint64) error { d.feed(); return nil }})
	if err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(conforming(t, srv.Handler()))
	t.Cleanup(ts.Close)
	d.url = ts.URL
	return d
}

func (d *bankDesk) feed() {
	evs, err := d.w.Store.ReadAll(context.Background(), d.fed+1, events.ReadEventsMax)
	if err != nil {
		d.t.Fatal(err)
	}
	if len(evs) == 0 {
		return
	}
	batch := make([]projections.Decoded, len(evs))
	for i, ev := range evs {
		batch[i] = projections.Decoded{Event: ev}
	}
	if err := d.view.ApplyBatch(context.Background(), batch); err != nil {
		d.t.Fatal(err)
	}
	d.fed = evs[len(evs)-1].Position
}

func (d *bankDesk) token(role domain.Role) string {
	tok, err := api.IssueToken(d.key, api.Claims{User: string(role) + ".1", Role: role, Jurisdiction: rt.County,
		IssuedAt: rt.Import.Unix(), ExpiresAt: rt.Import.Add(time.Hour).Unix()})
	if err != nil {
		d.t.Fatal(err)
	}
	return tok
}

func (d *bankDesk) do(method, path string, role domain.Role, contentType string, body io.Reader) (*http.Response, []byte) {
	d.t.Helper()
	req, _ := http.NewRequest(method, d.url+path, body)
	req.Header.Set("Authorization", "Bearer "+d.token(role))
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		d.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp, b
}

func multipartFile(t *testing.T, name string, data []byte) (string, *bytes.Buffer) {
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	fw, err := mw.CreateFormFile("file", name)
	if err != nil {
		t.Fatal(err)
	}
	fw.Write(data)
	mw.Close()
	return mw.FormDataContentType(), &buf
}

func TestBankFileUploadedOverHTTP(t *testing.T) {
	d := newBankDesk(t)
	data := rt.CSV(
		rt.Line(d.refs[0], "B1", 1, "1200.00", "settled", ""),
		rt.Line(d.refs[1], "B2", 2, `"1,200.00"`, "returned", "account closed"),
		rt.Line(d.refs[2], "B3", 3, "1100.00", "settled", ""),
	)
	ct, body := multipartFile(t, "weining-2026-11-27.csv", data)
	resp, b := d.do(http.MethodPost, "/reconciliations", domain.RoleCountyFinance, ct, body)
	if resp.StatusCode != http.StatusCreated {
		t.Fatalf("status %d: %s", resp.StatusCode, b)
	}
	var batch reconcile.Batch
	if err := json.Unmarshal(b, &batch); err != nil {
		t.Fatal(err)
	}
	if len(batch.Files) != 1 || batch.Lines != 3 || len(batch.Files[0].Exceptions) != 2 {
		t.Fatalf("batch %+v", batch)
	}
	hash := reconcile.Hash(data)

	// The same bytes again, as text/csv: nothing changes.
	resp, b = d.do(http.MethodPost, "/reconciliations?name=again.csv", domain.RoleCountyFinance, "text/csv", bytes.NewReader(data))
	if resp.StatusCode != http.StatusOK || !strings.Contains(string(b), `"replayed":true`) {
		t.Errorf("re-upload: %d %s", resp.StatusCode, b)
	}

	// An auditor reads the report as JSON and as XLSX.
	resp, b = d.do(http.MethodGet, "/reconciliations/"+hash, domain.RoleAuditor, "", nil)
	if resp.StatusCode != http.StatusOK || !strings.Contains(string(b), `"outcome":"mismatched"`) {
		t.Errorf("report: %d %s", resp.StatusCode, b)
	}
	resp, b = d.do(http.MethodGet, "/reconciliations/"+hash+"?format=xlsx", domain.RoleAuditor, "", nil)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("xlsx: %d %s", resp.StatusCode, b)
	}
	f, err := excelize.OpenReader(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	rows, err := f.GetRows("Summary")
	if err != nil {
		t.Fatal(err)
	}
	sums := map[string]string{}
	for _, r := range rows[1:] {
		sums[r[4]] = r[5] + " " + r[6]
	}
	if sums["settled"] != "1 1200.00" || sums["returned"] != "1 1200.00" || sums["mismatched"] != "1 1100.00" || sums["unknown"] != "0 0.00" {
		t.Errorf("sums %v", sums)
	}
	exc, _ := f.GetRows("Exceptions")
	if len(exc) != 3 || exc[2][3] != d.refs[2] {
		t.Errorf("exceptions %v", exc)
	}
	req, _ := http.NewRequest(http.MethodGet, d.url+"/reconciliations/"+hash, nil)
	req.Header.Set("Authorization", "Bearer "+d.token(domain.RoleAuditor))
	req.Header.Set("Accept", "text/csv")
	if resp, err = http.DefaultClient.Do(req); err != nil {
		t.Fatal(err)
	}
	csvBody, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if !strings.Contains(string(csvBody), "weining-2026-11-27.csv,4,mismatched,"+d.refs[2]) {
		t.Errorf("csv report: %s", csvBody)
	}

	// Payments 3 (mismatched) and 4 (no line) await the bank.
	resp, b = d.do(http.MethodGet, "/reconciliations/unmatched?olderThanDays=3&position=1", domain.RoleCountyFinance, "", nil)
	var page redflags.UnreconciledPage
	if err := json.Unmarshal(b, &page); err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("%d %s", resp.StatusCode, b)
	}
	if len(page.Payments) != 2 || page.Payments[0].Ref != d.refs[2] || page.Payments[0].Mismatch == nil || page.Payments[1].Ref != d.refs[3] {
		t.Errorf("unmatched %s", b)
	}
}

func TestAMalformedUploadIsRefusedWithEveryBadLine(t *testing.T) {
	d := newBankDesk(t)
	data := rt.CSV(rt.Line(d.refs[0], "B1", 1, "12.345", "settled", ""), rt.Line(d.refs[1], "", 2, "1200.00", "lost", ""))
	resp, b := d.do(http.MethodPost, "/reconciliations?name=bad.csv", domain.RoleCountyFinance, "text/csv", bytes.NewReader(data))
	var p api.Problem
	json.Unmarshal(b, &p)
	if resp.StatusCode != http.StatusUnprocessableEntity || len(p.Errors) != 3 {
		t.Fatalf("%d %s", resp.StatusCode, b)
	}
	want := []string{"lines[2].amount_yuan", "lines[3].bank_ref", "lines[3].status"}
	for i, e := range p.Errors {
		if e.Field != want[i] {
			t.Errorf("error %d names %s, want %s", i, e.Field, want[i])
		}
	}
	resp, _ = d.do(http.MethodPost, "/reconciliations?name=a.csv", domain.RoleAuditor, "text/csv", bytes.NewReader(data))
	if resp.StatusCode != http.StatusForbidden {
		t.Errorf("an auditor imported: %d", resp.StatusCode)
	}
}

func TestRedFlagsOverHTTP(t *testing.T) {
	d := newBankDesk(t)
	resp, b := d.do(http.MethodGet, "/redflags?kind=payment_unreconciled&position=1", domain.RoleAuditor, "", nil)
	if resp.StatusCode != http.StatusOK || !strings.Contains(string(b), `"flags":[]`) {
		t.Errorf("%d %s", resp.StatusCode, b)
	}
	resp, b = d.do(http.MethodGet, "/redflags?kind=nonsense", domain.RoleAuditor, "", nil)
	if resp.StatusCode != http.StatusUnprocessableEntity {
		t.Errorf("%d %s", resp.StatusCode, b)
	}
	resp, _ = d.do(http.MethodGet, "/redflags", domain.RoleVillage, "", nil)
	if resp.StatusCode != http.StatusForbidden {
		t.Errorf("a village reads red flags: %d", resp.StatusCode)
	}
}

// A batch with a good and a bad file imports the good one: the refusal says
// so, naming the file it wrote.
func TestBankFileBatchRefusedSaysWhatWasImported(t *testing.T) {
	d := newBankDesk(t)
	good := rt.CSV(rt.Line(d.refs[0], "B1", 1, "1200.00", "settled", ""))
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	for name, data := range map[string][]byte{"good.csv": good, "bad.csv": []byte("not,a,bank,file\n")} {
		fw, _ := mw.CreateFormFile("file", name)
		fw.Write(data)
	}
	mw.Close()
	resp, b := d.do(http.MethodPost, "/reconciliations", domain.RoleCountyFinance, mw.FormDataContentType(), &buf)
	var p api.Problem
	if err := json.Unmarshal(b, &p); err != nil || resp.StatusCode != http.StatusUnprocessableEntity {
		t.Fatalf("status %d: %s", resp.StatusCode, b)
	}
	if len(p.Imported) != 1 || p.Imported[0].Name != "good.csv" || p.Imported[0].SHA256 != reconcile.Hash(good) || p.Imported[0].Position == 0 {
		t.Fatalf("imported = %+v, want good.csv (detail %q)", p.Imported, p.Detail)
	}
	if !strings.Contains(p.Detail, "imported") {
		t.Errorf("detail %q does not say what was imported", p.Detail)
	}
}
