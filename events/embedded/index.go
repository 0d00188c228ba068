package embedded

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"log/slog"
	"os"

	"github.com/cockroachdb/pebble/v2"
	"github.com/cockroachdb/pebble/v2/bloom"

	"github.com/drip-ledger/drip/events"
)

// The index is derived from the log and can be rebuilt from it at any time
// (delete the index directory and Open re-reads the log). Its keys:
//
//	'v'                            → format BE8 (indexFormat)
//	'i' id[16]                     → loc   event ID → where it is, for the
//	                                       sealed segments only (segindex.go)
//	'n'                            → the sealed marker, BE8: segments that start
//	                                       below it have their keys here (segindex.go)
//	's' stream 0x00 version BE8    → loc   (stream, version) → where it is, for
//	                                       the sealed segments only; the last key
//	                                       of a stream is its version there
//	'p' position BE8               → seg BE8 | offset BE8, sparse: the first
//	                                       event of each group and then one every
//	                                       sparseBytes, for ReadAll to scan from
//	'm'                            → loc of the last indexed event, with the
//	                                       offset of the end of its record
//
// loc = position BE8 | segment BE8 (its first position) | offset BE8.
//
// Stream names cannot hold 0x00 (events.ValidStream), so a stream's keys sort
// together and before those of any longer name it is a prefix of.
const (
	keyID     = 'i'
	keyStream = 's'
	keyPos    = 'p'
	keyMarker = 'm'
	// keySealedMarker and keyFormat: see segindex.go and indexFormat.
	keySealedMarker = 'n'
	keyFormat       = 'v'
	// indexFormat is the version of the index's layout. Open rebuilds an
	// index of another version (or of none: the layout before versions, 1,
	// which held every ID) from the log rather than misread it. 2: the IDs
	// of the active segment are not in the index. 3: nor are its stream
	// versions (segindex.go).
	indexFormat = 3
	locBytes    = 24
	// sparseBytes is the most a ReadAll scans past before reaching the
	// position it was asked for.
	sparseBytes = 32 << 10
)

// loc is where an event's record sits in the log.
type loc struct {
	pos uint64
	seg uint64
	off int64
}

func (l loc) append(dst []byte) []byte {
	dst = binary.BigEndian.AppendUint64(dst, l.pos)
	dst = binary.BigEndian.AppendUint64(dst, l.seg)
	return binary.BigEndian.AppendUint64(dst, uint64(l.off))
}

func parseLoc(b []byte) (loc, bool) {
	if len(b) != locBytes {
		return loc{}, false
	}
	return loc{pos: binary.BigEndian.Uint64(b), seg: binary.BigEndian.Uint64(b[8:]),
		off: int64(binary.BigEndian.Uint64(b[16:]))}, true
}

func idKey(dst []byte, id events.ID) []byte { return append(append(dst, keyID), id[:]...) }

func streamPrefix(dst []byte, stream string) []byte {
	return append(append(append(dst, keyStream), stream...), 0)
}

func streamKey(dst []byte, stream string, version uint64) []byte {
	return binary.BigEndian.AppendUint64(streamPrefix(dst, stream), version)
}

// streamEnd is the first key after every key of stream.
func streamEnd(dst []byte, stream string) []byte {
	return append(append(append(dst, keyStream), stream...), 1)
}

func posKey(dst []byte, pos uint64) []byte {
	return binary.BigEndian.AppendUint64(append(dst, keyPos), pos)
}

var markerKey = []byte{keyMarker}

// openIndex opens (or creates) the Pebble database under path. Writes to it
// never sync, and its write-ahead log is off: the segment log already is one.
// Every group's batch carries the marker (every sealed segment's sstable,
// the sealed marker), and Pebble flushes whole batches and ingests whole
// tables, so after a crash the index holds a prefix of them with the
// markers of the last ones, and Open re-indexes the rest from the log. Measured here, Pebble's own
// WAL (even unsynced) cost about 1 ms per append at one writer.
//
// onErr, if not nil, receives Pebble's background errors (a failed flush or
// compaction): the store fails on the first, since Pebble retries without
// end and a flush that cannot finish would hold Close forever.
func openIndex(path string, cacheBytes int64, log *slog.Logger, onErr func(error)) (*pebble.DB, error) {
	cache := pebble.NewCache(cacheBytes)
	defer cache.Unref()
	pl := pebbleLogger{log: log, lim: new(logLimit)}
	opts := &pebble.Options{
		Cache:        cache,
		Logger:       pl,
		MemTableSize: 32 << 20,
		DisableWAL:   true,
		EventListener: &pebble.EventListener{BackgroundError: func(err error) {
			if onErr != nil {
				onErr(fmt.Errorf("embedded: index background error: %w", err))
			}
			pl.Errorf("background error: %s", err)
		}},
	}
	for i := range opts.Levels {
		opts.Levels[i].FilterPolicy = bloom.FilterPolicy(10)
	}
	db, err := pebble.Open(path, opts)
	if err != nil {
		return nil, fmt.Errorf("embedded: open index %s: %w", path, err)
	}
	return db, nil
}

// checkFormat makes sure the index at path has the layout of indexFormat:
// an empty index gets the version key; one of another version, or of none,
// is deleted and recreated empty, and recovery rebuilds it from the log.
func checkFormat(db *pebble.DB, path string, cacheBytes int64, log *slog.Logger, onErr func(error)) (*pebble.DB, error) {
	key := []byte{keyFormat}
	v, closer, err := db.Get(key)
	stale := false
	switch {
	case err == nil:
		stale = len(v) != 8 || binary.BigEndian.Uint64(v) != indexFormat
		closer.Close()
		if !stale {
			return db, nil
		}
	case !errors.Is(err, pebble.ErrNotFound):
		db.Close()
		return nil, fmt.Errorf("embedded: index get: %w", err)
	}
	m, err := readMarker(db)
	if err != nil {
		db.Close()
		return nil, err
	}
	if stale || m.pos > 0 {
		log.Warn("embedded: the index has another format; rebuilding it from the log", "index", path, "want_format", indexFormat)
		if err := db.Close(); err != nil {
			return nil, fmt.Errorf("embedded: close old index: %w", err)
		}
		if err := os.RemoveAll(path); err != nil {
			return nil, fmt.Errorf("embedded: remove old index: %w", err)
		}
		if db, err = openIndex(path, cacheBytes, log, onErr); err != nil {
			return nil, err
		}
	}
	if err := db.Set(key, binary.BigEndian.AppendUint64(nil, indexFormat), pebble.NoSync); err != nil {
		db.Close()
		return nil, fmt.Errorf("embedded: index set: %w", err)
	}
	return db, nil
}

// getLoc reads a loc-valued key; found is false if it is absent.
func getLoc(db *pebble.DB, key []byte) (loc, bool, error) {
	v, closer, err := db.Get(key)
	if errors.Is(err, pebble.ErrNotFound) {
		return loc{}, false, nil
	}
	if err != nil {
		return loc{}, false, fmt.Errorf("embedded: index get: %w", err)
	}
	defer closer.Close()
	l, ok := parseLoc(v)
	if !ok {
		return loc{}, false, &events.CorruptError{File: "index", Offset: -1, Reason: fmt.Sprintf("key %q holds %d bytes, not a location", key, len(v))}
	}
	return l, true, nil
}

// streamVersion returns the version of stream in the index (0: none).
func streamVersion(db *pebble.DB, stream string, scratch []byte) (uint64, error) {
	lower := streamPrefix(scratch[:0], stream)
	upper := streamEnd(lower[len(lower):], stream)
	it, err := db.NewIter(&pebble.IterOptions{LowerBound: lower, UpperBound: upper})
	if err != nil {
		return 0, fmt.Errorf("embedded: index iterator: %w", err)
	}
	defer it.Close()
	if !it.Last() {
		return 0, it.Error()
	}
	k := it.Key()
	if len(k) != len(lower)+8 {
		return 0, &events.CorruptError{File: "index", Offset: -1, Reason: fmt.Sprintf("malformed stream key %q", k)}
	}
	return binary.BigEndian.Uint64(k[len(lower):]), nil
}

// marker is how far the index has been built: the last indexed event and
// the end offset of its record in its segment.
type marker struct {
	pos uint64
	seg uint64
	end int64
}

func readMarker(db *pebble.DB) (marker, error) {
	l, ok, err := getLoc(db, markerKey)
	if err != nil || !ok {
		return marker{}, err
	}
	return marker{pos: l.pos, seg: l.seg, end: l.off}, nil
}

func setMarker(b *pebble.Batch, m marker, scratch []byte) error {
	return b.Set(markerKey, loc{pos: m.pos, seg: m.seg, off: m.end}.append(scratch[:0]), nil)
}

// pebbleLogger sends Pebble's messages to the store's logger, rate-limited
// (lograte.go).
type pebbleLogger struct {
	log *slog.Logger
	lim *logLimit
}

func (l pebbleLogger) Infof(format string, args ...any) {
	l.logf(slog.LevelDebug, format, args)
}

func (l pebbleLogger) Errorf(format string, args ...any) {
	l.logf(slog.LevelError, format, args)
}

func (l pebbleLogger) logf(level slog.Level, format string, args []any) {
	ok, dropped := l.lim.allow()
	if !ok {
		return
	}
	attrs := []any{"component", "pebble"}
	if dropped > 0 {
		attrs = append(attrs, "dropped", dropped)
	}
	// Pebble's Logger has no context to pass on; slog.Info uses this one.
	l.log.Log(context.Background(), level, fmt.Sprintf(format, args...), attrs...)
}

// Fatalf must not return (Pebble's contract: it calls it on a broken
// invariant and carries on otherwise), so it logs and panics.
func (l pebbleLogger) Fatalf(format string, args ...any) {
	msg := fmt.Sprintf(format, args...)
	l.log.Error(msg, "component", "pebble")
	panic("embedded: pebble: " + msg)
}
