package api

import (
	"errors"
	"fmt"
	"time"
)

// Config is the HTTP server's configuration. Every timeout and size is
// bounded, because a server without limits is one slow client away from
// running out of connections or memory.
type Config struct {
	// Addr is the listen address, host:port.
	Addr string
	// ReadHeaderTimeout bounds how long a client may take to send headers.
	ReadHeaderTimeout time.Duration
	// ReadTimeout bounds reading a whole request, body included.
	ReadTimeout time.Duration
	// WriteTimeout bounds writing a response, including any wait for read
	// models to catch up.
	WriteTimeout time.Duration
	// IdleTimeout bounds a kept-alive connection's idle time.
	IdleTimeout time.Duration
	// BodyBytesMax bounds a request body; larger bodies get 413.
	BodyBytesMax int64
	// ReadyLagMax is how far (in events) a projection may trail the log's
	// head while /readyz still answers ready.
	ReadyLagMax uint64
}

// DefaultConfig returns the defaults `drip serve` uses.
func DefaultConfig() Config {
	return Config{
		Addr:              "127.0.0.1:8080",
		ReadHeaderTimeout: 5 * time.Second,
		ReadTimeout:       30 * time.Second,
		WriteTimeout:      60 * time.Second,
		IdleTimeout:       120 * time.Second,
		BodyBytesMax:      8 << 20,
		ReadyLagMax:       1000,
	}
}

// Validate reports every problem with c at once.
func (c Config) Validate() error {
	var errs []error
	if c.Addr == "" {
		errs = append(errs, errors.New("api: Addr is empty"))
	}
	for _, d := range []struct {
		name string
		v    time.Duration
	}{{"ReadHeaderTimeout", c.ReadHeaderTimeout}, {"ReadTimeout", c.ReadTimeout},
		{"WriteTimeout", c.WriteTimeout}, {"IdleTimeout", c.IdleTimeout}} {
		if d.v <= 0 || d.v > time.Hour {
			errs = append(errs, fmt.Errorf("api: %s %v is outside (0, 1h]", d.name, d.v))
		}
	}
	if c.BodyBytesMax <= 0 || c.BodyBytesMax > 1<<30 {
		errs = append(errs, fmt.Errorf("api: BodyBytesMax %d is outside (0, 1 GiB]", c.BodyBytesMax))
	}
	return errors.Join(errs...)
}
