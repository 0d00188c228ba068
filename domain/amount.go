package domain

// Bounds of single amounts, in fen. No real document, allocation, payment
// or bank file comes near them, and they keep every sum the ledger folds
// far from int64's edge: a pool would need about 922,000 appropriations of
// the maximum before its balance could overflow, and checked arithmetic
// (AddFen, SubFen) refuses that too rather than wrap.
const (
	// AppropriationFenMax: one appropriation (one budget document), 100 billion yuan.
	AppropriationFenMax Fen = 10_000_000_000_000
	// AllocationFenMax: one allocation to a project, and a project's budget, 100 billion yuan.
	AllocationFenMax Fen = 10_000_000_000_000
	// PaymentFenMax: one payment to a household or contractor, 100 million yuan.
	PaymentFenMax Fen = 10_000_000_000
	// BankFileFenMax: the lines of one bank file together, 100 billion yuan.
	BankFileFenMax Fen = 10_000_000_000_000
)

// Codes of amount errors.
const (
	// CodeAmountTooLarge: one amount is above its bound.
	CodeAmountTooLarge = "amount_too_large"
	// CodeAmountOverflow: a sum would leave int64 (or go below zero where
	// it cannot): refused, never wrapped.
	CodeAmountOverflow = "amount_overflow"
)

// AddFen returns a+b, or false if the sum overflows int64.
func AddFen(a, b Fen) (Fen, bool) {
	s := a + b
	if (b > 0 && s < a) || (b < 0 && s > a) {
		return a, false
	}
	return s, true
}

// SubFen returns a-b, or false if the difference overflows int64.
func SubFen(a, b Fen) (Fen, bool) {
	s := a - b
	if (b > 0 && s > a) || (b < 0 && s < a) {
		return a, false
	}
	return s, true
}

// Sum adds amounts one by one, remembering the first overflow: a fold
// adds through it and asks Err once at the end.
type Sum struct {
	fen      Fen
	overflow bool
}

// Add adds f to the sum.
func (s *Sum) Add(f Fen) {
	if v, ok := AddFen(s.fen, f); ok && !s.overflow {
		s.fen = v
	} else {
		s.overflow = true
	}
}

// Sub subtracts f from the sum.
func (s *Sum) Sub(f Fen) {
	if v, ok := SubFen(s.fen, f); ok && !s.overflow {
		s.fen = v
	} else {
		s.overflow = true
	}
}

// Fen is the sum; meaningless once Err is not nil.
func (s Sum) Fen() Fen { return s.fen }

// Err reports an overflow, naming what was summed.
func (s Sum) Err(what string) error {
	if s.overflow {
		return Errorf(CodeAmountOverflow, "%s overflows %d fen", what, int64(^uint64(0)>>1))
	}
	return nil
}

// CheckAmount adds a problem to ps if f is not from 1 to max fen.
func CheckAmount(ps *Problems, field string, f, max Fen) {
	switch {
	case f <= 0:
		ps.Addf(field, "amount_not_positive", "must be a positive number of fen, not %d", f)
	case f > max:
		ps.Addf(field, CodeAmountTooLarge, "%d fen is above the limit of %d fen (%s yuan)", f, max, max.Grouped())
	}
}
