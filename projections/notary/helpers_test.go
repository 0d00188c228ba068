package notary_test

import (
	"context"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"testing"
	"time"

	"golang.org/x/mod/sumdb/note"

	"github.com/drip-ledger/drip/events"
	"github.com/drip-ledger/drip/events/embedded"
	"github.com/drip-ledger/drip/events/storetest"
	"github.com/drip-ledger/drip/projections/notary"
)

const origin = "drip.example/county/520526"

var quiet = slog.New(slog.NewTextHandler(io.Discard, nil))

// keys is a deployment's key pair, made once per test.
type keys struct {
	signer note.Signer
	vkey   string
}

func newKeys(t testing.TB, name string) keys {
	t.Helper()
	skey, vkey, err := notary.GenerateKey(name)
	if err != nil {
		t.Fatal(err)
	}
	s, err := notary.NewSigner(skey)
	if err != nil {
		t.Fatal(err)
	}
	return keys{signer: s, vkey: vkey}
}

func openStore(t testing.TB, dir string) *embedded.Store {
	t.Helper()
	s, err := embedded.Open(dir, storetest.Registry(), embedded.Options{Logger: quiet})
	if err != nil {
		t.Fatalf("embedded.Open: %v", err)
	}
	return s
}

// grant makes event i: a "disbursement" whose N is the amount in fen, with a
// fixed-width amount so tamper tests can rewrite it in place.
func grant(i, amount int) events.Event {
	data, _ := json.Marshal(storetest.Noted{Text: fmt.Sprintf("grant %06d to household 520526104201-%04d", i, i%97), N: amount})
	return events.Event{
		ID:   events.DeriveID(events.NilID, fmt.Sprint("grant-", i)),
		Type: storetest.TypeNoted,
		Data: data,
		Meta: events.Metadata{ActorID: "clerk-7", Role: "clerk", Jurisdiction: "520526",
			OccurredAt: time.Date(2025, 3, 4, 5, 6, 7, 8000, time.UTC)},
	}
}

// amountOf is the amount grant(i, ·) is given by fill: six digits.
func amountOf(i int) int { return 100000 + i }

// fill appends events from+1..from+n (positions, in appends of up to 10).
func fill(t testing.TB, s events.Store, from, n int) {
	t.Helper()
	ctx := context.Background()
	for i := from; i < from+n; {
		k := min(10, from+n-i)
		evs := make([]events.Event, k)
		for j := range evs {
			evs[j] = grant(i+j, amountOf(i+j))
		}
		if _, err := s.Append(ctx, fmt.Sprintf("household-%d", i%7), events.Any, evs...); err != nil {
			t.Fatalf("Append %d: %v", i, err)
		}
		i += k
	}
}

func openNotary(t testing.TB, dir string, s events.Store, k keys, cfg notary.Config) *notary.Notary {
	t.Helper()
	if cfg.Logger == nil {
		cfg.Logger = quiet
	}
	n, err := notary.Open(context.Background(), dir, s, k.signer, cfg)
	if err != nil {
		t.Fatalf("notary.Open: %v", err)
	}
	return n
}

func catchUp(t testing.TB, n *notary.Notary) notary.Checkpoint {
	t.Helper()
	if err := n.CatchUp(context.Background()); err != nil {
		t.Fatalf("CatchUp: %v", err)
	}
	cp, err := n.Latest()
	if err != nil {
		t.Fatalf("Latest: %v", err)
	}
	return cp
}

// deployment is a closed store and notary with n events and checkpoints
// every 40 events, in dir/store and dir/notary.
func deployment(t testing.TB, k keys, n int) (storeDir, notaryDir string) {
	t.Helper()
	dir := t.TempDir()
	storeDir, notaryDir = filepath.Join(dir, "store"), filepath.Join(dir, "notary")
	s := openStore(t, storeDir)
	nt := openNotary(t, notaryDir, s, k, notary.Config{})
	for done := 0; done < n; done += 40 {
		fill(t, s, done, min(40, n-done))
		catchUp(t, nt)
	}
	if err := nt.Close(); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	return storeDir, notaryDir
}

func segmentPath(storeDir string) string {
	return filepath.Join(storeDir, "log", "00000000000000000001.seg")
}

// records returns the offsets of the segment's records (embedded's record
// format: length uint32 LE, CRC uint32 LE, body) by position-1.
func records(t testing.TB, seg string) (data []byte, offs []int64) {
	t.Helper()
	data, err := os.ReadFile(seg)
	if err != nil {
		t.Fatal(err)
	}
	// The records end at the end of the file or at the zero tail the store
	// keeps ahead of its writer (a zero length: no record is empty).
	for off := int64(0); off+8 <= int64(len(data)) && binary.LittleEndian.Uint32(data[off:]) != 0; off += 8 + int64(binary.LittleEndian.Uint32(data[off:])) {
		offs = append(offs, off)
	}
	return data, offs
}

// dataEnd is where the records of data, at offs, end.
func dataEnd(data []byte, offs []int64) int {
	last := offs[len(offs)-1]
	return int(last) + 8 + int(binary.LittleEndian.Uint32(data[last:]))
}

func verifyStore(t testing.TB, storeDir, notaryDir, vkey string) (notary.Report, error) {
	t.Helper()
	s, err := embedded.Open(storeDir, storetest.Registry(), embedded.Options{Logger: quiet})
	if err != nil {
		return notary.Report{}, err
	}
	defer s.Close()
	return notary.VerifyStore(context.Background(), s, notaryDir, vkey, nil)
}

func mustVerifier(t testing.TB, vkey string) note.Verifier {
	t.Helper()
	v, err := notary.NewVerifier(vkey)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// roundTrip passes a bundle through its JSON form, as an auditor gets it.
func roundTrip(t testing.TB, b *notary.Bundle) *notary.Bundle {
	t.Helper()
	raw, err := json.MarshalIndent(b, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	var out notary.Bundle
	if err := json.Unmarshal(raw, &out); err != nil {
		t.Fatal(err)
	}
	return &out
}

func registryForBench() *events.Registry { return storetest.Registry() }
