package directory_test

import (
	"context"
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/berth/berth/account"
	accountsqlite "github.com/berth/berth/account/sqlitestore"
	"github.com/berth/berth/audit"
	auditsqlite "github.com/berth/berth/audit/sqlitestore"
	"github.com/berth/berth/directory"
	"github.com/berth/berth/directory/ldaptest"
	"github.com/berth/berth/directory/sqlitestore"
	"github.com/berth/berth/internal/sqldb/sqldbtest"
)

// env is a directory service over a real slapd and real SQLite stores for
// accounts, the audit log and links, with a clock the test moves.
type env struct {
	slapd    *ldaptest.Server
	ldap     *directory.LDAP
	accounts *account.Service
	audit    *audit.Service
	store    *sqlitestore.Store
	dir      *directory.Service
	now      *time.Time
	admin    account.User
}

var ctx = context.Background()

func newEnv(t testing.TB, opts directory.Options) *env {
	t.Helper()
	e := &env{slapd: ldaptest.Start(t)}
	db := sqldbtest.Open(t)
	ast, err := accountsqlite.New(ctx, db)
	if err != nil {
		t.Fatal(err)
	}
	e.accounts = account.New(account.Stores{Users: ast, Namespaces: ast, Sessions: ast, Tokens: ast, Orgs: ast}, nil,
		account.Options{Password: account.PasswordParams{Memory: 1024, Time: 1, Threads: 1}})
	aud, err := auditsqlite.New(ctx, db)
	if err != nil {
		t.Fatal(err)
	}
	e.audit = audit.New(aud)
	if e.store, err = sqlitestore.New(ctx, db); err != nil {
		t.Fatal(err)
	}
	e.ldap = newLDAP(t, ldapConfig(e.slapd))
	now := time.Date(2026, 12, 3, 12, 0, 0, 0, time.UTC)
	e.now = &now
	if opts.Now == nil {
		opts.Now = func() time.Time { return *e.now }
	}
	e.dir = directory.New(e.ldap, e.store, e.accounts, e.audit, opts)
	e.admin, err = e.accounts.Register(ctx, account.SignUp{Username: "root-admin", Email: "admin@example.com", Password: "admin-password", Admin: true})
	if err != nil {
		t.Fatal(err)
	}
	return e
}

// corp makes the organisation corp with teams devs and ops, and maps
// developers → corp/devs, ops → corp/ops, leads → corp as admin.
func (e *env) corp(t *testing.T) {
	t.Helper()
	if _, err := e.accounts.CreateOrg(ctx, e.admin, "corp", "Corp"); err != nil {
		t.Fatal(err)
	}
	for _, team := range []string{"devs", "ops"} {
		if err := e.accounts.CreateTeam(ctx, e.admin, "corp", team, ""); err != nil {
			t.Fatal(err)
		}
	}
	for _, m := range []directory.Mapping{
		{Group: "developers", Org: "corp", Team: "devs", Role: "member"},
		{Group: "ops", Org: "corp", Team: "ops", Role: "member"},
		{Group: "leads", Org: "corp", Role: "admin"},
	} {
		if _, err := e.dir.AddMapping(ctx, e.admin, m); err != nil {
			t.Fatal(err)
		}
	}
}

// membership is the person's role in corp and their teams there.
func (e *env) membership(t *testing.T, userID string) (account.Role, []string) {
	t.Helper()
	o, err := e.accounts.Org(ctx, "corp")
	if err != nil {
		t.Fatal(err)
	}
	var teams []string
	for _, team := range o.Teams {
		if slices.Contains(team.Members, userID) {
			teams = append(teams, team.Name)
		}
	}
	return o.Role(userID), teams
}

func (e *env) signIn(t *testing.T, user, password string) account.User {
	t.Helper()
	u, err := e.dir.Authenticate(ctx, user, password)
	if err != nil {
		t.Fatalf("%s signs in: %v", user, err)
	}
	return u
}

func (e *env) events(t *testing.T, action audit.Action) []audit.Event {
	t.Helper()
	ev, err := e.audit.List(ctx, audit.Query{Action: action, Limit: audit.MaxLimit})
	if err != nil {
		t.Fatal(err)
	}
	return ev
}

func TestFirstSignInCreatesTheAccount(t *testing.T) {
	e := newEnv(t, directory.Options{})
	e.slapd.AddUser(t, "Alice.Smith", "alice-password")
	u := e.signIn(t, "Alice.Smith", "alice-password")
	if u.Username != "alice-smith" || u.Email != "alice.smith@berth.test" || u.Admin {
		t.Errorf("created account = %+v", u)
	}
	if again := e.signIn(t, "alice.smith", "alice-password"); again.ID != u.ID {
		t.Errorf("second sign-in gave account %s, want the first's %s", again.ID, u.ID)
	}
	l, err := e.store.LinkByUser(ctx, directory.ProviderLDAP, u.ID)
	if err != nil || l.DN != ldaptest.UserDN("Alice.Smith") || l.ExternalID == "" || l.ExternalID == l.DN {
		t.Errorf("link = %+v, %v", l, err)
	}
	if r, err := e.dir.Check(ctx, e.admin, "Alice.Smith"); err != nil || r.Probe == nil || r.Probe.Username != "Alice.Smith" {
		t.Errorf("admin's Check = %+v, %v", r, err)
	}
	if _, err := e.dir.Check(ctx, u, ""); !errors.Is(err, account.ErrForbidden) {
		t.Errorf("a non-admin's Check: %v, want ErrForbidden", err)
	}
	if ev := e.events(t, audit.AccountLinked); len(ev) != 1 || ev[0].Target != "user:alice-smith" {
		t.Errorf("account.linked events = %+v", ev)
	}
	for _, pw := range []string{"wrong-password", ""} {
		if _, err := e.dir.Authenticate(ctx, "alice.smith", pw); !errors.Is(err, directory.ErrBadCredentials) {
			t.Errorf("password %q: %v, want ErrBadCredentials", pw, err)
		}
	}
	if _, err := e.dir.Authenticate(ctx, "*)(uid=*", "alice-password"); !errors.Is(err, directory.ErrBadCredentials) {
		t.Errorf("injected username: %v, want ErrBadCredentials", err)
	}
	// The local password path knows no password for the account.
	if _, err := e.accounts.Authenticate(ctx, "alice-smith", "alice-password"); !errors.Is(err, account.ErrBadCredentials) {
		t.Errorf("local sign-in with the directory password: %v", err)
	}
}

func TestNameClashIsNotATakeover(t *testing.T) {
	e := newEnv(t, directory.Options{})
	local, err := e.accounts.Register(ctx, account.SignUp{Username: "bob", Email: "bob@example.com", Password: "local-password"})
	if err != nil {
		t.Fatal(err)
	}
	e.slapd.AddUser(t, "bob", "directory-password")
	var clash *directory.ClashError
	if _, err := e.dir.Authenticate(ctx, "bob", "directory-password"); !errors.As(err, &clash) {
		t.Fatalf("directory bob over local bob: %v, want *ClashError", err)
	}
	// Signing in by email reaches the directory first, and finds the
	// directory's username taken.
	byMail := ldapConfig(e.slapd)
	byMail.UserFilter = "(&(objectClass=inetOrgPerson)(mail=%s))"
	viaMail := directory.New(newLDAP(t, byMail), e.store, e.accounts, e.audit, directory.Options{})
	if _, err := viaMail.Authenticate(ctx, "bob@berth.test", "directory-password"); !errors.As(err, &clash) {
		t.Fatalf("directory bob by email over local bob: %v, want *ClashError", err)
	}
	if u := e.signIn(t, "bob", "local-password"); u.ID != local.ID {
		t.Errorf("local bob's password signed in %s", u.ID)
	}
	if err := e.dir.Link(ctx, local, "bob", "bob"); !errors.Is(err, account.ErrForbidden) {
		t.Errorf("a non-admin linking: %v, want ErrForbidden", err)
	}
	if err := e.dir.Link(ctx, e.admin, "bob", "bob"); err != nil {
		t.Fatal(err)
	}
	if u := e.signIn(t, "bob", "directory-password"); u.ID != local.ID {
		t.Errorf("after the admin's link, the directory password signed in %s, want %s", u.ID, local.ID)
	}
	if _, err := e.dir.Authenticate(ctx, "bob", "local-password"); !errors.Is(err, directory.ErrBadCredentials) {
		t.Errorf("a linked account's local password: %v, want ErrBadCredentials", err)
	}
}

func TestLocalPasswordsSwitchedOff(t *testing.T) {
	e := newEnv(t, directory.Options{DisableLocal: true})
	if _, err := e.accounts.Register(ctx, account.SignUp{Username: "carol", Email: "carol@example.com", Password: "carol-password"}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.dir.Authenticate(ctx, "carol", "carol-password"); !errors.Is(err, directory.ErrLocalDisabled) {
		t.Errorf("local carol: %v, want ErrLocalDisabled", err)
	}
	if u := e.signIn(t, "root-admin", "admin-password"); u.ID != e.admin.ID {
		t.Errorf("the admin's local password signed in %s", u.ID)
	}
}

func TestGroupSyncAtSignIn(t *testing.T) {
	e := newEnv(t, directory.Options{})
	e.corp(t)
	e.slapd.AddUser(t, "alice", "alice-password")
	e.slapd.AddUser(t, "bob", "bob-password")
	e.slapd.AddGroup(t, "developers", "alice")
	e.slapd.AddGroup(t, "ops", "bob")
	e.slapd.AddGroup(t, "leads", "bob")

	alice := e.signIn(t, "alice", "alice-password")
	if role, teams := e.membership(t, alice.ID); role != account.RoleMember || !slices.Equal(teams, []string{"devs"}) {
		t.Errorf("alice after first sign-in: %s %v, want member [devs]", role, teams)
	}
	bob := e.signIn(t, "bob", "bob-password")
	if role, teams := e.membership(t, bob.ID); role != account.RoleAdmin || !slices.Equal(teams, []string{"ops"}) {
		t.Errorf("bob: %s %v, want admin [ops]", role, teams)
	}
	before := len(e.events(t, audit.MemberAdded))
	e.signIn(t, "alice", "alice-password")
	if after := len(e.events(t, audit.MemberAdded)); after != before {
		t.Errorf("an unchanged sign-in recorded %d membership events", after-before)
	}

	e.slapd.RemoveMember(t, "ops", "bob")
	e.slapd.Modify(t, ldaptest.GroupDN("developers"), "member", ldaptest.Nobody, ldaptest.UserDN("alice"), ldaptest.UserDN("bob"))
	e.signIn(t, "bob", "bob-password")
	if role, teams := e.membership(t, bob.ID); role != account.RoleAdmin || !slices.Equal(teams, []string{"devs"}) {
		t.Errorf("bob moved from ops to developers: %s %v, want admin [devs]", role, teams)
	}
	removed := e.events(t, audit.MemberRemoved)
	if len(removed) != 1 || removed[0].Target != "team:corp/ops" || removed[0].Credential != audit.CredentialDirectory {
		t.Errorf("member.removed events = %+v", removed)
	}
}

func TestDirectoryGuessingIsLimited(t *testing.T) {
	e := newEnv(t, directory.Options{})
	e.slapd.AddUser(t, "alice", "alice-password")
	from := account.WithAddress(ctx, "203.0.113.7")
	for i := range 10 {
		if _, err := e.dir.Authenticate(from, "alice", "guess"); !errors.Is(err, directory.ErrBadCredentials) {
			t.Fatalf("guess %d: %v", i, err)
		}
	}
	var tooMany *account.TooManyAttemptsError
	if _, err := e.dir.Authenticate(from, "alice", "alice-password"); !errors.As(err, &tooMany) {
		t.Errorf("the right password after 10 wrong ones from one address: %v, want *TooManyAttemptsError", err)
	}
}
