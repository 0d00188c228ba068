// Package baseline is the yardstick of the append benchmarks: the simplest
// correct durable append, a plain file written by one goroutine with one
// write and one fdatasync per group of queued records. It checks nothing and
// indexes nothing; it is what this disk can do, which `drip bench append`
// and events/embedded's benchmarks measure the stores' write paths against.
// It is not a store, so it lives beside the benchmarks, not in a production
// package.
package baseline

import (
	"context"
	"errors"
	"fmt"
	"os"
	"sync"
	"time"

	"golang.org/x/sys/unix"
)

// File is the baseline: a plain file and a writer goroutine that writes
// whatever records are queued with one write and one fdatasync, then
// acknowledges them.
type File struct {
	f     *os.File
	queue chan request
	done  chan struct{}
	trace Trace

	mu     sync.RWMutex
	closed bool
}

type request struct {
	rec  []byte
	done chan error
}

// Limits: the queue of waiting appends and the bytes of one write.
const (
	queueLen = 4096
	bytesMax = 4 << 20
)

// Trace, if set, receives the timings of each group's write and fdatasync,
// as events/embedded's TestTraceGroups collects the store's: so the two
// write paths can be compared group by group. It is called from the writer
// goroutine and must not block.
type Trace func(start, wrote, synced time.Time, bytes, n int)

// Options are Open's; the zero value traces nothing.
type Options struct {
	Trace Trace
}

// Open creates or appends to the file at path.
func Open(path string, opts Options) (*File, error) {
	f, err := os.OpenFile(path, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return nil, fmt.Errorf("baseline: open: %w", err)
	}
	b := &File{f: f, queue: make(chan request, queueLen), done: make(chan struct{}), trace: opts.Trace}
	go b.run()
	return b, nil
}

// Append writes record durably; it is safe for concurrent use.
func (b *File) Append(ctx context.Context, record []byte) error {
	req := request{rec: record, done: make(chan error, 1)}
	b.mu.RLock()
	if b.closed {
		b.mu.RUnlock()
		return errors.New("baseline: closed")
	}
	select {
	case b.queue <- req:
		b.mu.RUnlock()
	case <-ctx.Done():
		b.mu.RUnlock()
		return ctx.Err()
	}
	select {
	case err := <-req.done:
		return err
	case <-ctx.Done():
		return ctx.Err()
	}
}

func (b *File) run() {
	defer close(b.done)
	var buf []byte
	var batch []request
	for req := range b.queue {
		buf, batch = append(buf[:0], req.rec...), append(batch[:0], req)
	drain:
		for len(buf) < bytesMax {
			select {
			case r, ok := <-b.queue:
				if !ok {
					break drain
				}
				buf, batch = append(buf, r.rec...), append(batch, r)
			default:
				break drain
			}
		}
		var t0, t1 time.Time
		if b.trace != nil {
			t0 = time.Now()
		}
		_, err := b.f.Write(buf)
		if b.trace != nil {
			t1 = time.Now()
		}
		if err == nil {
			err = unix.Fdatasync(int(b.f.Fd()))
		}
		if b.trace != nil {
			b.trace(t0, t1, time.Now(), len(buf), len(batch))
		}
		for _, r := range batch {
			r.done <- err
		}
	}
}

// Close waits for queued appends and closes the file.
func (b *File) Close() error {
	b.mu.Lock()
	if b.closed {
		b.mu.Unlock()
		return nil
	}
	b.closed = true
	close(b.queue)
	b.mu.Unlock()
	<-b.done
	return b.f.Close()
}
