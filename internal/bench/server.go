package bench

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// Limits of a `drip serve` child of the benchmark.
const (
	// readyPollInterval is how often /readyz is asked while the server
	// starts: small beside the seconds a start takes.
	readyPollInterval = 10 * time.Millisecond
	// stopTimeout bounds a graceful stop (serve's own shutdown bound is
	// 20 s) before the child is killed.
	stopTimeout = 30 * time.Second
	// logTailMax bounds the server's log quoted in an error.
	logTailMax = 4000
)

// ServerCommand returns the command that runs `drip serve` with args (the
// benchmark adds --addr and --data); its output is set by the caller. It is
// the wiring's: cmd/drip runs its own executable, its tests the test binary.
type ServerCommand func(args []string) *exec.Cmd

// server is one `drip serve` child process.
type server struct {
	base    string // http://127.0.0.1:port
	began   time.Time
	cmd     *exec.Cmd
	exited  chan error
	logPath string
}

// startServer starts `drip serve` on dataDir, logging to logPath, and
// returns once /readyz answers 200, with the time from the start of the
// process to then. A server that exits or is not ready within timeout is an
// error quoting its log.
func startServer(ctx context.Context, command ServerCommand, dataDir, logPath string, timeout time.Duration) (*server, time.Duration, error) {
	addr, err := freeAddr()
	if err != nil {
		return nil, 0, err
	}
	logs, err := os.Create(logPath)
	if err != nil {
		return nil, 0, err
	}
	defer logs.Close() // the child has its own descriptor
	s := &server{base: "http://" + addr, exited: make(chan error, 1), logPath: logPath}
	s.cmd = command([]string{"--addr", addr, "--data", dataDir, "--origin", "bench.local/county"})
	s.cmd.Stdout, s.cmd.Stderr = logs, logs
	s.began = time.Now()
	if err := s.cmd.Start(); err != nil {
		return nil, 0, fmt.Errorf("starting drip serve: %w", err)
	}
	go func() { s.exited <- s.cmd.Wait() }()
	client := &http.Client{Timeout: time.Second}
	deadline := time.NewTimer(timeout)
	defer deadline.Stop()
	tick := time.NewTicker(readyPollInterval)
	defer tick.Stop()
	for {
		if resp, err := client.Get(s.base + "/readyz"); err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return s, time.Since(s.began), nil
			}
		}
		select {
		case err := <-s.exited:
			s.exited <- err
			return nil, 0, fmt.Errorf("drip serve exited before it was ready (%v):\n%s", err, s.logTail())
		case <-deadline.C:
			err := fmt.Errorf("drip serve was not ready within %v:\n%s", timeout, s.logTail())
			return nil, 0, errors.Join(err, s.stop())
		case <-ctx.Done():
			return nil, 0, errors.Join(ctx.Err(), s.stop())
		case <-tick.C:
		}
	}
}

// caughtUp waits until the server's read models have reached head (a read
// at ?position=head is answered), and returns the time from the start of the
// process to then: /readyz may answer 200 while they still trail by a named
// lag, so this is when every answer is current.
func (s *server) caughtUp(ctx context.Context, c *client, head uint64, timeout time.Duration) (time.Duration, error) {
	deadline := time.Now().Add(timeout)
	for {
		err := c.get(ctx, fmt.Sprintf("/households?limit=1&position=%d", head), c.audit, nil)
		if err == nil {
			return time.Since(s.began), nil
		}
		if time.Now().After(deadline) {
			return 0, fmt.Errorf("the read models did not reach position %d within %v: %w", head, timeout, err)
		}
		select {
		case <-ctx.Done():
			return 0, ctx.Err()
		case <-time.After(readyPollInterval):
		}
	}
}

// freeAddr returns a loopback address with a port free a moment ago.
func freeAddr() (string, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	defer ln.Close()
	return ln.Addr().String(), nil
}

// peakMemory is the server's peak resident set so far (VmHWM), in bytes.
func (s *server) peakMemory() (uint64, error) {
	f, err := os.Open(fmt.Sprintf("/proc/%d/status", s.cmd.Process.Pid))
	if err != nil {
		return 0, fmt.Errorf("peak memory: %w", err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		v, ok := strings.CutPrefix(sc.Text(), "VmHWM:")
		if !ok {
			continue
		}
		kB, err := strconv.ParseUint(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 10, 64)
		if err != nil {
			return 0, fmt.Errorf("peak memory: VmHWM %q: %w", v, err)
		}
		return kB << 10, nil
	}
	if err := sc.Err(); err != nil {
		return 0, err
	}
	return 0, errors.New("peak memory: no VmHWM in /proc/PID/status (not Linux?)")
}

// stop asks the server to stop (SIGTERM, as an operator would) and waits,
// killing it after stopTimeout. An exit other than a clean one is an error.
func (s *server) stop() error {
	if err := s.cmd.Process.Signal(syscall.SIGTERM); err != nil && !errors.Is(err, os.ErrProcessDone) {
		return err
	}
	select {
	case err := <-s.exited:
		s.exited <- err
		if err != nil {
			return fmt.Errorf("drip serve stopped with %v:\n%s", err, s.logTail())
		}
		return nil
	case <-time.After(stopTimeout):
		s.cmd.Process.Kill()
		err := <-s.exited
		s.exited <- err
		return fmt.Errorf("drip serve did not stop within %v of SIGTERM; killed:\n%s", stopTimeout, s.logTail())
	}
}

// logTail is the end of the server's log, for errors.
func (s *server) logTail() string {
	b, _ := os.ReadFile(s.logPath)
	if len(b) > logTailMax {
		b = b[len(b)-logTailMax:]
	}
	return string(b)
}
