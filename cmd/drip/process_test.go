package main

import (
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"
)

// serveProcess is a real `drip serve` child process (this test binary run
// as main through runMainEnv), for tests that need a real signal, exit
// status or file system underneath it.
type serveProcess struct {
	base    string // http://127.0.0.1:port
	cmd     *exec.Cmd
	exited  chan error // receives cmd.Wait's result once
	logPath string
}

// logged returns everything the process has written so far.
func (p *serveProcess) logged() string { b, _ := os.ReadFile(p.logPath); return string(b) }

// startServeProcess starts `drip serve` on dir with extra flags, waits until
// /healthz answers (at most 60 s), and kills the process at the end of the
// test if it is still running.
func startServeProcess(t *testing.T, dir, extra string) *serveProcess {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	p := &serveProcess{base: "http://" + addr, exited: make(chan error, 1), logPath: filepath.Join(t.TempDir(), "serve.log")}
	logs, err := os.Create(p.logPath)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { logs.Close() })
	p.cmd = exec.Command(os.Args[0], "-test.run=^$")
	p.cmd.Env = append(os.Environ(), runMainEnv+"=serve --addr "+addr+" --data "+dir+" --origin drip.test/county/520526 "+extra)
	p.cmd.Stdout, p.cmd.Stderr = logs, logs
	if err := p.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { p.exited <- p.cmd.Wait() }()
	t.Cleanup(func() {
		if p.cmd.ProcessState == nil {
			p.cmd.Process.Kill()
			<-p.exited
		}
	})
	for deadline := time.Now().Add(60 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		if resp, err := http.Get(p.base + "/healthz"); err == nil {
			resp.Body.Close()
			return p
		}
		if time.Now().After(deadline) {
			t.Fatalf("drip serve did not answer in 60 s:\n%s", p.logged())
		}
	}
}
