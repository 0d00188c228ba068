// Package household is the aggregate of one filed household (建档立卡户):
// the pure rules for its whole life, from registration and survey through
// identification, help, exit, monitoring, return to poverty and removal.
//
// One stream per household, named by Stream ("household-520526104201-0007").
//
// # Commands
//
// Every command is a struct with the same two methods (the Command
// interface):
//
//	Name() string                                          // its key in Permissions
//	Decide(s State, at time.Time) ([]events.Payload, error) // pure
//
// Decide is a pure function of the household's state, the command's fields
// and at, the business time of the act (domain.Request.At). It returns the
// events to record, or a *domain.Error (one broken rule) or an
// *events.InvalidError built with domain.Problems (every bad field at once).
// Anything a decision needs from outside the stream — the scorecard, the
// poverty lines, how many households a cadre already helps — is a field of
// the command, filled by the caller; the domain does no I/O.
//
// Service runs a command through domain.Execute after checking that the
// actor's jurisdiction contains the household's village. Which roles may
// issue which command is the API's business; the rule table is Permissions.
//
// # State and time
//
// Evolve folds one event into a State; it never checks rules (they were
// checked when the event was decided), so a household's history always
// folds, even where a later correction shows an earlier decision was wrong.
//
// StateAt answers the complaint desk's question "what did the file say on
// date D": it folds the events *recorded* by D (RecordedAt), not those that
// *occurred* by D, because a fact entered on D+3 about D was not in the file
// on D. Each status change keeps both times (State.Changes), so the answer
// can still show when things happened in the world.
package household
