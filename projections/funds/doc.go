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
// lot queue can never disagree with the rules, and keeps of each household
// only what its queries ask (status, head, members: Household), folded with
// household.Evolve behind a bounded cache of states (homes.Folder).
// Two derivations are checked against each other after every event: the
// balances from the transfers (which sum to zero, and are negative only for
// sources) and the pools' and projects' states from their streams; and per
// project, the lots traced to each appropriation add up to its balance and
// its transit. A disagreement is an impossible log: Apply stops there,
// loudly, rather than show a wrong trail.
//
// It is a projections.Model, but not yet a durable one: ApplyBatch folds in
// memory, and the view is rebuilt from the log at start.
package funds
