package notary

import (
	"encoding/binary"

	"github.com/transparency-dev/merkle/rfc6962"

	"github.com/drip-ledger/drip/events"
)

// leafTag opens every leaf's canonical bytes. It names the encoding so that
// a future change to it is a new tag, never a silent reinterpretation of old
// leaves, and so that a leaf can never be mistaken for another structure
// hashed with the same key.
const leafTag = "drip.event.v1"

// LeafBytes returns the canonical bytes of ev: what the Merkle tree commits
// to. They are built from the envelope's fields as the store returns them,
// never by re-marshalling JSON, whose output may change between Go releases
// or with field order:
//
//	leaf        = str(tag) | u64(position) | str(stream) | u64(version)
//	            | id (16 raw bytes) | str(type) | i64(recordedAt)
//	            | str(actorId) | str(role) | str(jurisdiction)
//	            | str(idempotencyKey) | str(correlationId) | str(causationId)
//	            | i64(occurredAt) | str(data) [ | str("backfill") ]
//	tag         = "drip.event.v1"
//	u64, i64    = 8 bytes, big-endian (times: Unix microseconds, UTC)
//	str(s)      = u32(len(s)) big-endian | the bytes of s
//	data        = the payload bytes exactly as stored
//	"backfill"  = present only when Metadata.Backfill is set
//
// Every variable field is length-prefixed, so no two different envelopes have
// the same bytes. Times are truncated to the microsecond every store keeps
// (events.RecordedTime). The leaf hash is RFC 6962's: SHA-256(0x00 | leaf).
func LeafBytes(ev events.Event) []byte {
	return AppendLeafBytes(make([]byte, 0, leafFixedBytes+ev.Size()+len(leafTag)), ev)
}

// leafFixedBytes is the size of a leaf without its variable fields: four
// 8-byte numbers, the ID and ten 4-byte lengths (tag included).
const leafFixedBytes = 4*8 + 16 + 10*4

// AppendLeafBytes appends LeafBytes(ev) to dst, for callers that hash many
// events with one buffer.
func AppendLeafBytes(dst []byte, ev events.Event) []byte {
	m := ev.Meta
	dst = appendStr(dst, leafTag)
	dst = binary.BigEndian.AppendUint64(dst, ev.Position)
	dst = appendStr(dst, ev.Stream)
	dst = binary.BigEndian.AppendUint64(dst, ev.Version)
	dst = append(dst, ev.ID[:]...)
	dst = appendStr(dst, ev.Type)
	dst = binary.BigEndian.AppendUint64(dst, uint64(events.RecordedTime(ev.RecordedAt).UnixMicro()))
	for _, s := range [...]string{m.ActorID, m.Role, m.Jurisdiction, m.IdempotencyKey, m.CorrelationID, m.CausationID} {
		dst = appendStr(dst, s)
	}
	dst = binary.BigEndian.AppendUint64(dst, uint64(events.RecordedTime(m.OccurredAt).UnixMicro()))
	dst = binary.BigEndian.AppendUint32(dst, uint32(len(ev.Data)))
	dst = append(dst, ev.Data...)
	if m.Backfill {
		// Only marked events carry the mark, so every leaf written before
		// the mark existed keeps its bytes; data is length-prefixed, so the
		// suffix cannot be confused with payload bytes.
		dst = appendStr(dst, leafBackfill)
	}
	return dst
}

// leafBackfill ends the leaf of an event marked Metadata.Backfill.
const leafBackfill = "backfill"

func appendStr(dst []byte, s string) []byte {
	dst = binary.BigEndian.AppendUint32(dst, uint32(len(s)))
	return append(dst, s...)
}

// hasher is the tree's hasher: RFC 6962 with SHA-256.
var hasher = rfc6962.DefaultHasher

// LeafHash returns the RFC 6962 leaf hash of ev's canonical bytes: the value
// its leaf holds in the tree.
func LeafHash(ev events.Event) []byte { return hasher.HashLeaf(LeafBytes(ev)) }

// HashBytes is the size of every hash in the tree.
const HashBytes = 32
