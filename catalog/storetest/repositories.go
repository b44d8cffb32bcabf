package storetest

import (
	"context"
	"errors"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/berth/berth/catalog"
	"github.com/berth/berth/internal/storetesting"
)

// RunRepositories runs the suite every catalog.RepositoryStore must pass.
// newStore must return a new, empty store for each call.
func RunRepositories(t *testing.T, newStore func(t *testing.T) catalog.RepositoryStore) {
	storetesting.Run(t, newStore, []storetesting.Test[catalog.RepositoryStore]{
		{Name: "RoundTrip", Run: testRepositoryRoundTrip},
		{Name: "LowerCase", Run: testRepositoryLowerCase},
		{Name: "Exists", Run: testRepositoryExists},
		{Name: "NotFound", Run: testRepositoryNotFound},
		{Name: "ByNamespace", Run: testRepositoriesByNamespace},
		{Name: "Update", Run: testUpdateRepository},
		{Name: "Delete", Run: testDeleteRepository},
		{Name: "DeleteNamespace", Run: testDeleteNamespaceRepositories},
	})
}

// fullRepository is a repository with every field set.
func fullRepository() catalog.Repository {
	return catalog.Repository{
		ID: "r1", Name: "acme/web", Namespace: "acme",
		Summary: "The web front.", Description: "# Web\n\nLine \"two\" — ünïcode.\n",
		Private: true, CreatedAt: storetesting.T0, UpdatedAt: storetesting.T1,
		Pulls: 7, Stars: 3, PushedAt: storetesting.T2,
	}
}

func testRepositoryRoundTrip(t *testing.T, s catalog.RepositoryStore) {
	for _, tc := range []struct {
		name string
		in   catalog.Repository
	}{
		{"every field set", fullRepository()},
		{"zero values", catalog.Repository{ID: "r2", Name: "acme/bare", Namespace: "acme"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			mustCreate(t, s, tc.in)
			if diff := cmp.Diff(tc.in, mustRepository(t, s, tc.in.Name)); diff != "" {
				t.Errorf("RepositoryByName mismatch (-want +got):\n%s", diff)
			}
		})
	}
	t.Run("empty ID is filled in", func(t *testing.T) {
		mustCreate(t, s, catalog.Repository{Name: "acme/no-id-1", Namespace: "acme"})
		mustCreate(t, s, catalog.Repository{Name: "acme/no-id-2", Namespace: "acme"})
		a, b := mustRepository(t, s, "acme/no-id-1").ID, mustRepository(t, s, "acme/no-id-2").ID
		if a == "" || b == "" || a == b {
			t.Errorf("filled-in IDs = %q and %q, want two different non-empty IDs", a, b)
		}
	})
}

func testRepositoryLowerCase(t *testing.T, s catalog.RepositoryStore) {
	in := fullRepository()
	in.Name, in.Namespace = "Acme/Web", "ACME"
	mustCreate(t, s, in)
	want := in
	want.Name, want.Namespace = "acme/web", "acme"
	for _, name := range []string{"acme/web", "Acme/Web", "ACME/WEB"} {
		if diff := cmp.Diff(want, mustRepository(t, s, name)); diff != "" {
			t.Errorf("RepositoryByName(%q) mismatch (-want +got):\n%s", name, diff)
		}
	}
}

func testRepositoryExists(t *testing.T, s catalog.RepositoryStore) {
	ctx := context.Background()
	first := fullRepository()
	mustCreate(t, s, first)
	for _, tc := range []struct {
		name string
		in   catalog.Repository
	}{
		{"same name", catalog.Repository{ID: "r9", Name: "acme/web", Namespace: "acme", Summary: "Other."}},
		{"name differing in case", catalog.Repository{ID: "r9", Name: "ACME/Web", Namespace: "Acme", Summary: "Other."}},
		{"same name and ID", first},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if err := s.CreateRepository(ctx, tc.in); !errors.Is(err, catalog.ErrRepositoryExists) {
				t.Errorf("CreateRepository: err = %v, want ErrRepositoryExists", err)
			}
			if diff := cmp.Diff(first, mustRepository(t, s, first.Name)); diff != "" {
				t.Errorf("rejected create changed the repository (-want +got):\n%s", diff)
			}
		})
	}
	t.Run("same ID, other name", func(t *testing.T) {
		err := s.CreateRepository(ctx, catalog.Repository{ID: first.ID, Name: "acme/api", Namespace: "acme"})
		if err == nil || errors.Is(err, catalog.ErrRepositoryExists) {
			t.Errorf("CreateRepository: err = %v, want an error other than ErrRepositoryExists", err)
		}
		if _, err := s.RepositoryByName(ctx, "acme/api"); !errors.Is(err, catalog.ErrNotFound) {
			t.Errorf("rejected repository was stored (RepositoryByName err = %v)", err)
		}
	})
	t.Run("a longer name is no duplicate", func(t *testing.T) {
		mustCreate(t, s, catalog.Repository{ID: "r3", Name: "acme/web-2", Namespace: "acme"})
	})
}

func testRepositoryNotFound(t *testing.T, s catalog.RepositoryStore) {
	ctx := context.Background()
	mustCreate(t, s, fullRepository())
	for _, name := range []string{"acme/we", "acme/web-2", "acme", "other/web", "web", ""} {
		r, err := s.RepositoryByName(ctx, name)
		if !errors.Is(err, catalog.ErrNotFound) {
			t.Errorf("RepositoryByName(%q): err = %v, want ErrNotFound", name, err)
		}
		if r != (catalog.Repository{}) {
			t.Errorf("RepositoryByName(%q) = %+v, want zero", name, r)
		}
	}
}

func testRepositoriesByNamespace(t *testing.T, s catalog.RepositoryStore) {
	ctx := context.Background()
	// Neither the insertion nor the ID order is the name order.
	for _, r := range []catalog.Repository{
		{ID: "r1", Name: "acme/web", Namespace: "acme", Summary: "Web.", CreatedAt: storetesting.T0},
		{ID: "r2", Name: "acme/zeta", Namespace: "acme"},
		{ID: "r0", Name: "acme/api", Namespace: "acme", Private: true, UpdatedAt: storetesting.T2},
		{ID: "r3", Name: "acme/a-b", Namespace: "acme"},
		{ID: "r4", Name: "acme-labs/web", Namespace: "acme-labs"},
		{ID: "r5", Name: "acme-labs/secret", Namespace: "acme-labs", Private: true},
		{ID: "r6", Name: "acm/x", Namespace: "acm"},
		{ID: "r7", Name: "labs/acme", Namespace: "labs"},
		{ID: "r8", Name: "solo/x", Namespace: "solo", Private: true},
	} {
		mustCreate(t, s, r)
	}
	for _, tc := range []struct {
		name           string
		namespace      string
		includePrivate bool
		want           []string
	}{
		{"public only", "acme", false, []string{"acme/a-b", "acme/web", "acme/zeta"}},
		{"with private", "acme", true, []string{"acme/a-b", "acme/api", "acme/web", "acme/zeta"}},
		{"namespace in upper case", "ACME", true, []string{"acme/a-b", "acme/api", "acme/web", "acme/zeta"}},
		{"longer namespace, public only", "acme-labs", false, []string{"acme-labs/web"}},
		{"longer namespace, with private", "acme-labs", true, []string{"acme-labs/secret", "acme-labs/web"}},
		{"shorter namespace", "acm", true, []string{"acm/x"}},
		{"no repositories", "nobody", true, nil},
		{"only private ones, public only", "solo", false, nil},
		{"only private ones, with private", "solo", true, []string{"solo/x"}},
		{"empty namespace", "", true, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := s.RepositoriesByNamespace(ctx, tc.namespace, tc.includePrivate)
			if err != nil {
				t.Fatalf("RepositoriesByNamespace: %v", err)
			}
			if diff := cmp.Diff(tc.want, repositoryNames(got)); diff != "" {
				t.Errorf("names mismatch (-want +got):\n%s", diff)
			}
		})
	}
	t.Run("repositories are complete", func(t *testing.T) {
		got, err := s.RepositoriesByNamespace(ctx, "acme", true)
		if err != nil {
			t.Fatalf("RepositoriesByNamespace: %v", err)
		}
		for _, r := range got {
			if diff := cmp.Diff(mustRepository(t, s, r.Name), r); diff != "" {
				t.Errorf("listed %s differs from RepositoryByName (-want +got):\n%s", r.Name, diff)
			}
		}
	})
}

// mustCreate creates r and fails the test on error.
func mustCreate(t *testing.T, s catalog.RepositoryStore, r catalog.Repository) {
	t.Helper()
	if err := s.CreateRepository(context.Background(), r); err != nil {
		t.Fatalf("CreateRepository(%s): %v", r.Name, err)
	}
}

// mustRepository reads name and fails the test on error.
func mustRepository(t *testing.T, s catalog.RepositoryStore, name string) catalog.Repository {
	t.Helper()
	r, err := s.RepositoryByName(context.Background(), name)
	if err != nil {
		t.Fatalf("RepositoryByName(%s): %v", name, err)
	}
	return r
}

// repositoryNames returns the names of rs, in order.
func repositoryNames(rs []catalog.Repository) []string {
	var names []string
	for _, r := range rs {
		names = append(names, r.Name)
	}
	return names
}
