package domain_test

import (
	"slices"
	"testing"

	"github.com/drip-ledger/drip/domain"
)

func TestWeiningDivisionsKnowTheDemoVillagesOnly(t *testing.T) {
	d := domain.WeiningDivisions()
	for _, known := range []string{"520526104201", "520526000000", "520526104000", "520000000000"} {
		c, _ := domain.ParseDivisionCode(known)
		if err := d.Check(c); err != nil {
			t.Errorf("%s: %v", known, err)
		}
	}
	if c, _ := domain.ParseDivisionCode("520526104201"); d.Name(c) != "五星村" {
		t.Errorf("name of 520526104201 = %q", d.Name(c))
	}
	for _, unknown := range []string{"520526104299", "520526999999", "520527000000"} {
		c, err := domain.ParseDivisionCode(unknown)
		if err != nil {
			t.Fatalf("%s: %v (the shape is fine; only the registry knows)", unknown, err)
		}
		if got := domain.Codes(d.Check(c)); !slices.Equal(got, []string{domain.CodeDivisionUnknown}) {
			t.Errorf("%s: codes %v; want division_unknown", unknown, got)
		}
	}
}

// Given the embedded registry, when a deployment's file adds a village, a
// village whose township nobody listed, and lines with a wrong level or too
// few fields, then every bad line is named at once; a good file adds to the
// embedded one.
func TestParseDivisionsNamesEveryBadLine(t *testing.T) {
	base := domain.WeiningDivisions()
	bad := "# a deployment's file\n520526104205,新村,village\n520526120201,无乡村,village\n520526104206,错村,township\n520526104207\n"
	_, err := domain.ParseDivisions([]byte(bad), base)
	want := []string{domain.CodeDivisionFile, domain.CodeDivisionFile, domain.CodeDivisionFile}
	if got := domain.Codes(err); !slices.Equal(got, want) {
		t.Errorf("codes %v (%v); want %v", got, err, want)
	}
	d, err := domain.ParseDivisions([]byte("\uFEFF520526104205,新村,village\n"), base)
	if err != nil {
		t.Fatal(err)
	}
	c, _ := domain.ParseDivisionCode("520526104205")
	w, _ := domain.ParseDivisionCode("520526104201")
	if d.Check(c) != nil || d.Check(w) != nil || base.Check(c) == nil {
		t.Errorf("the added file: new %v, old %v; base must stay unchanged", d.Check(c), d.Check(w))
	}
}
