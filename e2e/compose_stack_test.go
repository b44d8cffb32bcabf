package e2e

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/base64"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// stack is one run of docker-compose.yml with docker-compose.ci.yml: two
// Berth instances (A and B) on the FerretDB and S3 stand-ins, under a
// compose project of its own, reached through ports published on
// localhost.
type stack struct {
	t       *testing.T
	compose []string // the compose command and its file and project flags
	env     []string
	project string
	A, B    *instance
	began   time.Time
	steps   []string // the timeline
}

// composeCommand is docker-compose, or docker's compose plugin.
func composeCommand(t *testing.T) []string {
	t.Helper()
	if _, err := exec.LookPath("docker-compose"); err == nil {
		return []string{"docker-compose"}
	}
	if exec.Command("docker", "compose", "version").Run() == nil {
		return []string{"docker", "compose"}
	}
	t.Fatal("docker answers but neither docker-compose nor docker compose is installed")
	return nil
}

// freePort is a loopback port nothing listens on now.
func freePort(t *testing.T) int {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	must(t, err)
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}

// startStack builds the images (the binaries on the host, with its Go
// build cache) and brings the stack up, with a unique project name, taken
// down with its volumes when t ends.
func startStack(t *testing.T, extraEnv ...string) *stack {
	t.Helper()
	if out, err := exec.Command("docker", "info").CombinedOutput(); err != nil {
		t.Skipf("no Docker Engine answers here (docker info: %v: %s)", err, bytes.TrimSpace(out))
	}
	root, err := filepath.Abs("..")
	must(t, err)
	s := &stack{t: t, began: time.Now(), project: fmt.Sprintf("berthci%d", time.Now().UnixNano()%1e9)}
	ctxDir := t.TempDir()
	s.run(10*time.Minute, nil, "bash", filepath.Join(root, "deploy/standins/build"), ctxDir)
	s.step("binaries built on the host")

	pa, pra, pb, prb := freePort(t), freePort(t), freePort(t), freePort(t)
	s.env = append(os.Environ(), "BERTH_CI_CONTEXT="+ctxDir, "BERTH_CI_TAG="+s.project,
		"BERTH_KEK="+ciKEK(t), "BERTH_S3_SECRET_KEY=ci-secret",
		fmt.Sprintf("BERTH_A_PORT=%d", pa), fmt.Sprintf("BERTH_A_REGISTRY_PORT=%d", pra),
		fmt.Sprintf("BERTH_B_PORT=%d", pb), fmt.Sprintf("BERTH_B_REGISTRY_PORT=%d", prb))
	s.env = append(s.env, extraEnv...)
	s.compose = append(composeCommand(t), "-f", filepath.Join(root, "docker-compose.yml"),
		"-f", filepath.Join(root, "docker-compose.ci.yml"), "-p", s.project)
	t.Cleanup(s.down)
	s.docker(5*time.Minute, "build")
	s.step("images built")
	s.docker(3*time.Minute, "up", "-d")
	s.A = &instance{t: t, URL: fmt.Sprintf("http://localhost:%d", pa), Registry: fmt.Sprintf("localhost:%d", pra)}
	s.B = &instance{t: t, URL: fmt.Sprintf("http://localhost:%d", pb), Registry: fmt.Sprintf("localhost:%d", prb)}
	s.waitHealthy("berth-a", "berth-b")
	s.A.waitReady(time.Minute)
	s.B.waitReady(time.Minute)
	s.step("stack up, both instances healthy and ready")
	return s
}

// step records a point of the timeline.
func (s *stack) step(what string) {
	line := fmt.Sprintf("+%6.1fs  %s", time.Since(s.began).Seconds(), what)
	s.steps = append(s.steps, line)
	s.t.Log("timeline: " + line)
}

// run runs a command with the stack's environment, failing t when it
// fails or outlasts limit, and returns its standard output.
func (s *stack) run(limit time.Duration, stdin io.Reader, name string, args ...string) string {
	s.t.Helper()
	out, err := s.try(limit, stdin, name, args...)
	if err != nil {
		s.t.Fatal(err)
	}
	return out
}

func (s *stack) try(limit time.Duration, stdin io.Reader, name string, args ...string) (string, error) {
	ctx, cancel := context.WithTimeout(context.Background(), limit)
	defer cancel()
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.Env, cmd.Stdin = s.env, stdin
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		return stdout.String(), fmt.Errorf("%s %s: %v\n%s%s", name, strings.Join(args, " "), err, stdout.Bytes(), stderr.Bytes())
	}
	return stdout.String(), nil
}

// docker runs a compose subcommand on the stack.
func (s *stack) docker(limit time.Duration, args ...string) string {
	s.t.Helper()
	all := append(append([]string{}, s.compose[1:]...), args...)
	return s.run(limit, nil, s.compose[0], all...)
}

// container is the id of service's container.
func (s *stack) container(service string) string {
	s.t.Helper()
	id := strings.TrimSpace(s.docker(time.Minute, "ps", "-q", service))
	if id == "" {
		s.t.Fatalf("no container of %s", service)
	}
	return id
}

// waitHealthy waits until the services' health checks pass.
func (s *stack) waitHealthy(services ...string) {
	s.t.Helper()
	for _, svc := range services {
		id := s.container(svc)
		deadline := time.Now().Add(2 * time.Minute)
		for {
			state, _ := s.try(30*time.Second, nil, "docker", "inspect", "-f", "{{.State.Status}} {{.State.Health.Status}}", id)
			if strings.TrimSpace(state) == "running healthy" {
				break
			}
			if time.Now().After(deadline) {
				logs, _ := s.try(30*time.Second, nil, "docker", "logs", "--tail", "50", id)
				s.t.Fatalf("%s not healthy after 2m: %s\n%s", svc, state, logs)
			}
			time.Sleep(500 * time.Millisecond)
		}
	}
}

// network is the stack's compose network.
func (s *stack) network() string { return s.project + "_default" }

// ip is the address of service's container on the stack's network.
func (s *stack) ip(service string) string {
	s.t.Helper()
	return strings.TrimSpace(s.run(30*time.Second, nil, "docker", "inspect", "-f",
		fmt.Sprintf(`{{(index .NetworkSettings.Networks %q).IPAddress}}`, s.network()), s.container(service)))
}

// gateway is the host's address on the stack's network: where the
// containers reach a server of the test.
func (s *stack) gateway() string {
	s.t.Helper()
	return strings.TrimSpace(s.run(30*time.Second, nil, "docker", "network", "inspect", "-f", "{{(index .IPAM.Config 0).Gateway}}", s.network()))
}

// down removes the stack and its volumes, keeping the Berth logs of a
// failed test, and prints the timeline.
func (s *stack) down() {
	if s.t.Failed() {
		for _, svc := range []string{"berth-a", "berth-b"} {
			if logs, err := s.try(time.Minute, nil, s.compose[0], append(append([]string{}, s.compose[1:]...), "logs", "--tail", "80", svc)...); err == nil {
				s.t.Logf("%s logs:\n%s", svc, logs)
			}
		}
	}
	if _, err := s.try(3*time.Minute, nil, s.compose[0], append(append([]string{}, s.compose[1:]...), "down", "-v", "--rmi", "local", "--remove-orphans")...); err != nil {
		s.t.Errorf("taking the stack down: %v", err)
	}
	for _, img := range []string{"berth", "ferretdb", "s3"} {
		_, _ = s.try(time.Minute, nil, "docker", "rmi", "-f", "berth-ci/"+img+":"+s.project)
	}
	s.t.Log("timeline of " + s.project + ":\n" + strings.Join(s.steps, "\n"))
}

// get GETs url and returns the status, or 0 when nothing answers.
func get(url string) int {
	c := &http.Client{Timeout: 5 * time.Second}
	resp, err := c.Get(url)
	if err != nil {
		return 0
	}
	resp.Body.Close()
	return resp.StatusCode
}

// ciKEK is a fresh key-encryption key for the stack's instances to share.
func ciKEK(t *testing.T) string {
	t.Helper()
	k := make([]byte, 32)
	_, err := rand.Read(k)
	must(t, err)
	return base64.StdEncoding.EncodeToString(k)
}
