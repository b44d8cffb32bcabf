package e2e

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
)

// TestSignUpShowsEveryError: a sign-up with a bad username, email and
// password says all three at once, each beside its field with its label,
// and the API lists all three in fields.
func TestSignUpShowsEveryError(t *testing.T) {
	w := newStoreFront(t)
	resp, page := send(t, "GET", w.in.URL+"/signup", "", nil)
	anon := cookieNamed(resp, "berth_csrf")
	form := url.Values{"_csrf": {anon.Value}, "username": {"X"}, "email": {"not-an-email"}, "password": {"short"}}
	resp, page = send(t, "POST", w.in.URL+"/signup", form.Encode(), map[string]string{"Content-Type": "application/x-www-form-urlencoded"}, anon)
	if resp.StatusCode != http.StatusUnprocessableEntity {
		t.Errorf("sign-up with three bad fields: %d, want 422", resp.StatusCode)
	}
	for _, f := range []string{"username", "email", "password"} {
		if !strings.Contains(page, `aria-describedby="error-`+f+`"`) || !strings.Contains(page, `id="error-`+f+`"`) {
			t.Errorf("the sign-up page does not tie an error to %s", f)
		}
	}
	if strings.Contains(page, "password: ") || !strings.Contains(page, "Password: ") {
		t.Errorf("the summary shows the field key, not its label")
	}
	var e struct {
		Error struct{ Fields map[string]string }
	}
	w.in.call("POST", "/api/v1/users", "", "", map[string]string{"username": "X", "email": "nope", "password": "short"}, &e)
	if len(e.Error.Fields) != 3 {
		t.Errorf("POST /api/v1/users with three bad fields: fields %v; want all three", e.Error.Fields)
	}
}

// TestReservedNameWording: a reserved name is called reserved, a name in
// use taken; both 409, with distinct codes.
func TestReservedNameWording(t *testing.T) {
	w := newStoreFront(t)
	var e struct {
		Error struct{ Code, Message string }
	}
	if status := w.in.call("POST", "/api/v1/orgs", "carol", "carol-password", map[string]string{"name": "library"}, &e); status != http.StatusConflict ||
		e.Error.Code != "reserved" || !strings.Contains(e.Error.Message, "reserved") || strings.Contains(e.Error.Message, "taken") {
		t.Errorf("an organisation called library: %d %+v; want 409 reserved", status, e.Error)
	}
	if status := w.in.call("POST", "/api/v1/orgs", "carol", "carol-password", map[string]string{"name": "bobco"}, &e); status != http.StatusConflict ||
		e.Error.Code != "conflict" || !strings.Contains(e.Error.Message, "taken") {
		t.Errorf("an organisation called bobco: %d %+v; want 409 taken", status, e.Error)
	}
}

// TestSoleOwnerCannotLeave: the only owner of an organisation is not
// offered "Leave", and leaving anyway is refused with 409 saying why; once
// another owner exists, Leave is offered.
func TestSoleOwnerCannotLeave(t *testing.T) {
	w := newStoreFront(t)
	c, csrf := pageSession(t, w.in, "bob")
	_, page := send(t, "GET", w.in.URL+"/orgs/bobco", "", nil, c)
	if strings.Contains(page, ">Leave<") {
		t.Errorf("the sole owner is offered Leave")
	}
	var bob struct{ User struct{ ID string } }
	w.in.call("GET", "/api/v1/session", "bob", "bob-password", nil, &bob)
	resp, page := postForm(t, w.in, "/orgs/bobco/members/"+bob.User.ID+"/remove", c, csrf, url.Values{})
	if resp.StatusCode != http.StatusConflict || !strings.Contains(page, "at least one owner") {
		t.Errorf("the sole owner leaving: %d; want 409 saying an owner must stay", resp.StatusCode)
	}
	if status := w.in.call("DELETE", "/api/v1/orgs/bobco/members/bob", "bob", "bob-password", nil, nil); status != http.StatusConflict {
		t.Errorf("the sole owner leaving by the API: %d, want 409", status)
	}
	if status := w.in.call("POST", "/api/v1/orgs/bobco/members", "bob", "bob-password", map[string]string{"username": "carol", "role": "owner"}, nil); status >= 300 {
		t.Fatalf("adding carol as an owner: %d", status)
	}
	if _, page := send(t, "GET", w.in.URL+"/orgs/bobco", "", nil, c); !strings.Contains(page, ">Leave<") {
		t.Errorf("with a second owner, Leave is not offered")
	}
}

// TestOrganisationClaimsItsNamespace: an organisation's owner applies with
// the organisation's own namespace and is accepted; another's is refused
// with 409 naming it, warned of before sending (the form's check and the
// API's), and the form keeps what was typed.
func TestOrganisationClaimsItsNamespace(t *testing.T) {
	w := newStoreFront(t)
	var check struct {
		Available bool
		Reason    string
	}
	if status := w.in.call("GET", "/api/v1/publisher-namespaces/carol?organization=bobco&slug=bobsoft", "bob", "bob-password", nil, &check); status != http.StatusOK ||
		check.Available || !strings.Contains(check.Reason, "another user's or organisation's namespace") {
		t.Errorf("checking carol's namespace for bobco: %d %+v; want unavailable, saying whose", status, check)
	}
	if w.in.call("GET", "/api/v1/publisher-namespaces/bobco?organization=bobco&slug=bobsoft", "bob", "bob-password", nil, &check); !check.Available {
		t.Errorf("checking bobco's own namespace: %+v; want available", check)
	}
	c, csrf := pageSession(t, w.in, "bob")
	typed := url.Values{"organization": {"bobco"}, "slug": {"bobsoft"}, "name": {"Bob Soft"}, "namespaces": {"bobco, carol"}}
	checkForm := url.Values{"check": {"1"}}
	for k, v := range typed {
		checkForm[k] = v
	}
	resp, page := postForm(t, w.in, "/publishers/apply", c, csrf, checkForm)
	if resp.StatusCode != http.StatusOK || !strings.Contains(page, `class="taken"><code>carol</code>`) || !strings.Contains(page, `class="available"><code>bobco</code>`) ||
		!strings.Contains(page, `value="Bob Soft"`) {
		t.Errorf("Check namespaces: %d; want carol taken, bobco available, the form kept", resp.StatusCode)
	}
	resp, page = postForm(t, w.in, "/publishers/apply", c, csrf, typed)
	if resp.StatusCode != http.StatusConflict || !strings.Contains(page, `&#34;carol&#34; is another user&#39;s or organisation&#39;s namespace`) ||
		!strings.Contains(page, `aria-describedby="error-namespaces"`) {
		t.Errorf("applying with carol's namespace: %d; want 409 naming it beside the field", resp.StatusCode)
	}
	typed.Set("namespaces", "bobco")
	if resp, _ := postForm(t, w.in, "/publishers/apply", c, csrf, typed); resp.StatusCode != http.StatusSeeOther {
		t.Errorf("applying with the organisation's own namespace: %d, want 303", resp.StatusCode)
	}
}
