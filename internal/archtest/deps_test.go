package archtest_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"os/exec"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

const module = "github.com/drip-ledger/drip"

// pkg is one package of the tree as `go list -json` describes it. Imports
// are the non-test imports only: a test may import what it needs (a
// fixture, a client to set a server up), the shipped code may not.
type pkg struct {
	ImportPath string
	Imports    []string
	Error      *struct{ Err string }
}

// edge is one import: From is a package of the tree, relative to the
// module ("events/embedded"), Import the full path it imports.
type edge struct{ From, Import string }

// violation is an edge that breaks a rule, with the rule it breaks. An
// Import of "" is a package go list could not read.
type violation struct {
	edge
	Why string
}

// home is a heavy dependency and the only packages of the tree that may
// import it (convention 1: each heavy dependency has one home). dep
// matches the module path and every package below it.
type home struct {
	dep  string
	pkgs []string
	what string
}

var homes = []home{
	// The read models are Pebble's second client, with the opposite settings
	// (its WAL synced on every commit, where the log's index has none), and
	// events/... may not import projections/modelstore.
	{"github.com/cockroachdb/pebble", []string{"events/embedded", "projections/modelstore/pebblemodels"}, "the embedded store's engine"},
	// The read-model tables and the models' leadership (an advisory lock)
	// of the PostgreSQL deployment: a Store of modelstore's contract, which
	// events/postgres may not import.
	{"github.com/jackc/pgx", []string{"events/postgres", "projections/modelstore/pgmodels"}, "PostgreSQL's client"},
	{"github.com/EventStore/EventStore-Client-Go", []string{"events/kurrentdb"}, "KurrentDB's client"},
	{"github.com/kurrent-io/KurrentDB-Client-Go", []string{"events/kurrentdb"}, "KurrentDB's client (renamed)"},
	{"github.com/labstack/echo", []string{"api/..."}, "echo"},
	// cmd/drip wires the router; api does not import watermill today.
	{"github.com/ThreeDotsLabs/watermill", []string{"projections/...", "cmd/drip"}, "watermill"},
	{"github.com/ThreeDotsLabs/watermill-nats", []string{"projections/...", "cmd/drip"}, "watermill"},
}

// layer is what the packages matching pkgs may import at all; the first
// layer that matches a package is its rule. A package no layer matches
// (api, projections, cmd/drip, ...) may import anything but the homes'
// dependencies elsewhere than their homes: cmd/drip wires embedded.Open,
// not pebble.Open.
type layer struct {
	pkgs string
	may  string
	ok   func(from, imp string) bool
}

var layers = []layer{
	{"domain/...", "the standard library, events and domain/...", func(_, imp string) bool {
		r, in := rel(imp)
		return std(imp) || in && (r == "events" || match("domain/...", r))
	}},
	{"events", "the standard library", func(_, imp string) bool { return std(imp) }},
	{"events/...", "the standard library, events, its own packages and its engine's client", func(from, imp string) bool {
		own := strings.Join(strings.Split(from, "/")[:2], "/") // events/<backend>
		if r, in := rel(imp); in {
			return r == "events" || match(own+"/...", r)
		}
		if std(imp) {
			return true
		}
		h, ok := homeOf(imp)
		return ok && slices.Contains(h.pkgs, own)
	}},
}

// allowed are the tree's known exceptions to the rules, each with why and
// what would remove it. An entry the tree no longer needs is reported too,
// so the list can only shrink.
var allowed = map[edge]string{
	{"events/embedded", "golang.org/x/sys/unix"}: "flock on the data directory (lock.go) and fdatasync of the log " +
		"(writer.go, zero.go); the frozen syscall package has both. DESIGN.md gives golang.org/x/sys no home: " +
		"whether x/sys counts as the standard library or the calls move to syscall is for DESIGN.md to say; " +
		"no issue removes it yet (the baseline, which used it too, moved to internal/bench/baseline)",
	{"events/kurrentdb", "github.com/google/uuid"}: "part of KurrentDB's client: esdb.EventData.EventID is a " +
		"uuid.UUID, so the client cannot be called without it; stays as long as that client",
	{"events/storetest", "github.com/google/go-cmp/cmp"}: "the conformance suite is test code, linked only into " +
		"the backends' tests, and go-cmp is the tests' library (convention 11); DESIGN.md's table says `events` " +
		"only and should say so (issue 11 item 8)",
	{"events/storetest", "github.com/google/go-cmp/cmp/cmpopts"}: "as for go-cmp/cmp",
}

// check returns every violation of homes and layers in pkgs, except the
// edges allow names, and every edge of allow that pkgs no longer has.
func check(pkgs []pkg, allow map[edge]string) []violation {
	var found []violation
	used := map[edge]bool{}
	for _, p := range pkgs {
		from, in := rel(p.ImportPath)
		if !in {
			continue
		}
		if p.Error != nil {
			found = append(found, violation{edge{from, ""}, "go list: " + p.Error.Err})
		}
		for _, imp := range p.Imports {
			e := edge{from, imp}
			whys := broken(from, imp)
			if len(whys) == 0 {
				continue
			}
			if _, ok := allow[e]; ok {
				used[e] = true
				continue
			}
			found = append(found, violation{e, strings.Join(whys, "; ")})
		}
	}
	for e := range allow {
		if !used[e] {
			found = append(found, violation{e, "an entry of allowed the tree no longer needs: remove it"})
		}
	}
	slices.SortFunc(found, func(a, b violation) int {
		return strings.Compare(a.From+" "+a.Import, b.From+" "+b.Import)
	})
	return found
}

// broken says which rules the import of imp by from breaks.
func broken(from, imp string) []string {
	var whys []string
	for _, l := range layers {
		if match(l.pkgs, from) {
			if !l.ok(from, imp) {
				whys = append(whys, l.pkgs+" may import only "+l.may)
			}
			break
		}
	}
	if h, ok := homeOf(imp); ok && !slices.ContainsFunc(h.pkgs, func(p string) bool { return match(p, from) }) {
		whys = append(whys, h.what+" is imported only in "+strings.Join(h.pkgs, ", "))
	}
	return whys
}

func homeOf(imp string) (home, bool) {
	for _, h := range homes {
		if imp == h.dep || strings.HasPrefix(imp, h.dep+"/") {
			return h, true
		}
	}
	return home{}, false
}

// rel is imp relative to the module, and whether it is in the module.
func rel(imp string) (string, bool) {
	if imp == module {
		return "", true
	}
	r, ok := strings.CutPrefix(imp, module+"/")
	return r, ok
}

// std is the usual test for the standard library: its paths' first element
// has no dot, every other module's has (a domain name).
func std(imp string) bool {
	first, _, _ := strings.Cut(imp, "/")
	return !strings.Contains(first, ".")
}

// match reports whether the module-relative path r matches pattern: a path,
// or a path ending in "/..." for it and everything below it.
func match(pattern, r string) bool {
	if base, ok := strings.CutSuffix(pattern, "/..."); ok {
		return r == base || strings.HasPrefix(r, base+"/")
	}
	return r == pattern
}

func TestTreeKeepsTheDependencyRules(t *testing.T) {
	pkgs := listTree(t)
	for _, want := range []string{"domain", "events", "events/embedded", "api", "cmd/drip"} {
		if !slices.ContainsFunc(pkgs, func(p pkg) bool { return p.ImportPath == module+"/"+want }) {
			t.Fatalf("go list did not list %s/%s: the check would pass without looking", module, want)
		}
	}
	for _, v := range check(pkgs, allowed) {
		t.Errorf("%s imports %s: %s", v.From, v.Import, v.Why)
	}
}

// listTree runs `go list` over the module; go test puts its own go first in
// PATH.
func listTree(t *testing.T) []pkg {
	t.Helper()
	cmd := exec.Command("go", "list", "-e", "-json=ImportPath,Imports,Error", module+"/...")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("go list: %v\n%s", err, stderr.Bytes())
	}
	var pkgs []pkg
	dec := json.NewDecoder(bytes.NewReader(out))
	for {
		var p pkg
		err := dec.Decode(&p)
		if errors.Is(err, io.EOF) {
			return pkgs
		}
		if err != nil {
			t.Fatalf("go list's output: %v", err)
		}
		pkgs = append(pkgs, p)
	}
}

func TestCheckNamesEveryViolationAtOnce(t *testing.T) {
	m := module + "/"
	tree := []pkg{
		{ImportPath: m + "domain/fund", Imports: []string{"fmt", m + "domain", m + "domain/household", m + "events", m + "events/embedded", "github.com/jackc/pgx/v5"}},
		{ImportPath: m + "events", Imports: []string{"errors", m + "domain"}},
		{ImportPath: m + "events/postgres", Imports: []string{"context", m + "events", "github.com/jackc/pgx/v5/pgxpool", "github.com/cockroachdb/pebble/v2"}},
		{ImportPath: m + "events/embedded", Imports: []string{m + "events", "github.com/cockroachdb/pebble/v2/vfs", "golang.org/x/sys/unix"}},
		{ImportPath: m + "events/storetest", Imports: []string{m + "events", m + "events/embedded", "github.com/google/go-cmp/cmp"}},
		{ImportPath: m + "api", Imports: []string{m + "events/embedded", "github.com/labstack/echo/v4", "github.com/ThreeDotsLabs/watermill/message"}},
		{ImportPath: m + "api/ui", Imports: []string{"html/template", "github.com/labstack/echo/v4"}},
		{ImportPath: m + "projections/funds", Imports: []string{"github.com/ThreeDotsLabs/watermill", "github.com/labstack/echo/v4/middleware"}},
		{ImportPath: m + "cmd/drip", Imports: []string{m + "events/postgres", "github.com/ThreeDotsLabs/watermill-nats/v2/pkg/nats", "github.com/oklog/run", "github.com/jackc/pgx/v5"}},
		{ImportPath: m + "export", Imports: []string{"github.com/xuri/excelize/v2"}, Error: &struct{ Err string }{"no Go files"}},
	}
	allow := map[edge]string{
		{"events/embedded", "golang.org/x/sys/unix"}:         "allowed, so not reported",
		{"events/storetest", "github.com/google/go-cmp/cmp"}: "allowed, so not reported",
		{"events/kurrentdb", "github.com/google/uuid"}:       "no longer imported, so reported",
	}
	want := []edge{
		{"api", "github.com/ThreeDotsLabs/watermill/message"},
		{"cmd/drip", "github.com/jackc/pgx/v5"},
		{"domain/fund", m + "events/embedded"},
		{"domain/fund", "github.com/jackc/pgx/v5"},
		{"events", m + "domain"},
		{"events/kurrentdb", "github.com/google/uuid"},
		{"events/postgres", "github.com/cockroachdb/pebble/v2"},
		{"events/storetest", m + "events/embedded"},
		{"export", ""},
		{"projections/funds", "github.com/labstack/echo/v4/middleware"},
	}
	got := check(tree, allow)
	var edges []edge
	for _, v := range got {
		edges = append(edges, v.edge)
		if v.Why == "" {
			t.Errorf("%s imports %s: no rule named", v.From, v.Import)
		}
	}
	if diff := cmp.Diff(want, edges, cmpopts.EquateEmpty()); diff != "" {
		t.Errorf("violations (-want +got):\n%s", diff)
	}
	// An import that breaks a layer and a home names both.
	for _, v := range got {
		if v.edge == (edge{"events/postgres", "github.com/cockroachdb/pebble/v2"}) && strings.Count(v.Why, ";") != 1 {
			t.Errorf("pebble in events/postgres: want the layer and the home named, got %q", v.Why)
		}
	}
}
