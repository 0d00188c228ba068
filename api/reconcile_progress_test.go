package api_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"

	"github.com/drip-ledger/drip/domain"
	"github.com/drip-ledger/drip/domain/fund"
	"github.com/drip-ledger/drip/domain/reconcile"
	rt "github.com/drip-ledger/drip/domain/reconcile/reconciletest"
)

// fakeCutPayments applies the first n payment changes and fails the rest,
// as an import killed midway.
type fakeCutPayments struct {
	reconcile.Payments
	n int
}

func (f *fakeCutPayments) HandleProject(ctx context.Context, req domain.Request, id fund.ProjectID, cmd fund.ProjectCommand) (domain.Result, error) {
	if f.n == 0 {
		return domain.Result{}, errors.New("fake: killed")
	}
	f.n--
	return f.Payments.HandleProject(ctx, req, id, cmd)
}

func TestABankFileCutShortReadsInProgressOverHTTP(t *testing.T) {
	d := newBankDesk(t)
	data := rt.CSV(
		rt.Line(d.refs[0], "B1", 1, "1200.00", "settled", ""),
		rt.Line(d.refs[1], "B2", 2, "1200.00", "settled", ""),
		rt.Line(d.refs[2], "B3", 3, "1200.00", "settled", ""),
	)
	cut, err := reconcile.NewService(d.w.Store, d.w.Reg, &fakeCutPayments{Payments: d.w.Fund, n: 1})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := cut.Import(context.Background(), rt.Finance(), "a.csv", data); err == nil {
		t.Fatal("the cut import succeeded")
	}
	hash := reconcile.Hash(data)
	resp, b := d.do(http.MethodGet, "/reconciliations/"+hash, domain.RoleAuditor, "", nil)
	var r reconcile.Report
	if resp.StatusCode != http.StatusOK || json.Unmarshal(b, &r) != nil || r.Status != reconcile.StatusInProgress ||
		!strings.HasPrefix(r.Progress, "in progress: 1 of 3 lines applied") {
		t.Fatalf("status %d: %s", resp.StatusCode, b)
	}
	ct, body := multipartFile(t, "a.csv", data)
	resp, b = d.do(http.MethodPost, "/reconciliations", domain.RoleCountyFinance, ct, body)
	var batch reconcile.Batch
	if resp.StatusCode != http.StatusCreated || json.Unmarshal(b, &batch) != nil || batch.Files[0].Status != reconcile.StatusImported ||
		batch.Files[0].Applied != 3 {
		t.Fatalf("the second upload: status %d: %s", resp.StatusCode, b)
	}
}

func TestTheSameBankFileUploadedAtOnceOverHTTP(t *testing.T) {
	d := newBankDesk(t)
	var lines []string
	for i, ref := range d.refs {
		lines = append(lines, rt.Line(ref, fmt.Sprintf("B%d", i+1), i+1, "1200.00", "settled", ""))
	}
	data := rt.CSV(lines...)
	const uploads = 4
	type answer struct {
		status int
		body   []byte
		err    error
	}
	answers := make([]answer, uploads)
	tok := d.token(domain.RoleCountyFinance)
	var start, done sync.WaitGroup
	start.Add(1)
	for i := range uploads {
		done.Add(1)
		go func() {
			defer done.Done()
			ct, body := multipartFile(t, "a.csv", data)
			req, _ := http.NewRequest(http.MethodPost, d.url+"/reconciliations", body)
			req.Header.Set("Authorization", "Bearer "+tok)
			req.Header.Set("Content-Type", ct)
			start.Wait()
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				answers[i].err = err
				return
			}
			defer resp.Body.Close()
			answers[i].status = resp.StatusCode
			answers[i].body, answers[i].err = io.ReadAll(resp.Body)
		}()
	}
	start.Done()
	done.Wait()
	created := 0
	for i, a := range answers {
		if a.err != nil {
			t.Fatal(a.err)
		}
		switch a.status {
		case http.StatusCreated, http.StatusOK:
			if a.status == http.StatusCreated {
				created++
			}
			var b reconcile.Batch
			if err := json.Unmarshal(a.body, &b); err != nil || b.Files[0].Status != reconcile.StatusImported {
				t.Errorf("upload %d: %d %s", i, a.status, a.body)
			}
		case http.StatusConflict:
			var p struct{ Code, Detail string }
			if err := json.Unmarshal(a.body, &p); err != nil || p.Code != reconcile.CodeInProgress {
				t.Errorf("upload %d: 409 %s", i, a.body)
			}
		default:
			t.Errorf("upload %d: %d %s", i, a.status, a.body)
		}
	}
	if created != 1 {
		t.Errorf("%d uploads imported the file", created)
	}
}
