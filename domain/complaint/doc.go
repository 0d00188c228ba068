// Package complaint is the aggregate of one complaint to the 12317
// poverty-alleviation desk: received (or opened automatically by the fund
// ledger), acknowledged, assigned, investigated, resolved — upheld with the
// corrective events it caused, or not upheld with a reason — closed once the
// complainant is answered, and appealed at most AppealsMax times.
//
// Each complaint is one stream, Stream(id). The package is pure like the
// rest of the domain: the business time, the complaint ID and the deadline
// rules come in as arguments (Env, Rules), never from a clock or a config
// file. Every command has the same shape,
//
//	func (c X) Decide(s State, e Env) ([]events.Payload, error)
//
// and either returns the events to record or a *domain.Error (a state rule:
// wrong_status, appeals_exhausted …) or an *events.InvalidError naming every
// bad field at once (made with domain.Problems, so domain.Codes reads the
// codes). Service runs a command through domain.Execute after checking the
// actor's role (Permissions) and jurisdiction.
//
// Deadlines are frozen into the events: a complaint's acknowledge-by and
// resolve-by are computed by DueDates when it is received (and resolve-by
// again when it is appealed) under the rules then in force, and recorded.
// A later change of the configuration or of the holiday calendar never makes
// an old complaint late after the fact, and every read model agrees on its
// due dates without knowing the configuration.
package complaint
