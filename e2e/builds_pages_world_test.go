package e2e

import (
	"bufio"
	"context"
	"io"
	"net/http"
	"net/http/cgi"
	"net/http/httptest"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/google/go-containerregistry/pkg/authn"
	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/v1/remote"

	"github.com/berth/berth/account"
	"github.com/berth/berth/builds"
)

// buildPagesWorld is a Berth that builds from Git (buildah), a user bria
// with the public repository bria/app and the private bria/hidden, a
// busybox base image bria/base:1 in Berth's registry, and a Git server on
// loopback whose main branch holds a Dockerfile that prints one line,
// sleeps, and prints another: long enough to watch the log arrive live.
type buildPagesWorld struct {
	in     *instance
	git    string // the source's URL
	cookie *http.Cookie
	csrf   string
}

// slowDockerfile's build prints marker-first, waits, then prints
// marker-second; the words come from variables, so that buildah's echo of
// the RUN line does not already hold them.
const slowDockerfile = "FROM %s/bria/base:1\nRUN a=first b=second; echo marker-$a && sleep 6 && echo marker-$b\n"

func newBuildPagesWorld(t *testing.T) *buildPagesWorld {
	t.Helper()
	if _, err := exec.LookPath("buildah"); err != nil {
		t.Skip("buildah is not installed (apt-get install buildah)")
	}
	if _, err := os.Stat("/bin/busybox"); err != nil || os.Geteuid() != 0 {
		t.Skip("builds here need /bin/busybox (busybox-static) and root for buildah's chroot isolation")
	}
	cfg := config(t, backend{name: "sqlite"})
	cfg.Demo = false
	cfg.AllowPrivateNetworks = true
	in := start(t, cfg)
	ctx := context.Background()
	_, err := in.srv.Backend.Accounts.Register(ctx, account.SignUp{Username: "bria", Email: "bria@example.com", Password: "bria-password"})
	must(t, err)
	for _, r := range []map[string]any{{"namespace": "bria", "name": "app"}, {"namespace": "bria", "name": "hidden", "private": true}} {
		if s := in.call("POST", "/api/v1/repositories", "bria", "bria-password", r, nil); s != http.StatusCreated {
			t.Fatalf("creating %v: %d", r, s)
		}
	}
	pushBusybox(t, in.Registry+"/bria/base:1", &authn.Basic{Username: "bria", Password: "bria-password"})
	w := &buildPagesWorld{in: in, git: gitHTTPServer(t, map[string]string{
		"Dockerfile": strings.Replace(slowDockerfile, "%s", in.Registry, 1),
	})}
	w.cookie, w.csrf = pageSession(t, in, "bria")
	return w
}

// form posts a page form as bria and returns the answer and page.
func (w *buildPagesWorld) form(t *testing.T, path string, v url.Values) (*http.Response, string) {
	t.Helper()
	return postForm(t, w.in, path, w.cookie, w.csrf, v)
}

// get loads a page as bria.
func (w *buildPagesWorld) get(t *testing.T, path string) (*http.Response, string) {
	t.Helper()
	return send(t, "GET", w.in.URL+path, "", nil, w.cookie)
}

// configure saves bria/app's build configuration through the page form:
// the Git source and one rule building main as latest.
func (w *buildPagesWorld) configure(t *testing.T) {
	t.Helper()
	resp, page := w.form(t, "/r/bria/app/builds/config", url.Values{"source.url": {w.git},
		"rules.0.type": {"branch"}, "rules.0.source": {"main"}, "rules.0.dockerfile": {"Dockerfile"},
		"rules.0.context": {"."}, "rules.0.tag": {"latest"}, "rules.0.autobuild": {"1"}})
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("saving the build configuration: %d; want 303 (%s)", resp.StatusCode, errorText(page))
	}
}

// trigger starts a build of main through the page's Trigger form and
// returns its ID, read from where the form sends the browser.
func (w *buildPagesWorld) trigger(t *testing.T) string {
	t.Helper()
	resp, page := w.form(t, "/r/bria/app/builds/trigger", url.Values{"ref": {"main"}})
	loc := resp.Header.Get("Location")
	id, ok := strings.CutPrefix(loc, "/r/bria/app/builds/")
	if resp.StatusCode != http.StatusSeeOther || !ok || id == "" {
		t.Fatalf("Trigger main: %d to %q; want 303 to the build's page (%s)", resp.StatusCode, loc, errorText(page))
	}
	return id
}

// record is the build as the service stores it.
func (w *buildPagesWorld) record(t *testing.T, id string) builds.Record {
	t.Helper()
	r, err := w.in.srv.Backend.Builds.Build(context.Background(), "bria/app", id)
	must(t, err)
	return r
}

// waitStatus waits up to limit for build id to reach one of want.
func (w *buildPagesWorld) waitStatus(t *testing.T, id string, limit time.Duration, want ...builds.Status) builds.Record {
	t.Helper()
	deadline := time.Now().Add(limit)
	for {
		r := w.record(t, id)
		for _, s := range want {
			if r.Status == s {
				return r
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("build %s is %s after %s; want %v (error %q)", id, r.Status, limit, want, r.Error)
		}
		time.Sleep(200 * time.Millisecond)
	}
}

var errorRE = regexp.MustCompile(`(?s)<p class="error"[^>]*>(.*?)</p>`)

// errorText is the message a refused form shows, for failure messages.
func errorText(page string) string {
	if m := errorRE.FindStringSubmatch(page); m != nil {
		return m[1]
	}
	if len(page) > 300 {
		return page[:300]
	}
	return page
}

// gitHTTPServer serves a bare Git repository over smart HTTP
// (git-http-backend behind net/http/cgi) on loopback, its main branch
// holding one commit of files, and returns the repository's URL.
func gitHTTPServer(t *testing.T, files map[string]string) string {
	t.Helper()
	root, work := t.TempDir(), t.TempDir()
	gitRun := func(dir string, args ...string) {
		cmd := exec.Command("git", append([]string{"-c", "user.name=Bria", "-c", "user.email=bria@example.com", "-c", "init.defaultBranch=main"}, args...)...)
		cmd.Dir = dir
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("git %v: %v\n%s", args, err, out)
		}
	}
	gitRun(work, "init", "-q")
	for p, content := range files {
		full := filepath.Join(work, p)
		must(t, os.MkdirAll(filepath.Dir(full), 0o755))
		must(t, os.WriteFile(full, []byte(content), 0o644))
	}
	gitRun(work, "add", ".")
	gitRun(work, "commit", "-q", "-m", "first")
	gitRun(root, "clone", "-q", "--bare", work, "app.git")
	gitPath, err := exec.LookPath("git")
	must(t, err)
	srv := httptest.NewServer(&cgi.Handler{Path: gitPath, Args: []string{"http-backend"},
		Env: []string{"GIT_PROJECT_ROOT=" + root, "GIT_HTTP_EXPORT_ALL=1"}})
	t.Cleanup(srv.Close)
	return srv.URL + "/app.git"
}

// pushBusybox pushes busyboxImage to ref.
func pushBusybox(t *testing.T, ref string, auth authn.Authenticator) {
	t.Helper()
	r, err := name.ParseReference(ref)
	must(t, err)
	must(t, remote.Write(r, busyboxImage(t), remote.WithAuth(auth)))
}

// sse is one Server-Sent Event as received, and when.
type sse struct {
	ID, Event, Data string
	At              time.Time
}

// readEvents parses an event stream until it ends, sending each event.
func readEvents(body io.Reader, out chan<- sse) {
	defer close(out)
	sc := bufio.NewScanner(body)
	var ev sse
	var data []string
	for sc.Scan() {
		line := sc.Text()
		if line == "" {
			if ev.Event != "" || len(data) > 0 {
				ev.Data, ev.At = strings.Join(data, "\n"), time.Now()
				out <- ev
			}
			ev, data = sse{}, nil
			continue
		}
		field, value, _ := strings.Cut(line, ":")
		value = strings.TrimPrefix(value, " ")
		switch field {
		case "id":
			ev.ID = value
		case "event":
			ev.Event = value
		case "data":
			data = append(data, value)
		}
	}
}
