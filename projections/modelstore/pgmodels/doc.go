// Package pgmodels is a modelstore.Store in PostgreSQL tables, for the
// PostgreSQL deployment: every drip process of a cluster reads the same
// read models, and one of them, the leader (Leader), advances them.
//
// # Tables
//
// In the event store's schema (default "drip"), created by Open if missing:
//
//	model_keys(model text COLLATE "C", key bytea, value bytea, PRIMARY KEY (model, key))
//	model_checkpoints(model text COLLATE "C" PRIMARY KEY, position bigint)
//
// bytea compares byte by byte and the "C" collation orders names by their
// bytes, so Scan and Models have modelstore's order whatever the database's
// collation. The model is its own column, so no key encoding can make one
// model's keys another's.
//
// # Commit
//
// One transaction, in one round trip of statements: the checkpoint is
// advanced first with INSERT ... ON CONFLICT DO UPDATE ... WHERE position <
// the new one (no row changed: ErrCheckpoint, and the transaction is rolled
// back), which also locks the model's checkpoint row, so commits to one
// model take turns and the second of two at one checkpoint finds the
// first's; then the deletes (DELETE ... key = ANY($keys)) and the puts (a
// multi-row upsert from unnest($keys, $values)), chunked. The batch is
// collapsed to each key's last op first, since one upsert may not touch a
// row twice. A commit made through a Leadership's Store also checks, after
// taking the row lock, that its leadership's session still holds the lock,
// so a leader that lost its connection cannot overwrite its successor's
// commits (fencing).
//
// # Several processes
//
// Every drip serve of a cluster opens the same Store and answers reads
// from it (a view as a follower polls the model's checkpoint). One of them
// advances the models: each runs Campaign(ctx, "models", opts, lead), and
// lead, the projection runner, runs only in the process that holds the
// leadership (a session advisory lock on a connection of its own), writing
// through the Leadership's fenced Store, and is cancelled when the
// leadership is lost; another process then takes over within
// RetryInterval (tested: tens of milliseconds after pg_terminate_backend).
// A separate `drip project` process is the same Campaign with no HTTP
// server around it.
//
// Positions are bigint: a checkpoint above 2^63-1 is refused with
// ErrLimit (no log hands such positions out).
package pgmodels
