package e2e

import (
	"context"
	"log/slog"
	"net"
	"strings"
	"testing"
	"time"
)

// TestShutdownWithIdleConnection: a client that opened a connection to the
// web port and never sent a request does not hold shutdown up past the
// grace period, and shutdown still ends without error.
func TestShutdownWithIdleConnection(t *testing.T) {
	cfg := config(t, backend{name: "sqlite"})
	cfg.Demo = false
	in := start(t, cfg)
	conn, err := net.Dial("tcp", strings.TrimPrefix(in.URL, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	time.Sleep(100 * time.Millisecond) // let the server accept it
	began := time.Now()
	in.cancel()
	in.cancel = nil
	select {
	case err := <-in.done:
		if err != nil && err != context.Canceled {
			t.Errorf("shutdown with a silent connection open: %v", err)
		}
	case <-time.After(8 * time.Second):
		t.Fatal("shutdown still waiting after 8s for a connection that never sent a request")
	}
	t.Logf("shutdown took %s", time.Since(began).Round(10*time.Millisecond))
	// Closing the silent connection is worth a warning, not an error.
	for _, line := range in.log.lines(slog.LevelError) {
		t.Errorf("shutdown with a silent connection open logged: %s", line)
	}
}
