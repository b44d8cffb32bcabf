package account_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/berth/berth/account"
	"github.com/berth/berth/account/sqlitestore"
	"github.com/berth/berth/internal/sqldb/sqldbtest"
	"github.com/berth/berth/publisher"
	publishersqlite "github.com/berth/berth/publisher/sqlitestore"
)

// fastHash keeps the tests quick; the cost is not what they check.
var fastHash = account.PasswordParams{Memory: 1024, Time: 1, Threads: 1}

// reservedByPublishers is the production rule: a publisher's namespace is
// not for users or organisations.
type reservedByPublishers struct{ store publisher.Store }

func (r reservedByPublishers) NamespaceReserved(ctx context.Context, name string) (account.Hold, error) {
	_, err := r.store.PublisherByNamespace(ctx, name)
	if errors.Is(err, publisher.ErrNotFound) {
		return account.HoldNone, nil
	} else if err != nil {
		return account.HoldNone, err
	}
	return account.HoldPublisher, nil
}

// newService builds the account service over real SQLite stores, with a
// publisher owning the namespace "acme", and a clock the test moves.
func newService(t *testing.T) (*account.Service, *time.Time) {
	t.Helper()
	ctx := context.Background()
	db := sqldbtest.Open(t)
	st, err := sqlitestore.New(ctx, db)
	if err != nil {
		t.Fatal(err)
	}
	pubs, err := publishersqlite.New(ctx, db)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := pubs.PutPublisher(ctx, publisher.Publisher{Slug: "acme", Namespaces: []string{"acme"}}); err != nil {
		t.Fatal(err)
	}
	s := account.New(account.Stores{Users: st, Namespaces: st, Sessions: st, Tokens: st, Orgs: st},
		reservedByPublishers{pubs}, account.Options{Password: fastHash})
	now := time.Date(2026, 1, 1, 12, 0, 0, 0, time.UTC)
	account.SetClock(s, func() time.Time { return now })
	return s, &now
}

func register(t *testing.T, s *account.Service, name string) account.User {
	t.Helper()
	u, err := s.Register(context.Background(), account.SignUp{Username: name, Email: name + "@example.com", Password: name + "-password"})
	if err != nil {
		t.Fatal(err)
	}
	return u
}

func TestSessionExpiry(t *testing.T) {
	ctx := context.Background()
	s, now := newService(t)
	register(t, s, "alice")
	_, token, err := s.SignIn(ctx, "alice", "alice-password", account.Client{UserAgent: "test"})
	if err != nil {
		t.Fatal(err)
	}
	for day := 1; day <= 29; day += 6 {
		*now = now.Add(6 * 24 * time.Hour) // active every six days: never idle
		if _, _, err := s.Session(ctx, token); err != nil {
			t.Fatalf("day %d: an active session ended: %v", day, err)
		}
	}
	*now = now.Add(2 * 24 * time.Hour) // past 30 days since sign-in
	if _, _, err := s.Session(ctx, token); !errors.Is(err, account.ErrNotFound) {
		t.Errorf("after the absolute lifetime the session still works: %v", err)
	}

	_, idle, err := s.SignIn(ctx, "alice", "alice-password", account.Client{})
	if err != nil {
		t.Fatal(err)
	}
	*now = now.Add(7*24*time.Hour + time.Minute)
	if _, _, err := s.Session(ctx, idle); !errors.Is(err, account.ErrNotFound) {
		t.Errorf("after a week idle the session still works: %v", err)
	}
}

func TestChangePasswordEndsOtherSessions(t *testing.T) {
	ctx := context.Background()
	s, _ := newService(t)
	u := register(t, s, "alice")
	here, hereToken, _ := s.SignIn(ctx, "alice", "alice-password", account.Client{})
	_, elsewhere, _ := s.SignIn(ctx, "alice", "alice-password", account.Client{})
	if err := s.ChangePassword(ctx, u.ID, "wrong-password", "new-password-1", here.ID); err == nil {
		t.Fatal("the wrong current password was accepted")
	}
	if err := s.ChangePassword(ctx, u.ID, "alice-password", "new-password-1", here.ID); err != nil {
		t.Fatal(err)
	}
	if _, _, err := s.Session(ctx, hereToken); err != nil {
		t.Errorf("the session that changed the password ended: %v", err)
	}
	if _, _, err := s.Session(ctx, elsewhere); !errors.Is(err, account.ErrNotFound) {
		t.Errorf("another session survived a password change: %v", err)
	}
	if _, err := s.Authenticate(ctx, "alice", "alice-password"); !errors.Is(err, account.ErrBadCredentials) {
		t.Error("the old password still works")
	}
	if _, err := s.Authenticate(ctx, "alice", "new-password-1"); err != nil {
		t.Errorf("the new password does not work: %v", err)
	}
}

func TestNamespacesAreShared(t *testing.T) {
	ctx := context.Background()
	s, _ := newService(t)
	alice := register(t, s, "alice")
	for _, name := range []string{"alice", "ALICE", "acme"} {
		if _, err := s.CreateOrg(ctx, alice, name, ""); !errors.Is(err, account.ErrNamespaceTaken) {
			t.Errorf("organisation %q: %v; want ErrNamespaceTaken", name, err)
		}
	}
	// A reserved name says so, not that someone has it.
	if _, err := s.CreateOrg(ctx, alice, "library", ""); !errors.Is(err, account.ErrNameReserved) || errors.Is(err, account.ErrNamespaceTaken) {
		t.Errorf("organisation library: %v; want ErrNameReserved", err)
	}
	if _, err := s.Register(ctx, account.SignUp{Username: "library", Email: "x@example.com", Password: "password-1"}); !errors.Is(err, account.ErrNameReserved) {
		t.Errorf("username library: %v; want ErrNameReserved", err)
	}
	if _, err := s.CreateOrg(ctx, alice, "crew", ""); err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"crew", "acme"} {
		_, err := s.Register(ctx, account.SignUp{Username: name, Email: "x@example.com", Password: "password-1"})
		if !errors.Is(err, account.ErrUsernameTaken) {
			t.Errorf("username %q: %v; want ErrUsernameTaken", name, err)
		}
	}
}

func TestOrganisationRules(t *testing.T) {
	ctx := context.Background()
	s, _ := newService(t)
	owner, admin, member, outsider := register(t, s, "olivia"), register(t, s, "adam"), register(t, s, "mia"), register(t, s, "otto")
	if _, err := s.CreateOrg(ctx, owner, "crew", "The Crew"); err != nil {
		t.Fatal(err)
	}
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(s.AddMember(ctx, owner, "crew", "adam", account.RoleAdmin))
	must(s.AddMember(ctx, admin, "crew", "mia", account.RoleMember))
	for _, tc := range []struct {
		name string
		err  error
		want error
	}{
		{"an admin cannot make owners", s.AddMember(ctx, admin, "crew", "otto", account.RoleOwner), account.ErrForbidden},
		{"a member cannot add members", s.AddMember(ctx, member, "crew", "otto", account.RoleMember), account.ErrForbidden},
		{"an outsider cannot create teams", s.CreateTeam(ctx, outsider, "crew", "ops", ""), account.ErrForbidden},
		{"the last owner cannot leave", s.RemoveMember(ctx, owner, "crew", owner.ID), account.ErrLastOwner},
		{"the last owner cannot be demoted", s.SetRole(ctx, owner, "crew", owner.ID, account.RoleAdmin), account.ErrLastOwner},
		{"an admin cannot remove an owner", s.RemoveMember(ctx, admin, "crew", owner.ID), account.ErrForbidden},
		{"an admin cannot delete the organisation", s.DeleteOrg(ctx, admin, "crew"), account.ErrForbidden},
	} {
		if !errors.Is(tc.err, tc.want) {
			t.Errorf("%s: %v; want %v", tc.name, tc.err, tc.want)
		}
	}
	must(s.CreateTeam(ctx, admin, "crew", "builders", "CI"))
	must(s.SetTeamMember(ctx, admin, "crew", "builders", member.ID, true))
	must(s.SetTeamPermission(ctx, admin, "crew", "builders", "crew/app", account.PermWrite))
	var invalid *account.InvalidError
	if err := s.SetTeamPermission(ctx, admin, "crew", "builders", "other/app", account.PermWrite); !errors.As(err, &invalid) {
		t.Errorf("a permission on another namespace's repository: %v; want InvalidError", err)
	}
	if err := s.SetTeamMember(ctx, admin, "crew", "builders", outsider.ID, true); !errors.As(err, &invalid) {
		t.Errorf("an outsider joining a team: %v; want InvalidError", err)
	}
	for _, tc := range []struct {
		who  account.User
		repo string
		want account.Permission
	}{
		{owner, "crew/app", account.PermAdmin}, {admin, "crew/other", account.PermAdmin},
		{member, "crew/app", account.PermWrite}, {member, "crew/other", ""},
		{outsider, "crew/app", ""}, {member, "mia/anything", account.PermAdmin}, {owner, "mia/anything", ""},
	} {
		got, err := s.RepositoryPermission(ctx, tc.who.ID, tc.repo)
		if err != nil || got != tc.want {
			t.Errorf("%s on %s: %q, %v; want %q", tc.who.Username, tc.repo, got, err, tc.want)
		}
	}
	must(s.RemoveMember(ctx, member, "crew", member.ID)) // anyone may leave
	if got, _ := s.RepositoryPermission(ctx, member.ID, "crew/app"); got != "" {
		t.Errorf("after leaving, mia still has %q on crew/app", got)
	}
}

func TestDeleteAccount(t *testing.T) {
	ctx := context.Background()
	s, _ := newService(t)
	alice, bob := register(t, s, "alice"), register(t, s, "bob")
	if _, err := s.CreateOrg(ctx, alice, "crew", ""); err != nil {
		t.Fatal(err)
	}
	_, token, _ := s.SignIn(ctx, "alice", "alice-password", account.Client{})
	_, pat, _ := s.CreateToken(ctx, alice.ID, account.NewToken{Name: "ci"})
	var sole *account.SoleOwnerError
	if err := s.DeleteAccount(ctx, alice.ID, "alice-password"); !errors.As(err, &sole) || len(sole.Orgs) != 1 {
		t.Fatalf("deleting the sole owner of crew: %v; want SoleOwnerError naming it", err)
	}
	if err := s.AddMember(ctx, alice, "crew", "bob", account.RoleOwner); err != nil {
		t.Fatal(err)
	}
	if err := s.DeleteAccount(ctx, alice.ID, "alice-password"); err != nil {
		t.Fatal(err)
	}
	if _, _, err := s.Session(ctx, token); !errors.Is(err, account.ErrNotFound) {
		t.Error("the deleted user's session still works")
	}
	if _, _, err := s.AuthenticateToken(ctx, pat); !errors.Is(err, account.ErrBadCredentials) {
		t.Error("the deleted user's access token still works")
	}
	if o, _ := s.Org(ctx, "crew"); o.Role(alice.ID) != "" || o.Role(bob.ID) != account.RoleOwner {
		t.Errorf("crew after alice left: %+v", o.Members)
	}
	if _, err := s.Register(ctx, account.SignUp{Username: "alice", Email: "new@example.com", Password: "another-password"}); err != nil {
		t.Errorf("the released username cannot be taken again: %v", err)
	}
}
