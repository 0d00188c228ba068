// Package export writes reports as the spreadsheets finance and audit staff
// live in: CSV (UTF-8 with a byte-order mark, so Excel reads Chinese text
// right) and XLSX. It is the only importer of excelize.
package export

import (
	"encoding/csv"
	"fmt"
	"io"
	"strconv"

	"github.com/drip-ledger/drip/domain"
	"github.com/xuri/excelize/v2"
)

// Table is one sheet: a name, a header and rows of cells. A cell is a
// string, an int or a domain.Fen; amounts are written in yuan (in XLSX as
// numbers with two decimals, so they can be summed).
type Table struct {
	Name   string
	Header []string
	Rows   [][]any
}

// Content types of the formats.
const (
	ContentTypeCSV  = "text/csv; charset=utf-8"
	ContentTypeXLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
)

// CSV writes the tables one after the other, each headed by its name on a
// line of its own and followed by an empty line.
func CSV(w io.Writer, tables []Table) error {
	if _, err := io.WriteString(w, "\uFEFF"); err != nil {
		return err
	}
	cw := csv.NewWriter(w)
	for i, t := range tables {
		if i > 0 {
			_ = cw.Write([]string{})
		}
		_ = cw.Write([]string{"# " + t.Name})
		head := make([]string, len(t.Header))
		for j, h := range t.Header {
			head[j] = Neutralise(h)
		}
		_ = cw.Write(head)
		for _, r := range t.Rows {
			rec := make([]string, len(r))
			for j, v := range r {
				if _, ok := v.(string); ok {
					rec[j] = Neutralise(text(v))
				} else {
					rec[j] = text(v) // a number or an amount: its sign is data
				}
			}
			_ = cw.Write(rec)
		}
	}
	cw.Flush()
	return cw.Error()
}

// Neutralise makes a CSV cell safe to open in a spreadsheet (OWASP's rule
// against CSV injection): a cell that begins with =, +, -, @, a tab or a
// carriage return would be read as a formula (=HYPERLINK(…) sends a click
// to anyone's server, @SUM and +cmd run), so it is prefixed with a single
// quote, which spreadsheets show as text and hide. Only strings are
// neutralised: numbers and amounts (a negative correction "-12.00") are
// written as they are, since they are data the sheet must sum. XLSX needs
// none of this: its cells are typed, a string cell is never a formula.
func Neutralise(cell string) string {
	if cell == "" {
		return cell
	}
	switch cell[0] {
	case '=', '+', '-', '@', '\t', '\r':
		return "'" + cell
	}
	return cell
}

func text(v any) string {
	switch x := v.(type) {
	case string:
		return x
	case int:
		return strconv.Itoa(x)
	case domain.Fen:
		return x.String()
	}
	return fmt.Sprint(v)
}

// XLSX writes one sheet per table, the header in bold, amounts as numbers
// formatted 0.00.
func XLSX(w io.Writer, tables []Table) (err error) {
	f := excelize.NewFile()
	defer func() {
		if cerr := f.Close(); err == nil {
			err = cerr
		}
	}()
	bold, err := f.NewStyle(&excelize.Style{Font: &excelize.Font{Bold: true}})
	if err != nil {
		return err
	}
	yuan, err := f.NewStyle(&excelize.Style{NumFmt: 2}) // 0.00
	if err != nil {
		return err
	}
	for i, t := range tables {
		if i == 0 {
			if err := f.SetSheetName("Sheet1", t.Name); err != nil {
				return err
			}
		} else if _, err := f.NewSheet(t.Name); err != nil {
			return err
		}
		if err := writeSheet(f, t, bold, yuan); err != nil {
			return err
		}
	}
	return f.Write(w)
}

func writeSheet(f *excelize.File, t Table, bold, yuan int) error {
	sw, err := f.NewStreamWriter(t.Name)
	if err != nil {
		return err
	}
	head := make([]any, len(t.Header))
	for i, h := range t.Header {
		head[i] = excelize.Cell{StyleID: bold, Value: h}
	}
	if err := sw.SetRow("A1", head); err != nil {
		return err
	}
	for r, row := range t.Rows {
		cells := make([]any, len(row))
		for i, v := range row {
			switch x := v.(type) {
			case domain.Fen:
				// A float only for display: the exact amount is x.String().
				cells[i] = excelize.Cell{StyleID: yuan, Value: float64(x) / domain.FenPerYuan}
			default:
				cells[i] = v
			}
		}
		cell, err := excelize.CoordinatesToCellName(1, r+2)
		if err != nil {
			return err
		}
		if err := sw.SetRow(cell, cells); err != nil {
			return err
		}
	}
	return sw.Flush()
}
