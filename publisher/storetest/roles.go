package storetest

import (
	"context"
	"slices"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/berth/berth/internal/storetesting"
	"github.com/berth/berth/publisher"
)

// roles builds a Roles map from user, role pairs.
func roles(pairs ...string) map[string]publisher.Role {
	m := make(map[string]publisher.Role, len(pairs)/2)
	for i := 0; i+1 < len(pairs); i += 2 {
		m[pairs[i]] = publisher.Role(pairs[i+1])
	}
	return m
}

func testRoles(t *testing.T, s publisher.Store) {
	for _, tc := range []struct {
		name    string
		in      publisher.Publisher
		members []string
	}{
		{"owners and editors are members, sorted; given members are ignored",
			publisher.Publisher{Slug: "acme", Members: []string{"u9"},
				Roles: roles("u3", "viewer", "u2", "editor", "u1", "owner", "u0", "editor")},
			[]string{"u0", "u1", "u2"}},
		{"viewers alone make no members",
			publisher.Publisher{Slug: "watchers", Members: []string{"u5"}, Roles: roles("u4", "viewer")}, nil},
		{"without roles members stay as given",
			publisher.Publisher{Slug: "legacy", Members: []string{"u2", "u1"}}, []string{"u2", "u1"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			want := tc.in
			want.Members, want.Status = tc.members, publisher.StatusApproved
			put := mustPut(t, s, tc.in)
			want.ID = put.ID
			if diff := cmp.Diff(want, put, equate); diff != "" {
				t.Errorf("PutPublisher result (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(want, mustPublisher(t, s, tc.in.Slug), equate); diff != "" {
				t.Errorf("stored publisher (-want +got):\n%s", diff)
			}
		})
	}
	t.Run("viewers and ignored members cannot push", func(t *testing.T) {
		for _, user := range []string{"u3", "u9", "u4", "u5"} {
			if got := slugs(t, s.PublishersByMember, user); len(got) != 0 {
				t.Errorf("PublishersByMember(%s) = %q, want none", user, got)
			}
		}
		if diff := cmp.Diff([]string{"acme", "legacy"}, slugs(t, s.PublishersByMember, "u1")); diff != "" {
			t.Errorf("PublishersByMember(u1) (-want +got):\n%s", diff)
		}
	})
	t.Run("putting new roles replaces the old", func(t *testing.T) {
		changed := mustPublisher(t, s, "acme")
		changed.Roles = roles("u2", "owner", "u7", "viewer")
		put := mustPut(t, s, changed)
		got := mustPublisher(t, s, "acme")
		for _, p := range []publisher.Publisher{put, got} {
			if diff := cmp.Diff(roles("u2", "owner", "u7", "viewer"), p.Roles); diff != "" {
				t.Errorf("roles (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff([]string{"u2"}, p.Members); diff != "" {
				t.Errorf("members (-want +got):\n%s", diff)
			}
		}
		for _, user := range []string{"u0", "u1", "u3"} {
			if got := slugs(t, s.PublishersByUser, user); slices.Contains(got, "acme") {
				t.Errorf("PublishersByUser(%s) = %q; the removed role still counts", user, got)
			}
		}
		if diff := cmp.Diff([]string{"acme"}, slugs(t, s.PublishersByUser, "u7")); diff != "" {
			t.Errorf("PublishersByUser(u7) (-want +got):\n%s", diff)
		}
	})
}

func testByUser(t *testing.T, s publisher.Store) {
	for _, p := range []publisher.Publisher{
		{Slug: "zeta", Roles: roles("u1", "owner"), Namespaces: []string{"zeta"}},
		{Slug: "alpha", Roles: roles("u1", "viewer", "u2", "editor")},
		{Slug: "mid", Members: []string{"u1"}},
		{Slug: "beta", Roles: roles("u2", "owner", "u3", "viewer")},
		{Slug: "none"},
	} {
		mustPut(t, s, p)
	}
	for _, tc := range []struct {
		name, user string
		want       []string
	}{
		{"owner, viewer and legacy member", "u1", []string{"alpha", "mid", "zeta"}},
		{"editor and owner", "u2", []string{"alpha", "beta"}},
		{"viewer only", "u3", []string{"beta"}},
		{"no role", "u4", nil},
		{"empty user", "", nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := s.PublishersByUser(context.Background(), tc.user)
			if err != nil {
				t.Fatalf("PublishersByUser: %v", err)
			}
			if diff := cmp.Diff(tc.want, listedSlugs(t, s, got)); diff != "" {
				t.Errorf("slugs (-want +got):\n%s", diff)
			}
		})
	}
}

func testByStatus(t *testing.T, s publisher.Store) {
	pending := publisher.StatusPending
	for _, p := range []publisher.Publisher{
		{Slug: "c", Status: pending, AppliedAt: storetesting.T2, Org: "o3"},
		{Slug: "a", Status: pending, AppliedAt: storetesting.T1, Org: "o1"},
		{Slug: "b", Status: pending, AppliedAt: storetesting.T0, Org: "o2"},
		{Slug: "r", Status: publisher.StatusRejected, AppliedAt: storetesting.T0, ReviewNote: "no"},
		{Slug: "ok", Status: publisher.StatusApproved, AppliedAt: storetesting.T1},
		{Slug: "legacy"},
	} {
		mustPut(t, s, p)
	}
	check := func(t *testing.T, status publisher.Status, want []string) {
		t.Helper()
		got, err := s.PublishersByStatus(context.Background(), status)
		if err != nil {
			t.Fatalf("PublishersByStatus(%q): %v", status, err)
		}
		if diff := cmp.Diff(want, listedSlugs(t, s, got)); diff != "" {
			t.Errorf("PublishersByStatus(%q) (-want +got):\n%s", status, diff)
		}
	}
	t.Run("oldest application first", func(t *testing.T) {
		check(t, pending, []string{"b", "a", "c"})
		check(t, publisher.StatusRejected, []string{"r"})
	})
	t.Run("an empty status is stored approved", func(t *testing.T) {
		check(t, publisher.StatusApproved, []string{"legacy", "ok"})
		check(t, "", nil)
	})
	t.Run("a review moves the publisher", func(t *testing.T) {
		reviewed := mustPublisher(t, s, "a")
		reviewed.Status, reviewed.ReviewNote, reviewed.ReviewedAt = publisher.StatusApproved, "welcome", storetesting.T2
		mustPut(t, s, reviewed)
		if diff := cmp.Diff(reviewed, mustPublisher(t, s, "a"), equate); diff != "" {
			t.Errorf("reviewed publisher (-want +got):\n%s", diff)
		}
		check(t, pending, []string{"b", "c"})
		check(t, publisher.StatusApproved, []string{"legacy", "a", "ok"}) // a ties ok: by slug
	})
}

// slugs returns the slugs of the publishers list returns for user, failing
// the test on error.
func slugs(t *testing.T, list func(context.Context, string) ([]publisher.Publisher, error), user string) []string {
	t.Helper()
	got, err := list(context.Background(), user)
	if err != nil {
		t.Fatalf("listing publishers of %s: %v", user, err)
	}
	var out []string
	for _, p := range got {
		out = append(out, p.Slug)
	}
	return out
}

// listedSlugs returns the slugs of listed, in order, and checks that each
// listed publisher reads back alike from PublisherBySlug.
func listedSlugs(t *testing.T, s publisher.Store, listed []publisher.Publisher) []string {
	t.Helper()
	var out []string
	for _, p := range listed {
		out = append(out, p.Slug)
		if diff := cmp.Diff(mustPublisher(t, s, p.Slug), p, equate); diff != "" {
			t.Errorf("listed %s differs from PublisherBySlug (-want +got):\n%s", p.Slug, diff)
		}
	}
	return out
}
