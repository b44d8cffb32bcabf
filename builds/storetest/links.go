package storetest

import (
	"context"
	"errors"
	"slices"
	"testing"

	"github.com/berth/berth/builds"
	"github.com/berth/berth/internal/storetesting"
)

// testLinks: Linked answers the repositories whose current settings link
// an image, and follows settings as they are replaced.
func testLinks(t *testing.T, s builds.Store) {
	ctx := context.Background()
	put := func(repo string, links ...string) {
		t.Helper()
		if err := s.PutSettings(ctx, builds.StoredSettings{Repository: repo, URL: "git://example.com/x",
			Rules: []builds.Rule{{Type: builds.Branch, Source: "main", Dockerfile: "Dockerfile", Context: ".", Tag: "latest"}},
			Links: links, UpdatedAt: storetesting.T0}); err != nil {
			t.Fatal(err)
		}
	}
	linked := func(link string, want ...string) {
		t.Helper()
		got, err := s.Linked(ctx, link)
		if err != nil || !slices.Equal(got, want) {
			t.Errorf("Linked(%s) = %v, %v; want %v", link, got, err, want)
		}
	}
	put("acme/b", "acme/base:latest", "acme/tools:1")
	put("acme/a", "acme/base:latest")
	put("acme/c")
	linked("acme/base:latest", "acme/a", "acme/b")
	linked("acme/tools:1", "acme/b")
	linked("acme/base:1")
	put("acme/b", "acme/tools:1") // b no longer links base
	linked("acme/base:latest", "acme/a")
	linked("acme/tools:1", "acme/b")
}

// testExists: a second record with a stored ID is refused as ErrExists,
// and the cause chain is kept.
func testExists(t *testing.T, s builds.Store) {
	ctx := context.Background()
	r := record("link-1", storetesting.T0)
	r.Trigger, r.Cause = builds.TriggerLink, []string{"acme/base", "acme/mid"}
	if err := s.AddBuild(ctx, r); err != nil {
		t.Fatal(err)
	}
	if err := s.AddBuild(ctx, r); !errors.Is(err, builds.ErrExists) {
		t.Errorf("AddBuild again = %v, want ErrExists", err)
	}
	got, err := s.Build(ctx, "acme/app", "link-1")
	if err != nil || !slices.Equal(got.Cause, r.Cause) {
		t.Errorf("Build = %+v, %v; want cause %v", got, err, r.Cause)
	}
	r.Status, r.Cause = builds.Running, []string{"acme/base"}
	if err := s.UpdateBuild(ctx, r); err != nil {
		t.Fatal(err)
	}
	if got, _ := s.Build(ctx, "acme/app", "link-1"); !slices.Equal(got.Cause, r.Cause) {
		t.Errorf("after UpdateBuild cause = %v, want %v", got.Cause, r.Cause)
	}
}
