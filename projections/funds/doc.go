// Package funds holds the read models of the fund ledger (DOMAIN.md §5): the
// balance of every account, folded from the transfer each money event
// carries; the drip trail of every household, every payment it was sent with
// the lots that name the appropriation documents, who did each step and
// when, the bank's answer and the household's own acknowledgement; where
// every fen of each appropriation went and what is still idle; projects'
// and villages' sums; and the publicity lists of projects' beneficiaries,
// identity numbers masked.
//
// It folds projects and pools with the domain's own Evolve, so a status or a
// lot queue can never disagree with the rules, and holds the household
// states it needs (for names and villages) folded with household.Evolve.
// Two derivations are checked against each other after every event: the
// balances from the transfers (which sum to zero, and are negative only for
// sources) and the pools' and projects' states from their streams; and per
// project, the lots traced to each appropriation add up to its balance and
// its transit. A disagreement is an impossible log: Apply stops there,
// loudly, rather than show a wrong trail.
//
// Like the households view it is held in memory and rebuilt from the log at
// start.
package funds
