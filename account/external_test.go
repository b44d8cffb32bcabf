package account_test

import (
	"context"
	"errors"
	"slices"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/berth/berth/account"
)

func TestCreateExternalUser(t *testing.T) {
	ctx := context.Background()
	s, _ := newService(t)
	u, err := s.CreateExternalUser(ctx, "Dana", "not an email")
	if err != nil {
		t.Fatal(err)
	}
	if u.Username != "dana" || u.Email != "" || u.Admin || u.PasswordHash == "" {
		t.Errorf("external user = %+v", u)
	}
	for _, pw := range []string{"", "dana-password", u.PasswordHash} {
		if _, err := s.Authenticate(ctx, "dana", pw); !errors.Is(err, account.ErrBadCredentials) {
			t.Errorf("local sign-in of an external account with %q: %v, want ErrBadCredentials", pw, err)
		}
	}
	if _, err := s.CreateExternalUser(ctx, "dana", "dana@example.com"); !errors.Is(err, account.ErrUsernameTaken) {
		t.Errorf("second dana: %v, want ErrUsernameTaken", err)
	}
	if _, err := s.CreateExternalUser(ctx, "acme", ""); !errors.Is(err, account.ErrUsernameTaken) {
		t.Errorf("a publisher's namespace: %v, want ErrUsernameTaken", err)
	}
	var invalid *account.InvalidError
	if _, err := s.CreateExternalUser(ctx, "a.b", ""); !errors.As(err, &invalid) {
		t.Errorf("invalid name: %v, want *InvalidError", err)
	}
	if d, err := s.SetExternalDisabled(ctx, u.ID, true); err != nil || !d.Disabled {
		t.Errorf("SetExternalDisabled = %+v, %v", d, err)
	}
}

func TestSyncMembership(t *testing.T) {
	ctx := context.Background()
	s, _ := newService(t)
	owner, dana := register(t, s, "owner"), register(t, s, "dana")
	if _, err := s.CreateOrg(ctx, owner, "corp", ""); err != nil {
		t.Fatal(err)
	}
	for _, team := range []string{"devs", "ops"} {
		if err := s.CreateTeam(ctx, owner, "corp", team, ""); err != nil {
			t.Fatal(err)
		}
	}
	sync := func(role account.Role, teams map[string]bool) []account.MembershipChange {
		t.Helper()
		_, changes, err := s.SyncMembership(ctx, "corp", dana.ID, role, teams)
		if err != nil {
			t.Fatalf("SyncMembership(%s, %v): %v", role, teams, err)
		}
		return changes
	}
	want := []account.MembershipChange{{Kind: account.Joined, To: account.RoleMember}, {Kind: account.TeamJoined, Team: "devs"}}
	if diff := cmp.Diff(want, sync(account.RoleMember, map[string]bool{"devs": true, "ops": false})); diff != "" {
		t.Errorf("first sync (-want +got):\n%s", diff)
	}
	before, _ := s.Org(ctx, "corp")
	if got := sync(account.RoleMember, map[string]bool{"devs": true, "ops": false}); got != nil {
		t.Errorf("same sync again changed %v", got)
	}
	if after, _ := s.Org(ctx, "corp"); after.Version != before.Version {
		t.Errorf("an unchanged sync wrote the organisation: version %d → %d", before.Version, after.Version)
	}
	want = []account.MembershipChange{{Kind: account.RoleSet, From: account.RoleMember, To: account.RoleAdmin},
		{Kind: account.TeamLeft, Team: "devs"}, {Kind: account.TeamJoined, Team: "ops"}}
	if diff := cmp.Diff(want, sync(account.RoleAdmin, map[string]bool{"devs": false, "ops": true})); diff != "" {
		t.Errorf("role and team change (-want +got):\n%s", diff)
	}
	want = []account.MembershipChange{{Kind: account.TeamLeft, Team: "ops"}, {Kind: account.Left, From: account.RoleAdmin}}
	if diff := cmp.Diff(want, sync("", nil)); diff != "" {
		t.Errorf("removal (-want +got):\n%s", diff)
	}
	o, _ := s.Org(ctx, "corp")
	if o.Role(dana.ID) != "" || slices.ContainsFunc(o.Teams, func(t account.Team) bool { return slices.Contains(t.Members, dana.ID) }) {
		t.Errorf("dana still in corp: %+v", o)
	}
	var missing *account.MissingTeamsError
	_, changes, err := s.SyncMembership(ctx, "corp", dana.ID, account.RoleMember, map[string]bool{"nope": true, "devs": true})
	if !errors.As(err, &missing) || !slices.Equal(missing.Teams, []string{"nope"}) || len(changes) != 2 {
		t.Errorf("missing team: changes %v, err %v", changes, err)
	}
	if _, _, err := s.SyncMembership(ctx, "corp", owner.ID, "", nil); !errors.Is(err, account.ErrLastOwner) {
		t.Errorf("removing the last owner: %v, want ErrLastOwner", err)
	}
}

func TestStartSession(t *testing.T) {
	ctx := context.Background()
	s, _ := newService(t)
	u, err := s.CreateExternalUser(ctx, "erin", "")
	if err != nil {
		t.Fatal(err)
	}
	_, token, err := s.StartSession(ctx, u, account.Client{UserAgent: "test"})
	if err != nil {
		t.Fatal(err)
	}
	if _, got, err := s.Session(ctx, token); err != nil || got.ID != u.ID {
		t.Errorf("the session's user = %+v, %v", got, err)
	}
	if _, err := s.SetExternalDisabled(ctx, u.ID, true); err != nil {
		t.Fatal(err)
	}
	if _, _, err := s.StartSession(ctx, u, account.Client{}); !errors.Is(err, account.ErrBadCredentials) {
		t.Errorf("a disabled account's session: %v, want ErrBadCredentials", err)
	}
}
