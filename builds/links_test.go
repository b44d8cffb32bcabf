package builds_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/berth/berth/builds"
	buildssqlite "github.com/berth/berth/builds/sqlitestore"
	"github.com/berth/berth/internal/kek"
	"github.com/berth/berth/internal/sqldb/sqldbtest"
	"github.com/berth/berth/jobs"
	jobssqlite "github.com/berth/berth/jobs/sqlitestore"
)

// TestLinked: over a real Git source and a job queue whose jobs are only
// queued, a push of a linked tag queues the dependent's literal autobuild
// rule at main's commit (a regular-expression rule that never built is
// skipped), once per digest; a chain at MaxChain stops; a self-link is
// refused.
func TestLinked(t *testing.T) {
	ctx := context.Background()
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
	svc := builds.New(builds.Options{}, builds.Deps{Store: store, Sealer: kek.NewRing(key), Sources: fetcher(t, true),
		Queue: jobs.New(jobs.Config{}, js, nil)})
	url, commit := sourceRepo(t, map[string]string{"Dockerfile": "FROM scratch\n"})
	rules := []builds.Rule{
		{Type: builds.Branch, Source: "main", Dockerfile: "Dockerfile", Context: ".", Tag: "latest", Autobuild: true},
		{Type: builds.Branch, Source: "/^rel-.*$/", Dockerfile: "Dockerfile", Context: ".", Tag: "rel", Autobuild: true},
		{Type: builds.Branch, Source: "main", Dockerfile: "Dockerfile", Context: ".", Tag: "manual"}}
	cfg := builds.Config{Source: builds.Source{URL: url}, Rules: rules, Links: []string{"acme/up:latest"}}
	if _, err := svc.SetConfig(ctx, "acme/app", cfg); err != nil {
		t.Fatal(err)
	}
	self := cfg
	self.Links = []string{"acme/base:1", "acme/self:latest"}
	var inv *builds.InvalidError
	if _, err := svc.SetConfig(ctx, "acme/self", self); !errors.As(err, &inv) || inv.Field != "links.1" {
		t.Errorf("a self-link = %v, want an error on links.1", err)
	}

	got, err := svc.Linked(ctx, "acme/up", "latest", "sha256:1")
	if err != nil || len(got) != 1 {
		t.Fatalf("Linked = %+v, %v; want one build", got, err)
	}
	if r := got[0]; r.Rule != 0 || r.Commit != commit || r.Trigger != builds.TriggerLink || r.Status != builds.Queued ||
		!slices.Equal(r.Cause, []string{"acme/up"}) || !slices.Equal(r.Tags, []string{"latest"}) {
		t.Errorf("link build = %+v", r)
	}
	if j, err := js.Job(ctx, "build:"+got[0].ID); err != nil || j.Kind != builds.JobKind {
		t.Errorf("the link build's job = %+v, %v", j, err)
	}
	if again, err := svc.Linked(ctx, "acme/up", "latest", "sha256:1"); err != nil || len(again) != 0 {
		t.Errorf("Linked for the same digest again = %+v, %v; want nothing", again, err)
	}
	if list, _ := store.Builds(ctx, "acme/app", 10); len(list) != 1 {
		t.Errorf("acme/app has %d builds after the same digest twice, want 1", len(list))
	}
	if other, _ := svc.Linked(ctx, "acme/up", "1.0", "sha256:2"); len(other) != 0 {
		t.Errorf("a tag nobody links queued %+v", other)
	}

	// acme/up's own link build, still running, pushed the digest: its
	// chain goes on, up to MaxChain.
	for _, n := range []int{builds.MaxChain - 2, builds.MaxChain - 1} {
		cause := make([]string, n)
		for i := range cause {
			cause[i] = fmt.Sprintf("acme/c%d", i)
		}
		up := builds.Record{ID: fmt.Sprintf("up-%d", n), Repository: "acme/up", Tags: []string{"latest"}, Status: builds.Running,
			Trigger: builds.TriggerLink, Cause: cause, CreatedAt: time.Now()}
		if err := store.AddBuild(ctx, up); err != nil {
			t.Fatal(err)
		}
		got, err := svc.Linked(ctx, "acme/up", "latest", fmt.Sprintf("sha256:chain-%d", n))
		want := 0
		if n+1 < builds.MaxChain {
			want = 1
		}
		if err != nil || len(got) != want {
			t.Fatalf("chain of %d + acme/up: Linked = %+v, %v; want %d builds", n, got, err, want)
		}
		if want == 1 && !slices.Equal(got[0].Cause, append(cause, "acme/up")) {
			t.Errorf("cause = %v, want %v and acme/up", got[0].Cause, cause)
		}
		up.Status = builds.Failed
		if err := store.UpdateBuild(ctx, up); err != nil {
			t.Fatal(err)
		}
	}
}
