package domain_test

import (
	"errors"
	"fmt"
	"slices"
	"testing"

	"github.com/drip-ledger/drip/domain"
	"github.com/drip-ledger/drip/events"
)

func TestProblemsReportEveryFieldWithItsCode(t *testing.T) {
	var inner domain.Problems
	inner.Addf("residentId", domain.CodeResidentIDChecksum, "bad check")
	inner.Add("", errors.New("plain"))

	var ps domain.Problems
	_, err := domain.ParseFen("1.234")
	ps.Add("amountFen", err)
	ps.Add("members[2]", inner.Err())
	ps.Add("file", fmt.Errorf("reading: %w", domain.Errorf(domain.CodeFileNumberFormat, "no hyphen")))
	err = ps.Err()

	if !errors.Is(err, events.ErrInvalid) {
		t.Errorf("errors.Is(%v, events.ErrInvalid) = false", err)
	}
	wantCodes := []string{domain.CodeFenPrecision, domain.CodeResidentIDChecksum, domain.CodeInvalid, domain.CodeFileNumberFormat}
	if got := domain.Codes(err); !slices.Equal(got, wantCodes) {
		t.Errorf("Codes = %v, want %v", got, wantCodes)
	}
	var inv *events.InvalidError
	if !errors.As(err, &inv) {
		t.Fatal("not an *events.InvalidError")
	}
	var fields []string
	for _, p := range inv.Problems {
		fields = append(fields, p.Field)
	}
	wantFields := []string{"amountFen", "members[2].residentId", "members[2]", "file"}
	if !slices.Equal(fields, wantFields) {
		t.Errorf("fields = %v, want %v", fields, wantFields)
	}
	var de *domain.Error
	if !errors.As(inv.Problems[1].Cause, &de) || de.Field != "members[2].residentId" {
		t.Errorf("cause of the nested problem = %#v", inv.Problems[1].Cause)
	}
}

func TestProblemsWithoutProblemsIsNil(t *testing.T) {
	var ps domain.Problems
	if err := ps.Err(); err != nil {
		t.Errorf("Err() = %v, want nil", err)
	}
	if got := domain.Codes(nil); got != nil {
		t.Errorf("Codes(nil) = %v", got)
	}
}

func TestErrorText(t *testing.T) {
	e := domain.Errorf("insufficient_funds", "pool has %s yuan", domain.Fen(1050))
	if got := e.Error(); got != "pool has 10.50 yuan (insufficient_funds)" {
		t.Errorf("Error() = %q", got)
	}
	e.Field = "amountFen"
	if got := e.Error(); got != "amountFen: pool has 10.50 yuan (insufficient_funds)" {
		t.Errorf("Error() = %q", got)
	}
}
