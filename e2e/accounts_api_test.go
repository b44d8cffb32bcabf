package e2e

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/berth/berth/account"
)

// TestAccountsAPI drives organisations, teams and repositories through the
// JSON API as a script would, with basic credentials.
func TestAccountsAPI(t *testing.T) {
	in := start(t, config(t, backend{name: "sqlite"}))
	for _, u := range []string{"owen", "mara", "omar"} {
		if status := in.call("POST", "/api/v1/users", "", "", map[string]string{"username": u, "email": u + "@example.com", "password": u + "-password"}, nil); status != http.StatusCreated {
			t.Fatalf("sign-up %s: %d", u, status)
		}
	}
	type step struct {
		name, method, path, user string
		body                     any
		want                     int
	}
	owner, member, outsider := "owen", "mara", "omar"
	steps := []step{
		{"create org", "POST", "/api/v1/orgs", owner, map[string]string{"name": "dockside", "display_name": "Dockside"}, 201},
		{"org name taken", "POST", "/api/v1/orgs", outsider, map[string]string{"name": "dockside"}, 409},
		{"org name is a username", "POST", "/api/v1/orgs", outsider, map[string]string{"name": "owen"}, 409},
		{"reserved org name", "POST", "/api/v1/orgs", outsider, map[string]string{"name": "library"}, 409},
		{"outsider cannot add members", "POST", "/api/v1/orgs/dockside/members", outsider, map[string]string{"username": "omar", "role": "owner"}, 403},
		{"add member", "POST", "/api/v1/orgs/dockside/members", owner, map[string]string{"username": member, "role": "member"}, 201},
		{"create team", "POST", "/api/v1/orgs/dockside/teams", owner, map[string]string{"name": "devs"}, 201},
		{"member joins team", "PUT", "/api/v1/orgs/dockside/teams/devs/members/" + member, owner, nil, 204},
		{"team gets read", "POST", "/api/v1/orgs/dockside/teams/devs/permissions", owner, map[string]string{"repository": "dockside/api", "permission": "read"}, 204},
		{"create private repository", "POST", "/api/v1/repositories", owner, map[string]any{"namespace": "dockside", "name": "api", "summary": "The API", "private": true}, 201},
		{"duplicate repository", "POST", "/api/v1/repositories", owner, map[string]any{"namespace": "dockside", "name": "api"}, 409},
		{"bad repository name", "POST", "/api/v1/repositories", owner, map[string]any{"namespace": "dockside", "name": "Bad Name"}, 422},
		{"member cannot create in org", "POST", "/api/v1/repositories", member, map[string]any{"namespace": "dockside", "name": "x"}, 403},
		{"member with read sees it", "GET", "/api/v1/repositories/dockside/api", member, nil, 200},
		{"member with read cannot edit", "PATCH", "/api/v1/repositories/dockside/api", member, map[string]any{"summary": "mine"}, 403},
		{"outsider does not see it", "GET", "/api/v1/repositories/dockside/api", outsider, nil, 404},
		{"anonymous does not see it", "GET", "/api/v1/repositories/dockside/api", "", nil, 404},
		{"owner makes it public", "PATCH", "/api/v1/repositories/dockside/api", owner, map[string]any{"private": false}, 200},
		{"anonymous sees it now", "GET", "/api/v1/repositories/dockside/api", "", nil, 200},
		{"last owner cannot leave", "DELETE", "/api/v1/orgs/dockside/members/" + owner, owner, nil, 409},
		{"member leaves", "DELETE", "/api/v1/orgs/dockside/members/" + member, member, nil, 204},
		{"non-admin cannot list users", "GET", "/api/v1/admin/users", owner, nil, 403},
		{"delete repository", "DELETE", "/api/v1/repositories/dockside/api", owner, nil, 204},
		{"outsider cannot delete org", "DELETE", "/api/v1/orgs/dockside", outsider, nil, 403},
		{"owner deletes org", "DELETE", "/api/v1/orgs/dockside", owner, nil, 204},
		{"the name is free again", "POST", "/api/v1/orgs", outsider, map[string]string{"name": "dockside"}, 201},
	}
	for _, s := range steps {
		pass := ""
		if s.user != "" {
			pass = s.user + "-password"
		}
		var e apiErr
		if got := in.call(s.method, s.path, s.user, pass, s.body, &e); got != s.want {
			t.Fatalf("%s: %s %s → %d %+v; want %d", s.name, s.method, s.path, got, e.Error, s.want)
		}
	}
	var org struct {
		Members []struct{ Username, Role string }
	}
	in.call("GET", "/api/v1/orgs/dockside", outsider, outsider+"-password", nil, &org)
	if len(org.Members) != 1 || org.Members[0].Username != outsider || org.Members[0].Role != "owner" {
		t.Errorf("the re-created organisation = %+v; want only its new owner", org.Members)
	}
}

// TestAdminPages: the admin page lists users for an operator and is not
// there for anyone else; disabling a user from it ends their session.
func TestAdminPages(t *testing.T) {
	in := start(t, config(t, backend{name: "sqlite"}))
	ctx := context.Background()
	_, err := in.srv.Backend.Accounts.Register(ctx, account.SignUp{Username: "ops", Email: "ops@example.com", Password: "ops-password", Admin: true})
	must(t, err)
	_, err = in.srv.Backend.Accounts.Register(ctx, account.SignUp{Username: "dora", Email: "dora@example.com", Password: "dora-password"})
	must(t, err)
	ops, dora := signInAPI(t, in, "ops", "ops-password"), signInAPI(t, in, "dora", "dora-password")
	resp, body := send(t, "GET", in.URL+"/admin", "", nil, ops)
	if resp.StatusCode != http.StatusOK || !strings.Contains(body, "dora@example.com") || !strings.Contains(body, "5 minutes") {
		t.Fatalf("admin page for an operator: %d; want the users listed and the token lifetime named", resp.StatusCode)
	}
	if resp, _ := send(t, "GET", in.URL+"/admin", "", nil, dora); resp.StatusCode != http.StatusNotFound {
		t.Errorf("admin page for a non-admin: %d; want 404", resp.StatusCode)
	}
	form := url.Values{"_csrf": {between(body, `name="_csrf" value="`, `"`)}}
	resp, _ = send(t, "POST", in.URL+"/admin/users/dora/disable", form.Encode(), map[string]string{"Content-Type": "application/x-www-form-urlencoded"}, ops)
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("disabling dora: %d; want 303", resp.StatusCode)
	}
	if status, _ := whoami(t, in, dora); status != http.StatusUnauthorized {
		t.Errorf("a disabled user's session still works: %d", status)
	}
}
