// Package e2e holds end-to-end tests: the whole Berth server started
// in-process on free loopback ports, driven through its real interfaces
// (HTTP API, registry protocol with go-containerregistry, headless Chromium).
package e2e

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"os"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/berth/berth/internal/mongotest"
	"github.com/berth/berth/server"
)

// backend names a database configuration every end-to-end flow runs on.
type backend struct {
	name  string
	mongo bool
}

var backends = []backend{{name: "sqlite"}, {name: "mongodb", mongo: true}}

// instance is one running Berth.
type instance struct {
	t        *testing.T
	srv      *server.Server
	cfg      server.Config
	URL      string // web and API
	Registry string // registry host:port as clients address it
	cancel   context.CancelFunc
	done     chan error
	// log records what the server logged at WARN and ERROR; expected holds the patterns of the errors the test
	// provokes on purpose. Any other ERROR line, or 5xx answer, fails the
	// test when the instance stops.
	log      *serverLog
	expected []*regexp.Regexp
}

// config returns a configuration on free loopback ports in a fresh data dir.
func config(t *testing.T, b backend) server.Config {
	cfg := server.Defaults()
	cfg.Addr, cfg.RegistryAddr = "localhost:0", "localhost:0"
	cfg.DataDir = t.TempDir()
	cfg.Demo = true
	cfg.LogLevel = "warn"
	if b.mongo {
		cfg.MongoURI = mongotest.StartURI(t)
		cfg.MongoDatabase = "e2e_" + strings.NewReplacer("/", "_", " ", "_").Replace(t.Name())
	}
	return cfg
}

// start runs Berth with cfg and waits until /readyz says ready (demo seeded).
func start(t *testing.T, cfg server.Config) *instance {
	t.Helper()
	return startWith(t, cfg, warnings(), true)
}

// warnings is the tests' server logger: warnings and errors to stderr.
func warnings() *slog.Logger {
	return slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
}

// startWith runs Berth with cfg logging to log, and waits for readiness
// when wait is set. The instance records the server's WARN and ERROR
// lines beside log, and checks the ERROR lines when it stops.
func startWith(t *testing.T, cfg server.Config, log *slog.Logger, wait bool) *instance {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	rec := newServerLog(log.Handler(), slog.LevelWarn)
	srv, err := server.New(ctx, cfg, slog.New(rec))
	if err != nil {
		cancel()
		t.Fatalf("starting berth: %v", err)
	}
	in := &instance{t: t, srv: srv, cfg: cfg, URL: srv.PublicURL, Registry: strings.TrimPrefix(srv.RegistryURL, "http://"),
		cancel: cancel, done: make(chan error, 1), log: rec}
	go func() { in.done <- srv.Run(ctx) }()
	t.Cleanup(in.stop)
	if wait {
		in.waitReady(90 * time.Second)
	}
	return in
}

func (in *instance) waitReady(limit time.Duration) {
	in.t.Helper()
	deadline := time.Now().Add(limit)
	for {
		resp, err := http.Get(in.URL + "/readyz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return
			}
		}
		if time.Now().After(deadline) {
			in.t.Fatalf("berth at %s not ready after %s (last error %v)", in.URL, limit, err)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// stop shuts the instance down and checks that it stopped cleanly, and
// that it logged no ERROR line and answered no 5xx the test did not
// expect.
func (in *instance) stop() {
	if in.cancel == nil {
		return
	}
	answers := in.serverErrors()
	// The test's idle keep-alive connections would hold up the web
	// server's graceful stop.
	http.DefaultClient.CloseIdleConnections()
	in.cancel()
	in.cancel = nil
	select {
	case err := <-in.done:
		if err != nil && !errors.Is(err, context.Canceled) {
			in.t.Errorf("berth stopped with error: %v", err)
		}
	case <-time.After(20 * time.Second):
		in.t.Error("berth did not stop within 20s")
	}
	for _, line := range append(answers, in.log.lines(slog.LevelError)...) {
		if !in.isExpected(line) {
			in.t.Errorf("the server logged or answered an error the test did not expect (declare it with in.expectErrors): %s", line)
		}
	}
}

// call sends a JSON request with optional basic credentials and decodes the
// JSON answer into out (when non-nil). It returns the status.
func (in *instance) call(method, path string, user, pass string, body, out any) int {
	in.t.Helper()
	var r io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			in.t.Fatal(err)
		}
		r = bytes.NewReader(b)
	}
	req, err := http.NewRequest(method, in.URL+path, r)
	if err != nil {
		in.t.Fatal(err)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if user != "" || pass != "" {
		req.SetBasicAuth(user, pass)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		in.t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	if out != nil && len(raw) > 0 {
		if err := json.Unmarshal(raw, out); err != nil {
			in.t.Fatalf("%s %s: decoding %q: %v", method, path, raw, err)
		}
	}
	return resp.StatusCode
}
