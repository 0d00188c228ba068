package embedded

import (
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"time"

	"github.com/drip-ledger/drip/events"
)

// The record format of a segment file. A segment is a sequence of records
// with nothing between them and nothing after the last one:
//
//	record  = length uint32 LE | crc uint32 LE | body (length bytes)
//	crc     = CRC-32C (Castagnoli) of body
//	body    = fixed (52 bytes) | strings
//	fixed   = format uint8 (1)
//	        | flags uint8 (bit 0: the last event of its append;
//	          bit 1: Metadata.Backfill)
//	        | index uint16 LE (the event's place in its append, from 0)
//	        | position uint64 LE | version uint64 LE
//	        | recordedAt int64 LE (Unix µs) | occurredAt int64 LE (Unix µs)
//	        | id [16]byte
//	strings = stream, type, actorId, role, jurisdiction, idempotencyKey,
//	          correlationId, causationId, data: each a uvarint length then
//	          that many bytes
//
// The append flags let recovery keep appends atomic: a log that ends before
// the record flagged last of an append ends inside that append, and the
// whole append is cut as part of the torn tail.
//
// The caller's goroutine encodes everything but position, version and
// recordedAt, which only the writer knows; they sit at fixed offsets so the
// writer patches them in place and computes the CRC without re-encoding.
const (
	headerBytes  = 8
	fixedBytes   = 52
	formatV1     = 1
	flagLast     = 1
	flagBackfill = 2
	offFlags     = 1
	offIndex     = 2
	offPosition  = 4
	offVersion   = 12
	offRecorded  = 20
	offOccurred  = 28
	offID        = 36
	stringFields = 9
	// bodyBytesMax bounds a body: the largest event (EventBytesMax of
	// variable parts) plus the fixed part and the length prefixes, rounded
	// up. A length above it cannot have been written by this package, so
	// it is damage, never a torn tail.
	bodyBytesMax = events.EventBytesMax + fixedBytes + stringFields*binary.MaxVarintLen32 + 1024
)

var castagnoli = crc32.MakeTable(crc32.Castagnoli)

// encodeRecords appends the records of one append to dst, leaving position,
// version, recordedAt and the CRC to patchRecord.
func encodeRecords(dst []byte, stream string, evs []events.Event) []byte {
	for i, ev := range evs {
		start := len(dst)
		dst = append(dst, make([]byte, headerBytes+fixedBytes)...)
		body := dst[start+headerBytes:]
		body[0] = formatV1
		if i == len(evs)-1 {
			body[offFlags] = flagLast
		}
		if ev.Meta.Backfill {
			body[offFlags] |= flagBackfill
		}
		binary.LittleEndian.PutUint16(body[offIndex:], uint16(i))
		binary.LittleEndian.PutUint64(body[offOccurred:], uint64(events.RecordedTime(ev.Meta.OccurredAt).UnixMicro()))
		copy(body[offID:], ev.ID[:])
		m := ev.Meta
		for _, s := range [...]string{stream, ev.Type, m.ActorID, m.Role, m.Jurisdiction,
			m.IdempotencyKey, m.CorrelationID, m.CausationID} {
			dst = binary.AppendUvarint(dst, uint64(len(s)))
			dst = append(dst, s...)
		}
		dst = binary.AppendUvarint(dst, uint64(len(ev.Data)))
		dst = append(dst, ev.Data...)
		binary.LittleEndian.PutUint32(dst[start:], uint32(len(dst)-start-headerBytes))
	}
	return dst
}

// patchRecord fills in the writer's fields of the record at rec[0:] and its
// CRC, and returns the record's total length.
func patchRecord(rec []byte, pos, version uint64, recordedAtUS int64) int {
	n := int(binary.LittleEndian.Uint32(rec))
	body := rec[headerBytes : headerBytes+n]
	binary.LittleEndian.PutUint64(body[offPosition:], pos)
	binary.LittleEndian.PutUint64(body[offVersion:], version)
	binary.LittleEndian.PutUint64(body[offRecorded:], uint64(recordedAtUS))
	binary.LittleEndian.PutUint32(rec[4:], crc32.Checksum(body, castagnoli))
	return headerBytes + n
}

// recordInfo is what recovery needs from a body without decoding it all.
type recordInfo struct {
	position uint64
	last     bool
	index    uint16
}

func bodyInfo(body []byte) recordInfo {
	return recordInfo{
		position: binary.LittleEndian.Uint64(body[offPosition:]),
		last:     body[offFlags]&flagLast != 0,
		index:    binary.LittleEndian.Uint16(body[offIndex:]),
	}
}

// bodyStream returns the stream name of a body whose CRC has been checked,
// without decoding the rest: recovery rebuilds a segment's index with it.
func bodyStream(body []byte) ([]byte, bool) {
	if len(body) < fixedBytes {
		return nil, false
	}
	rest := body[fixedBytes:]
	n, k := binary.Uvarint(rest)
	if k <= 0 || n > uint64(len(rest)-k) {
		return nil, false
	}
	return rest[k : k+int(n)], true
}

var errShortBody = errors.New("body ends inside a field")

// decodeBody decodes a body whose CRC has been checked. It copies what it
// keeps: two allocations, one for all strings and one for the payload.
func decodeBody(body []byte) (events.Event, recordInfo, error) {
	if len(body) < fixedBytes {
		return events.Event{}, recordInfo{}, errShortBody
	}
	if body[0] != formatV1 {
		return events.Event{}, recordInfo{}, fmt.Errorf("unknown record format %d", body[0])
	}
	info := bodyInfo(body)
	ev := events.Event{
		Position:   info.position,
		Version:    binary.LittleEndian.Uint64(body[offVersion:]),
		RecordedAt: time.UnixMicro(int64(binary.LittleEndian.Uint64(body[offRecorded:]))).UTC(),
	}
	ev.Meta.OccurredAt = time.UnixMicro(int64(binary.LittleEndian.Uint64(body[offOccurred:]))).UTC()
	ev.Meta.Backfill = body[offFlags]&flagBackfill != 0
	copy(ev.ID[:], body[offID:])
	var fields [stringFields][2]int // start, end within rest
	rest := body[fixedBytes:]
	at := 0
	for i := range fields {
		n, k := binary.Uvarint(rest[at:])
		if k <= 0 || n > uint64(len(rest)-at-k) {
			return events.Event{}, info, errShortBody
		}
		at += k
		fields[i] = [2]int{at, at + int(n)}
		at += int(n)
	}
	if at != len(rest) {
		return events.Event{}, info, fmt.Errorf("%d bytes after the last field", len(rest)-at)
	}
	strs := string(rest[:fields[stringFields-2][1]])
	str := func(i int) string { return strs[fields[i][0]:fields[i][1]] }
	m := &ev.Meta
	ev.Stream, ev.Type, m.ActorID, m.Role, m.Jurisdiction = str(0), str(1), str(2), str(3), str(4)
	m.IdempotencyKey, m.CorrelationID, m.CausationID = str(5), str(6), str(7)
	d := fields[stringFields-1]
	ev.Data = append([]byte(nil), rest[d[0]:d[1]]...)
	return ev, info, nil
}
