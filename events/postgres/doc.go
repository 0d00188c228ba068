// Package postgres is an events.Store in a PostgreSQL schema (pgx v5), for
// deployments whose IT already runs PostgreSQL. It is the only package that
// imports pgx.
//
// # Schema
//
// Open applies the embedded migrations (migrations/*.sql) in one transaction
// under an advisory lock, recording each in schema_migrations, so it is
// idempotent and two processes may start at once. The tables:
//
//   - events: one row per event; position (primary key, dense from 1),
//     stream and version (unique together), event_id (uuid, unique), type,
//     data and the metadata strings as bytea (kept byte for byte: an
//     idempotent retry compares them), occurred_at and recorded_at.
//   - streams: each stream's version; an append locks its stream's row.
//   - head: one row, the last position handed out and the last RecordedAt.
//
// # Dense positions, and no reader skips a late commit
//
// A sequence would hand out positions in the order transactions start, not
// commit: a reader could see position 8 while 7 is still open, move past it,
// and never see 7; and a rolled-back transaction would leave a hole. Instead
// an append takes its positions from the single head row, with
// UPDATE ... RETURNING, as its last statement before COMMIT, and holds that
// row's lock until the commit has been flushed. So:
//
//   - positions are dense: a rolled-back or killed append rolls the head
//     back too, and the next append gets the same positions;
//   - appends become visible in position order: the next append can take the
//     head row only once the previous one has committed and become visible
//     (PostgreSQL releases row locks after a commit is visible), so any
//     snapshot that sees position p sees every position below p. ReadAll is a
//     plain "position >= from ORDER BY position" and never returns an event
//     while an earlier position could still commit; a hole it meets anyway is
//     reported as damage (events.ErrCorrupt).
//
// The price is that appends to the whole store pass through one serial
// section: from the head UPDATE to the end of the commit's WAL flush. Appends
// cannot share a flush (no group commit across them), so throughput is about
// one append per WAL flush plus one round trip, whatever the number of
// writers; the benchmarks in bench_test.go measure it against plain inserts
// that do group-commit. To keep the section short, everything else (the
// stream lock, the expected-version check, the idempotency look-up) happens
// in the first round trip, and the head UPDATE, the inserts, the
// notification and COMMIT go in one pipelined second round trip. A queue in
// Go in front of the head row (one append per process at a time) was
// measured and is slower: appends already waiting on the row lock have their
// statements on the server, so the handover costs no round trip.
//
// The alternative, a sequence with a "safe horizon" (read only below the
// oldest position still in flight, found from pg_snapshot_xmin), keeps group
// commit but not density: rolled-back positions stay holes, which the
// suite's dense log, the notary's Merkle tree and read-your-writes all
// assume away.
//
// # Durability, time, notifications
//
// An append is acknowledged when its COMMIT returns; Open refuses a server
// with synchronous_commit off. RecordedAt is the database's clock_timestamp()
// (microseconds), taken under the head row's lock and never earlier than the
// previous append's, so it does not decrease along the log even if the
// server's clock steps back, and every process writing to one database shares
// one clock.
//
// Each append sends pg_notify (delivered at commit) with its last position on
// the channel "drip_<schema>". One connection per Store listens and wakes
// the store's subscriptions; since notifications are lost while it
// reconnects, a subscription at the head also reads again every
// Options.PollInterval. Subscriptions always read events from the log, so a
// lost notification delays them and never loses an event.
package postgres
