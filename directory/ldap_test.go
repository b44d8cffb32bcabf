package directory_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/berth/berth/directory"
	"github.com/berth/berth/directory/ldaptest"
)

// ldapConfig is the configuration of the test slapd, over StartTLS
// verified against the test CA.
func ldapConfig(s *ldaptest.Server) directory.LDAPConfig {
	return directory.LDAPConfig{
		URL: s.URL, StartTLS: true, CAPEM: s.CAPEM,
		BindDN: ldaptest.ServiceDN, BindPassword: ldaptest.ServicePassword,
		UserBase: ldaptest.People, UserFilter: "(&(objectClass=inetOrgPerson)(uid=%s))",
		DisabledFilter: "(employeeType=disabled)",
		GroupBase:      ldaptest.Groups, GroupFilter: "(&(objectClass=groupOfNames)(member=%s))",
	}
}

func newLDAP(t testing.TB, cfg directory.LDAPConfig) *directory.LDAP {
	t.Helper()
	l, err := directory.NewLDAP(cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(l.Close)
	return l
}

func TestLDAPAuthenticate(t *testing.T) {
	s := ldaptest.Start(t)
	s.AddUser(t, "alice", "alice-password")
	s.AddUser(t, "bob", "bob-password")
	s.AddGroup(t, "developers", "alice", "bob")
	s.AddGroup(t, "admins", "bob")
	l := newLDAP(t, ldapConfig(s))
	ctx := context.Background()

	id, err := l.Authenticate(ctx, "alice", "alice-password")
	if err != nil {
		t.Fatalf("alice with her password: %v", err)
	}
	if id.Username != "alice" || id.Email != "alice@berth.test" || id.DN != ldaptest.UserDN("alice") ||
		id.ID == "" || id.ID == id.DN || !slices.Equal(id.Groups, []string{"developers"}) {
		t.Errorf("identity = %+v", id)
	}
	for _, tc := range []struct{ name, user, password string }{
		{"wrong password", "alice", "bob-password"},
		{"empty password", "alice", ""},
		{"unknown user", "carol", "alice-password"},
		{"filter injection", "*)(uid=*", "alice-password"},
		{"wildcard", "al*", "alice-password"},
		{"empty username", "", "alice-password"},
	} {
		if _, err := l.Authenticate(ctx, tc.user, tc.password); !errors.Is(err, directory.ErrBadCredentials) {
			t.Errorf("%s: err = %v, want ErrBadCredentials", tc.name, err)
		}
	}
	// The connection is the service account's again after a failed bind.
	if id, err := l.Authenticate(ctx, "bob", "bob-password"); err != nil || !slices.Equal(id.Groups, []string{"admins", "developers"}) {
		t.Errorf("bob after failures = %+v, %v", id, err)
	}
}

func TestLDAPRefusesAmbiguousAndDisabled(t *testing.T) {
	s := ldaptest.Start(t)
	s.AddUser(t, "alice", "alice-password")
	s.AddUser(t, "bob", "bob-password")
	cfg := ldapConfig(s)
	cfg.UserFilter = "(|(uid=%s)(sn=Person))" // matches everyone: a configuration error
	if _, err := newLDAP(t, cfg).Authenticate(context.Background(), "alice", "alice-password"); !errors.Is(err, directory.ErrAmbiguous) {
		t.Errorf("ambiguous filter: err = %v, want ErrAmbiguous", err)
	}
	l := newLDAP(t, ldapConfig(s))
	s.Modify(t, ldaptest.UserDN("alice"), "employeeType", "disabled")
	if _, err := l.Authenticate(context.Background(), "alice", "alice-password"); !errors.Is(err, directory.ErrBadCredentials) {
		t.Errorf("disabled alice: err = %v, want ErrBadCredentials", err)
	}
}

func TestLDAPLookup(t *testing.T) {
	s := ldaptest.Start(t)
	s.AddUser(t, "alice", "alice-password")
	s.AddGroup(t, "developers", "alice")
	l := newLDAP(t, ldapConfig(s))
	ctx := context.Background()
	id, err := l.Authenticate(ctx, "alice", "alice-password")
	if err != nil {
		t.Fatal(err)
	}
	got, err := l.Lookup(ctx, id.ID)
	if err != nil || got.DN != id.DN || !slices.Equal(got.Groups, id.Groups) {
		t.Fatalf("Lookup = %+v, %v; want %+v", got, err, id)
	}
	if _, err := l.Lookup(ctx, "00000000-0000-0000-0000-000000000000"); !errors.Is(err, directory.ErrGone) {
		t.Errorf("unknown ID: err = %v, want ErrGone", err)
	}
	s.Delete(t, ldaptest.GroupDN("developers"))
	s.Delete(t, ldaptest.UserDN("alice"))
	if _, err := l.Lookup(ctx, id.ID); !errors.Is(err, directory.ErrGone) {
		t.Errorf("deleted alice: err = %v, want ErrGone", err)
	}
}

func TestLDAPTransport(t *testing.T) {
	s := ldaptest.Start(t)
	s.AddUser(t, "alice", "alice-password")
	ctx := context.Background()
	plain := ldapConfig(s)
	plain.StartTLS, plain.InsecureNoTLS = false, true
	if _, err := newLDAP(t, plain).Authenticate(ctx, "alice", "alice-password"); err != nil {
		t.Errorf("plain ldap:// on loopback: %v", err)
	}
	wrongCA := ldapConfig(s)
	wrongCA.CAPEM = nil // the system roots do not know the test CA
	if _, err := newLDAP(t, wrongCA).Authenticate(ctx, "alice", "alice-password"); !errors.Is(err, directory.ErrUnavailable) {
		t.Errorf("StartTLS with an untrusted certificate: err = %v, want ErrUnavailable", err)
	}
	badBind := ldapConfig(s)
	badBind.BindPassword = "not-the-password"
	_, err := newLDAP(t, badBind).Authenticate(ctx, "alice", "alice-password")
	if err == nil || errors.Is(err, directory.ErrBadCredentials) || !strings.Contains(err.Error(), "BERTH_LDAP_BIND_PASSWORD") {
		t.Errorf("wrong service password: err = %v, want one naming BERTH_LDAP_BIND_PASSWORD", err)
	}
	l := newLDAP(t, ldapConfig(s))
	if r, err := l.Check(ctx, "alice"); err != nil || r.Probe == nil || r.Probe.DN != ldaptest.UserDN("alice") {
		t.Errorf("Check(alice) = %+v, %v", r, err)
	}
	if _, err := l.Check(ctx, "nobody"); err == nil || !strings.Contains(err.Error(), "BERTH_LDAP_USER_FILTER") {
		t.Errorf("Check(nobody): %v, want one naming BERTH_LDAP_USER_FILTER", err)
	}
	wrongBase := ldapConfig(s)
	wrongBase.UserBase = "ou=nowhere," + ldaptest.Suffix
	if _, err := newLDAP(t, wrongBase).Check(ctx, ""); err == nil || !strings.Contains(err.Error(), "BERTH_LDAP_USER_BASE") {
		t.Errorf("Check with a wrong base: %v, want one naming BERTH_LDAP_USER_BASE", err)
	}
}

func TestLDAPConfigValidate(t *testing.T) {
	cfg := directory.LDAPConfig{URL: "ldap://dir.example.com", BindDN: "cn=svc", BindPassword: "pw",
		UserBase: "ou=people", UserFilter: "(uid=%s)"}
	err := cfg.Validate()
	if err == nil || !strings.Contains(err.Error(), "BERTH_LDAP_STARTTLS") {
		t.Errorf("ldap:// without StartTLS: %v", err)
	}
	cfg.StartTLS = true
	if err := cfg.Validate(); err != nil {
		t.Errorf("valid configuration: %v", err)
	}
	cfg.UserFilter = "(uid=alice)"
	if err := cfg.Validate(); err == nil || !strings.Contains(err.Error(), "BERTH_LDAP_USER_FILTER") {
		t.Errorf("filter without %%s: %v", err)
	}
	if s := fmt.Sprintf("%v %#v %s", cfg, cfg, cfg.BindPassword); strings.Contains(s, "pw\"") || strings.Contains(s, " pw ") {
		t.Errorf("the bind password printed: %s", s)
	}
}

func TestLDAPPoolBoundAndCancel(t *testing.T) {
	s := ldaptest.Start(t)
	s.AddUser(t, "alice", "alice-password")
	cfg := ldapConfig(s)
	cfg.MaxConns = 2
	l := newLDAP(t, cfg)
	errs := make(chan error, 20)
	for i := range 20 {
		go func() {
			pw := "alice-password"
			if i%2 == 1 {
				pw = "wrong-password"
			}
			_, err := l.Authenticate(context.Background(), "alice", pw)
			if i%2 == 1 && errors.Is(err, directory.ErrBadCredentials) {
				err = nil
			}
			errs <- err
		}()
	}
	for range 20 {
		if err := <-errs; err != nil {
			t.Errorf("concurrent sign-in through 2 connections: %v", err)
		}
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := l.Authenticate(ctx, "alice", "alice-password"); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled sign-in: %v, want context.Canceled", err)
	}
}
