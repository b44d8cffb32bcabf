package e2e

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-containerregistry/pkg/authn"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/remote"

	"github.com/berth/berth/account"
	"github.com/berth/berth/builds"
	"github.com/berth/berth/catalog"
	"github.com/berth/berth/publisher"
	"github.com/berth/berth/server"
	"github.com/berth/berth/webhooks"
)

// TestRepositoryLinks: alice's repository b builds FROM her a:latest and
// links it; a links b:latest back (a cycle), and a self-link is refused.
// A plain push of a new digest to a:latest rebuilds b exactly once, with
// the cause chain [alice/a]; b's rebuilt image, pushed, does not rebuild
// a (it is in the chain); its page says what it was linked from. The same digest pushed again, and the same push
// handed to the service again, queue nothing; a second new digest
// rebuilds b once more. The namespace belongs to a publisher whose
// webhook on loopback hears build.succeeded with the build's fields.
func TestRepositoryLinks(t *testing.T) {
	needBuilds(t)
	cfg := config(t, backend{name: "sqlite"})
	cfg.Demo = false
	cfg.AllowPrivateNetworks = true
	in := start(t, cfg)
	ctx := context.Background()
	b := in.srv.Backend
	_, err := b.Accounts.Register(ctx, account.SignUp{Username: "alice", Email: "alice@example.com", Password: "alice-password"})
	must(t, err)
	auth := &authn.Basic{Username: "alice", Password: "alice-password"}
	for _, name := range []string{"a", "b"} {
		_, err := b.Repositories.Create(ctx, catalog.NewRepository{Namespace: "alice", Name: name, Private: true})
		must(t, err)
	}
	hooks := hookReceiver(t)
	pub, err := b.Stores.Publishers.PutPublisher(ctx, publisher.Publisher{Slug: "alicesoft", Name: "Alice Soft",
		Namespaces: []string{"alice"}, Status: publisher.StatusApproved, CreatedAt: time.Now()})
	must(t, err)
	_, hookSecret, err := b.Webhooks.AddEndpoint(ctx, pub.ID, hooks.url, []string{webhooks.EventBuildSucceeded, webhooks.EventBuildFailed})
	must(t, err)

	git := startGitServer(t)
	aURL, _ := git.repo(t, "a", map[string]string{"Dockerfile": "ARG BASE\nFROM $BASE\nRUN echo a > /a.txt\n"})
	bURL, bCommit := git.repo(t, "b", map[string]string{"Dockerfile": "ARG BASE\nFROM $BASE\nRUN echo b > /b.txt\n"})
	configure := func(repo, url, base string, links ...string) (int, map[string]any) {
		var out map[string]any
		status := in.call("PUT", "/api/v1/repositories/alice/"+repo+"/builds/config", "alice", "alice-password", map[string]any{
			"source": map[string]any{"url": url}, "links": links,
			"rules": []map[string]any{{"type": "branch", "source": "main", "dockerfile": "Dockerfile", "context": ".",
				"tag": "latest", "autobuild": true, "build_args": map[string]string{"BASE": in.Registry + "/" + base}}},
		}, &out)
		return status, out
	}
	if status, out := configure("a", aURL, "alice/b:latest", "alice/a:latest"); status != http.StatusBadRequest && status != http.StatusUnprocessableEntity {
		t.Errorf("a self-link answered %d %v, want a 4xx naming links.0", status, out)
	}
	for _, c := range [][]string{{"a", aURL, "alice/b:latest", "alice/b:latest"}, {"b", bURL, "alice/a:latest", "alice/a:latest"}} {
		if status, out := configure(c[0], c[1], c[2], c[3]); status != http.StatusOK {
			t.Fatalf("configuring %s: %d %v", c[0], status, out)
		}
	}

	pushA := func(img v1.Image) string {
		must(t, remote.Write(ref(t, in.Registry, "alice/a", "latest"), img, remote.WithAuth(auth)))
		d, err := img.Digest()
		must(t, err)
		return d.String()
	}
	first, err := mutate.Config(busyboxImage(t), v1.Config{Env: []string{"PATH=/bin"}, Labels: map[string]string{"v": "1"}})
	must(t, err)
	firstDigest := pushA(first)
	rebuilt := waitLinkBuilds(t, b.Builds, "alice/b", 1, 5*time.Minute)
	if r := rebuilt[0]; r.Status != builds.Succeeded || r.Commit != bCommit || !slices.Equal(r.Cause, []string{"alice/a"}) ||
		r.Ref != (builds.Ref{Type: builds.Branch, Name: "main"}) {
		t.Fatalf("b's link build = %+v, want succeeded at main's commit %s caused by alice/a", r, bCommit)
	}
	sess := signInAPI(t, in, "alice", "alice-password")
	if resp, page := send(t, "GET", in.URL+"/r/alice/b/builds/"+rebuilt[0].ID, "", nil, sess); resp.StatusCode != http.StatusOK ||
		!strings.Contains(page, `id="build-cause"><a href="/r/alice/a">alice/a</a>`) {
		t.Errorf("b's build page (%d) does not say it was linked from alice/a:\n%s", resp.StatusCode, page)
	}
	files, _ := imageFiles(t, in.Registry, "alice/b", "latest", auth, "/b.txt")
	if files["/b.txt"] != "b\n" {
		t.Errorf("b:latest holds /b.txt = %q", files["/b.txt"])
	}

	// The same digest again, by the registry and by a second delivery of
	// the event: nothing more.
	pushA(first)
	again, err := b.Builds.Linked(ctx, "alice/a", "latest", firstDigest)
	if err != nil || len(again) != 0 {
		t.Errorf("Linked for the same push again = %v, %v; want nothing queued", again, err)
	}
	time.Sleep(5 * time.Second) // b's own push event and the repeated push's event have been applied
	if got := linkBuilds(t, b.Builds, "alice/b"); len(got) != 1 {
		t.Errorf("b has %d link builds after the same digest again, want 1", len(got))
	}
	if got, err := b.Builds.Builds(ctx, "alice/a", 10); err != nil || len(got) != 0 {
		t.Errorf("a was built %d times (%v); b's rebuild must not rebuild a, which is in its chain", len(got), err)
	}

	second, err := mutate.Config(busyboxImage(t), v1.Config{Env: []string{"PATH=/bin"}, Labels: map[string]string{"v": "2"}})
	must(t, err)
	pushA(second)
	if got := waitLinkBuilds(t, b.Builds, "alice/b", 2, 5*time.Minute); got[0].Status != builds.Succeeded {
		t.Errorf("b's second link build = %+v", got[0])
	}

	ev := hooks.wait(t, 2, time.Minute)
	var body struct {
		Type string         `json:"type"`
		Data map[string]any `json:"data"`
	}
	must(t, json.Unmarshal(ev[0].body, &body))
	checkSignature(t, webhooks.EventBuildSucceeded, ev[0].sig, hookSecret, ev[0].body, time.Now().Add(-10*time.Minute))
	d := body.Data
	if body.Type != "build.succeeded" || d["repository"] != "alice/b" || d["build"] != rebuilt[0].ID || d["status"] != "succeeded" ||
		d["trigger"] != "link" || d["ref"] != "refs/heads/main" || d["commit"] != bCommit || d["digest"] != rebuilt[0].Digest ||
		d["finished_at"] == nil {
		t.Errorf("first build webhook = %s", ev[0].body)
	}
}

// linkBuilds lists repo's link builds, newest first.
func linkBuilds(t *testing.T, s *builds.Service, repo string) []builds.Record {
	list, err := s.Builds(context.Background(), repo, 100)
	must(t, err)
	var out []builds.Record
	for _, r := range list {
		if r.Trigger == builds.TriggerLink {
			out = append(out, r)
		}
	}
	return out
}

// waitLinkBuilds waits until repo has n link builds, all ended.
func waitLinkBuilds(t *testing.T, s *builds.Service, repo string, n int, limit time.Duration) []builds.Record {
	t.Helper()
	for deadline := time.Now().Add(limit); ; time.Sleep(250 * time.Millisecond) {
		got := linkBuilds(t, s, repo)
		done := len(got) >= n
		for _, r := range got {
			done = done && r.Status.Final()
		}
		if done {
			if len(got) != n {
				t.Fatalf("%s has %d link builds, want %d: %+v", repo, len(got), n, got)
			}
			return got
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s has link builds %+v after %s; want %d ended", repo, got, limit, n)
		}
	}
}

// delivery is one webhook a receiver heard.
type delivery struct {
	body []byte
	sig  string
}

// receiver is a webhook endpoint on loopback.
type receiver struct {
	url  string
	mu   sync.Mutex
	got  []delivery
	stop func()
}

func hookReceiver(t *testing.T) *receiver {
	r := &receiver{}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		body, _ := io.ReadAll(req.Body)
		r.mu.Lock()
		r.got = append(r.got, delivery{body: body, sig: req.Header.Get("Berth-Signature")})
		r.mu.Unlock()
	}))
	t.Cleanup(srv.Close)
	r.url = srv.URL + "/hook"
	return r
}

// wait returns the first n deliveries, in arrival order.
func (r *receiver) wait(t *testing.T, n int, limit time.Duration) []delivery {
	t.Helper()
	for deadline := time.Now().Add(limit); ; time.Sleep(100 * time.Millisecond) {
		r.mu.Lock()
		got := slices.Clone(r.got)
		r.mu.Unlock()
		if len(got) >= n {
			return got
		}
		if time.Now().After(deadline) {
			t.Fatalf("the webhook receiver heard %d deliveries, want %d", len(got), n)
		}
	}
}

// TestRepositoryLinkAfterPromotion: the publishing pipeline's promotion of
// a signed upload (pushed by Berth's own subject, whose events skip the
// catalog) still fires the links of the promoted tag: ottmar's
// repository linking otto/app:1.0 rebuilds once, caused by otto/app.
func TestRepositoryLinkAfterPromotion(t *testing.T) {
	needBuilds(t)
	w := newPublisherWorld(t, func(c *server.Config) { c.AllowPrivateNetworks = true })
	in, ctx := w.in, context.Background()
	auth := &authn.Basic{Username: "ottmar", Password: "ottmar-password"}
	_, err := in.srv.Backend.Repositories.Create(ctx, catalog.NewRepository{Namespace: "ottmar", Name: "dep", Private: true})
	must(t, err)
	must(t, remote.Write(ref(t, in.Registry, "ottmar/base", "1"), busyboxImage(t), remote.WithAuth(auth)))
	git := startGitServer(t)
	url, commit := git.repo(t, "dep", map[string]string{"Dockerfile": "ARG BASE\nFROM $BASE\nRUN echo dep > /dep.txt\n"})
	var out map[string]any
	if status := in.call("PUT", "/api/v1/repositories/ottmar/dep/builds/config", "ottmar", "ottmar-password", map[string]any{
		"source": map[string]any{"url": url}, "links": []string{"otto/app:1.0"},
		"rules": []map[string]any{{"type": "branch", "source": "main", "dockerfile": "Dockerfile", "context": ".",
			"tag": "latest", "autobuild": true, "build_args": map[string]string{"BASE": in.Registry + "/ottmar/base:1"}}},
	}, &out); status != http.StatusOK {
		t.Fatalf("configuring ottmar/dep: %d %v", status, out)
	}
	img, err := mutate.Config(busyboxImage(t), v1.Config{Env: []string{"PATH=/bin"}, Labels: map[string]string{"release": "1.0"}})
	must(t, err)
	digest := w.pushStaging(t, "1.0", img)
	w.sign(t, digest, w.key)
	got := waitLinkBuilds(t, in.srv.Backend.Builds, "ottmar/dep", 1, 2*time.Minute)
	if r := got[0]; r.Status != builds.Succeeded || r.Commit != commit || !slices.Equal(r.Cause, []string{"otto/app"}) {
		t.Errorf("ottmar/dep's link build = %+v, want succeeded, caused by otto/app", r)
	}
}
