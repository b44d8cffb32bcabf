package directory_test

import (
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/berth/berth/account"
	"github.com/berth/berth/audit"
	"github.com/berth/berth/directory"
	"github.com/berth/berth/directory/ldaptest"
)

func TestPeriodicSync(t *testing.T) {
	e := newEnv(t, directory.Options{})
	e.corp(t)
	e.slapd.AddUser(t, "alice", "alice-password")
	e.slapd.AddUser(t, "bob", "bob-password")
	e.slapd.AddGroup(t, "developers", "alice", "bob")
	alice, bob := e.signIn(t, "alice", "alice-password"), e.signIn(t, "bob", "bob-password")

	e.slapd.RemoveMember(t, "developers", "bob")
	r, err := e.dir.Sync(ctx)
	if err != nil || r.Checked != 2 || r.Disabled != 0 {
		t.Fatalf("Sync = %+v, %v", r, err)
	}
	if role, teams := e.membership(t, bob.ID); role != "" || teams != nil {
		t.Errorf("bob after leaving developers: %s %v, want out of corp", role, teams)
	}
	if role, teams := e.membership(t, alice.ID); role != account.RoleMember || !slices.Equal(teams, []string{"devs"}) {
		t.Errorf("alice: %s %v, want member [devs]", role, teams)
	}

	e.slapd.Modify(t, ldaptest.UserDN("alice"), "employeeType", "disabled")
	if r, err := e.dir.Sync(ctx); err != nil || r.Disabled != 1 {
		t.Fatalf("Sync after disabling alice = %+v, %v", r, err)
	}
	if u, _ := e.accounts.User(ctx, alice.ID); !u.Disabled {
		t.Errorf("alice's account is enabled after the directory disabled her")
	}
	if role, _ := e.membership(t, alice.ID); role != "" {
		t.Errorf("disabled alice still %s of corp", role)
	}
	if _, err := e.dir.Verify(ctx, "alice", "alice-password"); !errors.Is(err, directory.ErrBadCredentials) {
		t.Errorf("Verify of disabled alice: %v, want ErrBadCredentials", err)
	}
	if ev := e.events(t, audit.AccountDisabled); len(ev) != 1 || ev[0].Target != "user:alice" {
		t.Errorf("account.disabled events = %+v", ev)
	}

	e.slapd.Modify(t, ldaptest.UserDN("alice"), "employeeType")
	if r, err := e.dir.Sync(ctx); err != nil || r.Enabled != 1 {
		t.Fatalf("Sync after restoring alice = %+v, %v", r, err)
	}
	if u, _ := e.accounts.User(ctx, alice.ID); u.Disabled {
		t.Errorf("alice's account stays disabled after the directory restored her")
	}

	e.slapd.Delete(t, ldaptest.UserDN("bob"))
	if r, err := e.dir.Sync(ctx); err != nil || r.Disabled != 1 {
		t.Fatalf("Sync after deleting bob = %+v, %v", r, err)
	}
	if u, _ := e.accounts.User(ctx, bob.ID); !u.Disabled {
		t.Errorf("deleted bob's account is enabled")
	}
}

func TestSyncWithTheDirectoryDownDisablesNobody(t *testing.T) {
	e := newEnv(t, directory.Options{})
	e.slapd.AddUser(t, "alice", "alice-password")
	alice := e.signIn(t, "alice", "alice-password")
	cfg := ldapConfig(e.slapd)
	cfg.URL = "ldap://127.0.0.1:1" // nothing listens
	down := directory.New(newLDAP(t, cfg), e.store, e.accounts, e.audit, directory.Options{})
	if _, err := down.Sync(ctx); !errors.Is(err, directory.ErrUnavailable) {
		t.Errorf("Sync with the directory down: %v, want ErrUnavailable", err)
	}
	if u, _ := e.accounts.User(ctx, alice.ID); u.Disabled {
		t.Errorf("an unreachable directory disabled alice")
	}
}

func TestVerifyCacheBound(t *testing.T) {
	e := newEnv(t, directory.Options{CacheFor: 30 * time.Second})
	e.slapd.AddUser(t, "alice", "alice-password")
	id, err := e.dir.Verify(ctx, "alice", "alice-password")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.dir.Verify(ctx, "alice", "wrong-password"); !errors.Is(err, directory.ErrBadCredentials) {
		t.Errorf("wrong password: %v", err)
	}
	e.slapd.Modify(t, ldaptest.UserDN("alice"), "employeeType", "disabled")
	*e.now = e.now.Add(29 * time.Second)
	if got, err := e.dir.Verify(ctx, "alice", "alice-password"); err != nil || got != id {
		t.Errorf("within the cache bound: %s, %v; want the cached %s", got, err, id)
	}
	*e.now = e.now.Add(2 * time.Second) // past 30 s since the directory said yes
	if _, err := e.dir.Verify(ctx, "alice", "alice-password"); !errors.Is(err, directory.ErrBadCredentials) {
		t.Errorf("past the cache bound, disabled alice: %v, want ErrBadCredentials", err)
	}
	// An account disabled in Berth is refused at once, cache or not.
	e.slapd.Modify(t, ldaptest.UserDN("alice"), "employeeType")
	if _, err := e.dir.Verify(ctx, "alice", "alice-password"); err != nil {
		t.Fatal(err)
	}
	if _, err := e.accounts.SetDisabled(ctx, e.admin, id, true); err != nil {
		t.Fatal(err)
	}
	if _, err := e.dir.Verify(ctx, "alice", "alice-password"); !errors.Is(err, directory.ErrBadCredentials) {
		t.Errorf("cached alice disabled by an admin: %v, want ErrBadCredentials", err)
	}
}
