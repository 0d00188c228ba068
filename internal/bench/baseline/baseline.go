// Package baseline is the yardstick of the append benchmarks (see Baseline).
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

// Baseline is the simplest correct durable append: a plain file and a
// writer goroutine that writes whatever records are queued with one write
// and one fdatasync, then acknowledges them. It checks nothing and indexes
// nothing; it is the yardstick `drip bench append` measures the Store's
// write path against, not a store.
type Baseline struct {
	f     *os.File
	queue chan baselineReq
	done  chan struct{}

	mu     sync.RWMutex
	closed bool
}

// Trace, if set (by events/embedded's TestTraceGroups), receives the
// timings of each group's write and fdatasync, as the store's writer reports
// its own there.
var Trace func(start, wrote, synced time.Time, bytes, n int)

type baselineReq struct {
	rec  []byte
	done chan error
}

// Baseline limits: the queue of waiting appends and the bytes of one write.
const (
	baselineQueueLen = 4096
	baselineBytesMax = 4 << 20
)

// OpenBaseline creates or appends to the file at path.
func OpenBaseline(path string) (*Baseline, error) {
	f, err := os.OpenFile(path, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return nil, fmt.Errorf("embedded: open baseline: %w", err)
	}
	b := &Baseline{f: f, queue: make(chan baselineReq, baselineQueueLen), done: make(chan struct{})}
	go b.run()
	return b, nil
}

// Append writes record durably; it is safe for concurrent use.
func (b *Baseline) Append(ctx context.Context, record []byte) error {
	req := baselineReq{rec: record, done: make(chan error, 1)}
	b.mu.RLock()
	if b.closed {
		b.mu.RUnlock()
		return errors.New("embedded: baseline closed")
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

func (b *Baseline) run() {
	defer close(b.done)
	var buf []byte
	var batch []baselineReq
	for req := range b.queue {
		buf, batch = append(buf[:0], req.rec...), append(batch[:0], req)
	drain:
		for len(buf) < baselineBytesMax {
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
		if Trace != nil {
			t0 = time.Now()
		}
		_, err := b.f.Write(buf)
		if Trace != nil {
			t1 = time.Now()
		}
		if err == nil {
			err = unix.Fdatasync(int(b.f.Fd()))
		}
		if Trace != nil {
			Trace(t0, t1, time.Now(), len(buf), len(batch))
		}
		for _, r := range batch {
			r.done <- err
		}
	}
}

// Close waits for queued appends and closes the file.
func (b *Baseline) Close() error {
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
