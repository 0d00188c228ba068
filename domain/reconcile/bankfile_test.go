package reconcile_test

import (
	"errors"
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/drip-ledger/drip/domain"
	"github.com/drip-ledger/drip/domain/reconcile"
	rt "github.com/drip-ledger/drip/domain/reconcile/reconciletest"
	"github.com/drip-ledger/drip/events"
)

const ref1 = "520526-2026-0042-PAY-000001"

// problems returns "field code" for every problem of err.
func problems(t *testing.T, err error) []string {
	t.Helper()
	var inv *events.InvalidError
	if !errors.As(err, &inv) {
		t.Fatalf("want an InvalidError, got %v", err)
	}
	var out []string
	for _, p := range inv.Problems {
		var de *domain.Error
		errors.As(p.Cause, &de)
		out = append(out, p.Field+" "+de.Code)
	}
	return out
}

func TestParseAcceptsAWellFormedFile(t *testing.T) {
	data := []byte("\uFEFFpayment_ref,bank_ref,account_number,payee_name,amount_yuan,status,value_date,reason\r\n" +
		ref1 + ",B1,6214123400000001,张三,\"1,200.50\",settled,2026-11-27,\r\n" +
		"520526-2026-0042-PAY-000002,B2,6214123400000002,\"李四, 户主\",300,returned,2026-11-26,account closed\r\n")
	f, err := reconcile.Parse("weining.csv", data, rt.Import)
	if err != nil {
		t.Fatal(err)
	}
	got := []reconcile.Line{f.Lines[0], f.Lines[1]}
	want := []reconcile.Line{
		{Number: 2, PaymentRef: ref1, BankRef: "B1", Account: "6214123400000001", PayeeName: "张三", AmountFen: 120050, Status: "settled", ValueDate: "2026-11-27"},
		{Number: 3, PaymentRef: "520526-2026-0042-PAY-000002", BankRef: "B2", Account: "6214123400000002", PayeeName: "李四, 户主", AmountFen: 30000, Status: "returned", ValueDate: "2026-11-26", Reason: "account closed"},
	}
	if d := cmp.Diff(want, got, cmp.FilterPath(func(p cmp.Path) bool {
		return p.Last().String() == ".Project" || p.Last().String() == ".raw"
	}, cmp.Ignore()), cmp.AllowUnexported(reconcile.Line{})); d != "" {
		t.Error(d)
	}
	if f.SHA256 != reconcile.Hash(data) || len(f.SHA256) != 64 {
		t.Errorf("hash %q", f.SHA256)
	}
}

func TestParseNamesEveryBadLine(t *testing.T) {
	good := ref1 + ",B1,6214123400000001,Zhang,100.00,settled,2026-11-27,"
	tests := []struct {
		name string
		data string
		want []string
	}{
		{"empty file", "", []string{"file bank_file_empty"}},
		{"header only", strings.Join(reconcile.Columns, ",") + "\n", []string{"file bank_file_empty"}},
		{"wrong header", "ref,amount\n" + good, []string{"lines[1] bank_file_header"}},
		{"control and bidi characters in cells", strings.Join(reconcile.Columns, ",") + "\n" +
			ref1 + ",B\x001,6214123400000001,Zh\u202Eang,100.00,returned,2026-11-27,\u200B\n",
			[]string{"lines[2].bank_ref text_control_character", "lines[2].payee_name text_bidi_control", "lines[2].reason text_invisible_only"}},
		{"not UTF-8", strings.Join(reconcile.Columns, ",") + "\n" + good + "\xff\n", []string{"file bank_file_encoding"}},
		{"every bad column of every bad line", strings.Join(reconcile.Columns, ",") + "\n" +
			good + "\n" +
			"PAY-1,,123,,1.234,paid,27/11/2026,\n" +
			good + "\n" +
			ref1 + ",B3,6214123400000001,Zhang,0,failed,2026-12-30,\n" +
			"too,few,columns\n" +
			ref1 + ",B4,6214123400000001,Zhang,-5,settled,2026-11-27,\n" +
			ref1 + ",\"B\"5\",6214123400000001,Zhang,5,settled,2026-11-27,\n",
			[]string{
				"lines[3].payment_ref ref_format", "lines[3].bank_ref required", "lines[3].account_number account_format",
				"lines[3].payee_name required", "lines[3].amount_yuan fen_precision", "lines[3].status status_unknown",
				"lines[3].value_date date_format",
				"lines[5].amount_yuan amount_not_positive", "lines[5].reason required", "lines[5].value_date date_in_future",
				"lines[6] column_count",
				"lines[7].amount_yuan fen_negative",
				"lines[8] csv_syntax",
			}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := reconcile.Parse("bank.csv", []byte(tt.data), rt.Import)
			if d := cmp.Diff(tt.want, problems(t, err)); d != "" {
				t.Error(d)
			}
		})
	}
}

func TestParseRefusesAFileAboveTheLimits(t *testing.T) {
	line := ref1 + ",B1,6214123400000001,Zhang,100.00,settled,2026-11-27,"
	lines := slices.Repeat([]string{line}, reconcile.LinesMax+1)
	_, err := reconcile.Parse("big.csv", rt.CSV(lines...), rt.Import)
	if got := problems(t, err); !slices.Contains(got, "file too_many_lines") {
		t.Errorf("got %v", got)
	}
	_, err = reconcile.Parse("huge.csv", make([]byte, reconcile.FileBytesMax+1), rt.Import)
	if got := problems(t, err); !slices.Equal(got, []string{"file bank_file_too_large"}) {
		t.Errorf("got %v", got)
	}
}

func TestTheSampleFileParses(t *testing.T) {
	data, err := os.ReadFile("../../testdata/bank-returns/weining-2026-11-27.csv")
	if err != nil {
		t.Fatal(err)
	}
	f, err := reconcile.Parse("weining-2026-11-27.csv", data, rt.Import)
	if err != nil {
		t.Fatal(err)
	}
	if len(f.Lines) < 5 {
		t.Errorf("the sample has %d lines", len(f.Lines))
	}
}

// An XLSX uploaded as the bank file is named a spreadsheet, not "not UTF-8".
func TestParseNamesASpreadsheetAsOne(t *testing.T) {
	_, err := reconcile.Parse("weining.xlsx", []byte("PK\x03\x04\x14\x00\x06\x00\x08\x00\x00\x00!\x00\xff\xfe"), rt.Import)
	if got := problems(t, err); !slices.Equal(got, []string{"file bank_file_encoding"}) {
		t.Fatalf("problems = %v", got)
	}
	if strings.Contains(err.Error(), "UTF-8 (") || !strings.Contains(err.Error(), "XLSX") {
		t.Errorf("message %q does not say the file is a spreadsheet", err)
	}
}
