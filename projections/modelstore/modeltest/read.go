package modeltest

import (
	"errors"
	"testing"

	"github.com/drip-ledger/drip/projections/modelstore"
)

// testGetScan: keys come back in byte order (not insertion order, not a
// collation), bounded by [from, to), nil to and limit; an error from f ends
// the scan and is returned; Get's slice is the caller's.
func testGetScan(t *testing.T, f *fixture) {
	// Given keys written out of order, with bytes a text collation would
	// reorder (upper case, 0x00, 0xff).
	f.commit("m", 1, "b", "2", "a", "1", "B", "up", "a\x00", "nul", "\xff\xfe", "high", "c", "3", "ab", "4")
	// Then.
	all := []kv{{"B", "up"}, {"a", "1"}, {"a\x00", "nul"}, {"ab", "4"}, {"b", "2"}, {"c", "3"}, {"\xff\xfe", "high"}}
	f.wantAll("m", all...)
	cases := []struct {
		name     string
		from, to []byte
		limit    int
		want     []kv
	}{
		{"from is inclusive, to exclusive", []byte("a"), []byte("b"), 100, all[1:4]},
		{"a from between keys", []byte("a\x00\x00"), []byte("c"), 100, all[3:5]},
		{"nil to: no upper bound", []byte("b"), nil, 100, all[4:]},
		{"nil from: from the first key", nil, []byte("a\x00"), 100, all[:2]},
		{"limit", nil, nil, 3, all[:3]},
		{"limit 1", []byte("ab"), nil, 1, all[3:4]},
		{"empty range", []byte("b"), []byte("b"), 100, nil},
		{"to before from", []byte("c"), []byte("a"), 100, nil},
		{"past the last key", []byte("\xff\xff"), nil, 100, nil},
	}
	for _, c := range cases {
		if got := f.scan("m", c.from, c.to, c.limit); !equal(got, c.want) {
			t.Errorf("%s: Scan(%q, %q, %d) = %q, want %q", c.name, c.from, c.to, c.limit, got, c.want)
		}
	}
	if got := f.scan("nothing", nil, nil, 10); got != nil {
		t.Errorf("Scan of a model never written: %q", got)
	}

	// f's error ends the scan and is returned as it is.
	stop := errors.New("stop here")
	n := 0
	err := f.s.Scan(f.ctx, "m", nil, nil, 100, func(k, v []byte) error {
		if n++; n == 2 {
			return stop
		}
		return nil
	})
	wantErr(t, "Scan whose f fails at the 2nd key", err, stop)
	if n != 2 {
		t.Errorf("f ran %d times after its error at the 2nd key, want 2", n)
	}

	// Get: present, absent, another model's, and the slice is the caller's.
	if v, ok := f.get("m", "a\x00"); !ok || v != "nul" {
		t.Errorf(`Get("a\x00") = %q, %v; want "nul", true`, v, ok)
	}
	if _, ok := f.get("m", "a\x00\x00"); ok {
		t.Error("Get of an absent key reports it present")
	}
	if _, ok := f.get("other", "a"); ok {
		t.Error("Get in a model never written reports a key")
	}
	v, _, err := f.s.Get(f.ctx, "m", []byte("b"))
	if err != nil {
		t.Fatal(err)
	}
	v[0] = 'X'
	if again, _ := f.get("m", "b"); again != "2" {
		t.Errorf("changing Get's slice changed the store: %q", again)
	}

	// Empty values are values, and the largest key and value fit.
	big := make([]byte, modelstore.ValueBytesMax)
	for i := range big {
		big[i] = byte(i)
	}
	long := bytesOf('k', modelstore.KeyBytesMax)
	var b modelstore.Batch
	b.Put([]byte("empty"), nil)
	b.Put([]byte("empty2"), []byte{})
	b.Put(long, big)
	if err := f.s.Commit(f.ctx, "m", &b, 2); err != nil {
		t.Fatalf("Commit of the largest key and value: %v", err)
	}
	for _, k := range []string{"empty", "empty2"} {
		if v, ok := f.get("m", k); !ok || v != "" {
			t.Errorf("Get(%q) = %q, %v; want an empty value, present", k, v, ok)
		}
	}
	if v, ok := f.get("m", string(long)); !ok || v != string(big) {
		t.Errorf("Get of the largest key: %d bytes, %v; want %d bytes", len(v), ok, len(big))
	}
}

// testBatchOrder: a batch's ops apply in order, the later on a key wins.
func testBatchOrder(t *testing.T, f *fixture) {
	f.commit("m", 1, "kept", "old", "deleted", "x", "rewritten", "old")
	var b modelstore.Batch
	b.Put([]byte("kept"), []byte("v1"))
	b.Put([]byte("kept"), []byte("v2"))
	b.Delete([]byte("deleted"))
	b.Put([]byte("put-then-deleted"), []byte("x"))
	b.Delete([]byte("put-then-deleted"))
	b.Delete([]byte("rewritten"))
	b.Put([]byte("rewritten"), []byte("new"))
	b.Delete([]byte("never-there"))
	if err := f.s.Commit(f.ctx, "m", &b, 2); err != nil {
		t.Fatal(err)
	}
	f.wantAll("m", kv{"kept", "v2"}, kv{"rewritten", "new"})
}

// testNamespaces: a model sees only its own keys, whatever their bytes and
// whatever the other models are called (a prefix of its name, an extension
// of it, its name with a separator-like byte).
func testNamespaces(t *testing.T, f *fixture) {
	models := []string{"a", "ab", "a.b", "a-", "a_", "A", "a.b.c", "b"}
	keys := []string{"\x00", "\x00b", "b", "\xff", "\xff\xff\xff", ".b", "/x"}
	for i, m := range models {
		var puts []string
		for _, k := range keys {
			puts = append(puts, k, m)
		}
		f.commit(m, uint64(i+1), puts...)
	}
	want := func(m string) []kv {
		var out []kv
		for _, k := range []string{"\x00", "\x00b", ".b", "/x", "b", "\xff", "\xff\xff\xff"} {
			out = append(out, kv{k, m})
		}
		return out
	}
	for i, m := range models {
		f.wantAll(m, want(m)...)
		if c := f.checkpoint(m); c != uint64(i+1) {
			t.Errorf("Checkpoint(%s) = %d, want %d", m, c, i+1)
		}
	}
	// A scan with bounds beyond a model's keys stays in the model.
	if got := f.scan("a", []byte("\xff\xff\xff\xff"), nil, 10); got != nil {
		t.Errorf(`Scan("a") past its last key: %q`, got)
	}
	// Dropping one leaves the others whole.
	if err := f.s.Drop(f.ctx, "a"); err != nil {
		t.Fatal(err)
	}
	f.wantAll("a")
	for _, m := range models[1:] {
		f.wantAll(m, want(m)...)
	}
	// A delete in one model does not reach another's key.
	var b modelstore.Batch
	for _, k := range keys {
		b.Delete([]byte(k))
	}
	if err := f.s.Commit(f.ctx, "ab", &b, 100); err != nil {
		t.Fatal(err)
	}
	f.wantAll("ab")
	f.wantAll("a.b", want("a.b")...)
}

// testReentrant: f may call the store (a view resolving an index entry to
// its record) without a deadlock, also while commits go on.
func testReentrant(t *testing.T, f *fixture) {
	f.commit("idx", 1, "i/1", "r/1", "i/2", "r/2")
	f.commit("rec", 1, "r/1", "one", "r/2", "two")
	var got []kv
	err := f.s.Scan(f.ctx, "idx", nil, nil, 10, func(k, v []byte) error {
		rec, ok, err := f.s.Get(f.ctx, "rec", v)
		if err != nil || !ok {
			return errors.Join(err, errors.New("record missing"))
		}
		// A commit from inside f, to another model, also goes through.
		if err := f.s.Commit(f.ctx, "other", nil, uint64(len(got)+1)); err != nil {
			return err
		}
		got = append(got, bytesKV(k, rec))
		return nil
	})
	if err != nil {
		t.Fatalf("Scan calling Get and Commit from f: %v", err)
	}
	if want := []kv{{"i/1", "one"}, {"i/2", "two"}}; !equal(got, want) {
		t.Errorf("got %q, want %q", got, want)
	}
}

func bytesOf(c byte, n int) []byte {
	b := make([]byte, n)
	for i := range b {
		b[i] = c
	}
	return b
}
