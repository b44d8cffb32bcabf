package builds_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/berth/berth/builds"
)

// failing is a repository whose build fails in a RUN step.
var failing = map[string]string{"Dockerfile": "ARG BASE\nFROM $BASE\nRUN echo about-to-fail && exit 3\n"}

// sleeping is a repository whose build runs for about n seconds.
func sleeping(n string) map[string]string {
	return map[string]string{"Dockerfile": "ARG BASE\nFROM $BASE\nRUN echo sleeping && sleep " + n + "\n"}
}

func oneRule(w *world, url string) builds.Config {
	return builds.Config{Source: builds.Source{URL: url}, Rules: []builds.Rule{{Type: builds.Branch, Source: "main",
		Dockerfile: "Dockerfile", Context: ".", Tag: "latest", BuildArgs: map[string]string{"BASE": w.env.host + "/library/base:1"}, Autobuild: true}}}
}

// TestServiceFailingBuild: a failing RUN ends the build failed, its error
// saying which stage failed and its log what the step printed.
func TestServiceFailingBuild(t *testing.T) {
	w := newWorld(t, builds.Options{}, 1)
	ctx := context.Background()
	url, _ := sourceRepo(t, failing)
	if _, err := w.svc.SetConfig(ctx, "acme/app", oneRule(w, url)); err != nil {
		t.Fatal(err)
	}
	started, err := w.svc.Trigger(ctx, "acme/app", "main")
	if err != nil {
		t.Fatal(err)
	}
	r := w.wait("acme/app", started[0].ID, 3*time.Minute)
	if r.Status != builds.Failed || !strings.Contains(r.Error, "build failed with exit status") || r.Digest != "" {
		t.Errorf("failing build ended %+v", r)
	}
	log := w.log("acme/app", r.ID)
	if !strings.Contains(log, "about-to-fail") || !strings.Contains(log, r.Error) {
		t.Errorf("log lacks the step's output or the reason:\n%s", log)
	}
	if got := <-w.done; got.ID != r.ID || got.Status != builds.Failed {
		t.Errorf("OnDone heard %+v", got)
	}
}

// TestServiceCancel: a running build is stopped within seconds of a
// Cancel made on another instance, and a queued one never starts.
func TestServiceCancel(t *testing.T) {
	w := newWorld(t, builds.Options{}, 1)
	ctx := context.Background()
	url, _ := sourceRepo(t, sleeping("120"))
	if _, err := w.svc.SetConfig(ctx, "acme/app", oneRule(w, url)); err != nil {
		t.Fatal(err)
	}
	first, err := w.svc.Trigger(ctx, "acme/app", "main")
	if err != nil {
		t.Fatal(err)
	}
	second, err := w.svc.Trigger(ctx, "acme/app", "main")
	if err != nil {
		t.Fatal(err)
	}
	w.waitStatus("acme/app", first[0].ID, builds.Running, time.Minute)
	for !strings.Contains(w.log("acme/app", first[0].ID), "sleeping") {
		time.Sleep(100 * time.Millisecond)
	}
	if r, err := w.svc.Cancel(ctx, "acme/app", second[0].ID); err != nil || r.Status != builds.Cancelled {
		t.Fatalf("Cancel of the queued build = %+v, %v; want it cancelled at once", r, err)
	}
	other, stop := w.instance()
	defer stop()
	asked := time.Now()
	if _, err := other.Cancel(ctx, "acme/app", first[0].ID); err != nil {
		t.Fatal(err)
	}
	r := w.wait("acme/app", first[0].ID, 30*time.Second)
	if r.Status != builds.Cancelled || time.Since(asked) > 15*time.Second {
		t.Errorf("running build ended %+v after %s", r, time.Since(asked))
	}
	time.Sleep(500 * time.Millisecond) // the queued build's job has run by now
	if r, _ := w.svc.Build(ctx, "acme/app", second[0].ID); r.Status != builds.Cancelled || !r.StartedAt.IsZero() {
		t.Errorf("the build cancelled while queued is %+v; want it never started", r)
	}
	if i, rv := w.creds.issued.Load(), w.creds.revoked.Load(); i != 1 || rv != 1 {
		t.Errorf("credentials issued %d, revoked %d; want 1 and 1", i, rv)
	}
}

// TestServicePerAccount: with one build per account, two builds of one
// owner's repositories run one after the other even with two workers
// free, while another owner's build runs beside them.
func TestServicePerAccount(t *testing.T) {
	w := newWorld(t, builds.Options{PerAccount: 1}, 3)
	ctx := context.Background()
	url, _ := sourceRepo(t, sleeping("3"))
	var ids [3][2]string
	for i, repo := range []string{"acme/one", "acme/two", "other/three"} {
		if _, err := w.svc.SetConfig(ctx, repo, oneRule(w, url)); err != nil {
			t.Fatal(err)
		}
		started, err := w.svc.Trigger(ctx, repo, "main")
		if err != nil {
			t.Fatal(err)
		}
		ids[i] = [2]string{repo, started[0].ID}
	}
	var ends [3]builds.Record
	for i, id := range ids {
		ends[i] = w.wait(id[0], id[1], 3*time.Minute)
		if ends[i].Status != builds.Succeeded {
			t.Fatalf("%s ended %+v\n%s", id[0], ends[i], w.log(id[0], id[1]))
		}
	}
	overlap := func(a, b builds.Record) bool {
		return a.StartedAt.Before(b.FinishedAt) && b.StartedAt.Before(a.FinishedAt)
	}
	if overlap(ends[0], ends[1]) {
		t.Errorf("acme's two builds ran at once: %s–%s and %s–%s", ends[0].StartedAt, ends[0].FinishedAt, ends[1].StartedAt, ends[1].FinishedAt)
	}
	if !overlap(ends[2], ends[0]) && !overlap(ends[2], ends[1]) {
		t.Errorf("other's build waited for acme's: %s–%s", ends[2].StartedAt, ends[2].FinishedAt)
	}
}

// TestServiceWithoutBuildah: an instance without buildah runs its builds
// to a failure that says so.
func TestServiceWithoutBuildah(t *testing.T) {
	why := "buildah was not found (buildah): install buildah on the Berth host"
	w := newWorldWith(t, builds.Options{}, 1, builds.Unavailable{Why: why})
	ctx := context.Background()
	url, _ := sourceRepo(t, failing)
	if _, err := w.svc.SetConfig(ctx, "acme/app", oneRule(w, url)); err != nil {
		t.Fatal(err)
	}
	started, err := w.svc.Trigger(ctx, "acme/app", "main")
	if err != nil {
		t.Fatal(err)
	}
	r := w.wait("acme/app", started[0].ID, time.Minute)
	if r.Status != builds.Failed || !strings.Contains(r.Error, why) || !strings.Contains(w.log("acme/app", r.ID), why) {
		t.Errorf("build without buildah ended %+v", r)
	}
}

// TestServiceInstanceDies: when the instance running a build stops
// mid-build, the build stays running until its job's lease ends, then
// another instance builds it again from the start, its log keeping the
// first attempt's lines.
func TestServiceInstanceDies(t *testing.T) {
	w := newWorld(t, builds.Options{}, 1)
	ctx := context.Background()
	url, _ := sourceRepo(t, sleeping("3"))
	if _, err := w.svc.SetConfig(ctx, "acme/app", oneRule(w, url)); err != nil {
		t.Fatal(err)
	}
	a, stopA := w.instance()
	started, err := a.Trigger(ctx, "acme/app", "main")
	if err != nil {
		t.Fatal(err)
	}
	id := started[0].ID
	// The world's own instance may take the job too: stop whichever runs it
	// by stopping both, then start a fresh one.
	w.waitStatus("acme/app", id, builds.Running, time.Minute)
	for !strings.Contains(w.log("acme/app", id), "sleeping") {
		time.Sleep(50 * time.Millisecond)
	}
	stopA()
	w.stopOwn()
	if r, _ := w.svc.Build(ctx, "acme/app", id); r.Status != builds.Running {
		t.Fatalf("after its instance stopped the build is %s, want still running", r.Status)
	}
	_, stopB := w.instance()
	defer stopB()
	r := w.wait("acme/app", id, 2*time.Minute)
	log := w.log("acme/app", id)
	if r.Status != builds.Succeeded || !strings.Contains(log, "building again") || strings.Count(log, "sleeping") < 2 {
		t.Errorf("the build ended %+v with log:\n%s", r, log)
	}
}
