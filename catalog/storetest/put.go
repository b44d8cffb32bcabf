package storetest

import (
	"context"
	"errors"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/berth/berth/catalog"
	"github.com/berth/berth/internal/storetesting"
)

func testUpsert(t *testing.T, s catalog.Store) {
	ctx := context.Background()
	first := mustPut(t, s, full())

	second := catalog.Product{
		ID: "ignored", Slug: first.Slug, Name: "Acme Database", Publisher: "acme-inc",
		Kind: catalog.KindImage, Badge: catalog.BadgeNone, Summary: "New summary.",
		Categories:   []string{"sql"},
		Repositories: []string{"acme/db-tools", "acme/db-v2"},
		Tiers:        []catalog.Tier{{ID: "team", Name: "Team", Price: 100, Currency: "usd", Repositories: []string{"acme/db-v2"}}},
		Stars:        999, Pulls: 999, Logo: "data:image/png;base64,AAAA", Platforms: []string{"windows/amd64"},
		CreatedAt: storetesting.T1, UpdatedAt: storetesting.T0,
	}
	want := second
	want.ID, want.CreatedAt, want.Stars, want.Pulls = first.ID, first.CreatedAt, first.Stars, first.Pulls
	want.Platforms = first.Platforms
	want.Status = catalog.StatusPublished

	put, err := s.PutProduct(ctx, second)
	if err != nil {
		t.Fatalf("PutProduct again: %v", err)
	}
	if diff := cmp.Diff(want, put, equate); diff != "" {
		t.Errorf("PutProduct result mismatch (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(want, mustProduct(t, s, first.Slug), equate); diff != "" {
		t.Errorf("stored product mismatch (-want +got):\n%s", diff)
	}

	t.Run("released repository can be taken", func(t *testing.T) {
		other := mustPut(t, s, catalog.Product{ID: "p9", Slug: "other", Repositories: []string{"acme/db", "acme/a-first"}})
		if diff := cmp.Diff([]string{"acme/db", "acme/a-first"}, other.Repositories); diff != "" {
			t.Errorf("repositories mismatch (-want +got):\n%s", diff)
		}
	})
	t.Run("putting the same repositories again is no conflict", func(t *testing.T) {
		if _, err := s.PutProduct(ctx, second); err != nil {
			t.Errorf("PutProduct unchanged: %v", err)
		}
	})
	t.Run("dropping every repository", func(t *testing.T) {
		cleared := second
		cleared.Repositories = nil
		mustPut(t, s, cleared)
		if got := mustProduct(t, s, second.Slug).Repositories; len(got) != 0 {
			t.Errorf("repositories = %q, want none", got)
		}
		mustPut(t, s, catalog.Product{Slug: "takes-v2", Repositories: []string{"acme/db-v2"}})
	})
}

func testRepositoryTaken(t *testing.T, s catalog.Store) {
	ctx := context.Background()
	owner := mustPut(t, s, catalog.Product{ID: "p1", Slug: "owner", Repositories: []string{"acme/one", "acme/two"}})
	existing := mustPut(t, s, catalog.Product{ID: "p2", Slug: "existing", Name: "Existing", Repositories: []string{"acme/three"}})

	t.Run("new product", func(t *testing.T) {
		_, err := s.PutProduct(ctx, catalog.Product{ID: "p3", Slug: "new", Repositories: []string{"acme/nine", "acme/two"}})
		if !errors.Is(err, catalog.ErrRepositoryTaken) {
			t.Fatalf("err = %v, want ErrRepositoryTaken", err)
		}
		if _, err := s.ProductBySlug(ctx, "new"); !errors.Is(err, catalog.ErrNotFound) {
			t.Errorf("rejected product was stored (ProductBySlug err = %v)", err)
		}
		mustPut(t, s, catalog.Product{Slug: "takes-nine", Repositories: []string{"acme/nine"}})
	})
	t.Run("existing product", func(t *testing.T) {
		changed := existing
		changed.Name, changed.Repositories = "Changed", []string{"acme/three", "acme/one"}
		if _, err := s.PutProduct(ctx, changed); !errors.Is(err, catalog.ErrRepositoryTaken) {
			t.Fatalf("err = %v, want ErrRepositoryTaken", err)
		}
		if diff := cmp.Diff(existing, mustProduct(t, s, "existing"), equate); diff != "" {
			t.Errorf("rejected update changed the product (-want +got):\n%s", diff)
		}
	})
	t.Run("owner keeps its repositories", func(t *testing.T) {
		if diff := cmp.Diff(owner, mustProduct(t, s, "owner"), equate); diff != "" {
			t.Errorf("owner changed (-want +got):\n%s", diff)
		}
	})
	t.Run("repeats within one product are stored once", func(t *testing.T) {
		p := mustPut(t, s, catalog.Product{Slug: "repeats", Repositories: []string{"acme/r", "acme/s", "acme/r"}})
		want := []string{"acme/r", "acme/s"}
		if diff := cmp.Diff(want, p.Repositories); diff != "" {
			t.Errorf("PutProduct repositories (-want +got):\n%s", diff)
		}
		if diff := cmp.Diff(want, mustProduct(t, s, "repeats").Repositories); diff != "" {
			t.Errorf("stored repositories (-want +got):\n%s", diff)
		}
	})
	t.Run("products without repositories do not collide", func(t *testing.T) {
		mustPut(t, s, catalog.Product{Slug: "empty-1"})
		mustPut(t, s, catalog.Product{Slug: "empty-2", Repositories: []string{}})
		mustPut(t, s, catalog.Product{Slug: "empty-3"})
	})
}
