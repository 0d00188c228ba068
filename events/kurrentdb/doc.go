// Package kurrentdb is an events.Store over a KurrentDB (EventStoreDB)
// cluster, through github.com/EventStore/EventStore-Client-Go/v4. It is the
// only package that imports that client (conn.go adapts it), so moving to
// its renamed successor, github.com/kurrent-io/KurrentDB-Client-Go, touches
// this package alone. It needs a server of major version 23 or later (Open
// checks): ReadAll and Head end a filtered scan when the server reports that
// a catch-up subscription has caught up.
//
// # Mapping
//
//   - Streams: Drip stream s is KurrentDB stream Options.Prefix + s, so
//     several deployments (and test runs) can share a cluster. Everything
//     this store reads from $all is filtered to that prefix; with no prefix,
//     to every event whose type does not start with "$" (the deployment then
//     owns every user stream of the cluster).
//
//   - Versions: Drip versions count from 1, KurrentDB revisions from 0:
//     version = revision + 1. Expected versions map to the client's
//     esdb.Any{}, esdb.NoStream{}, esdb.StreamExists{} and
//     esdb.Revision(v-1) for Exact(v).
//
//   - Events: the KurrentDB event ID is the Drip ID (the same UUID), the
//     event type is the Drip type, the data are the payload bytes exactly as
//     written (content type JSON), and the user metadata is this JSON object
//     (format 1):
//
//     {"dripMeta":1,"actorId":"…","role":"…","jurisdiction":"…",
//     "idempotencyKey":"…","correlationId":"…","causationId":"…",
//     "occurredAt":"2025-03-05T02:11:12.123456Z",
//     "recordedAt":"2025-03-06T01:02:03.456789Z"}
//
//     Empty optional fields are left out. Times are UTC with microseconds.
//     recordedAt is chosen by Drip when it appends (the same for every event
//     of an append), not by the server, so it is part of what Drip wrote.
//     An event in this deployment's streams whose metadata does not decode
//     is reported as events.ErrCorrupt, never skipped.
//
// # Positions
//
// A KurrentDB position in $all is a (commit, prepare) pair of byte offsets in
// its transaction log. Every event appended through gRPC is committed by its
// own record (the server's AllReader gives each event of an append
// commit = prepare = the offset of its record), so the commit position alone
// is unique per event, also within a multi-event append, and increases in
// $all order. (Only the legacy TCP API's explicit transactions share one
// commit position among events; Drip never writes those.)
//
// The Drip position of an event is 2·commit + 1. Positions therefore have
// gaps (storetest.PositionsMayHaveGaps) and are odd. The doubling is there
// because KurrentDB refuses to read $all from an offset inside a record, and
// Drip's readers resume from "last position + 1": an even number p stands for
// "just after the event at p-1", so both a position this store handed out
// and that position + 1 map onto the start of a record. 0 and 1 read from the
// start; a position past the head reads nothing. Any other number inside the
// log is not a place this store knows, and reads from it fail.
//
// # Appends and idempotent retries
//
// An append is sent with exactly the expected revision the caller gave.
// KurrentDB recognises a repeated append by its event IDs only through a
// bounded in-memory cache (and by comparing IDs at the expected revision),
// and it never compares content. So:
//
//   - after every acknowledged append the store reads the events back at the
//     versions the server reported: they must be the same IDs with the same
//     content (events.SameContent), else the append was a repeat of IDs with
//     other content and the caller gets ErrIDConflict; the read also gives
//     each event's position for the AppendResult;
//   - on a wrong expected version, the store reads the stream where this
//     append would have gone (the versions after an exact expected version)
//     and its last 1000 events, and applies events.CheckRetry: the same IDs
//     and content in those places return the earlier result; an ID in
//     another place or with other content is ErrIDConflict; otherwise it is
//     a *ConcurrencyError with the version read then.
//
// What this cannot see (KurrentDB has no index of event IDs): an ID already
// used in another stream, or further back in the same stream than the last
// 1000 events; and a retry with Any or StreamExists after other events were
// appended to the stream once the server's ID cache has forgotten the
// first attempt (or the leader changed): KurrentDB then writes the events a
// second time. Drip's command services append with the exact version they
// decided at, which this store always recognises; Any and StreamExists
// retries are idempotent only while the server remembers the IDs.
//
// # Reads and subscriptions
//
// ReadStream reads the stream (backwards from past its end starts at its
// last event). The client cannot filter a read of $all, but it can filter a
// subscription on the server, so ReadAll reads the event at its start
// position and then runs a catch-up subscription from there with the
// server-side filter, until it has its limit or the server says it has
// caught up. Subscribe is events.Follow over ReadAll: the log is the truth of
// what comes next, so a slow consumer only slows its own reads (the server
// drops a live subscription whose consumer is slow; Follow never depends on
// one). Followers at the head are woken by this store's appends, by one live
// subscription per store that only turns the cluster's new events into
// wake-ups (appends by other processes), and at worst every PollInterval.
// Head reads $all backwards to this deployment's last event, at most
// HeadScanMax events of others, then falls back to a filtered forward scan
// from what it last knew; it remembers how far back it has looked, so each
// Head reads only what was appended since.
//
// Every call that reads goes to the leader (RequiresLeader), so an append's
// position is readable as soon as the append returns.
package kurrentdb
