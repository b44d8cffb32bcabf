package builds_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/v1/remote"

	"github.com/berth/berth/builds"
)

// appFiles is a repository whose Dockerfile uses FROM (a build argument
// naming the base), RUN, COPY and two stages.
var appFiles = map[string]string{
	"app/hello.txt": "hello from git\n",
	"Dockerfile": "ARG BASE\n" +
		"FROM $BASE AS stage\n" +
		"RUN echo built-in-stage > /stage.txt\n" +
		"FROM $BASE\n" +
		"COPY app/hello.txt /hello.txt\n" +
		"COPY --from=stage /stage.txt /from-stage.txt\n" +
		"RUN cat /hello.txt /from-stage.txt > /run.txt\n",
}

func appConfig(w *world, url string) builds.Config {
	args := map[string]string{"BASE": w.env.host + "/library/base:1"}
	return builds.Config{Source: builds.Source{URL: url}, Rules: []builds.Rule{
		{Type: builds.Branch, Source: "main", Dockerfile: "Dockerfile", Context: ".", Tag: "latest", BuildArgs: args, Autobuild: true},
		{Type: builds.Branch, Source: "/^ma(.*)$/", Dockerfile: "Dockerfile", Context: ".", Tag: `br-{\1}-{commit:7}`, BuildArgs: args, Autobuild: true},
		{Type: builds.Tag, Source: "/^v(.*)$/", Dockerfile: "Dockerfile", Context: ".", Tag: `{\1}`, BuildArgs: args},
	}}
}

// TestServiceHookBuildsAndPushes: a signed GitHub push of main builds both
// autobuild rules it matches; each image is in the registry at the digest
// recorded, holding what each step wrote; the build's credential is
// revoked; the tag's build names the commit. A bad signature builds
// nothing; a manual trigger of a tag builds its non-autobuild rule.
func TestServiceHookBuildsAndPushes(t *testing.T) {
	w := newWorld(t, builds.Options{}, 2)
	ctx := context.Background()
	url, commit := sourceRepo(t, appFiles)
	st, err := w.svc.SetConfig(ctx, "acme/app", appConfig(w, url))
	if err != nil {
		t.Fatal(err)
	}
	badH, badBody := githubPush("wrong secret", "refs/heads/main", commit)
	if _, err := w.svc.Hook(ctx, "acme/app", builds.GitHub, badH, badBody); !errors.Is(err, builds.ErrBadSignature) {
		t.Fatalf("Hook with a wrong signature = %v, want ErrBadSignature", err)
	}
	h, body := githubPush(st.HookSecret.Reveal(), "refs/heads/main", commit)
	started, err := w.svc.Hook(ctx, "acme/app", builds.GitHub, h, body)
	if err != nil {
		t.Fatal(err)
	}
	if len(started) != 2 || started[0].Tags[0] != "latest" || started[1].Tags[0] != "br-in-"+commit[:7] {
		t.Fatalf("Hook started %+v, want latest and br-in-%s", started, commit[:7])
	}
	for _, s := range started {
		r := w.wait("acme/app", s.ID, 3*time.Minute)
		if r.Status != builds.Succeeded || r.Commit != commit || r.Trigger != builds.TriggerPush || r.StartedAt.IsZero() || r.FinishedAt.Before(r.StartedAt) {
			t.Fatalf("build %s ended %+v\n%s", s.ID, r, w.log("acme/app", s.ID))
		}
		image := w.env.host + "/acme/app:" + r.Tags[0]
		ref, _ := name.ParseReference(image)
		desc, err := remote.Head(ref, regAuth)
		if err != nil {
			t.Fatal(err)
		}
		if desc.Digest.String() != r.Digest {
			t.Errorf("recorded digest %s, the registry holds %s", r.Digest, desc.Digest)
		}
		got := imageFiles(t, image, "/hello.txt", "/from-stage.txt", "/run.txt")
		for p, want := range map[string]string{"/hello.txt": "hello from git\n", "/from-stage.txt": "built-in-stage\n",
			"/run.txt": "hello from git\nbuilt-in-stage\n"} {
			if got[p] != want {
				t.Errorf("%s: %s = %q, want %q", image, p, got[p], want)
			}
		}
		if log := w.log("acme/app", s.ID); !strings.Contains(log, "COPY") || strings.Contains(log, regPassword) {
			t.Errorf("log of %s lacks the build's steps or holds the password:\n%s", s.ID, log)
		}
	}
	if i, r := w.creds.issued.Load(), w.creds.revoked.Load(); i != 2 || r != 2 {
		t.Errorf("credentials issued %d, revoked %d; want 2 and 2", i, r)
	}
	tb, err := w.svc.TagBuild(ctx, "acme/app", "latest")
	if err != nil || tb.Commit != commit {
		t.Errorf("TagBuild(latest) = %+v, %v; want the build of %s", tb, err, commit)
	}
	manual, err := w.svc.Trigger(ctx, "acme/app", "v1.0")
	if err != nil || len(manual) != 1 || manual[0].Tags[0] != "1.0" || manual[0].Trigger != builds.TriggerManual || manual[0].Commit != commit {
		t.Fatalf("Trigger(v1.0) = %+v, %v; want one manual build of tag 1.0 at %s", manual, err, commit)
	}
	if r := w.wait("acme/app", manual[0].ID, 3*time.Minute); r.Status != builds.Succeeded {
		t.Errorf("manual build ended %+v", r)
	}
	var ie *builds.InvalidError
	if _, err := w.svc.Trigger(ctx, "acme/app", "nosuchbranch"); !errors.As(err, &ie) || ie.Field != "ref" {
		t.Errorf("Trigger of a missing ref = %v, want an invalid ref", err)
	}
}
