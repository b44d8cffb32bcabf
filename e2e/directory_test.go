package e2e

import (
	"context"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-containerregistry/pkg/authn"
	"github.com/google/go-containerregistry/pkg/v1/random"
	"github.com/google/go-containerregistry/pkg/v1/remote"

	"github.com/berth/berth/account"
	"github.com/berth/berth/directory"
	"github.com/berth/berth/directory/ldaptest"
)

// directoryCache is the bound the tests run with on reusing a verified
// directory password.
const directoryCache = 1500 * time.Millisecond

// ldapSettings points Berth at the test's slapd, over StartTLS.
func ldapSettings(s *ldaptest.Server) directory.Settings {
	return directory.Settings{Enabled: true, SyncEvery: time.Hour,
		Options: directory.Options{CacheFor: directoryCache},
		LDAP: directory.LDAPConfig{URL: s.URL, StartTLS: true, CAPEM: s.CAPEM,
			BindDN: ldaptest.ServiceDN, BindPassword: ldaptest.ServicePassword,
			UserBase: ldaptest.People, UserFilter: "(&(objectClass=inetOrgPerson)(uid=%s))",
			DisabledFilter: "(employeeType=disabled)",
			GroupBase:      ldaptest.Groups, GroupFilter: "(&(objectClass=groupOfNames)(member=%s))"}}
}

// directoryWorld is a Berth whose sign-in goes through a real slapd, with
// an organisation corp whose team devs reads the private corp/api, and the
// directory group developers mapped to that team.
type directoryWorld struct {
	in    *instance
	slapd *ldaptest.Server
	admin account.User
	tag   string // corp/api:v1 as clients name it
}

func newDirectoryWorld(t *testing.T, b backend) *directoryWorld {
	t.Helper()
	w := &directoryWorld{slapd: ldaptest.Start(t)}
	w.slapd.AddUser(t, "alice", "alice-password")
	w.slapd.AddUser(t, "bob", "bob-password")
	w.slapd.AddGroup(t, "developers", "alice", "bob")
	cfg := config(t, b)
	cfg.Demo = false
	cfg.Directory = ldapSettings(w.slapd)
	w.in = start(t, cfg)
	ctx := context.Background()
	var err error
	w.admin, err = w.in.srv.Backend.Accounts.Register(ctx, account.SignUp{Username: "root-admin", Email: "root@example.com", Password: "root-password", Admin: true})
	must(t, err)
	if _, err := w.in.srv.Backend.Accounts.Register(ctx, account.SignUp{Username: "owen", Email: "owen@example.com", Password: "owen-password"}); err != nil {
		t.Fatal(err)
	}
	for _, s := range []struct {
		method, path string
		body         any
		want         int
	}{
		{"POST", "/api/v1/orgs", map[string]string{"name": "corp", "display_name": "Corp"}, 201},
		{"POST", "/api/v1/orgs/corp/teams", map[string]string{"name": "devs"}, 201},
		{"POST", "/api/v1/repositories", map[string]any{"namespace": "corp", "name": "api", "private": true}, 201},
		{"POST", "/api/v1/orgs/corp/teams/devs/permissions", map[string]string{"repository": "corp/api", "permission": "read"}, 204},
	} {
		if got := w.in.call(s.method, s.path, "owen", "owen-password", s.body, nil); got != s.want {
			t.Fatalf("%s %s: %d, want %d", s.method, s.path, got, s.want)
		}
	}
	img, err := random.Image(1024, 1)
	must(t, err)
	must(t, remote.Write(ref(t, w.in.Registry, "corp/api", "v1"), img, remote.WithAuth(&authn.Basic{Username: "owen", Password: "owen-password"})))
	w.tag = w.in.Registry + "/corp/api:v1"
	if _, err := w.in.srv.Backend.Directory.LDAP.AddMapping(ctx, w.admin, directory.Mapping{Group: "developers", Org: "corp", Team: "devs", Role: "member"}); err != nil {
		t.Fatal(err)
	}
	return w
}

// token asks the real /token endpoint for pull on corp/api with basic
// credentials, and returns the status and the repositories it grants pull on.
func (w *directoryWorld) token(t *testing.T, user, pass string) (int, []string) {
	t.Helper()
	params := url.Values{"service": {w.in.Registry}, "scope": {"repository:corp/api:pull"}, "client_id": {"e2e"}}
	req, _ := http.NewRequest("GET", w.in.URL+"/token?"+params.Encode(), nil)
	req.SetBasicAuth(user, pass)
	var a tokenAnswer
	status := doJSON(t, req, &a)
	if status != http.StatusOK {
		return status, nil
	}
	var granted []string
	for _, acc := range verify(t, w.in, a.Token).Access {
		if slices.Contains(acc.Actions, "pull") {
			granted = append(granted, acc.Name)
		}
	}
	return status, granted
}

// pull pulls corp/api:v1 through the registry with the credentials.
func (w *directoryWorld) pull(t *testing.T, user, pass string) error {
	t.Helper()
	_, err := remote.Image(ref(t, w.in.Registry, "corp/api", "v1"), remote.WithAuth(&authn.Basic{Username: user, Password: pass}))
	return err
}

// TestDirectoryTokens: a directory user gets registry tokens with their
// directory password (the first creates their account and puts them in
// the mapped team); leaving the mapped group takes the team's repository
// away at the next sync; a person disabled in the directory is refused at
// their first token after the cache bound.
func TestDirectoryTokens(t *testing.T) {
	for _, b := range backends {
		t.Run(b.name, func(t *testing.T) { testDirectoryTokens(t, b) })
	}
}

func testDirectoryTokens(t *testing.T, b backend) {
	w := newDirectoryWorld(t, b)
	ctx := context.Background()

	if status, granted := w.token(t, "alice", "alice-password"); status != http.StatusOK || !slices.Equal(granted, []string{"corp/api"}) {
		t.Fatalf("alice's first token: %d %v; want pull on corp/api", status, granted)
	}
	alice, err := w.in.srv.Backend.Accounts.UserByUsername(ctx, "alice")
	if err != nil {
		t.Fatalf("alice's account was not created at her first token: %v", err)
	}
	if err := w.pull(t, "alice", "alice-password"); err != nil {
		t.Fatalf("alice pulls corp/api with her directory password: %v", err)
	}
	if status, _ := w.token(t, "alice", "not-her-password"); status != http.StatusUnauthorized {
		t.Errorf("a wrong directory password: %d, want 401", status)
	}
	if status, _ := w.token(t, "mallory", "anything"); status != http.StatusUnauthorized {
		t.Errorf("a name the directory does not have: %d, want 401", status)
	}
	// The local account keeps its local password.
	if status, granted := w.token(t, "owen", "owen-password"); status != http.StatusOK || len(granted) != 1 {
		t.Errorf("local owen's token: %d %v", status, granted)
	}

	t.Run("leaving the group loses the team at the next sync", func(t *testing.T) {
		w.slapd.RemoveMember(t, "developers", "alice")
		if _, err := w.in.srv.Backend.Jobs.Enqueue(ctx, "directory.sync", "e2e-sync-1", nil); err != nil {
			t.Fatal(err)
		}
		deadline := time.Now().Add(30 * time.Second)
		for {
			o, err := w.in.srv.Backend.Accounts.Org(ctx, "corp")
			must(t, err)
			if o.Role(alice.ID) == "" {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("alice is still %s of corp 30s after the sync job was queued", o.Role(alice.ID))
			}
			time.Sleep(50 * time.Millisecond)
		}
		if status, granted := w.token(t, "alice", "alice-password"); status != http.StatusOK || len(granted) != 0 {
			t.Errorf("alice's token after leaving developers: %d %v; want no pull on corp/api", status, granted)
		}
		if err := w.pull(t, "alice", "alice-password"); err == nil {
			t.Errorf("alice still pulls corp/api after leaving developers")
		}
	})

	t.Run("a disabled directory account fails its next token after the cache bound", func(t *testing.T) {
		if status, granted := w.token(t, "bob", "bob-password"); status != http.StatusOK || len(granted) != 1 {
			t.Fatalf("bob's token: %d %v", status, granted)
		}
		w.slapd.Modify(t, ldaptest.UserDN("bob"), "employeeType", "disabled")
		disabledAt := time.Now()
		time.Sleep(directoryCache + 200*time.Millisecond)
		status, _ := w.token(t, "bob", "bob-password")
		if status != http.StatusUnauthorized {
			t.Errorf("bob's token %s after the directory disabled him: %d, want 401", time.Since(disabledAt).Round(time.Millisecond), status)
		}
		if err := w.pull(t, "bob", "bob-password"); err == nil {
			t.Errorf("disabled bob still pulls")
		}
	})
}

// TestDirectoryDockerLogin: `docker login` with a directory password, then
// a pull of the team's private repository with the Docker Engine.
func TestDirectoryDockerLogin(t *testing.T) {
	needDocker(t)
	w := newDirectoryWorld(t, backend{name: "sqlite"})
	engine := t.TempDir()
	if got, err := docker(t, engine, "not-the-password", "login", w.in.Registry, "-u", "alice", "--password-stdin"); err == nil {
		t.Errorf("docker login with a wrong directory password succeeded:\n%s", got)
	}
	if got, err := docker(t, engine, "alice-password", "login", w.in.Registry, "-u", "alice", "--password-stdin"); err != nil {
		t.Fatalf("docker login with alice's directory password: %v\n%s", err, got)
	}
	t.Cleanup(func() { _, _ = docker(t, engine, "", "rmi", "--force", w.tag) })
	if got, err := docker(t, engine, "", "pull", w.tag); err != nil {
		t.Fatalf("docker pull %s as alice: %v\n%s", w.tag, err, got)
	}
}

// TestDirectoryUnavailable: a directory that does not answer is an outage
// (503 in the registry's error format), not a wrong password, and the
// local admin still gets in.
func TestDirectoryUnavailable(t *testing.T) {
	cfg := config(t, backend{name: "sqlite"})
	cfg.Demo = false
	cfg.Directory = directory.Settings{Enabled: true, SyncEvery: time.Hour,
		LDAP: directory.LDAPConfig{URL: "ldap://127.0.0.1:1", InsecureNoTLS: true, BindDN: ldaptest.ServiceDN, BindPassword: "x",
			UserBase: ldaptest.People, UserFilter: "(uid=%s)", Timeout: 2 * time.Second}}
	in := start(t, cfg)
	in.expectErrors(`5xx answer: GET /token 503`)
	if _, err := in.srv.Backend.Accounts.Register(context.Background(), account.SignUp{Username: "root-admin", Email: "root@example.com", Password: "root-password", Admin: true}); err != nil {
		t.Fatal(err)
	}
	params := url.Values{"service": {in.Registry}, "client_id": {"e2e"}}
	req, _ := http.NewRequest("GET", in.URL+"/token?"+params.Encode(), nil)
	req.SetBasicAuth("alice", "alice-password")
	var body struct {
		Errors []struct{ Code, Message string }
	}
	if status := doJSON(t, req, &body); status != http.StatusServiceUnavailable || len(body.Errors) != 1 || body.Errors[0].Code != "UNAVAILABLE" ||
		!strings.Contains(body.Errors[0].Message, "directory") {
		t.Errorf("token with the directory down: %d %+v; want 503 UNAVAILABLE naming the directory", status, body)
	}
	req, _ = http.NewRequest("GET", in.URL+"/token?"+params.Encode(), nil)
	req.SetBasicAuth("root-admin", "root-password")
	var a tokenAnswer
	if status := doJSON(t, req, &a); status != http.StatusOK {
		t.Errorf("the local admin's token with the directory down: %d, want 200", status)
	}
}
