package main

import (
	"context"
	"errors"
	"net"
	"net/http"
	"sync"
	"time"
)

// Loading-phase limits: the stand-in server answers probes only, so small
// timeouts suffice; handing over waits at most loadingShutdownS for a probe
// in flight.
const (
	loadingTimeoutS  = 5
	loadingShutdownS = 5
)

// whileLoading binds nothing itself: on ln, already listening, it answers
// liveness (GET /healthz 200) and readiness (GET /readyz 503, "loading") and
// 503 with Retry-After to everything else while load runs, so a health probe
// does not kill a server that is loading the demo (44 s for the default
// county). It then returns a listener for the real server: connections that
// arrive during the hand-over wait in the queue, none is refused.
func whileLoading(ctx context.Context, ln net.Listener, load func() error) (net.Listener, error) {
	h := newHandoff(ln)
	tmp := &http.Server{Handler: loadingHandler(), ReadHeaderTimeout: loadingTimeoutS * time.Second,
		ReadTimeout: loadingTimeoutS * time.Second, WriteTimeout: loadingTimeoutS * time.Second}
	first := h.phase(false)
	served := make(chan struct{})
	go func() { defer close(served); _ = tmp.Serve(first) }()
	err := load()
	sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), loadingShutdownS*time.Second)
	defer cancel()
	_ = tmp.Shutdown(sctx) // closes first only; the real listener stays open
	<-served
	if err != nil {
		ln.Close()
		return nil, err
	}
	return h.phase(true), nil
}

func loadingHandler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.Write([]byte(`{"status":"ok"}` + "\n"))
	})
	mux.HandleFunc("GET /readyz", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusServiceUnavailable)
		w.Write([]byte(`{"ready":false,"loading":"demo"}` + "\n"))
	})
	mux.HandleFunc("/", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Retry-After", "10")
		http.Error(w, "loading the demo county; try again shortly", http.StatusServiceUnavailable)
	})
	return mux
}

// handoff accepts on one listener and hands each connection to whichever
// phase listener is current, so two http.Servers can serve the same socket
// one after the other (http.Server.Shutdown closes its listener).
type handoff struct {
	ln     net.Listener
	conns  chan net.Conn
	closed chan struct{} // the real listener failed or was closed
	err    error         // why, set before closed is closed
}

func newHandoff(ln net.Listener) *handoff {
	h := &handoff{ln: ln, conns: make(chan net.Conn), closed: make(chan struct{})}
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				h.err = err
				close(h.closed)
				return
			}
			h.conns <- c // waits for the next Accept of a phase; the listener's close ends it below
		}
	}()
	return h
}

// phase returns a listener whose Close ends only this phase, or, if last,
// the real listener too.
func (h *handoff) phase(last bool) net.Listener {
	return &phaseListener{h: h, last: last, done: make(chan struct{})}
}

type phaseListener struct {
	h    *handoff
	last bool
	once sync.Once
	done chan struct{}
}

func (p *phaseListener) Accept() (net.Conn, error) {
	select {
	case c := <-p.h.conns:
		return c, nil
	case <-p.done:
		return nil, net.ErrClosed
	case <-p.h.closed:
		return nil, p.h.err
	}
}

func (p *phaseListener) Close() error {
	var err error
	p.once.Do(func() {
		close(p.done)
		if p.last {
			err = p.h.ln.Close()
			// A connection accepted but never taken is closed, so the
			// accept loop ends.
			select {
			case c := <-p.h.conns:
				c.Close()
			case <-p.h.closed:
			}
		}
	})
	if errors.Is(err, net.ErrClosed) {
		return nil
	}
	return err
}

func (p *phaseListener) Addr() net.Addr { return p.h.ln.Addr() }
