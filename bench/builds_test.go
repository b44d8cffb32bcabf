package bench

import (
	"archive/tar"
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/google/go-containerregistry/pkg/authn"
	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/google/go-containerregistry/pkg/v1/tarball"

	"github.com/berth/berth/account"
	"github.com/berth/berth/builds"
	"github.com/berth/berth/catalog"
	"github.com/berth/berth/internal/sqldb"
	"github.com/berth/berth/jobs"
	jobssqlite "github.com/berth/berth/jobs/sqlitestore"
	"github.com/berth/berth/server"
)

// buildBench is a running Berth whose user alice has a private busybox
// base and a repository alice/app built from a Git repository on a
// loopback git daemon.
type buildBench struct {
	srv      *server.Server
	registry string
	work     string // the Git work tree; pushes go to its bare clone
	secret   string
	auth     authn.Authenticator
	b        *testing.B
}

func newBuildBench(b *testing.B, tags []string, configure func(*server.Config)) (*buildBench, func()) {
	for _, bin := range []string{"buildah", "git", "/bin/busybox"} {
		if _, err := exec.LookPath(bin); err != nil {
			b.Skip(bin + " is not installed")
		}
	}
	srv, stop := running(b, func(c *server.Config) { c.AllowPrivateNetworks = true; configure(c) })
	ctx := context.Background()
	bk := srv.Backend
	_, err := bk.Accounts.Register(ctx, account.SignUp{Username: "alice", Email: "alice@example.com", Password: "alice-password"})
	check(b, err)
	for _, repo := range []string{"base", "app"} {
		_, err := bk.Repositories.Create(ctx, catalog.NewRepository{Namespace: "alice", Name: repo, Private: true})
		check(b, err)
	}
	w := &buildBench{srv: srv, registry: strings.TrimPrefix(srv.RegistryURL, "http://"), b: b,
		auth: &authn.Basic{Username: "alice", Password: "alice-password"}}
	r, _ := name.ParseReference(w.registry+"/alice/base:1", name.Insecure)
	check(b, remote.Write(r, busybox(b), remote.WithAuth(w.auth)))
	url := w.gitRepo()
	var rules []builds.Rule
	for _, tag := range tags {
		rules = append(rules, builds.Rule{Type: builds.Branch, Source: "main", Dockerfile: "Dockerfile", Context: ".", Tag: tag,
			BuildArgs: map[string]string{"BASE": w.registry + "/alice/base:1"}, Autobuild: true})
	}
	st, err := bk.Builds.SetConfig(ctx, "alice/app", builds.Config{Source: builds.Source{URL: url}, Rules: rules})
	check(b, err)
	w.secret = st.HookSecret.Reveal()
	return w, stop
}

func check(b *testing.B, err error) {
	b.Helper()
	if err != nil {
		b.Fatal(err)
	}
}

// busybox is a one-layer image of Debian's static busybox.
func busybox(b *testing.B) v1.Image {
	bb, err := os.ReadFile("/bin/busybox")
	check(b, err)
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	check(b, tw.WriteHeader(&tar.Header{Name: "bin/busybox", Mode: 0o755, Size: int64(len(bb))}))
	_, err = tw.Write(bb)
	check(b, err)
	for _, applet := range []string{"sh", "echo", "cat"} {
		check(b, tw.WriteHeader(&tar.Header{Name: "bin/" + applet, Typeflag: tar.TypeSymlink, Linkname: "busybox"}))
	}
	check(b, tw.Close())
	layer, err := tarball.LayerFromOpener(func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(buf.Bytes())), nil })
	check(b, err)
	img, err := mutate.AppendLayers(empty.Image, layer)
	check(b, err)
	img, err = mutate.Config(img, v1.Config{Env: []string{"PATH=/bin"}})
	check(b, err)
	return img
}

func (w *buildBench) git(dir string, args ...string) string {
	cmd := exec.Command("git", args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "GIT_AUTHOR_NAME=t", "GIT_AUTHOR_EMAIL=t@example.com",
		"GIT_COMMITTER_NAME=t", "GIT_COMMITTER_EMAIL=t@example.com", "GIT_CONFIG_GLOBAL=/dev/null", "GIT_CONFIG_NOSYSTEM=1")
	out, err := cmd.CombinedOutput()
	if err != nil {
		w.b.Fatalf("git %v: %v\n%s", args, err, out)
	}
	return strings.TrimSpace(string(out))
}

// gitRepo makes app.git (a Dockerfile with one RUN and one COPY), serves
// it with git daemon and returns its URL.
func (w *buildBench) gitRepo() string {
	root := w.b.TempDir()
	w.work = filepath.Join(root, "work")
	w.git(root, "init", "-q", "-b", "main", w.work)
	check(w.b, os.WriteFile(filepath.Join(w.work, "Dockerfile"), []byte("ARG BASE\nFROM $BASE\nCOPY hello.txt /hello.txt\nRUN echo built > /built.txt\n"), 0o644))
	check(w.b, os.WriteFile(filepath.Join(w.work, "hello.txt"), []byte("hello\n"), 0o644))
	w.git(w.work, "add", ".")
	w.git(w.work, "commit", "-q", "-m", "app")
	w.git(root, "clone", "-q", "--bare", w.work, filepath.Join(root, "app.git"))
	w.git(w.work, "remote", "add", "origin", filepath.Join(root, "app.git"))
	l, err := net.Listen("tcp", "127.0.0.1:0")
	check(w.b, err)
	port := l.Addr().(*net.TCPAddr).Port
	l.Close()
	cmd := exec.Command("git", "daemon", "--export-all", "--reuseaddr", "--listen=127.0.0.1", fmt.Sprint("--port=", port), "--base-path="+root, root)
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true} // git daemon runs git-daemon as a child
	check(w.b, cmd.Start())
	w.b.Cleanup(func() { _ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL); _ = cmd.Wait() })
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		if c, err := net.Dial("tcp", fmt.Sprint("127.0.0.1:", port)); err == nil {
			c.Close()
			return fmt.Sprintf("git://127.0.0.1:%d/app.git", port)
		}
		if time.Now().After(deadline) {
			w.b.Fatal("git daemon did not start")
		}
	}
}

// commit makes a new commit on main and pushes it, returning its ID.
func (w *buildBench) commit(i int) string {
	check(w.b, os.WriteFile(filepath.Join(w.work, "hello.txt"), []byte(fmt.Sprintf("hello %d\n", i)), 0o644))
	w.git(w.work, "commit", "-q", "-am", fmt.Sprint("change ", i))
	w.git(w.work, "push", "-q", "origin", "main")
	return w.git(w.work, "rev-parse", "HEAD")
}

// hook posts a signed GitHub push of main at commit.
func (w *buildBench) hook(commit string) {
	body := []byte(fmt.Sprintf(`{"ref":"refs/heads/main","after":%q}`, commit))
	mac := hmac.New(sha256.New, []byte(w.secret))
	mac.Write(body)
	req, _ := http.NewRequest(http.MethodPost, w.srv.PublicURL+"/api/v1/repositories/alice/app/builds/hook/github", bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("X-GitHub-Event", "push")
	req.Header.Set("X-Hub-Signature-256", "sha256="+hex.EncodeToString(mac.Sum(nil)))
	resp, err := http.DefaultClient.Do(req)
	check(w.b, err)
	resp.Body.Close()
	if resp.StatusCode != http.StatusAccepted {
		w.b.Fatalf("hook answered %d", resp.StatusCode)
	}
}

// waitPullable waits until alice/app:tag can be pulled.
func (w *buildBench) waitPullable(tag string) {
	r, _ := name.ParseReference(w.registry+"/alice/app:"+tag, name.Insecure)
	for deadline := time.Now().Add(5 * time.Minute); ; time.Sleep(50 * time.Millisecond) {
		if _, err := remote.Image(r, remote.WithAuth(w.auth)); err == nil {
			return
		}
		if time.Now().After(deadline) {
			w.b.Fatalf("alice/app:%s not pullable after 5 minutes", tag)
		}
	}
}

// BenchmarkBuildHookToPull: from a signed GitHub push webhook to the image
// it builds answering a pull: the queue, a shallow clone over git://,
// buildah (vfs, chroot) with FROM a private base pulled with the owner's
// build token, the push, and the registry. Each iteration pushes a new
// commit first (outside the timer).
func BenchmarkBuildHookToPull(b *testing.B) {
	w, stop := newBuildBench(b, []string{"c-{commit:12}"}, func(*server.Config) {})
	defer stop()
	b.ResetTimer()
	for i := range b.N {
		b.StopTimer()
		commit := w.commit(i)
		b.StartTimer()
		w.hook(commit)
		w.waitPullable("c-" + commit[:12])
	}
}

// BenchmarkBuildsPerMinute2: each push builds two rules at once, with two
// builds per instance and two per account. Reports builds/min.
func BenchmarkBuildsPerMinute2(b *testing.B) {
	w, stop := newBuildBench(b, []string{"a-{commit:12}", "b-{commit:12}"}, func(c *server.Config) {
		c.BuildConcurrency, c.BuildAccountConcurrency = 2, 2
	})
	defer stop()
	b.ResetTimer()
	start := time.Now()
	var paused time.Duration
	for i := range b.N {
		p := time.Now()
		b.StopTimer()
		commit := w.commit(i)
		b.StartTimer()
		paused += time.Since(p)
		w.hook(commit)
		w.waitPullable("a-" + commit[:12])
		w.waitPullable("b-" + commit[:12])
	}
	b.ReportMetric(float64(2*b.N)/(time.Since(start)-paused).Minutes(), "builds/min")
}

// countingJobs counts the claims an idle queue makes.
type countingJobs struct {
	jobs.Store
	claims atomic.Int64
}

func (c *countingJobs) Claim(ctx context.Context, kinds []string, now, until time.Time, lease string) (jobs.Job, error) {
	c.claims.Add(1)
	return c.Store.Claim(ctx, kinds, now, until, lease)
}

// BenchmarkIdleBuildQueue: what the build queue costs while no build is
// queued, as the server runs it (two workers polling every 5 s, on
// SQLite): database claims and CPU time per minute, over 20 s.
func BenchmarkIdleBuildQueue(b *testing.B) {
	db, err := sqldb.Open(filepath.Join(b.TempDir(), "berth.db"))
	check(b, err)
	defer db.Close()
	js, err := jobssqlite.New(context.Background(), db)
	check(b, err)
	store := &countingJobs{Store: js}
	q := jobs.New(jobs.Config{Workers: 2, Poll: 5 * time.Second}, store, slog.New(slog.DiscardHandler))
	q.Handle(builds.JobKind, func(context.Context, []byte) error { return nil })
	for range b.N {
		ctx, cancel := context.WithCancel(context.Background())
		store.claims.Store(0)
		cpu := cpuTime()
		done := make(chan struct{})
		go func() { q.Run(ctx); close(done) }()
		const window = 20 * time.Second
		time.Sleep(window)
		cancel()
		<-done
		per := time.Minute.Seconds() / window.Seconds()
		b.ReportMetric(float64(store.claims.Load())*per, "claims/min")
		b.ReportMetric(float64((cpuTime()-cpu).Microseconds())/1000*per, "cpu-ms/min")
	}
}

// cpuTime is the process's user and system CPU time so far.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
