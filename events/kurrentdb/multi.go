package kurrentdb

import (
	"context"
	"errors"
	"fmt"

	"github.com/drip-ledger/drip/events"
)

// ErrMultiUnsupported is why AppendMulti fails on this backend.
//
// KurrentDB 25.1 and later commit appends to several streams atomically
// (MultiStreamAppend, protocol v2), but the client this package uses,
// github.com/EventStore/EventStore-Client-Go/v4 v4.2.0, has only
// AppendToStream: one stream per call. Appending the parts one by one
// would break the contract (a crash between two parts leaves half a
// decision, and a rule that spans streams would no longer hold), so the
// call is refused instead and nothing is written. A deployment on KurrentDB
// therefore cannot run the commands that need a cross-stream rule (a
// cadre's capacity, unique resident IDs and bank references, deployment-
// wide idempotency keys): they fail with this error until the package moves
// to github.com/kurrent-io/KurrentDB-Client-Go with a 25.1 server, whose
// MultiStreamAppend takes one expected revision per stream.
var ErrMultiUnsupported = fmt.Errorf("kurrentdb: an atomic append to several streams needs KurrentDB 25.1's MultiStreamAppend, which EventStore-Client-Go v4 does not have: %w", errors.ErrUnsupported)

// AppendMulti implements events.Store by refusing: see ErrMultiUnsupported.
// It validates the call first, so a malformed one gets the same
// *InvalidError as on every other backend.
func (s *Store) AppendMulti(ctx context.Context, parts ...events.StreamAppend) ([]events.AppendResult, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if err := s.reg.CheckAppendMulti(parts); err != nil {
		return nil, err
	}
	if !s.enter() {
		return nil, events.ErrClosed
	}
	defer s.leave()
	return nil, ErrMultiUnsupported
}
