package e2e

import (
	"archive/tar"
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/google/go-containerregistry/pkg/authn"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/google/go-containerregistry/pkg/v1/tarball"
)

// needBuilds skips when this machine cannot run buildah builds.
func needBuilds(t *testing.T) {
	for _, bin := range []string{"buildah", "git"} {
		if _, err := exec.LookPath(bin); err != nil {
			t.Skip(bin + " is not installed")
		}
	}
	if _, err := os.Stat("/bin/busybox"); err != nil {
		t.Skip("/bin/busybox is missing (apt-get install busybox-static)")
	}
	if os.Geteuid() != 0 {
		t.Skip("buildah with chroot isolation and vfs needs root here")
	}
}

// busyboxImage is a one-layer image of Debian's static busybox, with sh,
// echo, cat and sleep linked to it: the base the tests' builds start
// FROM.
func busyboxImage(t *testing.T) v1.Image {
	bb, err := os.ReadFile("/bin/busybox")
	must(t, err)
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	must(t, tw.WriteHeader(&tar.Header{Name: "bin/", Typeflag: tar.TypeDir, Mode: 0o755}))
	must(t, tw.WriteHeader(&tar.Header{Name: "bin/busybox", Mode: 0o755, Size: int64(len(bb))}))
	_, err = tw.Write(bb)
	must(t, err)
	for _, applet := range []string{"sh", "echo", "cat", "sleep"} {
		must(t, tw.WriteHeader(&tar.Header{Name: "bin/" + applet, Typeflag: tar.TypeSymlink, Linkname: "busybox"}))
	}
	must(t, tw.WriteHeader(&tar.Header{Name: "tmp/", Typeflag: tar.TypeDir, Mode: 0o1777}))
	must(t, tw.Close())
	layer, err := tarball.LayerFromOpener(func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(buf.Bytes())), nil })
	must(t, err)
	img, err := mutate.AppendLayers(empty.Image, layer)
	must(t, err)
	img, err = mutate.Config(img, v1.Config{Env: []string{"PATH=/bin"}, Cmd: []string{"/bin/sh"}})
	must(t, err)
	return img
}

// runGit runs git in dir.
func runGit(t *testing.T, dir string, args ...string) string {
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

// gitServer is a git daemon on loopback serving the bare repositories
// under root.
type gitServer struct {
	root, url string
}

func startGitServer(t *testing.T) *gitServer {
	root := t.TempDir()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	must(t, err)
	port := l.Addr().(*net.TCPAddr).Port
	l.Close()
	ctx, cancel := context.WithCancel(context.Background())
	cmd := exec.CommandContext(ctx, "git", "daemon", "--export-all", "--reuseaddr", "--listen=127.0.0.1",
		fmt.Sprint("--port=", port), "--base-path="+root, root)
	// git daemon runs git-daemon as a child: stop them as a group.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	cmd.Cancel = func() error { return syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) }
	must(t, cmd.Start())
	t.Cleanup(func() { cancel(); _ = cmd.Wait() })
	addr := fmt.Sprint("127.0.0.1:", port)
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		if c, err := net.Dial("tcp", addr); err == nil {
			c.Close()
			return &gitServer{root: root, url: "git://" + addr}
		}
		if time.Now().After(deadline) {
			t.Fatal("git daemon did not start")
		}
	}
}

// repo makes name.git holding files on main and returns its URL and
// commit.
func (g *gitServer) repo(t *testing.T, name string, files map[string]string) (string, string) {
	work := filepath.Join(g.root, "work-"+name)
	runGit(t, g.root, "init", "-q", "-b", "main", work)
	for p, content := range files {
		full := filepath.Join(work, p)
		must(t, os.MkdirAll(filepath.Dir(full), 0o755))
		must(t, os.WriteFile(full, []byte(content), 0o644))
	}
	runGit(t, work, "add", ".")
	runGit(t, work, "commit", "-q", "-m", name)
	runGit(t, g.root, "clone", "-q", "--bare", work, filepath.Join(g.root, name+".git"))
	return g.url + "/" + name + ".git", runGit(t, work, "rev-parse", "HEAD")
}

// githubHook posts a GitHub push of main at commit, signed with secret, to
// url, and returns the status and the answer.
func githubHook(t *testing.T, url, secret, commit string) (int, map[string]any) {
	body := []byte(fmt.Sprintf(`{"ref":"refs/heads/main","before":"%040d","after":%q}`, 0, commit))
	mac := hmac.New(sha256.New, []byte(secret))
	mac.Write(body)
	req, err := http.NewRequest(http.MethodPost, url, bytes.NewReader(body))
	must(t, err)
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("X-GitHub-Event", "push")
	req.Header.Set("X-Hub-Signature-256", "sha256="+hex.EncodeToString(mac.Sum(nil)))
	resp, err := http.DefaultClient.Do(req)
	must(t, err)
	defer resp.Body.Close()
	var out map[string]any
	raw, _ := io.ReadAll(resp.Body)
	_ = json.Unmarshal(raw, &out)
	return resp.StatusCode, out
}

// imageFiles pulls ref with auth and returns the named files of its
// flattened file system, with the number of layers.
func imageFiles(t *testing.T, registry, repo, tag string, auth authn.Authenticator, names ...string) (map[string]string, int) {
	img, err := remote.Image(ref(t, registry, repo, tag), remote.WithAuth(auth))
	if err != nil {
		t.Fatalf("pulling %s:%s: %v", repo, tag, err)
	}
	layers, err := img.Layers()
	must(t, err)
	want := map[string]bool{}
	for _, n := range names {
		want[n] = true
	}
	got := map[string]string{}
	tr := tar.NewReader(mutate.Extract(img))
	for {
		h, err := tr.Next()
		if err == io.EOF {
			return got, len(layers)
		}
		must(t, err)
		if p := "/" + strings.TrimPrefix(h.Name, "/"); want[p] {
			b, _ := io.ReadAll(tr)
			got[p] = string(b)
		}
	}
}
