// Package forward publishes Drip's global log to NATS JetStream, in global
// order, one subject per event type (SubjectPrefix + "." + type, e.g.
// "drip.household.enrolled.v1"), so that other systems can follow the ledger
// without reading the store.
//
// A Forwarder is one more consumer of the log: a projections.Subscriber on
// the whole log with its own durable checkpoint, and Watermill's NATS
// publisher (watermill-nats/v2) with JetStream on. Each message carries the
// whole envelope (projections.NewMessage: the payload is the event's data,
// the rest is in the headers; projections.EventFromMessage reads it back), and
// its UUID, the event ID, becomes the Nats-Msg-Id header (TrackMsgId).
//
// # Nothing lost, nothing duplicated
//
// Each event is published synchronously: the forwarder waits for
// JetStream's acknowledgement (the message is stored) before it acks the log
// message, and the Subscriber saves the checkpoint on that ack before it
// hands out the next event. So:
//
//   - Nothing is lost: an event is checkpointed only after JetStream has
//     stored it, and a failed publish is retried (a bounded number of times,
//     then the event is nacked and delivered again after a backoff), never
//     skipped. The forwarder falls behind (Status.Lag) while NATS is down;
//     it does not move on.
//   - At most one event is ever in doubt: the one published but not yet
//     checkpointed when the process stops (a crash between JetStream's ack
//     and the checkpoint save), or whose acknowledgement was lost (a publish
//     timeout after the server stored it). Publishing is one event at a
//     time, in order, so everything before it is known to be stored.
//   - That event is not duplicated, by two means. First, JetStream's
//     de-duplication: the stream is created with an explicit window
//     (Config.DedupWindow, 10 minutes by default) during which a message
//     with a Nats-Msg-Id already stored is acknowledged and dropped. A retry
//     after a timeout comes within seconds, and a restarted process
//     re-publishes the event in doubt first, so a restart within the window
//     is covered by JetStream alone. Second, for a restart or an outage
//     longer than the window: before publishing an event in doubt (at start,
//     and after any failed attempt), the forwarder reads the stream's last
//     message. Since it publishes in order and alone, that message is the
//     last event stored; if it is this one (its Nats-Msg-Id) the event is
//     not published again, and at start the checkpoint is moved up to it.
//     Its Nats-Msg-Id is also checked against the log at its position, so a
//     stream fed from another log is refused instead of being mixed with
//     this one.
//
// The one thing the argument assumes is a single forwarder per stream: two
// forwarders (or any other publisher) on the same subjects would interleave.
package forward
