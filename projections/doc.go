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
//   - ModelRunner: what feeds the read models (Model, batch.go). It reads the
//     log once, BatchEvents at a time (ReadAll while catching up, one
//     subscription on the tail once live, handing on whatever has arrived),
//     decodes each event once, and hands the same batch to every model, each
//     in its own goroutine behind a bounded queue; each model commits a batch
//     and its checkpoint at once, so a restart resumes at each model's own
//     checkpoint. Watermill's Retry and Recoverer middleware wrap each
//     ApplyBatch; a batch that still fails is retried event by event, and the
//     model stops exactly before the event it cannot apply (Status) while the
//     others go on. Models far behind (new, resumed, rebuilt) catch up on a
//     reader of their own, then join the shared one. A new version of a model
//     is rebuilt beside the serving one (Replace; or, with a ModelStore, an
//     older stored version is dropped once the new one caught up) and swapped
//     in through a Current pointer once it has caught up. A per-event
//     Projection runs behind it through AsModel. (The per-event Watermill
//     runner it replaced — one router handler, one message and one
//     checkpoint per event — is gone: its replay rate was 0.03 × ReadAll.)
//
// Where a catch-up's time goes (BenchmarkReplay, 2 models that fold a map
// and commit a batch to modelstore.Memory, 200,000 events of ~300 bytes, a
// 2-core machine shared with other work): events.Registry.Decode is about
// 43% of the CPU (strict encoding/json 30%, the text rule on the way out
// 11%), the models' own work 24% (their JSON and the commit), ReadAll 8%;
// the hand-off between goroutines does not show. Decoding is split over
// every CPU and overlaps the next ReadAll; what is left is the decode's own
// cost, several times ReadAll's per event, which bounds the ratio to ReadAll.
// A Model that implements Typed has only the types it reads decoded.
//
// The live tail is read through events.Store.Subscribe directly, not
// through the Watermill Subscriber: that one hands out one message per event
// and waits for its ack, the very cost the batches remove. Watermill stays
// where a message per event is the point (forwarding to NATS) and around
// each batch (Retry, Recoverer).
package projections
