package embedded_test

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/drip-ledger/drip/events"
	"github.com/drip-ledger/drip/events/embedded"
)

// A multi-stream append is one append on disk: a crash that tears its last
// record cuts every stream's part, not only the last stream's.
func TestTornMultiStreamAppendIsCutWhole(t *testing.T) {
	dir := t.TempDir()
	s := open(t, dir, embedded.Options{})
	ctx := context.Background()
	if _, err := s.Append(ctx, "s-0", events.NoStream, note(0, 100)); err != nil {
		t.Fatal(err)
	}
	before := mustReadAll(t, s)
	if _, err := s.AppendMulti(ctx,
		events.StreamAppend{Stream: "s-a", Expected: events.NoStream, Events: []events.Event{note(1, 100), note(2, 100)}},
		events.StreamAppend{Stream: "s-b", Expected: events.NoStream, Events: []events.Event{note(3, 100), note(4, 100)}},
		events.StreamAppend{Stream: "s-c", Expected: events.NoStream, Events: []events.Event{note(5, 100), note(6, 100)}},
	); err != nil {
		t.Fatal(err)
	}
	if n := len(mustReadAll(t, s)); n != 7 {
		t.Fatalf("%d events before the crash; want 7", n)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	seg := filepath.Join(dir, "log", "00000000000000000001.seg")
	data, err := os.ReadFile(seg)
	if err != nil {
		t.Fatal(err)
	}
	offs := recordOffsets(data)
	if len(offs) != 7 {
		t.Fatalf("walked %d records; want 7", len(offs))
	}
	dropIndex(t, dir)            // the crash came before the index heard of it
	truncate(t, seg, offs[6]+20) // and inside the last record's write
	s = open(t, dir, embedded.Options{})
	defer s.Close()
	if diff := cmp.Diff(before, mustReadAll(t, s)); diff != "" {
		t.Fatalf("after recovery (-want +got):\n%s", diff)
	}
	// The cut streams are free again, at the versions the caller expected.
	if _, err := s.AppendMulti(ctx,
		events.StreamAppend{Stream: "s-a", Expected: events.NoStream, Events: []events.Event{note(1, 100)}},
		events.StreamAppend{Stream: "s-b", Expected: events.NoStream, Events: []events.Event{note(3, 100)}},
	); err != nil {
		t.Fatalf("AppendMulti after recovery: %v", err)
	}
}

func TestMultiStreamAppendSurvivesReopen(t *testing.T) {
	dir := t.TempDir()
	s := open(t, dir, embedded.Options{})
	ctx := context.Background()
	parts := []events.StreamAppend{
		{Stream: "s-a", Expected: events.NoStream, Events: []events.Event{note(1, 100)}},
		{Stream: "s-b", Expected: events.NoStream, Events: []events.Event{note(2, 100), note(3, 100)}},
	}
	first, err := s.AppendMulti(ctx, parts...)
	if err != nil {
		t.Fatal(err)
	}
	before := mustReadAll(t, s)
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	s = open(t, dir, embedded.Options{})
	defer s.Close()
	if diff := cmp.Diff(before, mustReadAll(t, s)); diff != "" {
		t.Fatalf("log changed across reopen (-before +after):\n%s", diff)
	}
	again, err := s.AppendMulti(ctx, parts...)
	if err != nil || !cmp.Equal(first, again) {
		t.Fatalf("retry after reopen = %+v, %v; want %+v", again, err, first)
	}
}
