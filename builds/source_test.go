package builds_test

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/http/cgi"
	"net/http/httptest"
	"net/netip"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/berth/berth/builds"
	"github.com/berth/berth/internal/netguard"
)

// gitRepo is a bare repository served by the tests, with the commits
// made in it, oldest first.
type gitRepo struct {
	root    string // the directory servers export
	commits []string
}

// git runs git in dir and returns its trimmed output.
func git(t testing.TB, dir string, args ...string) string {
	t.Helper()
	cmd := exec.Command("git", args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "GIT_AUTHOR_NAME=t", "GIT_AUTHOR_EMAIL=t@example.com",
		"GIT_COMMITTER_NAME=t", "GIT_COMMITTER_EMAIL=t@example.com", "GIT_CONFIG_GLOBAL=/dev/null", "GIT_CONFIG_NOSYSTEM=1")
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("git %v: %v\n%s", args, err, out)
	}
	return strings.TrimSpace(string(out))
}

// newGitRepo makes app.git with three commits on main, each writing
// version.txt, and an annotated tag v1 on the first.
func newGitRepo(t testing.TB) *gitRepo {
	if _, err := exec.LookPath("git"); err != nil {
		t.Skip("git is not installed")
	}
	root := t.TempDir()
	work := filepath.Join(root, "work")
	git(t, root, "init", "-q", "-b", "main", work)
	r := &gitRepo{root: root}
	for i := 1; i <= 3; i++ {
		if err := os.WriteFile(filepath.Join(work, "version.txt"), []byte(fmt.Sprint(i)), 0o644); err != nil {
			t.Fatal(err)
		}
		git(t, work, "add", "version.txt")
		git(t, work, "commit", "-q", "-m", fmt.Sprint("commit ", i))
		r.commits = append(r.commits, git(t, work, "rev-parse", "HEAD"))
	}
	git(t, work, "tag", "-a", "-m", "one", "v1", r.commits[0])
	git(t, root, "clone", "-q", "--bare", work, filepath.Join(root, "app.git"))
	return r
}

// loopbackOnly is every test guard's last word: nothing but loopback.
func loopbackOnly(ap netip.AddrPort) error {
	if !ap.Addr().IsLoopback() {
		return fmt.Errorf("test refuses %s", ap)
	}
	return nil
}

func fetcher(t testing.TB, allowPrivate bool) *builds.Fetcher {
	g := &netguard.Guard{AllowPrivate: allowPrivate, Last: loopbackOnly,
		LookupIP: func(context.Context, string, string) ([]netip.Addr, error) {
			return []netip.Addr{netip.MustParseAddr("127.0.0.1")}, nil
		}}
	return builds.NewFetcher(g, t.TempDir())
}

// serveGitDaemon serves r.root over git:// on loopback until the test ends.
func serveGitDaemon(t testing.TB, r *gitRepo) string {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := l.Addr().(*net.TCPAddr).Port
	l.Close()
	ctx, cancel := context.WithCancel(context.Background())
	cmd := exec.CommandContext(ctx, "git", "daemon", "--export-all", "--reuseaddr", "--informative-errors",
		"--listen=127.0.0.1", fmt.Sprint("--port=", port), "--base-path="+r.root, r.root)
	// git daemon runs git-daemon as a child: stop them as a group.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	cmd.Cancel = func() error { return syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) }
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cancel(); _ = cmd.Wait() })
	addr := fmt.Sprint("127.0.0.1:", port)
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		if c, err := net.Dial("tcp", addr); err == nil {
			c.Close()
			return "git://" + addr + "/app.git"
		}
		if time.Now().After(deadline) {
			t.Fatal("git daemon did not start")
		}
	}
}

// serveSmartHTTP serves r.root through git-http-backend, wanting token as
// the Basic password, and returns its URL for app.git.
func serveSmartHTTP(t testing.TB, r *gitRepo, token string) string {
	backend := "/usr/lib/git-core/git-http-backend"
	if _, err := os.Stat(backend); err != nil {
		t.Skip("git-http-backend is not installed")
	}
	h := &cgi.Handler{Path: backend, Env: []string{"GIT_PROJECT_ROOT=" + r.root, "GIT_HTTP_EXPORT_ALL=1"}}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		if _, pw, _ := req.BasicAuth(); pw != token {
			w.Header().Set("WWW-Authenticate", `Basic realm="git"`)
			http.Error(w, "no", http.StatusUnauthorized)
			return
		}
		h.ServeHTTP(w, req)
	}))
	t.Cleanup(srv.Close)
	return srv.URL + "/app.git"
}

// assertCheckout: the work tree is at want's content, HEAD is want, and
// the clone is shallow, without the commit's parent.
func assertCheckout(t *testing.T, co *builds.Checkout, want string, version string) {
	t.Helper()
	if co.Commit != want {
		t.Errorf("Checkout.Commit = %s, want %s", co.Commit, want)
	}
	if head := git(t, co.Dir, "rev-parse", "HEAD"); head != want {
		t.Errorf("HEAD = %s, want %s", head, want)
	}
	if got, _ := os.ReadFile(filepath.Join(co.Dir, "version.txt")); string(got) != version {
		t.Errorf("version.txt = %q, want %q", got, version)
	}
	if shallow := git(t, co.Dir, "rev-parse", "--is-shallow-repository"); shallow != "true" {
		t.Errorf("clone is not shallow")
	}
	if n := git(t, co.Dir, "rev-list", "--count", "HEAD"); n != "1" {
		t.Errorf("clone holds %s commits, want 1", n)
	}
}

// TestCloneAtTheCommit clones over git:// and smart HTTP with a token, at
// a branch tip and at an annotated tag, one commit deep.
func TestCloneAtTheCommit(t *testing.T) {
	r := newGitRepo(t)
	f := fetcher(t, true)
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	gitURL, httpURL := serveGitDaemon(t, r), serveSmartHTTP(t, r, "tok-1")
	for _, tc := range []struct {
		name    string
		src     builds.Source
		ref     builds.Ref
		commit  int
		version string
	}{
		{"git main", builds.Source{URL: gitURL}, builds.Ref{Type: builds.Branch, Name: "main"}, 2, "3"},
		{"git tag", builds.Source{URL: gitURL}, builds.Ref{Type: builds.Tag, Name: "v1"}, 0, "1"},
		{"http main", builds.Source{URL: httpURL, Token: "tok-1"}, builds.Ref{Type: builds.Branch, Name: "main"}, 2, "3"},
		{"http by name", builds.Source{URL: strings.Replace(httpURL, "127.0.0.1", "git.example.test", 1), Token: "tok-1"},
			builds.Ref{Type: builds.Tag, Name: "v1"}, 0, "1"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			co, err := f.Clone(ctx, tc.src, tc.ref, r.commits[tc.commit])
			if err != nil {
				t.Fatal(err)
			}
			defer co.Remove()
			assertCheckout(t, co, r.commits[tc.commit], tc.version)
		})
	}
	if _, err := f.Clone(ctx, builds.Source{URL: httpURL, Token: "wrong"}, builds.Ref{Type: builds.Branch, Name: "main"}, r.commits[2]); err == nil {
		t.Error("a wrong token cloned")
	}
}

// TestCloneAMovedRef: when the branch has moved past the pushed commit,
// the commit is fetched by ID where the server allows it, and refused
// with ErrCommitGone where it does not.
func TestCloneAMovedRef(t *testing.T) {
	r := newGitRepo(t)
	f := fetcher(t, true)
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	url := serveGitDaemon(t, r)
	main := builds.Ref{Type: builds.Branch, Name: "main"}
	if _, err := f.Clone(ctx, builds.Source{URL: url}, main, r.commits[1]); !errors.Is(err, builds.ErrCommitGone) {
		t.Fatalf("Clone of a moved ref = %v, want ErrCommitGone", err)
	}
	git(t, filepath.Join(r.root, "app.git"), "config", "uploadpack.allowReachableSHA1InWant", "true")
	co, err := f.Clone(ctx, builds.Source{URL: url}, main, r.commits[1])
	if err != nil {
		t.Fatal(err)
	}
	defer co.Remove()
	assertCheckout(t, co, r.commits[1], "2")
}

// TestCloneRefusesPrivateAddresses: without AllowPrivate, a loopback
// source, named or literal, over every scheme, is refused before any
// connection: the listener standing there accepts nothing.
func TestCloneRefusesPrivateAddresses(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	var accepts atomic.Int32
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			accepts.Add(1)
			c.Close()
		}
	}()
	key, err := builds.NewDeployKey("t")
	if err != nil {
		t.Fatal(err)
	}
	f := fetcher(t, false)
	addr := l.Addr().String()
	_, port, _ := net.SplitHostPort(addr)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	for _, src := range []builds.Source{
		{URL: "git://" + addr + "/app.git"},
		{URL: "http://" + addr + "/app.git", Token: "t"},
		{URL: "https://git.example.test:" + port + "/app.git"},
		{URL: "ssh://git@" + addr + "/app.git", DeployKey: key},
		{URL: "ssh://git@git.example.test:" + port + "/app.git", DeployKey: key},
	} {
		_, err := f.Clone(ctx, src, builds.Ref{Type: builds.Branch, Name: "main"}, strings.Repeat("a", 40))
		if !errors.Is(err, netguard.ErrNotPublic) {
			t.Errorf("Clone(%s) = %v, want ErrNotPublic", src.URL, err)
		}
	}
	time.Sleep(50 * time.Millisecond) // let a stray accept land before counting
	if n := accepts.Load(); n != 0 {
		t.Errorf("the private listener accepted %d connections", n)
	}
}
