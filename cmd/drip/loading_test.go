package main

import (
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"testing"
	"time"
)

func getStatus(t *testing.T, url string) (int, string) {
	t.Helper()
	c := http.Client{Timeout: 5 * time.Second}
	resp, err := c.Get(url)
	if err != nil {
		t.Fatalf("GET %s: %v", url, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// While the demo loads, liveness answers at once and readiness says not
// yet; after it, the real server answers on the same address.
func TestServeDemoAnswersLivenessWhileLoading(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	base := "http://" + ln.Addr().String()
	type probe struct {
		path string
		want int
	}
	probes := []probe{{"/healthz", 200}, {"/readyz", 503}, {"/households", 503}}
	real, err := whileLoading(context.Background(), ln, func() error {
		for _, p := range probes {
			if got, body := getStatus(t, base+p.path); got != p.want {
				t.Errorf("during the load GET %s = %d %s, want %d", p.path, got, body, p.want)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { w.Write([]byte("real")) })}
	done := make(chan error, 1)
	go func() { done <- srv.Serve(real) }()
	if got, body := getStatus(t, base+"/readyz"); got != 200 || body != "real" {
		t.Errorf("after the load GET /readyz = %d %q, want the real server's answer", got, body)
	}
	srv.Close()
	if err := <-done; !errors.Is(err, http.ErrServerClosed) {
		t.Errorf("serve = %v", err)
	}
	if _, err := net.DialTimeout("tcp", ln.Addr().String(), time.Second); err == nil {
		t.Error("the address still accepts after the real server closed")
	}
}

func TestServeDemoLoadFailureClosesTheListener(t *testing.T) {
	ln, _ := net.Listen("tcp", "127.0.0.1:0")
	boom := errors.New("boom")
	if _, err := whileLoading(context.Background(), ln, func() error { return boom }); !errors.Is(err, boom) {
		t.Fatalf("err = %v", err)
	}
	if _, err := net.DialTimeout("tcp", ln.Addr().String(), time.Second); err == nil {
		t.Error("a failed load left the address listening")
	}
}
