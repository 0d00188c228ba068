package embedded

import (
	"errors"
	"hash/maphash"
	"math/bits"
	"sync"
	"sync/atomic"

	"github.com/cockroachdb/pebble/v2"
)

// A filter answers "certainly absent" or "maybe present" for the event IDs
// and the stream names in the log, so that a brand-new ID or stream, which is
// what almost every append brings, costs the sequencer no index read. "Maybe"
// falls back to the exact look-up (cache.go), so a false positive costs a few
// microseconds, never a wrong answer.
//
// It is a split-block Bloom filter (the layout of Parquet's): each key sets
// one bit in each of the 8 words of one 32-byte block chosen by its hash,
// filterBitsPerKey = 12 bits, 1.5 bytes, per key; a full layer answers
// "maybe" for 0.54% of absent keys (TestFilterFalsePositiveRate). A Bloom
// filter cannot grow, so a filter is a list of layers and a look-up reads
// one block of each:
//   - one layer per kind of key is built at Open from the index, sized for
//     exactly the keys there (buildFilters, in the background); the IDs and
//     streams of the active segment, which are not in the index
//     (segindex.go), go to the writer's layer as Open reads them
//     (recoverIndexes);
//   - the keys the writer adds go to a layer of filterKeysMin (1M) keys, and
//     when that is full, to a new one twice the size of the last.
//
// So the memory is 1.5 bytes per key once a layer fills, at most 3 while the
// newest fills (plus 1.5 MiB per filter for the first writer layer), and a
// run that appends N events after Open has 1+log2(N/1M) writer layers; the
// false-positive rate is at most the sum of the layers' (1.07% measured with
// two full layers, about 0.55% more per doubling): cheap, because a false
// positive costs only a look-up.
//
// Until buildFilters has put every key already stored into the filter, it
// answers "maybe" to everything. Adds come from the writer and from the
// build; look-ups come from any goroutine and never lock.
type filter struct {
	seed   maphash.Seed
	ready  atomic.Bool
	layers atomic.Pointer[[]*filterLayer] // the last one takes adds
	mu     sync.Mutex                     // serializes changes to layers
}

const (
	filterBitsPerKey = 12
	// filterKeysMin is the capacity of the writer's first layer (1.5 MiB):
	// every look-up of an absent key reads one block of each layer, so
	// fewer, larger layers are faster.
	filterKeysMin = 1 << 20
	// filterGrowth is how much larger each new layer is than the last.
	filterGrowth = 2
	// filterKeysMax bounds one layer (2^31 keys, 3 GiB): at it the filter
	// stops growing and its last layer takes every further key, so its
	// false-positive rate rises (answers stay correct). Far beyond any log
	// one machine holds.
	filterKeysMax = 1 << 31
)

// filterLayer is one Bloom filter of a fixed capacity.
type filterLayer struct {
	blocks []filterBlock
	keys   atomic.Int64 // added so far
	cap    int64
}

type filterBlock [8]atomic.Uint32

// filterSalts are the odd constants of the split-block Bloom filter (from
// Parquet's specification): each picks the bit of one word.
var filterSalts = [8]uint32{0x47b6137b, 0x44974d91, 0x8824ad5b, 0xa2b7289d, 0x705495c7, 0x2df1424b, 0x9efc4947, 0x5c6bfb31}

func newFilter() *filter {
	f := &filter{seed: maphash.MakeSeed()}
	layers := []*filterLayer{newFilterLayer(filterKeysMin)}
	f.layers.Store(&layers)
	return f
}

func newFilterLayer(keys int64) *filterLayer {
	keys = min(max(keys, 1024), filterKeysMax)
	n := (keys*filterBitsPerKey + 255) / 256
	return &filterLayer{blocks: make([]filterBlock, n), cap: keys}
}

// hashBytes and hashString agree on the same bytes (maphash's rule).
func (f *filter) hashBytes(b []byte) uint64  { return maphash.Bytes(f.seed, b) }
func (f *filter) hashString(s string) uint64 { return maphash.String(f.seed, s) }

func (l *filterLayer) block(h uint64) *filterBlock {
	hi, _ := bits.Mul64(h, uint64(len(l.blocks)))
	return &l.blocks[hi]
}

// add puts the key with hash h in the filter.
func (f *filter) add(h uint64) {
	ls := *f.layers.Load()
	l := ls[len(ls)-1]
	if l.keys.Add(1) > l.cap && l.cap < filterKeysMax {
		l = f.grow(l)
	}
	l.add(h)
}

func (l *filterLayer) add(h uint64) {
	b, x := l.block(h), uint32(h)
	for i := range b {
		b[i].Or(1 << ((x * filterSalts[i]) >> 27))
	}
}

// prepend puts a layer built apart (by buildFilters) before the others.
func (f *filter) prepend(l *filterLayer) {
	f.mu.Lock()
	defer f.mu.Unlock()
	ls := *f.layers.Load()
	next := append([]*filterLayer{l}, ls...)
	f.layers.Store(&next)
}

// grow adds a layer filterGrowth times the size of full, unless another add did already,
// and returns the newest layer.
func (f *filter) grow(full *filterLayer) *filterLayer {
	f.mu.Lock()
	defer f.mu.Unlock()
	ls := *f.layers.Load()
	if last := ls[len(ls)-1]; last != full {
		return last
	}
	next := append(ls[:len(ls):len(ls)], newFilterLayer(filterGrowth*full.cap))
	f.layers.Store(&next)
	return next[len(next)-1]
}

// mayContain reports whether the key with hash h may be in the filter;
// false means it certainly is not.
func (f *filter) mayContain(h uint64) bool {
	if !f.ready.Load() {
		return true
	}
	x := uint32(h)
	for _, l := range *f.layers.Load() {
		b, hit := l.block(h), true
		for i := range b {
			if b[i].Load()&(1<<((x*filterSalts[i])>>27)) == 0 {
				hit = false
				break
			}
		}
		if hit {
			return true
		}
	}
	return false
}

// bytes is the memory the filter's layers take.
func (f *filter) bytes() int64 {
	var n int64
	for _, l := range *f.layers.Load() {
		n += int64(len(l.blocks)) * 32
	}
	return n
}

// buildFilters puts every event ID and stream name the index holds into a
// layer of ids and of streams, then makes both ready. Open calls it in the
// background with iterators made before the writer starts; the writer adds
// every key it writes after that itself. ids holds events IDs, events of them
// (the head at Open). It gives up, leaving the filters answering "maybe", if
// stop closes or the index fails.
func (s *Store) buildFilters(idIt, streamIt *pebble.Iterator, events uint64, stop <-chan struct{}) {
	defer idIt.Close()
	defer streamIt.Close()
	n := 0
	stopped := func() bool {
		if n++; n%4096 != 0 {
			return false
		}
		select {
		case <-stop:
			return true
		default:
			return false
		}
	}
	ids := newFilterLayer(int64(events))
	for ok := idIt.First(); ok; ok = idIt.Next() {
		if stopped() {
			return
		}
		ids.add(s.ids.hashBytes(idIt.Key()[1:]))
	}
	// Streams are not counted anywhere: their hashes wait in a slice until
	// the layer can be sized.
	var hashes []uint64
	var end []byte
	for ok := streamIt.First(); ok; ok = streamIt.SeekGE(end) {
		if stopped() {
			return
		}
		k := streamIt.Key()
		if len(k) < 1+1+1+8 {
			s.log.Error("embedded: malformed stream key in the index; the filters stay off", "key", k)
			return
		}
		name := k[1 : len(k)-9]
		hashes = append(hashes, s.streams.hashBytes(name))
		end = append(append(append(end[:0], keyStream), name...), 1)
	}
	if err := errors.Join(idIt.Error(), streamIt.Error()); err != nil {
		s.log.Error("embedded: filters stay off", "err", err)
		return
	}
	streams := newFilterLayer(int64(len(hashes)))
	for _, h := range hashes {
		streams.add(h)
	}
	s.ids.prepend(ids)
	s.streams.prepend(streams)
	s.ids.ready.Store(true)
	s.streams.ready.Store(true)
}
