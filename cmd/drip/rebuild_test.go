package main

import (
	"bytes"
	"context"
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"
)

func TestRebuildReplaysTheLogAndReportsItsRateBesideReadAll(t *testing.T) {
	// Given a stopped server's data with 500 events
	dir := filepath.Join(t.TempDir(), "data")
	s := openEmbedded(t, dir)
	fillLog(t, s, registry(), 500, 7, 2)
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	// When every model, then one by its name, is rebuilt
	var out, errb bytes.Buffer
	if err := dispatch(context.Background(), []string{"rebuild", "--data", dir, "--json"}, &out, &errb); err != nil {
		t.Fatalf("rebuild: %v\n%s", err, errb.String())
	}
	// Then the report gives the events, both rates and their ratio
	var rep struct {
		Models            []string
		Events            uint64
		EventsPerS        float64
		ReadAllEventsPerS float64
		Ratio             float64
	}
	if err := json.Unmarshal(out.Bytes(), &rep); err != nil {
		t.Fatalf("%v: %s", err, out.String())
	}
	if rep.Events != 500 || len(rep.Models) != 4 || rep.EventsPerS <= 0 || rep.ReadAllEventsPerS <= 0 || rep.Ratio <= 0 {
		t.Errorf("report %+v", rep)
	}
	out.Reset()
	if err := dispatch(context.Background(), []string{"rebuild", "--data", dir, "households"}, &out, &errb); err != nil {
		t.Fatalf("rebuild households: %v\n%s\n%s", err, errb.String(), out.String())
	}
	if !strings.Contains(out.String(), "rebuilt households") || !strings.Contains(out.String(), "ratio") {
		t.Errorf("output %q", out.String())
	}
	if err := dispatch(context.Background(), []string{"rebuild", "--data", dir, "nosuch"}, &out, &errb); err != errUsage {
		t.Errorf("rebuild of an unknown model = %v, want a usage error", err)
	}
}
