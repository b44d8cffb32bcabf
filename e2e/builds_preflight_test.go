package e2e

import (
	"context"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/berth/berth/catalog"
	"github.com/berth/berth/licensing"
	"github.com/berth/berth/server"
)

// TestBuildFromPaidBase runs the FROM preflight inside a real build: bob's
// Dockerfile builds FROM a paid product he has not bought, and the build
// fails before the builder runs with the refusal's own words as its error
// and in its log. Once bob holds a license (as `berth license grant`
// gives one), the same build pulls the base with his rights and succeeds.
func TestBuildFromPaidBase(t *testing.T) {
	needBuilds(t)
	w := newPublisherWorld(t, func(c *server.Config) { c.AllowPrivateNetworks = true })
	in, ctx := w.in, context.Background()
	b := in.srv.Backend
	bob, err := b.Accounts.UserByUsername(ctx, "bob")
	must(t, err)
	_, err = b.Stores.Catalog.PutProduct(ctx, catalog.Product{Slug: "otto-db", Name: "Otto DB", Publisher: "ottosoft",
		Kind: catalog.KindImage, Repositories: []string{"otto/db"},
		Tiers: []catalog.Tier{{ID: "pro", Name: "Pro", Price: 1999, Currency: "usd", Repositories: []string{"otto/db"}}}})
	must(t, err)
	// The paid image: the publisher's base, put in place as the pipeline
	// promotes uploads.
	digest := w.pushStaging(t, "db-base", busyboxImage(t))
	must(t, b.Registry.Copy(ctx, "staging/otto/app", "otto/db", digest, "1.4"))

	if status := in.call("POST", "/api/v1/repositories", "bob", "bob-password",
		map[string]any{"namespace": "bob", "name": "app", "private": true}, nil); status != http.StatusCreated {
		t.Fatalf("creating bob/app: %d", status)
	}
	git := startGitServer(t)
	url, _ := git.repo(t, "bob-app", map[string]string{"Dockerfile": "ARG BASE\nFROM $BASE\nRUN echo on-paid-base > /ok.txt\n"})
	base := in.Registry + "/otto/db:1.4"
	var out map[string]any
	if status := in.call("PUT", "/api/v1/repositories/bob/app/builds/config", "bob", "bob-password", map[string]any{
		"source": map[string]any{"url": url},
		"rules": []map[string]any{{"type": "branch", "source": "main", "dockerfile": "Dockerfile", "context": ".",
			"tag": "latest", "autobuild": true, "build_args": map[string]string{"BASE": base}}},
	}, &out); status != http.StatusOK {
		t.Fatalf("PUT build config: %d %v", status, out)
	}
	trigger := func() string {
		var trig map[string]any
		if status := in.call("POST", "/api/v1/repositories/bob/app/builds", "bob", "bob-password", map[string]any{"ref": "main"}, &trig); status != http.StatusAccepted {
			t.Fatalf("trigger answered %d %v", status, trig)
		}
		return trig["id"].(string)
	}

	refused := waitBuildAs(t, in, "bob", "bob/app", trigger(), 4*time.Minute)
	want := "FROM " + base + ": bob holds no license covering otto/db:1.4 — get one at " + in.URL + "/products/otto-db"
	log := buildLogAs(t, in, "bob", "bob/app", refused.ID)
	if refused.Status != "failed" || refused.Error != want || !strings.Contains(log, want) {
		t.Fatalf("build FROM an unbought paid base ended %+v; want failed with %q\nlog:\n%s", refused, want, log)
	}
	if strings.Contains(log, "STEP") || strings.Contains(log, "on-paid-base") {
		t.Errorf("the builder ran although the base was refused:\n%s", log)
	}

	_, err = b.Licenses.Grant(ctx, licensing.Grant{Owner: bob.ID, Product: "otto-db", Tier: "pro"})
	must(t, err)
	built := waitBuildAs(t, in, "bob", "bob/app", trigger(), 4*time.Minute)
	if built.Status != "succeeded" || built.Digest == "" {
		t.Fatalf("build after the license was granted ended %+v\n%s", built, buildLogAs(t, in, "bob", "bob/app", built.ID))
	}
}

// waitBuildAs waits for build id of repo to end, reading it as user
// (whose password is "<user>-password").
func waitBuildAs(t *testing.T, in *instance, user, repo, id string, limit time.Duration) buildJSON {
	t.Helper()
	deadline := time.Now().Add(limit)
	for {
		var b buildJSON
		if status := in.call("GET", "/api/v1/repositories/"+repo+"/builds/"+id, user, user+"-password", nil, &b); status != http.StatusOK {
			t.Fatalf("GET build %s: %d", id, status)
		}
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

// buildLogAs reads build id's log as user.
func buildLogAs(t *testing.T, in *instance, user, repo, id string) string {
	req, _ := http.NewRequest("GET", in.URL+"/api/v1/repositories/"+repo+"/builds/"+id+"/log", nil)
	req.SetBasicAuth(user, user+"-password")
	resp, err := http.DefaultClient.Do(req)
	must(t, err)
	defer resp.Body.Close()
	var sb strings.Builder
	_, _ = io.Copy(&sb, resp.Body)
	return sb.String()
}
