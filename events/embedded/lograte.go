package embedded

import (
	"sync"
	"time"
)

// A failing disk makes Pebble retry its background work in a loop and
// report every attempt: unlimited, that wrote 4.8 GB of "background error"
// lines in 35 minutes. The index's messages are let through logBurst per
// logWindow; the next one let through says how many were dropped.
const (
	logBurst  = 10
	logWindow = time.Minute
)

// logLimit is the rate limit of one logger's messages.
type logLimit struct {
	mu      sync.Mutex
	start   time.Time
	n       int // let through since start
	dropped int // dropped since the last one let through
}

// allow reports whether a message may be logged now, and how many were
// dropped before it.
func (l *logLimit) allow() (bool, int) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if now := time.Now(); now.Sub(l.start) >= logWindow {
		l.start, l.n = now, 0
	}
	if l.n >= logBurst {
		l.dropped++
		return false, 0
	}
	l.n++
	d := l.dropped
	l.dropped = 0
	return true, d
}
