package api_test

import (
	"io/fs"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/drip-ledger/drip/api/catalogue"
)

// codeSites are the shapes in which the source names an error code: a
// constant (CodeX = "x", codeX = "x"), a literal *domain.Error (Code: "x"),
// a new error (Errorf("x", …), ps.Addf(field, "x", …)) and a problem the API
// builds itself (catalogued("x", …)).
var codeSites = regexp.MustCompile(`(?:[Cc]ode[A-Za-z0-9]*\s*:?=\s*|Code:\s*|Errorf\(|Addf\([^,()]+,\s*|catalogued\(|http\.Status[A-Za-z]+:\s*)"([a-z][a-z0-9_]*)"`)

// sourceCodes scans the non-test Go files of the packages that can emit a
// code (the domain, the projections, the API) and returns every code found.
func sourceCodes(t *testing.T) map[string]string {
	t.Helper()
	found := map[string]string{}
	for _, dir := range []string{"../domain", "../projections", "../events", "."} {
		err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
			if err != nil || d.IsDir() || !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
				return err
			}
			src, err := os.ReadFile(path)
			if err != nil {
				return err
			}
			for _, m := range codeSites.FindAllSubmatch(src, -1) {
				found[string(m[1])] = path
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	if len(found) < 100 {
		t.Fatalf("the scan found only %d codes: is the pattern still right?", len(found))
	}
	return found
}

func TestEveryCodeTheSourceCanEmitIsInTheCatalogue(t *testing.T) {
	for code, path := range sourceCodes(t) {
		if _, ok := catalogue.Lookup(code); !ok {
			t.Errorf("code %q (in %s) is not in api/catalogue", code, path)
		}
	}
}

func TestCatalogueEntriesAreComplete(t *testing.T) {
	snake := regexp.MustCompile(`^[a-z][a-z0-9]*(_[a-z0-9]+)*$`)
	used := sourceCodes(t)
	for _, code := range catalogue.Codes() {
		e, _ := catalogue.Lookup(code)
		if !snake.MatchString(code) {
			t.Errorf("code %q is not snake_case", code)
		}
		if e.En == "" || e.Zh == "" || http.StatusText(e.Status) == "" || e.Status < 400 {
			t.Errorf("code %q: incomplete entry %+v", code, e)
		}
		// A code nothing emits is a kind no client can meet (like the old
		// household_not_found beside the emitted household_unknown).
		if _, ok := used[code]; !ok && !slices.Contains([]string{"too_many_requests", "http_error"}, code) {
			t.Errorf("code %q is in the catalogue but nothing emits it", code)
		}
	}
	for _, gone := range []string{"forbidden_role", "household_not_found"} {
		if _, ok := catalogue.Lookup(gone); ok {
			t.Errorf("%q is a second name of a code the catalogue already has", gone)
		}
	}
}
