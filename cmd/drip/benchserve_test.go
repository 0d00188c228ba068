package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"reflect"
	"strconv"
	"strings"
	"testing"

	"github.com/drip-ledger/drip/internal/bench"
)

// `drip bench serve` end to end on a tiny county: it generates the county,
// starts a real `drip serve` child twice, loads it, and reports every figure
// of issue 11's table. The figures are not judged here (a test on a shared
// machine cannot time anything); only that each was measured.
func TestBenchServeReportsEveryFigure(t *testing.T) {
	if testing.Short() {
		t.Skip("generates a county and starts two servers")
	}
	// The child is this test binary run as main (TestMain, runMainEnv).
	was := benchServer
	t.Cleanup(func() { benchServer = was })
	benchServer = func(args []string) *exec.Cmd {
		cmd := exec.Command(os.Args[0], "-test.run=^$")
		cmd.Env = append(os.Environ(), runMainEnv+"=serve "+strings.Join(args, " "))
		return cmd
	}
	t.Setenv("TMPDIR", t.TempDir())

	var stdout, stderr bytes.Buffer
	err := dispatch(t.Context(), []string{"bench", "serve", "--households", "30", "--clients", "1", "--duration", "300ms", "--json"}, &stdout, &stderr)
	if err != nil {
		t.Fatalf("bench serve: %v\n%s", err, stderr.String())
	}
	var rep bench.ServeReport
	if err := json.Unmarshal(stdout.Bytes(), &rep); err != nil {
		t.Fatalf("the report is not one JSON object: %v\n%s", err, stdout.String())
	}
	var reads []string
	for _, r := range rep.Reads {
		reads = append(reads, r.Read)
		if r.Clients != 1 {
			t.Errorf("%s at %d clients, want 1", r.Read, r.Clients)
		}
	}
	want := []string{"timeline", "as-of", "drip trail", "search", "stats", "red flags", "bundle"}
	if !reflect.DeepEqual(reads, want) {
		t.Errorf("reads = %q, want %q", reads, want)
	}
	if rep.Commands.Clients != 1 {
		t.Errorf("commands at %d clients, want 1", rep.Commands.Clients)
	}
	for _, f := range notPositive(reflect.ValueOf(rep), "report") {
		t.Errorf("%s is not positive", f)
	}
	if t.Failed() {
		t.Logf("report: %s", stdout.String())
	}
	assertNoScratchLeft(t, os.Getenv("TMPDIR"))
}

// notPositive names every number in v (a struct, its nested structs and
// slices) that is zero or negative.
func notPositive(v reflect.Value, name string) []string {
	var out []string
	switch v.Kind() {
	case reflect.Struct:
		for i := range v.NumField() {
			f := v.Type().Field(i)
			n := name + "." + f.Name
			if f.Anonymous {
				n = name
			}
			out = append(out, notPositive(v.Field(i), n)...)
		}
	case reflect.Slice:
		if v.Len() == 0 {
			out = append(out, name+" (empty)")
		}
		for i := range v.Len() {
			e, label := v.Index(i), strconv.Itoa(i)
			if r := e.FieldByName("Read"); r.IsValid() {
				label = fmt.Sprintf("%s at %d", r.String(), e.FieldByName("Clients").Int())
			}
			out = append(out, notPositive(e, name+"["+label+"]")...)
		}
	case reflect.Int, reflect.Int64, reflect.Uint64, reflect.Float64:
		if !(v.Kind() == reflect.Float64 && v.Float() > 0 || v.CanInt() && v.Int() > 0 || v.CanUint() && v.Uint() > 0) {
			out = append(out, name)
		}
	}
	return out
}

// assertNoScratchLeft checks the run removed its scratch directory (the
// county it generated, the servers' logs, the raw-append store).
func assertNoScratchLeft(t *testing.T, dir string) {
	t.Helper()
	left, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range left {
		if strings.HasPrefix(e.Name(), "drip-bench-") {
			t.Errorf("left behind in %s: %s", dir, e.Name())
		}
	}
}
