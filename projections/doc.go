// Package projections feeds read models from Drip's global log.
//
// The log is the truth; a read model is a fold over it that can always be
// rebuilt from position 1. This package holds the pieces that connect the two
// through Watermill, so that retries, panic recovery, metrics and forwarding to
// external brokers are Watermill's, not hand-written loops:
//
//   - Subscriber and Publisher: a Watermill Pub/Sub over an events.Store. The
//     Subscriber delivers the global log in order, one message at a time,
//     resuming after a durable checkpoint (see topic.go for what a topic
//     selects); the Publisher appends messages to a stream. They pass
//     Watermill's universal Pub/Sub test suite.
//   - Checkpoints: where each consumer records how far it has got, with a
//     file-backed implementation (atomic replace) and an in-memory one.
//   - Runner: one Watermill router handler per Projection, each with its own
//     checkpoint; a projection that cannot apply an event stops at that
//     position and says so in Status, while the others go on; Rebuild replays
//     a projection from position 1; WaitFor gives queries read-your-writes.
package projections
