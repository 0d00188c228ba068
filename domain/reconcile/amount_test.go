package reconcile_test

import (
	"fmt"
	"math"
	"math/big"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"github.com/drip-ledger/drip/domain"
	"github.com/drip-ledger/drip/domain/reconcile"
	rt "github.com/drip-ledger/drip/domain/reconcile/reconciletest"
)

const header = "payment_ref,bank_ref,account_number,payee_name,amount_yuan,status,value_date,reason\n"

func line(n int, yuan string) string {
	return fmt.Sprintf("520526-2026-0042-PAY-%06d,B%d,6214123400000001,张三,%s,settled,2026-11-27,\n", n, n, yuan)
}

// One line is at most one payment's bound; a file's lines together at most
// a bank file's. Before, a line of int64's maximum in fen was read and the
// tallies of such lines wrapped.
func TestParseBoundsAmounts(t *testing.T) {
	maxYuan := strings.TrimSuffix(domain.PaymentFenMax.String(), ".00")
	tests := []struct {
		name string
		data string
		want []string
	}{
		{"a line at the payment bound is read", header + line(1, maxYuan), nil},
		{"a line one fen above it is refused", header + line(1, maxYuan+".01"), []string{"lines[2].amount_yuan amount_too_large"}},
		{"int64's maximum in fen is refused", header + line(1, "92233720368547758.07"), []string{"lines[2].amount_yuan amount_too_large"}},
		{"lines above a file's bound together are refused", header + func() string {
			var b strings.Builder
			for i := range int(domain.BankFileFenMax/domain.PaymentFenMax) + 1 {
				b.WriteString(line(i+1, maxYuan))
			}
			return b.String()
		}(), []string{"file amount_too_large"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := reconcile.Parse("weining.csv", []byte(tt.data), rt.Import)
			if tt.want == nil {
				if err != nil {
					t.Fatalf("unexpected error: %v", err)
				}
				return
			}
			if got := problems(t, err); !slices.Equal(got, tt.want) {
				t.Fatalf("problems = %q, want %q", got, tt.want)
			}
		})
	}
}

// A property over the tallies: for files of lines near the bounds that
// Parse accepts, every tally and the batch's sums are exact (math/big), so
// nothing wraps. Seeded, so a failure reproduces.
func TestTalliesNeverWrap(t *testing.T) {
	r := rand.New(rand.NewPCG(10, 2))
	amounts := []domain.Fen{1, 99, domain.PaymentFenMax - 1, domain.PaymentFenMax}
	for run := range 30 {
		n := 1 + r.IntN(40)
		var ds []reconcile.Decision
		exact := new(big.Int)
		for i := range n {
			f := amounts[r.IntN(len(amounts))]
			ds = append(ds, reconcile.Decision{Line: reconcile.Line{Number: i + 2, AmountFen: f}, Outcome: reconcile.Outcomes()[r.IntN(len(reconcile.Outcomes()))]})
			exact.Add(exact, big.NewInt(int64(f)))
		}
		ts := reconcile.Tallies(ds)
		var sum domain.Sum
		for _, tl := range ts {
			if tl.AmountFen < 0 {
				t.Fatalf("run %d: a tally wrapped to %d", run, tl.AmountFen)
			}
			sum.Add(tl.AmountFen)
		}
		if sum.Err("") != nil || big.NewInt(int64(sum.Fen())).Cmp(exact) != 0 {
			t.Fatalf("run %d: tallies add to %d, exact %s", run, sum.Fen(), exact)
		}
		rep := reconcile.Report{Lines: n, Tallies: ts}
		b := reconcile.NewBatch(rep, rep, rep)
		for i, tl := range b.Tallies {
			if int64(tl.AmountFen) != 3*int64(ts[i].AmountFen) {
				t.Fatalf("run %d: batch tally %d, want 3×%d", run, tl.AmountFen, ts[i].AmountFen)
			}
		}
	}
	// And past the bounds an unchecked sum would wrap; the checked one
	// refuses (panics) instead of showing a negative tally.
	defer func() {
		if recover() == nil {
			t.Fatal("tallies of two lines of int64's maximum did not refuse")
		}
	}()
	big := []reconcile.Decision{{Line: reconcile.Line{AmountFen: math.MaxInt64}, Outcome: reconcile.OutcomeSettled},
		{Line: reconcile.Line{AmountFen: math.MaxInt64}, Outcome: reconcile.OutcomeSettled}}
	t.Fatalf("tallies = %v", reconcile.Tallies(big))
}
