package storetest

import (
	"context"
	"errors"
	"fmt"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/berth/berth/account"
	"github.com/berth/berth/internal/storetesting"
)

func testUpdateOrg(t *testing.T, s account.OrgStore) {
	ctx := context.Background()
	mustCreateOrg(t, s, fullOrg())
	other := account.Org{ID: "o2", Name: "beta", Members: []account.Member{{UserID: "u1", Role: account.RoleOwner}}}
	mustCreateOrg(t, s, other)
	v1 := mustOrg(t, s, "acme")

	change := v1
	change.Name, change.CreatedAt = "renamed", storetesting.T2 // neither changes
	change.DisplayName = "Acme Corporation"
	change.Members = []account.Member{{UserID: "u1", Role: account.RoleOwner}, {UserID: "u4", Role: account.RoleAdmin}}
	change.Teams = []account.Team{{Name: "ops", Description: "Runs it.", Members: []string{"u4"},
		Repositories: map[string]account.Permission{"acme/ops.tools": account.PermAdmin}}}
	want := change
	want.Name, want.CreatedAt, want.Version = v1.Name, v1.CreatedAt, 2

	v2, err := s.UpdateOrg(ctx, change)
	if err != nil {
		t.Fatalf("UpdateOrg: %v", err)
	}
	if diff := cmp.Diff(want, v2, equate); diff != "" {
		t.Errorf("UpdateOrg result (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(want, mustOrg(t, s, "acme"), equate); diff != "" {
		t.Errorf("stored organisation (-want +got):\n%s", diff)
	}
	if _, err := s.OrgByName(ctx, "renamed"); !errors.Is(err, account.ErrNotFound) {
		t.Errorf("UpdateOrg renamed the organisation (OrgByName(renamed) err = %v)", err)
	}

	for _, tc := range []struct {
		name    string
		version int64
	}{
		{"stale version", 1},
		{"version from the future", 3},
		{"version zero", 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			stale := v1
			stale.Version, stale.DisplayName = tc.version, "Lost update"
			if _, err := s.UpdateOrg(ctx, stale); !errors.Is(err, account.ErrStale) {
				t.Errorf("UpdateOrg: err = %v, want ErrStale", err)
			}
			if diff := cmp.Diff(want, mustOrg(t, s, "acme"), equate); diff != "" {
				t.Errorf("rejected update changed the organisation (-want +got):\n%s", diff)
			}
		})
	}
	t.Run("next update from the returned version", func(t *testing.T) {
		cleared := v2
		cleared.DisplayName, cleared.Members, cleared.Teams = "", nil, nil
		v3, err := s.UpdateOrg(ctx, cleared)
		if err != nil {
			t.Fatalf("UpdateOrg: %v", err)
		}
		want := cleared
		want.Version = 3
		if diff := cmp.Diff(want, v3, equate); diff != "" {
			t.Errorf("UpdateOrg result (-want +got):\n%s", diff)
		}
		if diff := cmp.Diff(want, mustOrg(t, s, "acme"), equate); diff != "" {
			t.Errorf("stored organisation (-want +got):\n%s", diff)
		}
	})
	if diff := cmp.Diff(stored(other, "beta"), mustOrg(t, s, "beta"), equate); diff != "" {
		t.Errorf("other organisation changed (-want +got):\n%s", diff)
	}
	t.Run("deleted", func(t *testing.T) {
		o := mustOrg(t, s, "acme")
		if err := s.DeleteOrg(ctx, o.ID); err != nil {
			t.Fatalf("DeleteOrg: %v", err)
		}
		if _, err := s.UpdateOrg(ctx, o); !errors.Is(err, account.ErrNotFound) {
			t.Errorf("UpdateOrg of a deleted organisation: err = %v, want ErrNotFound", err)
		}
		if _, err := s.OrgByName(ctx, "acme"); !errors.Is(err, account.ErrNotFound) {
			t.Errorf("UpdateOrg brought a deleted organisation back (OrgByName err = %v)", err)
		}
	})
}

func testOrgsByMember(t *testing.T, s account.OrgStore) {
	ctx := context.Background()
	member := func(id string, r account.Role) account.Member { return account.Member{UserID: id, Role: r} }
	for _, o := range []account.Org{
		{ID: "o1", Name: "beta", Members: []account.Member{member("u1", account.RoleOwner), member("u2", account.RoleMember)}},
		{ID: "o2", Name: "Alpha", Members: []account.Member{member("u1", account.RoleMember)}},
		{ID: "o3", Name: "gamma", Members: []account.Member{member("u2", account.RoleOwner)},
			Teams: []account.Team{{Name: "guests", Members: []string{"u1", "u3"}}}},
		{ID: "o4", Name: "delta"},
	} {
		mustCreateOrg(t, s, o)
	}
	check := func(t *testing.T, user string, want []string) {
		t.Helper()
		got := mustOrgsByMember(t, s, user)
		if diff := cmp.Diff(want, orgNames(got), equate); diff != "" {
			t.Errorf("OrgsByMember(%s) (-want +got):\n%s", user, diff)
		}
		for _, o := range got {
			if diff := cmp.Diff(mustOrg(t, s, o.Name), o, equate); diff != "" {
				t.Errorf("listed %s differs from OrgByName (-want +got):\n%s", o.Name, diff)
			}
		}
	}
	check(t, "u1", []string{"alpha", "beta"})
	check(t, "u2", []string{"beta", "gamma"})
	check(t, "u3", nil) // a team member who is not a member
	check(t, "u9", nil)

	t.Run("after updates", func(t *testing.T) {
		beta := mustOrg(t, s, "beta")
		beta.Members = beta.Members[1:] // u1 leaves
		if _, err := s.UpdateOrg(ctx, beta); err != nil {
			t.Fatalf("UpdateOrg(beta): %v", err)
		}
		gamma := mustOrg(t, s, "gamma")
		gamma.Members = append(gamma.Members, member("u1", account.RoleAdmin), member("u3", account.RoleMember))
		if _, err := s.UpdateOrg(ctx, gamma); err != nil {
			t.Fatalf("UpdateOrg(gamma): %v", err)
		}
		check(t, "u1", []string{"alpha", "gamma"})
		check(t, "u2", []string{"beta", "gamma"})
		check(t, "u3", []string{"gamma"})
	})
	t.Run("after a deletion", func(t *testing.T) {
		if err := s.DeleteOrg(ctx, "o2"); err != nil {
			t.Fatalf("DeleteOrg: %v", err)
		}
		check(t, "u1", []string{"gamma"})
	})
}

func testListOrgs(t *testing.T, s account.OrgStore) {
	ctx := context.Background()
	if got, err := s.ListOrgs(ctx, account.Page{}); err != nil || len(got) != 0 {
		t.Fatalf("ListOrgs of an empty store = %v, %v; want none", got, err)
	}
	for i, name := range []string{"delta", "Alpha", "echo", "charlie", "bravo"} {
		// IDs run in creation order, not in name order.
		mustCreateOrg(t, s, account.Org{ID: fmt.Sprintf("o%d", i), Name: name, DisplayName: name,
			Members: []account.Member{{UserID: "u1", Role: account.RoleOwner}}, CreatedAt: storetesting.T0.AddDate(0, 0, i)})
	}
	for _, tc := range []struct {
		name string
		page account.Page
		want []string
	}{
		{"everything", account.Page{}, []string{"alpha", "bravo", "charlie", "delta", "echo"}},
		{"limit one", account.Page{Limit: 1}, []string{"alpha"}},
		{"limit", account.Page{Limit: 2}, []string{"alpha", "bravo"}},
		{"offset and limit", account.Page{Offset: 2, Limit: 2}, []string{"charlie", "delta"}},
		{"offset", account.Page{Offset: 4}, []string{"echo"}},
		{"limit past the end", account.Page{Offset: 3, Limit: 10}, []string{"delta", "echo"}},
		{"offset past the end", account.Page{Offset: 10}, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := s.ListOrgs(ctx, tc.page)
			if err != nil {
				t.Fatalf("ListOrgs: %v", err)
			}
			if diff := cmp.Diff(tc.want, orgNames(got)); diff != "" {
				t.Errorf("names (-want +got):\n%s", diff)
			}
			for _, o := range got {
				if diff := cmp.Diff(mustOrg(t, s, o.Name), o, equate); diff != "" {
					t.Errorf("listed %s differs from OrgByName (-want +got):\n%s", o.Name, diff)
				}
			}
		})
	}
}

func testDeleteOrg(t *testing.T, s account.OrgStore) {
	ctx := context.Background()
	owner := []account.Member{{UserID: "u1", Role: account.RoleOwner}}
	mustCreateOrg(t, s, account.Org{ID: "o1", Name: "acme", Members: owner})
	beta := account.Org{ID: "o2", Name: "beta", Members: owner}
	mustCreateOrg(t, s, beta)

	if err := s.DeleteOrg(ctx, "o1"); err != nil {
		t.Fatalf("DeleteOrg: %v", err)
	}
	if _, err := s.OrgByName(ctx, "acme"); !errors.Is(err, account.ErrNotFound) {
		t.Errorf("OrgByName of a deleted organisation: err = %v, want ErrNotFound", err)
	}
	all, err := s.ListOrgs(ctx, account.Page{})
	if err != nil {
		t.Fatalf("ListOrgs: %v", err)
	}
	if diff := cmp.Diff([]account.Org{stored(beta, "beta")}, all, equate); diff != "" {
		t.Errorf("organisations left (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]string{"beta"}, orgNames(mustOrgsByMember(t, s, "u1"))); diff != "" {
		t.Errorf("OrgsByMember after a deletion (-want +got):\n%s", diff)
	}
	if err := s.DeleteOrg(ctx, "o1"); !errors.Is(err, account.ErrNotFound) {
		t.Errorf("DeleteOrg again: err = %v, want ErrNotFound", err)
	}
	mustCreateOrg(t, s, account.Org{ID: "o3", Name: "Acme"})
	if got := mustOrg(t, s, "acme"); got.ID != "o3" || got.Version != 1 {
		t.Errorf("re-created organisation = %+v, want ID o3 at version 1", got)
	}
}
