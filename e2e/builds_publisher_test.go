package e2e

import (
	"context"
	"github.com/berth/berth/account"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/berth/berth/builds"
	"github.com/berth/berth/server"
)

// TestPublisherBuildPromotedAndCounterSigned: a build of a publisher's
// repository (otto/app, in ottosoft's namespace) pushes to
// staging/otto/app, never to what buyers pull. Without a build key it
// says the upload waits for the publisher's own signature. With the
// build key enabled, Berth signs the build, and the signed-upload
// pipeline promotes it to otto/app with Berth's counter-signature, which
// verifies against Berth's published key.
func TestPublisherBuildPromotedAndCounterSigned(t *testing.T) {
	needBuilds(t)
	w := newPublisherWorld(t, func(c *server.Config) { c.AllowPrivateNetworks = true })
	in, ctx := w.in, context.Background()
	b := in.srv.Backend
	digest := w.pushStaging(t, "busybox-base", busyboxImage(t))
	must(t, b.Registry.Copy(ctx, "staging/otto/app", "otto/base", digest, "1"))

	git := startGitServer(t)
	url, _ := git.repo(t, "otto-app", map[string]string{"Dockerfile": "ARG BASE\nFROM $BASE\nRUN echo built-by-berth > /built.txt\n"})
	build := func(tag string) (builds.Record, string) {
		t.Helper()
		// The publisher's owner sets the product repository's builds up
		// through the API, as the portal's Builds tab does.
		cfg := map[string]any{"source": map[string]any{"url": url}, "rules": []map[string]any{{"type": "branch",
			"source": "main", "dockerfile": "Dockerfile", "context": ".", "tag": tag,
			"build_args": map[string]string{"BASE": in.Registry + "/otto/base:1"}, "autobuild": true}}}
		if status := in.call("PUT", "/api/v1/repositories/otto/app/builds/config", "ottmar", "ottmar-password", cfg, nil); status != http.StatusOK {
			t.Fatalf("PUT builds/config as the publisher's owner: %d", status)
		}
		var started struct {
			ID string `json:"id"`
		}
		if status := in.call("POST", "/api/v1/repositories/otto/app/builds", "ottmar", "ottmar-password",
			map[string]any{"ref": "main"}, &started); status != http.StatusAccepted || started.ID == "" {
			t.Fatalf("POST builds as the publisher's owner: %d %+v", status, started)
		}
		deadline := time.Now().Add(4 * time.Minute)
		for {
			r, err := b.Builds.Build(ctx, "otto/app", started.ID)
			must(t, err)
			if r.Status.Final() {
				log, _ := b.Builds.Log(ctx, "otto/app", r.ID, 0)
				return r, string(log)
			}
			if time.Now().After(deadline) {
				t.Fatalf("build still %s", r.Status)
			}
			time.Sleep(200 * time.Millisecond)
		}
	}

	// Nobody outside the publisher sees or changes its builds.
	must(t, func() error {
		_, err := in.srv.Backend.Accounts.Register(ctx, account.SignUp{Username: "mallory", Email: "m@example.com", Password: "mallory-password"})
		return err
	}())
	for _, r := range []struct{ method, path string }{{"GET", "/api/v1/repositories/otto/app/builds"},
		{"PUT", "/api/v1/repositories/otto/app/builds/config"}, {"POST", "/api/v1/repositories/otto/app/builds"}} {
		if status := in.call(r.method, r.path, "mallory", "mallory-password", map[string]any{"ref": "main"}, nil); status != http.StatusNotFound {
			t.Errorf("%s %s as a stranger: %d; want 404", r.method, r.path, status)
		}
	}

	unsigned, log := build("unsigned")
	if unsigned.Status != builds.Succeeded || !strings.Contains(log, "pushing "+in.Registry+"/staging/otto/app:") ||
		!strings.Contains(log, "waits for its own signature") {
		t.Fatalf("build without a build key ended %+v:\n%s", unsigned, log)
	}
	if status, _ := w.upload(t, unsigned.Tags[0]); status == "promoted" {
		t.Errorf("a build nobody signed was promoted")
	}

	if status := in.call("POST", "/api/v1/publishers/ottosoft/build-key", "ottmar", "ottmar-password", map[string]any{}, nil); status != http.StatusCreated {
		t.Fatalf("enabling the build key: %d", status)
	}
	signed, log := build("signed-{commit:7}")
	if signed.Status != builds.Succeeded || !strings.Contains(log, "signed staging/otto/app@"+signed.Digest+" with ottosoft's Berth build key") {
		t.Fatalf("build with the build key ended %+v:\n%s", signed, log)
	}
	if status, reason := w.upload(t, signed.Tags[0]); status != "promoted" {
		t.Fatalf("the signed build's upload is %s (%s); want promoted", status, reason)
	}
	w.checkSigned(t, "otto/app", signed.Digest, w.berthKey(t), "Berth's counter-signature of the build")
	if err := w.buyerPulls(t, "otto/app", signed.Tags[0]); err != nil {
		t.Errorf("the buyer cannot pull the promoted build: %v", err)
	}
}
