package postgres

import "context"

// SetHoldBeforeCommit makes every later append of s call hold after it has
// taken its positions and before it commits; an error from hold rolls the
// append back. Tests use it to keep transactions open on purpose.
func SetHoldBeforeCommit(s *Store, hold func(ctx context.Context, stream string, last uint64) error) {
	s.holdBeforeCommit = hold
}
