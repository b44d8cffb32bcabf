package e2e

import (
	"context"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/google/go-containerregistry/pkg/authn"
	"github.com/google/go-containerregistry/pkg/v1/remote"

	"github.com/berth/berth/account"
	"github.com/berth/berth/catalog"
)

// buildJSON is what the builds API answers about one build.
type buildJSON struct {
	ID     string   `json:"id"`
	Status string   `json:"status"`
	Commit string   `json:"commit"`
	Tags   []string `json:"tags"`
	Digest string   `json:"digest"`
	Error  string   `json:"error"`
}

// TestAutomatedBuilds: alice's private base image (Debian's busybox) is
// in Berth; her repository's build configuration names a Git source on
// loopback; a signed GitHub push builds it with her rights (FROM her
// private base), pushes it to Berth, and crane's library pulls it with
// every step's files. A bad signature is refused. A failing build's log
// says why. A slow build is cancelled, and, one build per account, her
// next build waits queued until then.
func TestAutomatedBuilds(t *testing.T) {
	needBuilds(t)
	cfg := config(t, backend{name: "sqlite"})
	cfg.Demo = false
	cfg.AllowPrivateNetworks = true
	in := start(t, cfg)
	ctx := context.Background()
	b := in.srv.Backend
	alice, err := b.Accounts.Register(ctx, account.SignUp{Username: "alice", Email: "alice@example.com", Password: "alice-password"})
	must(t, err)
	aliceAuth := &authn.Basic{Username: "alice", Password: "alice-password"}
	for _, name := range []string{"base", "app", "broken", "slow"} {
		_, err := b.Repositories.Create(ctx, catalog.NewRepository{Namespace: "alice", Name: name, Private: true})
		must(t, err)
	}
	must(t, remote.Write(ref(t, in.Registry, "alice/base", "1"), busyboxImage(t), remote.WithAuth(aliceAuth)))

	git := startGitServer(t)
	appURL, appCommit := git.repo(t, "app", map[string]string{
		"app/hello.txt": "hello from git\n",
		"Dockerfile": "ARG BASE\nFROM $BASE AS stage\nRUN echo built-in-stage > /stage.txt\n" +
			"FROM $BASE\nCOPY app/hello.txt /hello.txt\nCOPY --from=stage /stage.txt /from-stage.txt\n" +
			"RUN cat /hello.txt /from-stage.txt > /run.txt\n"})
	brokenURL, _ := git.repo(t, "broken", map[string]string{"Dockerfile": "ARG BASE\nFROM $BASE\nRUN echo about-to-fail && exit 3\n"})
	slowURL, _ := git.repo(t, "slow", map[string]string{"Dockerfile": "ARG BASE\nFROM $BASE\nRUN echo sleeping && sleep 300\n"})

	configure := func(repo, url string) map[string]any {
		var out map[string]any
		if status := in.call("PUT", "/api/v1/repositories/alice/"+repo+"/builds/config", "alice", "alice-password", map[string]any{
			"source": map[string]any{"url": url},
			"rules": []map[string]any{{"type": "branch", "source": "main", "dockerfile": "Dockerfile", "context": ".",
				"tag": "latest", "autobuild": true, "build_args": map[string]string{"BASE": in.Registry + "/alice/base:1"}}},
		}, &out); status != http.StatusOK {
			t.Fatalf("PUT build config of %s: %d %v", repo, status, out)
		}
		return out
	}
	settings := configure("app", appURL)
	hook := settings["hook"].(map[string]any)
	secret, hookURL := hook["secret"].(string), hook["urls"].(map[string]any)["github"].(string)
	if !strings.HasPrefix(hookURL, in.URL+"/api/v1/repositories/alice/app/builds/hook/github") || secret == "" {
		t.Fatalf("hook %v", hook)
	}
	if status, _ := githubHook(t, hookURL, "not the secret", appCommit); status != http.StatusUnauthorized {
		t.Errorf("a badly signed hook answered %d, want 401", status)
	}
	status, started := githubHook(t, hookURL, secret, appCommit)
	if status != http.StatusAccepted || started["id"] == nil {
		t.Fatalf("hook answered %d %v", status, started)
	}
	built := waitBuild(t, in, "alice/app", started["id"].(string), 4*time.Minute)
	if built.Status != "succeeded" || built.Commit != appCommit || built.Digest == "" {
		t.Fatalf("build ended %+v\n%s", built, buildLog(t, in, "alice/app", built.ID))
	}
	files, layers := imageFiles(t, in.Registry, "alice/app", "latest", aliceAuth, "/hello.txt", "/from-stage.txt", "/run.txt", "/bin/busybox")
	for p, want := range map[string]string{"/hello.txt": "hello from git\n", "/from-stage.txt": "built-in-stage\n",
		"/run.txt": "hello from git\nbuilt-in-stage\n"} {
		if files[p] != want {
			t.Errorf("%s = %q, want %q", p, files[p], want)
		}
	}
	if len(files["/bin/busybox"]) < 100_000 || layers < 2 {
		t.Errorf("the image has %d layers and a busybox of %d bytes; want the base's layer under the build's", layers, len(files["/bin/busybox"]))
	}
	img, err := remote.Head(ref(t, in.Registry, "alice/app", "latest"), remote.WithAuth(aliceAuth))
	must(t, err)
	if img.Digest.String() != built.Digest {
		t.Errorf("the build recorded %s, the registry holds %s", built.Digest, img.Digest)
	}
	tokens, err := b.Accounts.Tokens(ctx, alice.ID)
	must(t, err)
	for _, tok := range tokens {
		if tok.Access == account.TokenBuild {
			t.Errorf("the build's token %q outlived the build", tok.Name)
		}
	}

	configure("broken", brokenURL)
	var trig map[string]any
	if status := in.call("POST", "/api/v1/repositories/alice/broken/builds", "alice", "alice-password", map[string]any{"ref": "main"}, &trig); status != http.StatusAccepted {
		t.Fatalf("trigger answered %d %v", status, trig)
	}
	failed := waitBuild(t, in, "alice/broken", trig["id"].(string), 4*time.Minute)
	log := buildLog(t, in, "alice/broken", failed.ID)
	if failed.Status != "failed" || !strings.Contains(failed.Error, "exit status 3") || !strings.Contains(log, "about-to-fail") {
		t.Errorf("failing build ended %+v with log:\n%s", failed, log)
	}

	configure("slow", slowURL)
	in.call("POST", "/api/v1/repositories/alice/slow/builds", "alice", "alice-password", map[string]any{"ref": "main"}, &trig)
	slow := trig["id"].(string)
	waitLog(t, in, "alice/slow", slow, "sleeping", 2*time.Minute)
	in.call("POST", "/api/v1/repositories/alice/app/builds", "alice", "alice-password", map[string]any{"ref": "main"}, &trig)
	next := trig["id"].(string)
	time.Sleep(3 * time.Second) // a worker is free: only the account's limit keeps it queued
	if got := getBuild(t, in, "alice/app", next); got.Status != "queued" {
		t.Errorf("alice's second build is %s while her first runs; want queued (one build per account)", got.Status)
	}
	var cancelled buildJSON
	if status := in.call("POST", "/api/v1/repositories/alice/slow/builds/"+slow+"/cancel", "alice", "alice-password", nil, &cancelled); status != http.StatusAccepted {
		t.Fatalf("cancel answered %d", status)
	}
	if got := waitBuild(t, in, "alice/slow", slow, 30*time.Second); got.Status != "cancelled" {
		t.Errorf("cancelled build ended %+v", got)
	}
	if got := waitBuild(t, in, "alice/app", next, 4*time.Minute); got.Status != "succeeded" {
		t.Errorf("the queued build ended %+v", got)
	}
}

func getBuild(t *testing.T, in *instance, repo, id string) buildJSON {
	var out buildJSON
	if status := in.call("GET", "/api/v1/repositories/"+repo+"/builds/"+id, "alice", "alice-password", nil, &out); status != http.StatusOK {
		t.Fatalf("GET build %s: %d", id, status)
	}
	return out
}

func waitBuild(t *testing.T, in *instance, repo, id string, limit time.Duration) buildJSON {
	t.Helper()
	deadline := time.Now().Add(limit)
	for {
		b := getBuild(t, in, repo, id)
		switch b.Status {
		case "succeeded", "failed", "cancelled":
			return b
		}
		if time.Now().After(deadline) {
			t.Fatalf("build %s of %s is still %s after %s", id, repo, b.Status, limit)
		}
		time.Sleep(200 * time.Millisecond)
	}
}

func buildLog(t *testing.T, in *instance, repo, id string) string {
	req, _ := http.NewRequest("GET", in.URL+"/api/v1/repositories/"+repo+"/builds/"+id+"/log", nil)
	req.SetBasicAuth("alice", "alice-password")
	resp, err := http.DefaultClient.Do(req)
	must(t, err)
	defer resp.Body.Close()
	var sb strings.Builder
	_, _ = io.Copy(&sb, resp.Body)
	return sb.String()
}

func waitLog(t *testing.T, in *instance, repo, id, want string, limit time.Duration) {
	t.Helper()
	deadline := time.Now().Add(limit)
	for !strings.Contains(buildLog(t, in, repo, id), want) {
		if time.Now().After(deadline) {
			t.Fatalf("log of %s never said %q:\n%s", id, want, buildLog(t, in, repo, id))
		}
		time.Sleep(200 * time.Millisecond)
	}
}
