// Package pebblemodels is a modelstore.Store in a Pebble database: the read
// models of the embedded deployment, under the data directory (DATA/models)
// beside, and separate from, the event log and its index.
//
// It is its own package, not a part of events/embedded, because the event
// store and the read models are two clients of Pebble with opposite
// settings (the log's index runs without Pebble's WAL, since the segment
// log is the truth and the index is rebuilt from it; here Pebble's WAL is
// the truth and every Commit syncs it), and because events/... may import
// only events: a read-model store there would drag projections/modelstore
// into the event store's layer. internal/archtest gives Pebble this second
// home.
//
// # Keys
//
// Every Pebble key starts with a one-byte kind:
//
//	'k' model 0x00 key   a model's key (Get, Scan, Commit)
//	'c' model            a model's checkpoint, 8 bytes big-endian
//	'f'                  the layout's format, 8 bytes big-endian
//
// Model names are [A-Za-z0-9._-] (modelstore.CheckModel), so they never
// hold 0x00: the prefix 'k' "a" 0x00 of model "a" is not a prefix of any
// other model's ('k' "ab" 0x00 differs at the third byte), and a model's
// keys are exactly the range ['k' model 0x00, 'k' model 0x01).
//
// # Atomicity and durability
//
// Commit writes the puts, the deletes and the checkpoint in one
// pebble.Batch committed with pebble.Sync: Pebble applies a batch whole and
// its WAL record is checksummed, so after a crash a batch is there whole or
// not at all (TestCrash kills a writer to show it). The check that the
// checkpoint moves forward and the write are one step under the model's
// mutex; readers need no lock, since a Pebble read sees whole batches.
package pebblemodels
