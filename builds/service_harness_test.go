package builds_test

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/berth/berth/builds"
	buildssqlite "github.com/berth/berth/builds/sqlitestore"
	"github.com/berth/berth/internal/kek"
	"github.com/berth/berth/internal/sqldb/sqldbtest"
	"github.com/berth/berth/jobs"
	jobssqlite "github.com/berth/berth/jobs/sqlitestore"
)

// world is a builds service over real parts: SQLite stores, the job queue,
// a kek sealer, the Fetcher with a loopback git daemon, Buildah and a
// loopback registry.
type world struct {
	t     *testing.T
	env   *buildEnv
	store builds.Store
	svc   *builds.Service
	creds *testCreds
	done  chan builds.Record
	// What another instance over the same database is made of.
	js      jobs.Store
	workers int
	opts    builds.Options
	deps    builds.Deps
	stopOwn func()
}

// instance starts another Berth instance's builds over the world's
// database: a service and its queue's workers, until stop.
func (w *world) instance() (*builds.Service, func()) {
	ctx, cancel := context.WithCancel(context.Background())
	q := jobs.New(jobs.Config{Workers: w.workers, Poll: 50 * time.Millisecond, Lease: 5 * time.Second}, w.js, w.deps.Log)
	d := w.deps
	d.Queue = q
	svc := builds.New(w.opts, d)
	q.Handle(builds.JobKind, svc.RunJob)
	var wg sync.WaitGroup
	wg.Go(func() { q.Run(ctx) })
	return svc, func() { cancel(); wg.Wait() }
}

// testCreds hands builds the test registry's account, standing for the
// owner's build token (server/builds.go mints the real one; the e2e tests
// use it), and counts what is issued and revoked.
type testCreds struct {
	issued, revoked atomic.Int32
	mu              sync.Mutex
	repos           []string
}

func (c *testCreds) Issue(_ context.Context, repo string, ttl time.Duration) (string, builds.Secret, func(context.Context) error, error) {
	c.issued.Add(1)
	c.mu.Lock()
	c.repos = append(c.repos, repo)
	c.mu.Unlock()
	return regUser, regPassword, func(context.Context) error { c.revoked.Add(1); return nil }, nil
}

func newWorld(t *testing.T, opts builds.Options, workers int) *world {
	return newWorldWith(t, opts, workers, nil)
}

// newWorldWith is newWorld building with builder (nil: Buildah).
func newWorldWith(t *testing.T, opts builds.Options, workers int, builder builds.Builder) *world {
	env := newBuildEnv(t, builds.BuildahConfig{})
	if builder == nil {
		builder = env.b
	}
	ctx, cancel := context.WithCancel(context.Background())
	db := sqldbtest.Open(t)
	store, err := buildssqlite.New(ctx, db)
	if err != nil {
		t.Fatal(err)
	}
	js, err := jobssqlite.New(ctx, db)
	if err != nil {
		t.Fatal(err)
	}
	key, err := kek.Generate()
	if err != nil {
		t.Fatal(err)
	}
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	w := &world{t: t, env: env, store: store, js: js, workers: workers, creds: &testCreds{}, done: make(chan builds.Record, 100)}
	opts.Registry, opts.PublicURL = env.host, "https://berth.example.com"
	if opts.Poll == 0 {
		opts.Poll = 100 * time.Millisecond
	}
	opts.SlotWait = 100 * time.Millisecond
	w.opts = opts
	w.deps = builds.Deps{Store: store, Sealer: kek.NewRing(key), Sources: fetcher(t, true),
		Builder: builder, Credentials: w.creds, Log: log, OnDone: func(_ context.Context, r builds.Record) { w.done <- r }}
	w.svc, w.stopOwn = w.instance()
	t.Cleanup(func() { w.stopOwn() })
	t.Cleanup(cancel)
	return w
}

// sourceRepo makes a Git repository whose main branch holds files, served
// over git:// on loopback; it returns the URL and the commit.
func sourceRepo(t *testing.T, files map[string]string) (string, string) {
	root := t.TempDir()
	work := filepath.Join(root, "work")
	git(t, root, "init", "-q", "-b", "main", work)
	for p, content := range files {
		full := filepath.Join(work, p)
		if err := os.MkdirAll(filepath.Dir(full), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(full, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	git(t, work, "add", ".")
	git(t, work, "commit", "-q", "-m", "app")
	git(t, work, "tag", "-a", "-m", "one", "v1.0")
	commit := git(t, work, "rev-parse", "HEAD")
	git(t, root, "clone", "-q", "--bare", work, filepath.Join(root, "app.git"))
	return serveGitDaemon(t, &gitRepo{root: root}), commit
}

// githubPush is a GitHub push webhook of ref at commit, signed with
// secret.
func githubPush(secret, ref, commit string) (http.Header, []byte) {
	body := []byte(fmt.Sprintf(`{"ref":%q,"before":"%040d","after":%q,"repository":{"full_name":"acme/app"}}`, ref, 0, commit))
	mac := hmac.New(sha256.New, []byte(secret))
	mac.Write(body)
	h := http.Header{}
	h.Set("X-GitHub-Event", "push")
	h.Set("Content-Type", "application/json")
	h.Set("X-Hub-Signature-256", "sha256="+hex.EncodeToString(mac.Sum(nil)))
	return h, body
}

// wait returns build id of repo once it has ended, failing after limit.
func (w *world) wait(repo, id string, limit time.Duration) builds.Record {
	w.t.Helper()
	deadline := time.Now().Add(limit)
	for {
		r, err := w.svc.Build(context.Background(), repo, id)
		if err != nil {
			w.t.Fatal(err)
		}
		if r.Status.Final() {
			return r
		}
		if time.Now().After(deadline) {
			w.t.Fatalf("build %s is still %s after %s", id, r.Status, limit)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// waitStatus waits until build id of repo is in status st.
func (w *world) waitStatus(repo, id string, st builds.Status, limit time.Duration) builds.Record {
	w.t.Helper()
	deadline := time.Now().Add(limit)
	for {
		r, err := w.svc.Build(context.Background(), repo, id)
		if err != nil {
			w.t.Fatal(err)
		}
		if r.Status == st {
			return r
		}
		if time.Now().After(deadline) || r.Status.Final() {
			w.t.Fatalf("build %s is %s, want %s", id, r.Status, st)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func (w *world) log(repo, id string) string {
	w.t.Helper()
	b, err := w.svc.Log(context.Background(), repo, id, 0)
	if err != nil {
		w.t.Fatal(err)
	}
	return string(b)
}

// newSettingsWorld is a service over SQLite and a kek sealer, for what
// needs no builder.
func newSettingsWorld(t *testing.T) *world {
	db := sqldbtest.Open(t)
	store, err := buildssqlite.New(context.Background(), db)
	if err != nil {
		t.Fatal(err)
	}
	key, err := kek.Generate()
	if err != nil {
		t.Fatal(err)
	}
	w := &world{t: t, store: store}
	w.svc = builds.New(builds.Options{}, builds.Deps{Store: store, Sealer: kek.NewRing(key)})
	return w
}
