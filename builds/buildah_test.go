package builds_test

import (
	"archive/tar"
	"bytes"
	"context"
	"errors"
	"io"
	stdlog "log"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-containerregistry/pkg/authn"
	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/registry"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/google/go-containerregistry/pkg/v1/tarball"

	"github.com/berth/berth/builds"
)

const regUser, regPassword = "builder", "pw-not-on-any-command-line"

// buildEnv is a loopback registry wanting regUser's password, holding
// base:1, a one-layer busybox image.
type buildEnv struct {
	host string
	auth builds.RegistryAuth
	b    *builds.Buildah
}

// needBuildah skips when buildah cannot build here, with the reason.
func needBuildah(t testing.TB) {
	if _, err := exec.LookPath("buildah"); err != nil {
		t.Skip("buildah is not installed (apt-get install buildah)")
	}
	if _, err := os.Stat("/bin/busybox"); err != nil {
		t.Skip("/bin/busybox is missing (apt-get install busybox-static)")
	}
	if os.Geteuid() != 0 {
		t.Skip("buildah with chroot isolation and vfs needs root or user namespaces here; run as root")
	}
}

func newBuildEnv(t testing.TB, cfg builds.BuildahConfig) *buildEnv {
	needBuildah(t)
	reg := registry.New(registry.Logger(stdlog.New(io.Discard, "", 0)))
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if u, p, ok := r.BasicAuth(); !ok || u != regUser || p != regPassword {
			w.Header().Set("WWW-Authenticate", `Basic realm="test"`)
			http.Error(w, `{"errors":[{"code":"UNAUTHORIZED"}]}`, http.StatusUnauthorized)
			return
		}
		reg.ServeHTTP(w, r)
	}))
	t.Cleanup(srv.Close)
	host := strings.TrimPrefix(srv.URL, "http://")
	pushBase(t, host+"/library/base:1")
	cfg.PlainHTTP, cfg.Workspaces = true, t.TempDir()
	return &buildEnv{host: host, b: builds.NewBuildah(cfg),
		auth: builds.RegistryAuth{Host: host, Username: regUser, Password: regPassword}}
}

var regAuth = remote.WithAuth(&authn.Basic{Username: regUser, Password: regPassword})

// pushBase pushes a single-layer image of Debian's static busybox, with
// sh, echo, cat and sleep linked to it.
func pushBase(t testing.TB, ref string) {
	bb, err := os.ReadFile("/bin/busybox")
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	must := func(err error) {
		if err != nil {
			t.Fatal(err)
		}
	}
	must(tw.WriteHeader(&tar.Header{Name: "bin/", Typeflag: tar.TypeDir, Mode: 0o755}))
	must(tw.WriteHeader(&tar.Header{Name: "bin/busybox", Mode: 0o755, Size: int64(len(bb))}))
	_, err = tw.Write(bb)
	must(err)
	for _, applet := range []string{"sh", "echo", "cat", "sleep", "seq"} {
		must(tw.WriteHeader(&tar.Header{Name: "bin/" + applet, Typeflag: tar.TypeSymlink, Linkname: "busybox"}))
	}
	must(tw.WriteHeader(&tar.Header{Name: "tmp/", Typeflag: tar.TypeDir, Mode: 0o1777}))
	must(tw.Close())
	layer, err := tarball.LayerFromOpener(func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(buf.Bytes())), nil })
	must(err)
	img, err := mutate.AppendLayers(empty.Image, layer)
	must(err)
	img, err = mutate.Config(img, v1.Config{Env: []string{"PATH=/bin"}, Cmd: []string{"/bin/sh"}})
	must(err)
	// A real base names its platform; buildkitd refuses to export an
	// image whose config lacks it.
	cf, err := img.ConfigFile()
	must(err)
	cf.OS, cf.Architecture = "linux", "amd64"
	img, err = mutate.ConfigFile(img, cf)
	must(err)
	r, err := name.ParseReference(ref)
	must(err)
	must(remote.Write(r, img, regAuth))
}

// repoDir writes files into a new directory standing for a checkout.
func repoDir(t testing.TB, files map[string]string) string {
	dir := t.TempDir()
	for p, content := range files {
		full := filepath.Join(dir, p)
		if err := os.MkdirAll(filepath.Dir(full), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(full, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// imageFiles pulls ref and returns the content of the named files in its
// flattened file system.
func imageFiles(t *testing.T, ref string, names ...string) map[string]string {
	r, err := name.ParseReference(ref)
	if err != nil {
		t.Fatal(err)
	}
	img, err := remote.Image(r, regAuth)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]bool{}
	for _, n := range names {
		want[n] = true
	}
	got := map[string]string{}
	tr := tar.NewReader(mutate.Extract(img))
	for {
		h, err := tr.Next()
		if err == io.EOF {
			return got
		}
		if err != nil {
			t.Fatal(err)
		}
		if p := "/" + strings.TrimPrefix(h.Name, "/"); want[p] {
			b, _ := io.ReadAll(tr)
			got[p] = string(b)
		}
	}
}

// TestBuildahBuildsAndPushes: FROM a base in the registry, RUN, COPY, a
// second stage and a build argument, pushed with the auth file; the
// pulled image holds what each step wrote.
func TestBuildahBuildsAndPushes(t *testing.T) {
	env := newBuildEnv(t, builds.BuildahConfig{})
	dir := repoDir(t, map[string]string{
		"app/hello.txt": "hello from the repository\n",
		"docker/app.Dockerfile": "FROM " + env.host + "/library/base:1 AS stage\n" +
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
	r, _ := name.ParseReference(image)
	desc, err := remote.Head(r, regAuth)
	if err != nil {
		t.Fatal(err)
	}
	if desc.Digest.String() != digest {
		t.Errorf("Build returned %s, the registry holds %s", digest, desc.Digest)
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
}

// TestBuildahFailure: a failing RUN is a BuildError matching
// ErrBuildFailed, and the log shows what the step printed.
func TestBuildahFailure(t *testing.T) {
	env := newBuildEnv(t, builds.BuildahConfig{})
	dir := repoDir(t, map[string]string{"Dockerfile": "FROM " + env.host + "/library/base:1\nRUN echo about-to-fail && exit 3\n"})
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	var log bytes.Buffer
	_, err := env.b.Build(ctx, builds.Job{Dir: dir, Dockerfile: "Dockerfile", Context: ".", Image: env.host + "/acme/app:x", Auth: env.auth}, &log)
	var be *builds.BuildError
	if !errors.Is(err, builds.ErrBuildFailed) || !errors.As(err, &be) || be.Stage != "build" {
		t.Fatalf("Build = %v, want a failed build", err)
	}
	if !strings.Contains(log.String(), "about-to-fail") {
		t.Errorf("log lacks the step's output:\n%s", log.String())
	}
}

// TestBuildahLogCap: a chatty build's log stops at the cap with a marker.
func TestBuildahLogCap(t *testing.T) {
	env := newBuildEnv(t, builds.BuildahConfig{LogLimit: 4096})
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
}

// TestBuildahCancel: cancelling a build kills it; Build returns the
// cancellation, long before the step would have ended.
func TestBuildahCancel(t *testing.T) {
	env := newBuildEnv(t, builds.BuildahConfig{})
	dir := repoDir(t, map[string]string{"Dockerfile": "FROM " + env.host + "/library/base:1\nRUN echo sleeping && sleep 6017\n"})
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
	cancel()
	select {
	case err := <-done:
		if !errors.Is(err, context.Canceled) {
			t.Errorf("Build = %v, want context.Canceled", err)
		}
		if pids := processesRunning("sleep\x006017"); len(pids) > 0 {
			t.Errorf("the build's RUN step outlived the cancel: pids %v", pids)
		}
	case <-time.After(2 * time.Minute):
		t.Fatal("Build still runs after cancel")
	}
}

// TestBuildahRefusesEscapes: a Dockerfile symlinked out of the checkout
// is refused before buildah runs.
func TestBuildahRefusesEscapes(t *testing.T) {
	needBuildah(t)
	dir := repoDir(t, map[string]string{"ok": ""})
	if err := os.Symlink("/etc/hostname", filepath.Join(dir, "Dockerfile")); err != nil {
		t.Fatal(err)
	}
	b := builds.NewBuildah(builds.BuildahConfig{Workspaces: t.TempDir()})
	for _, df := range []string{"Dockerfile", "../x"} {
		_, err := b.Build(context.Background(), builds.Job{Dir: dir, Dockerfile: df, Context: ".", Image: "127.0.0.1:1/a/b:c"}, io.Discard)
		if err == nil || !strings.Contains(err.Error(), "outside") && !strings.Contains(err.Error(), "not inside") {
			t.Errorf("Build with Dockerfile %q = %v, want it refused", df, err)
		}
	}
}

// signalWriter closes seen once want has been written.
type signalWriter struct {
	buf  bytes.Buffer
	want string
	seen chan struct{}
	done bool
}

func (s *signalWriter) Write(p []byte) (int, error) {
	s.buf.Write(p)
	if !s.done && strings.Contains(s.buf.String(), s.want) {
		s.done = true
		close(s.seen)
	}
	return len(p), nil
}

// processesRunning returns the pids whose command line holds arg (NUL
// separated, as /proc shows it).
func processesRunning(arg string) []string {
	var out []string
	dirs, _ := filepath.Glob("/proc/[0-9]*/cmdline")
	for _, d := range dirs {
		if b, err := os.ReadFile(d); err == nil && strings.Contains(string(b), arg) {
			out = append(out, filepath.Base(filepath.Dir(d)))
		}
	}
	return out
}
