package builds_test

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"net/http"
	"net/url"
	"os"
	"testing"

	"github.com/berth/berth/builds"
	"github.com/google/go-cmp/cmp"
)

const hookSecret = "bhs_3xampl3-s3cr3t"

func sign(body []byte, secret string) string {
	mac := hmac.New(sha256.New, []byte(secret))
	mac.Write(body)
	return hex.EncodeToString(mac.Sum(nil))
}

func payload(t *testing.T, name string) []byte {
	b, err := os.ReadFile("testdata/forge/" + name)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func headers(kv ...string) http.Header {
	h := http.Header{}
	for i := 0; i < len(kv); i += 2 {
		h.Set(kv[i], kv[i+1])
	}
	return h
}

// TestParsePushPerForge: each forge's documented push, signed its own way,
// yields its refs and commits.
func TestParsePushPerForge(t *testing.T) {
	gh, gl, bb, gt := payload(t, "github-push.json"), payload(t, "gitlab-tag-push.json"), payload(t, "bitbucket-push.json"), payload(t, "gitea-push.json")
	form := []byte("payload=" + url.QueryEscape(string(gh)))
	for _, tc := range []struct {
		name  string
		forge builds.Forge
		h     http.Header
		body  []byte
		want  []builds.Push
	}{
		{"github", builds.GitHub, headers("X-GitHub-Event", "push", "X-Hub-Signature-256", "sha256="+sign(gh, hookSecret)), gh,
			[]builds.Push{{Ref: builds.Ref{Type: builds.Branch, Name: "main"}, Commit: "59b20b8d5c6ff8d09518454d4dd8b7a30f095ab5"}}},
		{"github form", builds.GitHub, headers("X-GitHub-Event", "push", "Content-Type", "application/x-www-form-urlencoded",
			"X-Hub-Signature-256", "sha256="+sign(form, hookSecret)), form,
			[]builds.Push{{Ref: builds.Ref{Type: builds.Branch, Name: "main"}, Commit: "59b20b8d5c6ff8d09518454d4dd8b7a30f095ab5"}}},
		{"gitlab tag", builds.GitLab, headers("X-Gitlab-Event", "Tag Push Hook", "X-Gitlab-Token", hookSecret), gl,
			[]builds.Push{{Ref: builds.Ref{Type: builds.Tag, Name: "v1.0.0"}, Commit: "82b3d5ae55f7080f1e6022629cdb57bfae7cccc7"}}},
		{"bitbucket", builds.Bitbucket, headers("X-Event-Key", "repo:push", "X-Hub-Signature", "sha256="+sign(bb, hookSecret)), bb,
			[]builds.Push{
				{Ref: builds.Ref{Type: builds.Branch, Name: "develop"}, Commit: "709d658dc5b6d6afcd46049c2f332ee3f515a67d"},
				{Ref: builds.Ref{Type: builds.Tag, Name: "v2.1"}, Commit: "709d658dc5b6d6afcd46049c2f332ee3f515a67d"},
			}},
		{"gitea", builds.Gitea, headers("X-Gitea-Event", "push", "X-Gitea-Signature", sign(gt, hookSecret)), gt,
			[]builds.Push{{Ref: builds.Ref{Type: builds.Branch, Name: "release/2.0"}, Commit: "bffeb74224043ba2feb48d137756c8a9331c449a"}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := builds.ParsePush(tc.forge, tc.h, tc.body, hookSecret)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("pushes (-want +got):\n%s", diff)
			}
		})
	}
}

// TestParsePushRefuses: a missing, wrong or misplaced signature is
// ErrBadSignature; other events and deletions are ErrNotPush.
func TestParsePushRefuses(t *testing.T) {
	gh, gt, bb := payload(t, "github-push.json"), payload(t, "gitea-push.json"), payload(t, "bitbucket-push.json")
	good := sign(gh, hookSecret)
	tampered := append([]byte(nil), gh...)
	tampered[len(tampered)-3] = ' '
	del, ping := payload(t, "github-delete.json"), payload(t, "github-ping.json")
	for _, tc := range []struct {
		name   string
		forge  builds.Forge
		h      http.Header
		body   []byte
		secret builds.Secret
		want   error
	}{
		{"github no signature", builds.GitHub, headers("X-GitHub-Event", "push"), gh, hookSecret, builds.ErrBadSignature},
		{"github sha1 only", builds.GitHub, headers("X-GitHub-Event", "push", "X-Hub-Signature", "sha1=abc"), gh, hookSecret, builds.ErrBadSignature},
		{"github no prefix", builds.GitHub, headers("X-GitHub-Event", "push", "X-Hub-Signature-256", good), gh, hookSecret, builds.ErrBadSignature},
		{"github other secret", builds.GitHub, headers("X-GitHub-Event", "push", "X-Hub-Signature-256", "sha256="+sign(gh, "other")), gh, hookSecret, builds.ErrBadSignature},
		{"github tampered body", builds.GitHub, headers("X-GitHub-Event", "push", "X-Hub-Signature-256", "sha256="+good), tampered, hookSecret, builds.ErrBadSignature},
		{"github not hex", builds.GitHub, headers("X-GitHub-Event", "push", "X-Hub-Signature-256", "sha256=zz"), gh, hookSecret, builds.ErrBadSignature},
		{"no secret configured", builds.GitHub, headers("X-GitHub-Event", "push", "X-Hub-Signature-256", "sha256="+sign(gh, "")), gh, "", builds.ErrBadSignature},
		{"github ping", builds.GitHub, headers("X-GitHub-Event", "ping", "X-Hub-Signature-256", "sha256="+sign(ping, hookSecret)), ping, hookSecret, builds.ErrNotPush},
		{"github deletion", builds.GitHub, headers("X-GitHub-Event", "push", "X-Hub-Signature-256", "sha256="+sign(del, hookSecret)), del, hookSecret, builds.ErrNotPush},
		{"gitlab wrong token", builds.GitLab, headers("X-Gitlab-Event", "Push Hook", "X-Gitlab-Token", hookSecret+"x"), gh, hookSecret, builds.ErrBadSignature},
		{"gitlab no token", builds.GitLab, headers("X-Gitlab-Event", "Push Hook"), gh, hookSecret, builds.ErrBadSignature},
		{"gitea github header", builds.Gitea, headers("X-Gitea-Event", "push", "X-Hub-Signature-256", "sha256="+sign(gt, hookSecret)), gt, hookSecret, builds.ErrBadSignature},
		{"gitea wrong", builds.Gitea, headers("X-Gitea-Event", "push", "X-Gitea-Signature", sign(gh, hookSecret)), gt, hookSecret, builds.ErrBadSignature},
		{"bitbucket unsigned", builds.Bitbucket, headers("X-Event-Key", "repo:push"), bb, hookSecret, builds.ErrBadSignature},
		{"bitbucket other event", builds.Bitbucket, headers("X-Event-Key", "pullrequest:created", "X-Hub-Signature", "sha256="+sign(bb, hookSecret)), bb, hookSecret, builds.ErrNotPush},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := builds.ParsePush(tc.forge, tc.h, tc.body, tc.secret)
			if !errors.Is(err, tc.want) {
				t.Fatalf("ParsePush = %v, %v; want %v", got, err, tc.want)
			}
		})
	}
}

// TestGitHubDocumentedSignature checks the verifier against the example
// in GitHub's "Validating webhook deliveries", computed by GitHub.
func TestGitHubDocumentedSignature(t *testing.T) {
	h := headers("X-GitHub-Event", "ping",
		"X-Hub-Signature-256", "sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17")
	_, err := builds.ParsePush(builds.GitHub, h, []byte("Hello, World!"), "It's a Secret to Everybody")
	if !errors.Is(err, builds.ErrNotPush) {
		t.Fatalf("ParsePush = %v, want the signature accepted and the ping refused as no push", err)
	}
}
