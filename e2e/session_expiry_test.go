package e2e

import (
	"html"
	"net/http"
	"net/url"
	"strings"
	"testing"
)

// TestExpiredSessionKeepsTypedForm: with a session that has ended, a page
// visit says so; a signed-in page sends to sign in saying so; a form
// posted shows the sign-in page, saying so, carrying what was typed (not
// the CSRF token); signing in offers it to send again as typed, and
// sending it saves it.
func TestExpiredSessionKeepsTypedForm(t *testing.T) {
	w := newStoreFront(t)
	dead, csrf := pageSession(t, w.in, "ottmar")
	if resp, _ := send(t, "DELETE", w.in.URL+"/api/v1/session", "", map[string]string{"X-CSRF-Token": csrf}, dead); resp.StatusCode != http.StatusNoContent {
		t.Fatalf("signing out: %d", resp.StatusCode)
	}
	if _, page := send(t, "GET", w.in.URL+"/", "", nil, dead); !strings.Contains(page, "Your session expired; sign in again.") {
		t.Errorf("the home page visited with an ended session says nothing of it")
	}
	resp, _ := send(t, "GET", w.in.URL+"/settings", "", nil, dead)
	loc := resp.Header.Get("Location")
	if resp.StatusCode != http.StatusSeeOther || !strings.HasPrefix(loc, "/signin?") || !strings.Contains(loc, "expired=1") {
		t.Fatalf("GET /settings with an ended session: %d to %q; want 303 to sign in, marked expired", resp.StatusCode, loc)
	}
	if _, page := send(t, "GET", w.in.URL+loc, "", nil); !strings.Contains(page, "Your session expired; sign in again.") {
		t.Errorf("the sign-in page does not say the session expired")
	}

	typed := "Typed while the session ran out"
	resp, page := postForm(t, w.in, "/publishers/ottosoft/profile", dead, csrf, url.Values{"description": {typed}})
	if resp.StatusCode != http.StatusUnauthorized || !strings.Contains(page, "Your session expired") ||
		!strings.Contains(page, `name="carry.description" value="`+typed+`"`) || strings.Contains(page, "carry._csrf") {
		t.Fatalf("posting with an ended session: %d; want 401, the sign-in page saying why and carrying the description, not the token", resp.StatusCode)
	}
	anon := cookieNamed(resp, "berth_csrf")
	signinCSRF := html.UnescapeString(between(page, `name="_csrf" value="`, `"`))
	form := url.Values{"_csrf": {signinCSRF}, "username": {"ottmar"}, "password": {"ottmar-password"},
		"next": {"/publishers/ottosoft/profile"}, "resume": {"/publishers/ottosoft/profile"}, "carry.description": {typed}}
	resp, page = send(t, "POST", w.in.URL+"/signin", form.Encode(), map[string]string{"Content-Type": "application/x-www-form-urlencoded"}, anon)
	fresh := cookieNamed(resp, "berth_session")
	if resp.StatusCode != http.StatusOK || fresh == nil || !strings.Contains(page, "Send it again") ||
		!strings.Contains(page, `name="description" value="`+typed+`"`) {
		t.Fatalf("signing in again: %d; want the typed form offered to send again", resp.StatusCode)
	}
	again := url.Values{"_csrf": {html.UnescapeString(between(page, `name="_csrf" value="`, `"`))}, "description": {typed}}
	if resp, _ := send(t, "POST", w.in.URL+"/publishers/ottosoft/profile", again.Encode(),
		map[string]string{"Content-Type": "application/x-www-form-urlencoded"}, fresh); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("sending it again: %d, want 303", resp.StatusCode)
	}
	var profile struct{ Description string }
	if w.in.call("GET", "/api/v1/publishers/ottosoft", "", "", nil, &profile); profile.Description != typed {
		t.Errorf("description after sending again: %q, want %q", profile.Description, typed)
	}
}
