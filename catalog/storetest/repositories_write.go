package storetest

import (
	"context"
	"errors"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/berth/berth/catalog"
	"github.com/berth/berth/internal/storetesting"
)

func testUpdateRepository(t *testing.T, s catalog.RepositoryStore) {
	ctx := context.Background()
	orig := fullRepository()
	mustCreate(t, s, orig)
	others := []catalog.Repository{
		{ID: "r2", Name: "acme/web-2", Namespace: "acme", Summary: "Two.", CreatedAt: storetesting.T0},
		{ID: "r3", Name: "other/web", Namespace: "other", Summary: "Three.", Private: true},
	}
	for _, r := range others {
		mustCreate(t, s, r)
	}

	t.Run("changes only the replaceable fields", func(t *testing.T) {
		in := catalog.Repository{
			ID: "ignored", Name: "ACME/Web", Namespace: "elsewhere",
			Summary: "New summary.", Description: "New *description*.", Private: false,
			CreatedAt: storetesting.T2, UpdatedAt: storetesting.T2,
		}
		if err := s.UpdateRepository(ctx, in); err != nil {
			t.Fatalf("UpdateRepository: %v", err)
		}
		want := orig
		want.Summary, want.Description, want.Private, want.UpdatedAt = in.Summary, in.Description, in.Private, in.UpdatedAt
		if diff := cmp.Diff(want, mustRepository(t, s, orig.Name)); diff != "" {
			t.Errorf("updated repository mismatch (-want +got):\n%s", diff)
		}
	})
	t.Run("zero values replace set ones", func(t *testing.T) {
		if err := s.UpdateRepository(ctx, catalog.Repository{Name: orig.Name}); err != nil {
			t.Fatalf("UpdateRepository: %v", err)
		}
		// The counters and last push are not the update's to replace.
		want := catalog.Repository{ID: orig.ID, Name: orig.Name, Namespace: orig.Namespace, CreatedAt: orig.CreatedAt,
			Pulls: orig.Pulls, Stars: orig.Stars, PushedAt: orig.PushedAt}
		if diff := cmp.Diff(want, mustRepository(t, s, orig.Name)); diff != "" {
			t.Errorf("updated repository mismatch (-want +got):\n%s", diff)
		}
	})
	t.Run("private again", func(t *testing.T) {
		if err := s.UpdateRepository(ctx, catalog.Repository{Name: orig.Name, Private: true}); err != nil {
			t.Fatalf("UpdateRepository: %v", err)
		}
		if !mustRepository(t, s, orig.Name).Private {
			t.Error("Private = false after updating it to true")
		}
	})
	t.Run("other repositories are untouched", func(t *testing.T) {
		for _, r := range others {
			if diff := cmp.Diff(r, mustRepository(t, s, r.Name)); diff != "" {
				t.Errorf("%s changed (-want +got):\n%s", r.Name, diff)
			}
		}
	})
	t.Run("not found", func(t *testing.T) {
		for _, name := range []string{"acme/nope", "acme", "acme/we", ""} {
			err := s.UpdateRepository(ctx, catalog.Repository{Name: name, Namespace: "acme", Summary: "S."})
			if !errors.Is(err, catalog.ErrNotFound) {
				t.Errorf("UpdateRepository(%q): err = %v, want ErrNotFound", name, err)
			}
			if _, err := s.RepositoryByName(ctx, name); !errors.Is(err, catalog.ErrNotFound) {
				t.Errorf("UpdateRepository(%q) created it (RepositoryByName err = %v)", name, err)
			}
		}
	})
}

func testDeleteRepository(t *testing.T, s catalog.RepositoryStore) {
	ctx := context.Background()
	web := fullRepository()
	api := catalog.Repository{ID: "r2", Name: "acme/api", Namespace: "acme"}
	mustCreate(t, s, web)
	mustCreate(t, s, api)

	if err := s.DeleteRepository(ctx, "ACME/Web"); err != nil {
		t.Fatalf("DeleteRepository: %v", err)
	}
	if _, err := s.RepositoryByName(ctx, web.Name); !errors.Is(err, catalog.ErrNotFound) {
		t.Errorf("deleted repository: RepositoryByName err = %v, want ErrNotFound", err)
	}
	if diff := cmp.Diff(api, mustRepository(t, s, api.Name)); diff != "" {
		t.Errorf("other repository changed (-want +got):\n%s", diff)
	}
	t.Run("not found", func(t *testing.T) {
		for _, name := range []string{web.Name, "acme/nope", "acme", "acme/ap", ""} {
			if err := s.DeleteRepository(ctx, name); !errors.Is(err, catalog.ErrNotFound) {
				t.Errorf("DeleteRepository(%q): err = %v, want ErrNotFound", name, err)
			}
		}
		if _, err := s.RepositoryByName(ctx, api.Name); err != nil {
			t.Errorf("failed deletes removed %s: %v", api.Name, err)
		}
	})
	t.Run("the name can be created again", func(t *testing.T) {
		again := catalog.Repository{ID: "r3", Name: web.Name, Namespace: web.Namespace}
		mustCreate(t, s, again)
		if diff := cmp.Diff(again, mustRepository(t, s, web.Name)); diff != "" {
			t.Errorf("recreated repository mismatch (-want +got):\n%s", diff)
		}
	})
}

func testDeleteNamespaceRepositories(t *testing.T, s catalog.RepositoryStore) {
	ctx := context.Background()
	for _, r := range []catalog.Repository{
		{ID: "r1", Name: "acme/web", Namespace: "acme"},
		{ID: "r2", Name: "acme/api", Namespace: "acme", Private: true},
		{ID: "r3", Name: "acme/db", Namespace: "acme"},
		{ID: "r4", Name: "acme-labs/web", Namespace: "acme-labs"},
		{ID: "r5", Name: "acme-labs/api", Namespace: "acme-labs", Private: true},
		{ID: "r6", Name: "acm/x", Namespace: "acm"},
		{ID: "r7", Name: "labs/acme", Namespace: "labs"},
	} {
		mustCreate(t, s, r)
	}
	for _, tc := range []struct {
		name      string
		namespace string
		want      int
	}{
		{"a namespace, in upper case", "ACME", 3},
		{"the same again", "acme", 0},
		{"no repositories", "nobody", 0},
		{"empty namespace", "", 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			n, err := s.DeleteNamespaceRepositories(ctx, tc.namespace)
			if err != nil {
				t.Fatalf("DeleteNamespaceRepositories: %v", err)
			}
			if n != tc.want {
				t.Errorf("DeleteNamespaceRepositories = %d, want %d", n, tc.want)
			}
		})
	}
	for ns, want := range map[string][]string{
		"acme":      nil,
		"acme-labs": {"acme-labs/api", "acme-labs/web"},
		"acm":       {"acm/x"},
		"labs":      {"labs/acme"},
	} {
		got, err := s.RepositoriesByNamespace(ctx, ns, true)
		if err != nil {
			t.Fatalf("RepositoriesByNamespace(%s): %v", ns, err)
		}
		if diff := cmp.Diff(want, repositoryNames(got)); diff != "" {
			t.Errorf("%s after deleting acme (-want +got):\n%s", ns, diff)
		}
	}
}
