// Package fund is the fund ledger (精准滴灌, "drip alleviation"): the
// double-entry accounts that poverty-alleviation money moves through, from
// appropriation documents into a county pool, from the pool to projects,
// and from projects to households and contractors through the bank — and
// the project lifecycle that decides when a project may pay, since a
// project's stream is both its lifecycle and its account.
//
// # Accounts and transfers
//
// Every fen is in one account (AccountID): a source per level
// (source:central …), a county pool (pool:520526), a project
// (project:520526-2026-0042), the project's bank transit
// (transit:520526-2026-0042), a household (household:520526104201-0007) or
// a contractor (contractor:…). Every event that moves money carries one
// Transfer (debit account, credit account, amount in fen) and implements
// Mover; a balance is credits minus debits, so all balances sum to zero.
// Only a source goes below zero: it is where money enters.
//
// Money moves only by an event on the paying account's stream, decided on
// that stream's state and appended at the version it was read at, so the
// paying balance is checked at exactly the version the debit lands on; a
// concurrent writer hits a version conflict and re-decides against the new
// balance (domain.Execute). The streams:
//
//	fund-pool-<county>      AppropriationReceived  source  → pool
//	                        Allocated              pool    → project
//	fund-project-<project>  AllocationReceived     (no money moves; see below)
//	                        PaymentInstructed      project → transit
//	                        PaymentSettled         transit → household or contractor
//	                        PaymentFailed          transit → project  (failed or returned)
//	                        PaymentReversed        payee   → project  (names the settlement it undoes)
//	                        plus the lifecycle: proposed, approved, publicity started,
//	                        objections, implementation started, completed, accepted,
//	                        beneficiaries assigned, payments acknowledged
//
// A project is credited by the pool's Allocated, on the pool's stream, but
// decides its payments on its own stream. So the Service, right after an
// allocation, records AllocationReceived on the project's stream (and can be
// asked again with ReceiveAllocation; a receipt is recorded once). A project
// spends only what it received: its spendable balance is never more than
// its ledger balance, which is therefore never negative.
//
// Transit lives on the project's stream, one transit account per project,
// so a payment's two phases (like a pending transfer that is posted or
// voided) are both decided on that stream. A reversal debits the payee, but
// only by what the one payment it names credited it, at most once, both
// facts on the same stream: no payee account goes below zero either.
//
// # Lineage, fen by fen
//
// The rule, chosen so that any fen can be traced without pro-rata
// fractions:
//
//  1. An allocation cites its appropriations explicitly, each with an
//     amount (Draws, adding up to the allocation); each appropriation can
//     give at most what is left of it in the pool. No pro-rata split.
//  2. On the project, an allocation becomes lots (Lot: allocation
//     reference, appropriation document, fen), one per cited
//     appropriation, in citation order, queued behind the lots already
//     there.
//  3. A payment draws from the front of the queue, first in, first out,
//     splitting the last lot it touches; PaymentInstructed records the lots
//     drawn.
//  4. A failed, returned or reversed payment puts its lots back at the
//     front of the queue, in their order (merged with the first queued lot
//     only when it has the same allocation and document), so the next
//     payment spends those very fen first. Money that came back is thus
//     never left idle behind newer allocations.
//
// So every fen a household received names, through its payment's lots, the
// allocation (and through it the pool, its approval reference, and who
// approved it and when, in the Allocated event's metadata) and the
// appropriation document (its source level, fiscal year and who recorded
// it). A read model follows the references; nothing is recomputed. Folding
// a stream removes the lots its events recorded rather than re-running the
// rule, so history always folds to what it says.
//
// # Rules
//
// Each command is a struct with Name (its key in Permissions) and a pure
// Decide(state, Env). Facts from other streams — a project's status for an
// allocation, a household's status, exit date and bank account for an
// assignment or a payment (HouseholdFacts) — are fields of the command,
// filled by the Service from those streams, never trusted from the caller.
// The money rules and their codes: insufficient_funds (pool, appropriation
// or project), household_not_eligible (not enrolled, nor exited less than
// Config.ExitSupportYears ago), household_not_assigned, publicity_open and
// objection_open (no release before the publicity of at least
// Config.PublicityDaysMin days has closed with no objection open),
// duplicate_payment (a live payment to the same payee for the same purpose
// and period, unless marked as a further installment).
//
// A household that acknowledges less than it was paid makes the Service
// open a complaint (complaint.OpenAutomatically) whose number is derived
// from the payment (ComplaintID), so a retry never opens a second one.
package fund
