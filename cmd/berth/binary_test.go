package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// binDir holds the berth binary built for this test run, once.
var (
	binDir   string
	binOnce  sync.Once
	binPath  string
	binError error
)

// TestMain removes the binary berthBinary built, if any, after the tests.
func TestMain(m *testing.M) {
	code := m.Run()
	if binDir != "" {
		os.RemoveAll(binDir)
	}
	os.Exit(code)
}

// berthBinary builds the real berth binary on first use and returns its path.
// It is built with the failpoint tag, so that the crash tests can arm one
// (internal/failpoint); release builds have none.
func berthBinary(t *testing.T) string {
	t.Helper()
	binOnce.Do(func() {
		if binDir, binError = os.MkdirTemp("", "berth-bin-"); binError != nil {
			return
		}
		binPath = filepath.Join(binDir, "berth")
		out, err := exec.Command("go", "build", "-tags", "failpoint", "-o", binPath, ".").CombinedOutput()
		if err != nil {
			binError = fmt.Errorf("go build: %v\n%s", err, out)
		}
	})
	if binError != nil {
		t.Fatal(binError)
	}
	return binPath
}

// berthEnv is this process's environment without any BERTH_* variable,
// plus vars (each NAME=value).
func berthEnv(vars map[string]string) []string {
	var env []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "BERTH_") {
			env = append(env, kv)
		}
	}
	for k, v := range vars {
		env = append(env, k+"="+v)
	}
	return env
}

// proc is a running `berth serve` whose standard error is collected.
type proc struct {
	cmd       *exec.Cmd
	mu        sync.Mutex
	stderr    strings.Builder
	listening chan map[string]any // the "berth is listening" record, once
	done      chan error          // cmd.Wait's result, once output is drained
}

// startServe runs `berth serve` with vars and returns once it has logged
// "berth is listening"; the test fails if it exits or takes over 60s first.
func startServe(t *testing.T, vars map[string]string) (*proc, map[string]any) {
	t.Helper()
	p := &proc{cmd: exec.Command(berthBinary(t), "serve"), listening: make(chan map[string]any, 1), done: make(chan error, 1)}
	p.cmd.Env = berthEnv(vars)
	pipe, err := p.cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := p.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go p.collect(bufio.NewScanner(pipe))
	t.Cleanup(func() { p.cmd.Process.Kill() })
	select {
	case rec := <-p.listening:
		return p, rec
	case err := <-p.done:
		t.Fatalf("berth serve exited before listening: %v\n%s", err, p.logs())
	case <-time.After(60 * time.Second):
		t.Fatalf("berth serve not listening after 60s:\n%s", p.logs())
	}
	return nil, nil
}

// collect keeps every line of standard error, reports the listening record
// and then the process's exit.
func (p *proc) collect(sc *bufio.Scanner) {
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for sc.Scan() {
		p.mu.Lock()
		p.stderr.WriteString(sc.Text() + "\n")
		p.mu.Unlock()
		var rec map[string]any
		if json.Unmarshal(sc.Bytes(), &rec) == nil && rec["msg"] == "berth is listening" {
			p.listening <- rec
		}
	}
	p.done <- p.cmd.Wait()
}

func (p *proc) logs() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.stderr.String()
}

// stop sends sig and checks that berth exits 0 within 15s, saying so.
func (p *proc) stop(t *testing.T, sig os.Signal) {
	t.Helper()
	if err := p.cmd.Process.Signal(sig); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-p.done:
		if err != nil {
			t.Errorf("after %v berth exited with %v\n%s", sig, err, p.logs())
		}
	case <-time.After(15 * time.Second):
		t.Fatalf("berth still running 15s after %v", sig)
	}
	if !strings.Contains(p.logs(), `"msg":"berth stopped"`) {
		t.Errorf("after %v berth did not log \"berth stopped\":\n%s", sig, p.logs())
	}
}

var localURL = regexp.MustCompile(`^http://localhost:[0-9]+$`)

// TestServeStartsAndStops starts the binary twice on one data directory,
// stopping it with SIGTERM then SIGINT (the second run also seeds the demo
// catalog), and checks that the token keys survive the restart.
func TestServeStartsAndStops(t *testing.T) {
	dir := t.TempDir()
	kid1 := serveOnce(t, dir, syscall.SIGTERM, false)
	kid2 := serveOnce(t, dir, syscall.SIGINT, true)
	if kid1 != kid2 {
		t.Errorf("signing key changed across restart: kid %q then %q", kid1, kid2)
	}
	if fi, err := os.Stat(filepath.Join(dir, "registry")); err != nil || !fi.IsDir() {
		t.Errorf("registry storage in the data dir after pushing the demo: %v", err)
	}
}

// serveOnce runs berth serve on dir, checks its endpoints and files, stops
// it with sig and returns the JWKS key id.
func serveOnce(t *testing.T, dir string, sig os.Signal, demo bool) string {
	t.Helper()
	p, rec := startServe(t, map[string]string{"BERTH_ADDR": "localhost:0", "BERTH_REGISTRY_ADDR": "localhost:0",
		"BERTH_DATA_DIR": dir, "BERTH_LOG_FORMAT": "json", "BERTH_DEMO": fmt.Sprint(demo)})
	web, _ := rec["web"].(string)
	reg, _ := rec["registry"].(string)
	if !localURL.MatchString(web) || !localURL.MatchString(reg) || web == reg {
		t.Fatalf("listening on web %q, registry %q; want two http://localhost:PORT", web, reg)
	}
	checkEndpoints(t, web)
	kid := checkKeys(t, web, dir)
	if _, err := os.Stat(filepath.Join(dir, "berth.db")); err != nil {
		t.Errorf("database file: %v", err)
	}
	p.stop(t, sig)
	return kid
}

// TestServeRejectsBadSettings checks that a bad setting stops `berth serve`
// before it opens a port or the data directory, naming the setting. Both
// addresses default to a port the test holds, so a process that got as far
// as listening would fail differently.
func TestServeRejectsBadSettings(t *testing.T) {
	held, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer held.Close()
	for _, tc := range []struct {
		name string
		env  map[string]string
		args []string
		want string
	}{
		{"ttl not a duration", map[string]string{"BERTH_TOKEN_TTL": "banana"}, nil, "BERTH_TOKEN_TTL"},
		{"ttl too short", map[string]string{"BERTH_TOKEN_TTL": "1s"}, nil, "BERTH_TOKEN_TTL"},
		{"addr", map[string]string{"BERTH_ADDR": "nonsense"}, nil, "BERTH_ADDR"},
		{"public url", map[string]string{"BERTH_PUBLIC_URL": "ftp://x"}, nil, "BERTH_PUBLIC_URL"},
		{"mongo uri", map[string]string{"BERTH_MONGO_URI": "postgres://x"}, nil, "BERTH_MONGO_URI"},
		{"log level", map[string]string{"BERTH_LOG_LEVEL": "loud"}, nil, "BERTH_LOG_LEVEL"},
		{"job lease not a duration", map[string]string{"BERTH_JOB_LEASE": "soon"}, nil, "BERTH_JOB_LEASE"},
		{"job lease too short", map[string]string{"BERTH_JOB_LEASE": "1s"}, nil, "BERTH_JOB_LEASE: want between 2s and 10m0s"},
		{"job lease too long", map[string]string{"BERTH_JOB_LEASE": "11m"}, nil, "BERTH_JOB_LEASE: want between 2s and 10m0s"},
		{"external registry without secret", map[string]string{"BERTH_REGISTRY_URL": "http://reg:5000"}, nil, "BERTH_REGISTRY_NOTIFY_SECRET"},
		{"demo", map[string]string{"BERTH_DEMO": "maybe"}, nil, "BERTH_DEMO"},
		{"kek too short", map[string]string{"BERTH_KEK": "c2hvcnQ="}, nil, "BERTH_KEK: want 32 random bytes"},
		{"kek and kek file", map[string]string{"BERTH_KEK": "MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY=", "BERTH_KEK_FILE": "/tmp/k"}, nil, "BERTH_KEK_FILE: set BERTH_KEK or BERTH_KEK_FILE, not both"},
		{"flag wins over env", map[string]string{"BERTH_LOG_LEVEL": "debug"}, []string{"--log-level", "loud"}, `BERTH_LOG_LEVEL: want debug, info, warn or error, got "loud"`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			data := filepath.Join(t.TempDir(), "data")
			vars := map[string]string{"BERTH_ADDR": held.Addr().String(), "BERTH_REGISTRY_ADDR": held.Addr().String(), "BERTH_DATA_DIR": data}
			for k, v := range tc.env {
				vars[k] = v
			}
			stderr, err := runBerth(t, vars, append([]string{"serve"}, tc.args...)...)
			var exit *exec.ExitError
			if !errors.As(err, &exit) || exit.ExitCode() == 0 {
				t.Fatalf("berth serve: %v; want a non-zero exit\n%s", err, stderr)
			}
			if !strings.Contains(stderr, tc.want) {
				t.Errorf("stderr %q does not mention %s", stderr, tc.want)
			}
			if strings.Contains(stderr, "listening") {
				t.Errorf("berth got as far as listening: %q", stderr)
			}
			if _, err := os.Stat(data); !errors.Is(err, os.ErrNotExist) {
				t.Errorf("data dir touched before validation: %v", err)
			}
		})
	}
}

// runBerth runs the binary with args and vars to completion (30s at most)
// and returns its standard error.
func runBerth(t *testing.T, vars map[string]string, args ...string) (string, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, berthBinary(t), args...)
	cmd.Env = berthEnv(vars)
	var stderr strings.Builder
	cmd.Stderr = &stderr
	err := cmd.Run()
	return stderr.String(), err
}

// TestHealthcheck runs `berth healthcheck` against a running server and
// against a port nothing listens on.
func TestHealthcheck(t *testing.T) {
	p, rec := startServe(t, map[string]string{"BERTH_ADDR": "localhost:0", "BERTH_REGISTRY_ADDR": "localhost:0",
		"BERTH_DATA_DIR": t.TempDir(), "BERTH_LOG_FORMAT": "json"})
	addr := strings.TrimPrefix(rec["web"].(string), "http://")
	if stderr, err := runBerth(t, map[string]string{"BERTH_ADDR": addr}, "healthcheck"); err != nil {
		t.Errorf("healthcheck against %s: %v\n%s", addr, err, stderr)
	}
	p.stop(t, syscall.SIGTERM)

	stderr, err := runBerth(t, map[string]string{"BERTH_ADDR": addr}, "healthcheck")
	var exit *exec.ExitError
	if !errors.As(err, &exit) || exit.ExitCode() == 0 || !strings.Contains(stderr, "healthcheck") {
		t.Errorf("healthcheck with nothing on %s: %v %q; want a non-zero exit saying why", addr, err, stderr)
	}
}

// TestServePortInUse: a listen address already taken stops start-up with a
// message naming the setting, not a crash.
func TestServePortInUse(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	cmd := exec.Command(berthBinary(t), "serve")
	cmd.Env = []string{"BERTH_ADDR=" + ln.Addr().String(), "BERTH_REGISTRY_ADDR=127.0.0.1:0", "BERTH_DATA_DIR=" + t.TempDir()}
	out, err := cmd.CombinedOutput()
	if err == nil || !strings.Contains(string(out), "BERTH_ADDR") || strings.Contains(string(out), "panic") {
		t.Errorf("serve on a taken address: %v\n%s\nwant a clean failure naming BERTH_ADDR", err, out)
	}
}
