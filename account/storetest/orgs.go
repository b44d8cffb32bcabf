package storetest

import (
	"context"
	"errors"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/berth/berth/account"
	"github.com/berth/berth/internal/storetesting"
)

// fullOrg is an organisation with every field set, as given to CreateOrg:
// its name is not lower-case and its Version is not 1. Its repository names
// contain the characters MongoDB treats specially in field names.
func fullOrg() account.Org {
	return account.Org{
		ID: "o1", Name: "Acme", DisplayName: "Acme, Inc. — \"ünïcode\"",
		Members: []account.Member{
			{UserID: "u2", Role: account.RoleAdmin},
			{UserID: "u1", Role: account.RoleOwner},
			{UserID: "u3", Role: account.RoleMember},
		},
		Teams: []account.Team{
			{Name: "core", Description: "Builds the database.", Members: []string{"u3", "u2"},
				Repositories: map[string]account.Permission{
					"acme/db": account.PermWrite, "acme/db.tools": account.PermAdmin,
					"acme/$web": account.PermRead, "acme/a-first": account.PermRead,
				}},
			{Name: "readers", Repositories: map[string]account.Permission{"acme/db": account.PermRead}},
			{Name: "empty", Members: []string{}, Repositories: map[string]account.Permission{}},
		},
		CreatedAt: storetesting.T1, Version: 7,
	}
}

// stored returns o as CreateOrg stores it: name lower-cased, Version 1.
func stored(o account.Org, name string) account.Org {
	o.Name, o.Version = name, 1
	return o
}

func testOrgRoundTrip(t *testing.T, s account.OrgStore) {
	ctx := context.Background()
	for _, tc := range []struct {
		name    string
		in      account.Org
		lookups []string
		want    account.Org
	}{
		{"every field set", fullOrg(), []string{"acme", "ACME"}, stored(fullOrg(), "acme")},
		{"zero values", account.Org{ID: "o2", Name: "bare"}, []string{"bare"}, account.Org{ID: "o2", Name: "bare", Version: 1}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			mustCreateOrg(t, s, tc.in)
			for _, name := range tc.lookups {
				if diff := cmp.Diff(tc.want, mustOrg(t, s, name), equate); diff != "" {
					t.Errorf("OrgByName(%q) (-want +got):\n%s", name, diff)
				}
			}
		})
	}
	t.Run("listings are complete", func(t *testing.T) {
		want := stored(fullOrg(), "acme")
		byMember, err := s.OrgsByMember(ctx, "u1")
		if err != nil {
			t.Fatalf("OrgsByMember: %v", err)
		}
		if diff := cmp.Diff([]account.Org{want}, byMember, equate); diff != "" {
			t.Errorf("OrgsByMember (-want +got):\n%s", diff)
		}
		all, err := s.ListOrgs(ctx, account.Page{})
		if err != nil {
			t.Fatalf("ListOrgs: %v", err)
		}
		if diff := cmp.Diff([]account.Org{want, {ID: "o2", Name: "bare", Version: 1}}, all, equate); diff != "" {
			t.Errorf("ListOrgs (-want +got):\n%s", diff)
		}
	})
}

func testOrgNotFound(t *testing.T, s account.OrgStore) {
	ctx := context.Background()
	mustCreateOrg(t, s, fullOrg())
	for _, name := range []string{"acme-labs", "acm", ""} {
		o, err := s.OrgByName(ctx, name)
		if !errors.Is(err, account.ErrNotFound) {
			t.Errorf("OrgByName(%q): err = %v, want ErrNotFound", name, err)
		}
		if diff := cmp.Diff(account.Org{}, o); diff != "" {
			t.Errorf("OrgByName(%q) not zero (-want +got):\n%s", name, diff)
		}
	}
	t.Run("UpdateOrg", func(t *testing.T) {
		_, err := s.UpdateOrg(ctx, account.Org{ID: "o2", Name: "beta", Version: 1,
			Members: []account.Member{{UserID: "u9", Role: account.RoleOwner}}})
		if !errors.Is(err, account.ErrNotFound) {
			t.Errorf("err = %v, want ErrNotFound", err)
		}
		if got := mustOrgsByMember(t, s, "u9"); len(got) != 0 {
			t.Errorf("UpdateOrg of an absent organisation stored it: %+v", got)
		}
	})
	t.Run("DeleteOrg", func(t *testing.T) {
		if err := s.DeleteOrg(ctx, "o2"); !errors.Is(err, account.ErrNotFound) {
			t.Errorf("err = %v, want ErrNotFound", err)
		}
	})
	if got := mustOrgsByMember(t, s, "u9"); len(got) != 0 {
		t.Errorf("OrgsByMember of an outsider = %+v, want none", got)
	}
	if diff := cmp.Diff(stored(fullOrg(), "acme"), mustOrg(t, s, "acme"), equate); diff != "" {
		t.Errorf("organisation changed (-want +got):\n%s", diff)
	}
}

func testOrgConflicts(t *testing.T, s account.OrgStore) {
	ctx := context.Background()
	mustCreateOrg(t, s, fullOrg())
	outsider := []account.Member{{UserID: "u9", Role: account.RoleOwner}}
	for _, tc := range []struct {
		name string
		o    account.Org
		want error // nil: any error
	}{
		{"same name", account.Org{ID: "o2", Name: "acme", Members: outsider}, account.ErrNamespaceTaken},
		{"same name other case", account.Org{ID: "o3", Name: "ACME", Members: outsider}, account.ErrNamespaceTaken},
		{"same ID and name: the name is reported", account.Org{ID: "o1", Name: "Acme", Members: outsider}, account.ErrNamespaceTaken},
		{"same ID", account.Org{ID: "o1", Name: "other", Members: outsider}, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := s.CreateOrg(ctx, tc.o)
			if err == nil || tc.want != nil && !errors.Is(err, tc.want) {
				t.Fatalf("CreateOrg: err = %v, want %v", err, tc.want)
			}
			if tc.want == nil && errors.Is(err, account.ErrNamespaceTaken) {
				t.Errorf("CreateOrg: err = %v, want no ErrNamespaceTaken for a free name", err)
			}
			if got := mustOrgsByMember(t, s, "u9"); len(got) != 0 {
				t.Errorf("rejected organisation was stored: %+v", got)
			}
		})
	}
	if _, err := s.OrgByName(ctx, "other"); !errors.Is(err, account.ErrNotFound) {
		t.Errorf("organisation with a taken ID was stored (OrgByName err = %v)", err)
	}
	if diff := cmp.Diff(stored(fullOrg(), "acme"), mustOrg(t, s, "acme"), equate); diff != "" {
		t.Errorf("first organisation changed (-want +got):\n%s", diff)
	}
}

// mustCreateOrg creates o and fails the test on error.
func mustCreateOrg(t *testing.T, s account.OrgStore, o account.Org) {
	t.Helper()
	if err := s.CreateOrg(context.Background(), o); err != nil {
		t.Fatalf("CreateOrg(%s): %v", o.Name, err)
	}
}

// mustOrg reads the organisation called name and fails the test on error.
func mustOrg(t *testing.T, s account.OrgStore, name string) account.Org {
	t.Helper()
	o, err := s.OrgByName(context.Background(), name)
	if err != nil {
		t.Fatalf("OrgByName(%s): %v", name, err)
	}
	return o
}

// mustOrgsByMember lists userID's organisations and fails the test on error.
func mustOrgsByMember(t *testing.T, s account.OrgStore, userID string) []account.Org {
	t.Helper()
	got, err := s.OrgsByMember(context.Background(), userID)
	if err != nil {
		t.Fatalf("OrgsByMember(%s): %v", userID, err)
	}
	return got
}

// orgNames returns the names of orgs, in order.
func orgNames(orgs []account.Org) []string {
	return keys(orgs, func(o account.Org) string { return o.Name })
}
