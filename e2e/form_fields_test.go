package e2e

import (
	"html"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
)

// fieldTag is the opening tag of the form control named name inside the
// form posting to action, or "".
func fieldTag(page, action, name string) string {
	start := strings.Index(page, `action="`+action+`"`)
	if start < 0 {
		return ""
	}
	end := strings.Index(page[start:], "</form>")
	return regexp.MustCompile(`<(input|select|textarea)[^>]*name="` + regexp.QuoteMeta(name) + `"[^>]*>`).FindString(page[start : start+end])
}

// describedError checks that the control named name in the form posting
// to action is marked invalid and described by an element saying want.
func describedError(t *testing.T, page, action, name, want string) {
	t.Helper()
	tag := fieldTag(page, action, name)
	m := regexp.MustCompile(`aria-describedby="([^"]+)"`).FindStringSubmatch(tag)
	if !strings.Contains(tag, `aria-invalid="true"`) || m == nil {
		t.Errorf("%s in the form to %s: %q; want aria-invalid and aria-describedby", name, action, tag)
		return
	}
	ids := regexp.MustCompile(`id="`+regexp.QuoteMeta(m[1])+`"[^>]*>([^<]*)<`).FindAllStringSubmatch(page, -1)
	if len(ids) != 1 || html.UnescapeString(ids[0][1]) != want {
		t.Errorf("%s in the form to %s is described by #%s: %v; want one element saying %q", name, action, m[1], ids, want)
	}
}

// notInvalid checks that the control named name in the form posting to
// action is not marked invalid.
func notInvalid(t *testing.T, page, action, name string) {
	t.Helper()
	if tag := fieldTag(page, action, name); tag == "" || strings.Contains(tag, "aria-") {
		t.Errorf("%s in the form to %s: %q; want it present and not marked invalid", name, action, tag)
	}
}

// TestFormErrorsTiedToFields refuses a form on the settings page and one
// on an organisation's page, each a page of several forms: the field at
// fault says it is invalid and names the element that says why, and only
// the form that was sent marks its fields, even where another form has a
// field of the same name. Action columns have a (visually hidden) header.
func TestFormErrorsTiedToFields(t *testing.T) {
	in := start(t, config(t, backend{name: "sqlite"}))
	if s := in.call("POST", "/api/v1/users", "", "", map[string]string{"username": "fern", "email": "fern@example.com", "password": "fern-password"}, nil); s != http.StatusCreated {
		t.Fatalf("sign-up: %d", s)
	}
	session, csrf := pageSession(t, in, "fern")

	resp, page := postForm(t, in, "/settings/password", session, csrf, url.Values{"current_password": {"not-my-password"}, "new_password": {"another-password"}})
	if resp.StatusCode != http.StatusUnprocessableEntity {
		t.Fatalf("password change with a wrong current password: %d; want 422", resp.StatusCode)
	}
	describedError(t, page, "/settings/password", "current_password", "that is not your current password")
	notInvalid(t, page, "/settings/password", "new_password")
	notInvalid(t, page, "/settings/email", "email")
	notInvalid(t, page, "/settings/delete", "password")
	if strings.Contains(page, "<th></th>") {
		t.Error("the settings page has an empty table header")
	}

	if s := in.call("POST", "/api/v1/orgs", "fern", "fern-password", map[string]string{"name": "fernco"}, nil); s != http.StatusCreated {
		t.Fatalf("creating fernco: %d", s)
	}
	if s := in.call("POST", "/api/v1/orgs/fernco/teams", "fern", "fern-password", map[string]string{"name": "dev"}, nil); s != http.StatusCreated {
		t.Fatalf("creating team dev: %d", s)
	}
	resp, page = postForm(t, in, "/orgs/fernco/members", session, csrf, url.Values{"username": {"nobody-here"}, "role": {"member"}})
	if resp.StatusCode != http.StatusUnprocessableEntity {
		t.Fatalf("adding an unknown member: %d; want 422", resp.StatusCode)
	}
	describedError(t, page, "/orgs/fernco/members", "username", "no user is called nobody-here")
	notInvalid(t, page, "/orgs/fernco/teams/dev/members", "username")
	notInvalid(t, page, "/orgs/fernco/teams", "name")

	resp, page = postForm(t, in, "/orgs/fernco/teams/dev/members", session, csrf, url.Values{"username": {"nobody-here"}})
	if resp.StatusCode != http.StatusUnprocessableEntity {
		t.Fatalf("adding an unknown user to a team: %d; want 422", resp.StatusCode)
	}
	describedError(t, page, "/orgs/fernco/teams/dev/members", "username", "no user is called nobody-here")
	notInvalid(t, page, "/orgs/fernco/members", "username")
	if strings.Contains(page, "<th></th>") {
		t.Error("the organisation page has an empty table header")
	}
}
