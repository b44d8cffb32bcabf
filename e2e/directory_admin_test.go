package e2e

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/berth/berth/account"
	"github.com/berth/berth/directory/ldaptest"
)

// TestDirectoryAdmin drives the directory's admin API and page: group
// mappings (validated, duplicates refused), the test connection, and the
// admin's link of a local account whose name a directory person also has.
func TestDirectoryAdmin(t *testing.T) {
	slapd := ldaptest.Start(t)
	slapd.AddUser(t, "alice", "alice-password")
	slapd.AddUser(t, "dana", "dana-password")
	slapd.AddGroup(t, "developers", "alice", "dana")
	cfg := config(t, backend{name: "sqlite"})
	cfg.Demo = false
	cfg.Directory = ldapSettings(slapd)
	in := start(t, cfg)
	ctx := context.Background()
	admin, err := in.srv.Backend.Accounts.Register(ctx, account.SignUp{Username: "root-admin", Email: "root@example.com", Password: "root-password", Admin: true})
	must(t, err)
	// A local account already called dana, not the directory's dana.
	_, err = in.srv.Backend.Accounts.Register(ctx, account.SignUp{Username: "dana", Email: "dana@example.com", Password: "local-dana-password"})
	must(t, err)
	_, err = in.srv.Backend.Accounts.CreateOrg(ctx, admin, "corp", "Corp")
	must(t, err)
	must(t, in.srv.Backend.Accounts.CreateTeam(ctx, admin, "corp", "devs", ""))

	var created mappingAnswer
	var apiE apiErr
	type step struct {
		name, method, path, user, pass string
		body                           any
		want                           int
		out                            any
	}
	for _, s := range []step{
		{"a non-admin cannot list mappings", "GET", "/api/v1/admin/directory/ldap/mappings", "dana", "local-dana-password", nil, 403, nil},
		{"no mappings yet", "GET", "/api/v1/admin/directory/ldap/mappings", "root-admin", "root-password", nil, 200, nil},
		{"an unknown provider", "GET", "/api/v1/admin/directory/nosuch/mappings", "root-admin", "root-password", nil, 404, nil},
		{"a bad role", "POST", "/api/v1/admin/directory/ldap/mappings", "root-admin", "root-password", map[string]string{"group": "developers", "org": "corp", "role": "boss"}, 400, &apiE},
		{"an organisation that does not exist", "POST", "/api/v1/admin/directory/ldap/mappings", "root-admin", "root-password", map[string]string{"group": "developers", "org": "nosuch", "role": "member"}, 400, nil},
		{"a team that does not exist", "POST", "/api/v1/admin/directory/ldap/mappings", "root-admin", "root-password", map[string]string{"group": "developers", "org": "corp", "team": "ops", "role": "member"}, 400, nil},
		{"a mapping", "POST", "/api/v1/admin/directory/ldap/mappings", "root-admin", "root-password", map[string]string{"group": "developers", "org": "corp", "team": "devs", "role": "member"}, 201, &created},
		{"the same mapping again", "POST", "/api/v1/admin/directory/ldap/mappings", "root-admin", "root-password", map[string]string{"group": "developers", "org": "corp", "team": "devs", "role": "admin"}, 409, nil},
		{"a non-admin cannot test the connection", "POST", "/api/v1/admin/directory/check", "dana", "local-dana-password", map[string]string{}, 403, nil},
	} {
		if got := in.call(s.method, s.path, s.user, s.pass, s.body, s.out); got != s.want {
			t.Fatalf("%s: %s %s → %d, want %d", s.name, s.method, s.path, got, s.want)
		}
	}
	if apiE.Error.Field != "role" {
		t.Errorf("a bad role names field %q, want role", apiE.Error.Field)
	}
	if created.ID == "" || created.Group != "developers" || created.Team != "devs" {
		t.Errorf("created mapping = %+v", created)
	}

	var report struct {
		BoundAs string `json:"bound_as"`
		Probe   struct {
			Username string
			Groups   []string
		}
	}
	if got := in.call("POST", "/api/v1/admin/directory/check", "root-admin", "root-password", map[string]string{"probe": "alice"}, &report); got != 200 ||
		report.BoundAs != ldaptest.ServiceDN || report.Probe.Username != "alice" || strings.Join(report.Probe.Groups, ",") != "developers" {
		t.Errorf("test connection: %d %+v", got, report)
	}

	// The directory's dana is refused: the name is a local account's.
	apiE = apiErr{}
	if got := in.call("POST", "/api/v1/session", "", "", map[string]string{"username": "dana", "password": "dana-password"}, &apiE); got != http.StatusConflict || apiE.Error.Code != "clash" {
		t.Errorf("the directory's dana signing in over a local dana: %d %+v, want 409 clash", got, apiE.Error)
	}
	if got := in.call("POST", "/api/v1/admin/directory/links", "root-admin", "root-password", map[string]string{"username": "dana", "directory_username": "dana"}, nil); got != http.StatusNoContent {
		t.Fatalf("admin links dana: %d", got)
	}
	if got := in.call("POST", "/api/v1/admin/directory/links", "root-admin", "root-password", map[string]string{"username": "dana", "directory_username": "dana"}, nil); got != http.StatusConflict {
		t.Errorf("linking dana twice: %d, want 409", got)
	}
	if got := in.call("POST", "/api/v1/session", "", "", map[string]string{"username": "dana", "password": "dana-password"}, nil); got != http.StatusCreated {
		t.Errorf("the linked dana signs in with the directory password: %d, want 201", got)
	}

	b := newWebBrowser(t, in.URL)
	if status, _, _ := b.post("/signin", "/signin", url.Values{"username": {"root-admin"}, "password": {"root-password"}}); status != http.StatusSeeOther {
		t.Fatalf("admin sign-in: %d", status)
	}
	if _, _, page := b.get("/admin/directory"); !strings.Contains(page, "<td>developers</td><td>corp</td><td>devs</td>") {
		t.Errorf("the admin page does not list the mapping")
	}
	if status, _, page := b.post("/admin/directory", "/admin/directory/check", url.Values{"probe": {"alice"}}); status != 200 || !strings.Contains(page, ldaptest.ServiceDN) {
		t.Errorf("test connection from the page: %d", status)
	}
	if status, _, page := b.post("/admin/directory", "/admin/directory/ldap/mappings", url.Values{"group": {"ops"}, "org": {"nosuch"}, "role": {"member"}}); status != 400 ||
		!strings.Contains(page, "no organisation is called nosuch") || !strings.Contains(page, `value="ops"`) {
		t.Errorf("a bad mapping from the page: %d; want 400 with the message and the group kept", status)
	}

	if got := in.call("DELETE", "/api/v1/admin/directory/ldap/mappings/"+created.ID, "root-admin", "root-password", nil, nil); got != http.StatusNoContent {
		t.Errorf("deleting the mapping: %d", got)
	}
	if got := in.call("DELETE", "/api/v1/admin/directory/ldap/mappings/"+created.ID, "root-admin", "root-password", nil, nil); got != http.StatusNotFound {
		t.Errorf("deleting it again: %d, want 404", got)
	}
}

type mappingAnswer struct {
	ID, Group, Org, Team, Role string
}
