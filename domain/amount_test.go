package domain_test

import (
	"math"
	"math/big"
	"testing"
	"testing/quick"

	"github.com/drip-ledger/drip/domain"
)

// near maps a random int64 onto amounts close to the bounds and to int64's
// edges, where wrapping happens, as often as onto ordinary ones.
func near(x int64) domain.Fen {
	edges := []domain.Fen{0, 1, domain.PaymentFenMax, domain.AllocationFenMax, domain.BankFileFenMax,
		math.MaxInt64, math.MinInt64, math.MaxInt64 / 2, math.MinInt64 / 2}
	e := edges[uint64(x)%uint64(len(edges))]
	d := domain.Fen(x % 5)
	if s, ok := domain.AddFen(e, d); ok {
		return s
	}
	return e
}

// AddFen and SubFen give the exact result whenever it fits and report
// false exactly when it does not.
func TestAddSubFenExact(t *testing.T) {
	prop := func(x, y int64) bool {
		a, b := near(x), near(y)
		sum := new(big.Int).Add(big.NewInt(int64(a)), big.NewInt(int64(b)))
		diff := new(big.Int).Sub(big.NewInt(int64(a)), big.NewInt(int64(b)))
		s, okS := domain.AddFen(a, b)
		d, okD := domain.SubFen(a, b)
		return okS == sum.IsInt64() && (!okS || int64(s) == sum.Int64()) &&
			okD == diff.IsInt64() && (!okD || int64(d) == diff.Int64())
	}
	if err := quick.Check(prop, &quick.Config{MaxCount: 5000}); err != nil {
		t.Fatal(err)
	}
}

// A Sum over amounts near the bounds is exact or reports an overflow, and
// once it overflowed it stays so: a fold cannot wrap back into range.
func TestSumNeverWraps(t *testing.T) {
	prop := func(xs []int64) bool {
		var s domain.Sum
		exact, over := new(big.Int), false
		for _, x := range xs {
			f := near(x)
			s.Add(f)
			exact.Add(exact, big.NewInt(int64(f)))
			over = over || !exact.IsInt64()
		}
		if over {
			return s.Err("test") != nil
		}
		return s.Err("test") == nil && int64(s.Fen()) == exact.Int64()
	}
	if err := quick.Check(prop, &quick.Config{MaxCount: 2000}); err != nil {
		t.Fatal(err)
	}
}

func TestCheckAmount(t *testing.T) {
	tests := []struct {
		fen  domain.Fen
		code string
	}{
		{0, "amount_not_positive"}, {-1, "amount_not_positive"}, {1, ""}, {domain.PaymentFenMax, ""},
		{domain.PaymentFenMax + 1, domain.CodeAmountTooLarge}, {math.MaxInt64, domain.CodeAmountTooLarge},
	}
	for _, tt := range tests {
		var ps domain.Problems
		domain.CheckAmount(&ps, "amountFen", tt.fen, domain.PaymentFenMax)
		switch {
		case tt.code == "" && len(ps) != 0:
			t.Errorf("%d fen: %v, want no problem", tt.fen, ps)
		case tt.code != "" && (len(ps) != 1 || domain.Codes(ps.Err())[0] != tt.code || ps[0].Field != "amountFen"):
			t.Errorf("%d fen: %v, want amountFen %s", tt.fen, ps, tt.code)
		}
	}
}
