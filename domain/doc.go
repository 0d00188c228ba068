// Package domain holds the value types every part of Drip shares — money in
// fen, administrative division codes and jurisdictions, resident identity
// numbers, household file numbers, poverty lines — and the Error type that
// carries a rule violation's stable code.
//
// The package is pure: it imports only the standard library and events, does
// no I/O, reads no clock and makes no random IDs. Time comes in as an
// argument (ParseResidentID's asOf). Each value type is parsed once at the
// edge (Parse…); a value that exists is valid, and its zero value is
// recognisably empty (IsZero) rather than a silent default.
//
// The aggregates (one subpackage each) and the scorecards (package
// scorecard) build on these types.
package domain
