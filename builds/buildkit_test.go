package builds_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/v1/remote"

	"github.com/berth/berth/builds"
)

// TestBuildKitBuildsAndPushes: FROM a base in the registry, RUN, COPY, a
// second stage and a build argument, with a "# syntax=" line that is
// ignored; the pulled image holds what each step wrote and Build returns
// the registry's manifest digest.
func TestBuildKitBuildsAndPushes(t *testing.T) {
	forEachWorker(t, builds.BuildKitConfig{}, func(t *testing.T, env *bkEnv) {
		dir := repoDir(t, map[string]string{
			"app/hello.txt": "hello from the repository\n",
			// The syntax line names a frontend image the worker must
			// not fetch (from Docker Hub, unreachable here).
			"docker/app.Dockerfile": "# syntax=docker/dockerfile:1.7\n" +
				"FROM " + env.host + "/library/base:1 AS stage\n" +
				"RUN echo built-in-stage > /stage.txt\n" +
				"FROM " + env.host + "/library/base:1\n" +
				"ARG GREETING\n" +
				"COPY hello.txt /hello.txt\n" +
				"COPY --from=stage /stage.txt /from-stage.txt\n" +
				"RUN echo \"$GREETING\" > /run.txt\n",
		})
		ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
		defer cancel()
		var log bytes.Buffer
		image := env.host + "/acme/app:main-0123456"
		digest, err := env.b.Build(ctx, builds.Job{Dir: dir, Dockerfile: "docker/app.Dockerfile", Context: "app",
			BuildArgs: map[string]string{"GREETING": "hi from a build arg"}, Image: image, Auth: env.auth}, &log)
		if err != nil {
			t.Fatalf("Build: %v\n%s", err, log.String())
		}
		if strings.Contains(log.String(), regPassword) {
			t.Error("the registry password is in the log")
		}
		if !strings.Contains(log.String(), "RUN echo built-in-stage") {
			t.Errorf("the log lacks the build's steps:\n%s", log.String())
		}
		r, _ := name.ParseReference(image)
		desc, err := remote.Head(r, regAuth)
		if err != nil {
			t.Fatal(err)
		}
		if desc.Digest.String() != digest {
			t.Errorf("Build returned %s, the registry holds %s", digest, desc.Digest)
		}
		if env.kind == "engine" && exec.Command("docker", "image", "inspect", image).Run() == nil {
			t.Errorf("the Engine still holds %s after the push", image)
		}
		got := imageFiles(t, image, "/hello.txt", "/from-stage.txt", "/run.txt", "/bin/busybox")
		for p, want := range map[string]string{"/hello.txt": "hello from the repository\n",
			"/from-stage.txt": "built-in-stage\n", "/run.txt": "hi from a build arg\n"} {
			if got[p] != want {
				t.Errorf("%s = %q, want %q", p, got[p], want)
			}
		}
		if len(got["/bin/busybox"]) < 100_000 {
			t.Errorf("the base's busybox is missing from the image")
		}
	})
}

// TestBuildKitFailure: a failing RUN is a BuildError matching
// ErrBuildFailed with the step's exit code, and the log shows what the
// step printed and why the build stopped.
func TestBuildKitFailure(t *testing.T) {
	forEachWorker(t, builds.BuildKitConfig{}, func(t *testing.T, env *bkEnv) {
		dir := repoDir(t, map[string]string{"Dockerfile": "FROM " + env.host + "/library/base:1\nRUN echo about-to-fail && exit 3\n"})
		ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
		defer cancel()
		var log bytes.Buffer
		_, err := env.b.Build(ctx, builds.Job{Dir: dir, Dockerfile: "Dockerfile", Context: ".", Image: env.host + "/acme/app:x", Auth: env.auth}, &log)
		var be *builds.BuildError
		if !errors.Is(err, builds.ErrBuildFailed) || !errors.As(err, &be) || be.Stage != "build" || be.ExitCode != 3 {
			t.Fatalf("Build = %v, want a failed build with exit status 3\n%s", err, log.String())
		}
		for _, want := range []string{"about-to-fail", "exit code: 3"} {
			if !strings.Contains(log.String(), want) {
				t.Errorf("log lacks %q:\n%s", want, log.String())
			}
		}
	})
}

// TestBuildKitWrongPassword: a base the account may not pull fails the
// build, and the log says the registry refused.
func TestBuildKitWrongPassword(t *testing.T) {
	forEachWorker(t, builds.BuildKitConfig{}, func(t *testing.T, env *bkEnv) {
		dir := repoDir(t, map[string]string{"Dockerfile": "FROM " + env.host + "/library/base:1\nRUN echo never\n"})
		ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
		defer cancel()
		var log bytes.Buffer
		auth := env.auth
		auth.Password = "wrong"
		_, err := env.b.Build(ctx, builds.Job{Dir: dir, Dockerfile: "Dockerfile", Context: ".", Image: env.host + "/acme/app:x", Auth: auth}, &log)
		if !errors.Is(err, builds.ErrBuildFailed) {
			t.Fatalf("Build = %v, want a failed build", err)
		}
		if !strings.Contains(strings.ToLower(log.String()), "unauthorized") {
			t.Errorf("log does not say the registry refused:\n%s", log.String())
		}
	})
}

// TestBuildKitCancel: cancelling a build stops it on the worker; Build
// returns the cancellation and the RUN step's process is gone.
func TestBuildKitCancel(t *testing.T) {
	forEachWorker(t, builds.BuildKitConfig{}, func(t *testing.T, env *bkEnv) {
		dir := repoDir(t, map[string]string{"Dockerfile": "FROM " + env.host + "/library/base:1\nRUN echo sleeping && sleep 6023\n"})
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		log := &signalWriter{seen: make(chan struct{}), want: "sleeping"}
		done := make(chan error, 1)
		go func() {
			_, err := env.b.Build(ctx, builds.Job{Dir: dir, Dockerfile: "Dockerfile", Context: ".", Image: env.host + "/acme/app:x", Auth: env.auth}, log)
			done <- err
		}()
		select {
		case <-log.seen:
		case err := <-done:
			t.Fatalf("Build ended before its RUN step: %v", err)
		case <-time.After(2 * time.Minute):
			t.Fatal("the RUN step never started")
		}
		for start := time.Now(); len(processesRunning("sleep\x006023")) == 0; time.Sleep(100 * time.Millisecond) {
			if time.Since(start) > 30*time.Second {
				t.Fatal("the RUN step's sleep is not visible in /proc; the check below would prove nothing")
			}
		}
		cancel()
		select {
		case err := <-done:
			if !errors.Is(err, context.Canceled) {
				t.Errorf("Build = %v, want context.Canceled", err)
			}
		case <-time.After(2 * time.Minute):
			t.Fatal("Build still runs after cancel")
		}
		// The worker kills the step once it sees the session end.
		deadline := time.Now().Add(30 * time.Second)
		for len(processesRunning("sleep\x006023")) > 0 {
			if time.Now().After(deadline) {
				t.Fatalf("the build's RUN step outlived the cancel by 30 s: pids %v", processesRunning("sleep\x006023"))
			}
			time.Sleep(200 * time.Millisecond)
		}
	})
}

// TestBuildKitTimeout: a build past the configured timeout stops with
// context.DeadlineExceeded.
func TestBuildKitTimeout(t *testing.T) {
	forEachWorker(t, builds.BuildKitConfig{Timeout: 3 * time.Second}, func(t *testing.T, env *bkEnv) {
		dir := repoDir(t, map[string]string{"Dockerfile": "FROM " + env.host + "/library/base:1\nRUN sleep 6029\n"})
		_, err := env.b.Build(context.Background(), builds.Job{Dir: dir, Dockerfile: "Dockerfile", Context: ".", Image: env.host + "/acme/app:x", Auth: env.auth}, io.Discard)
		if !errors.Is(err, context.DeadlineExceeded) {
			t.Errorf("Build = %v, want context.DeadlineExceeded", err)
		}
	})
}

// TestBuildKitLogCap: a chatty build's log stops at the cap with the
// same marker as Buildah's, and the build still succeeds.
func TestBuildKitLogCap(t *testing.T) {
	forEachWorker(t, builds.BuildKitConfig{LogLimit: 4096}, func(t *testing.T, env *bkEnv) {
		dir := repoDir(t, map[string]string{"Dockerfile": "FROM " + env.host + "/library/base:1\nRUN seq 1 20000\n"})
		ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
		defer cancel()
		var log bytes.Buffer
		if _, err := env.b.Build(ctx, builds.Job{Dir: dir, Dockerfile: "Dockerfile", Context: ".", Image: env.host + "/acme/app:chatty", Auth: env.auth}, &log); err != nil {
			t.Fatalf("Build: %v", err)
		}
		marker := "[berth: log truncated at 4096 bytes; the build goes on]\n"
		if !strings.HasSuffix(log.String(), marker) || log.Len() != 4096+1+len(marker) {
			t.Errorf("log is %d bytes ending %q, want 4096 and the marker", log.Len(), log.String()[max(0, log.Len()-80):])
		}
	})
}

// TestBuildKitRefusesEscapes: a Dockerfile or context outside the
// checkout is refused before any daemon is dialled (the address is
// unreachable on purpose).
func TestBuildKitRefusesEscapes(t *testing.T) {
	dir := repoDir(t, map[string]string{"ok": ""})
	if err := os.Symlink("/etc", dir+"/etc"); err != nil {
		t.Fatal(err)
	}
	b := builds.NewBuildKit(builds.BuildKitConfig{Addr: "unix:///nonexistent/buildkitd.sock"})
	for _, job := range []builds.Job{{Dockerfile: "../x", Context: "."}, {Dockerfile: "ok", Context: "etc"}, {Dockerfile: "etc/hostname", Context: "."}} {
		job.Dir, job.Image = dir, "127.0.0.1:1/a/b:c"
		_, err := b.Build(context.Background(), job, io.Discard)
		if err == nil || !strings.Contains(err.Error(), "outside") && !strings.Contains(err.Error(), "not inside") {
			t.Errorf("Build with Dockerfile %q, context %q = %v, want it refused", job.Dockerfile, job.Context, err)
		}
	}
}

// TestBuildKitCache: by default every step runs again; with ShareCache a
// second identical build reuses the worker's cached step.
func TestBuildKitCache(t *testing.T) {
	output := regexp.MustCompile(`(?m)^#\d+ \d+\.\d+ cache-probe$`)
	for _, share := range []bool{false, true} {
		t.Run(fmt.Sprintf("ShareCache=%t", share), func(t *testing.T) { testCache(t, share, output) })
	}
}

// testCache builds the same Dockerfile twice and checks whether the
// second build's RUN printed its output (ran) or came from the cache.
func testCache(t *testing.T, share bool, output *regexp.Regexp) {
	forEachWorker(t, builds.BuildKitConfig{ShareCache: share}, func(t *testing.T, env *bkEnv) {
		dir := repoDir(t, map[string]string{"Dockerfile": "FROM " + env.host + "/library/base:1\nRUN echo cache-probe # " + env.host + "\n"})
		var log bytes.Buffer
		for range 2 {
			log.Reset()
			if _, err := env.b.Build(context.Background(), builds.Job{Dir: dir, Dockerfile: "Dockerfile", Context: ".", Image: env.host + "/acme/app:c", Auth: env.auth}, &log); err != nil {
				t.Fatalf("Build: %v\n%s", err, log.String())
			}
		}
		ran := output.MatchString(log.String())
		if ran == share {
			t.Errorf("with ShareCache %t the second build's RUN ran: %t\n%s", share, ran, log.String())
		}
	})
}

// TestBuildKitUnavailable: a daemon that is not there, or that refuses
// Berth's TLS, is ErrWorkerUnavailable (worth retrying), never a failed
// build.
func TestBuildKitUnavailable(t *testing.T) {
	dir := repoDir(t, map[string]string{"Dockerfile": "FROM 127.0.0.1:1/library/base:1\n"})
	job := builds.Job{Dir: dir, Dockerfile: "Dockerfile", Context: ".", Image: "127.0.0.1:1/acme/app:x"}
	try := func(t *testing.T, cfg builds.BuildKitConfig) {
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		_, err := builds.NewBuildKit(cfg).Build(ctx, job, io.Discard)
		if !errors.Is(err, builds.ErrWorkerUnavailable) || errors.Is(err, builds.ErrBuildFailed) {
			t.Errorf("Build on %s = %v, want ErrWorkerUnavailable", cfg.Addr, err)
		}
	}
	for _, addr := range []string{"unix:///nonexistent/buildkitd.sock", "tcp://127.0.0.1:1", "dockerd://unix:///nonexistent/docker.sock"} {
		try(t, builds.BuildKitConfig{Addr: addr})
	}
	t.Run("buildkitd without client certificate", func(t *testing.T) {
		needEngine(t)
		var cfg builds.BuildKitConfig
		if cfg.Addr, _ = startBuildkitd(t, &cfg); cfg.Addr == "" {
			t.Skip("no buildkitd image here; see the log above")
		}
		cfg.TLS = &builds.BuildKitTLS{CACert: cfg.TLS.CACert}
		try(t, cfg)
	})
}
