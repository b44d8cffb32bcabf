package e2e

import (
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
)

// browserish is an HTTP client that keeps no cookies of its own: each test
// request says exactly which cookies it carries.
var browserish = &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}

// send makes a request with the given cookies and returns the response
// (body read and closed) and its body.
func send(t *testing.T, method, target string, body string, header map[string]string, cookies ...*http.Cookie) (*http.Response, string) {
	t.Helper()
	req, err := http.NewRequest(method, target, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range header {
		req.Header.Set(k, v)
	}
	for _, c := range cookies {
		req.AddCookie(c)
	}
	resp, err := browserish.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp, string(b)
}

func cookieNamed(resp *http.Response, name string) *http.Cookie {
	for _, c := range resp.Cookies() {
		if c.Name == name {
			return c
		}
	}
	return nil
}

var jsonHeader = map[string]string{"Content-Type": "application/json"}

// signInAPI signs in through the API with optional cookies already set and
// returns the new session cookie.
func signInAPI(t *testing.T, in *instance, user, pass string, cookies ...*http.Cookie) *http.Cookie {
	t.Helper()
	resp, body := send(t, "POST", in.URL+"/api/v1/session", `{"username":"`+user+`","password":"`+pass+`"}`, jsonHeader, cookies...)
	c := cookieNamed(resp, "berth_session")
	if resp.StatusCode != http.StatusCreated || c == nil || c.Value == "" {
		t.Fatalf("signing in %s: %d %s", user, resp.StatusCode, body)
	}
	return c
}

// whoami returns the status of GET /api/v1/session with a cookie and the body.
func whoami(t *testing.T, in *instance, c *http.Cookie) (int, string) {
	resp, body := send(t, "GET", in.URL+"/api/v1/session", "", nil, c)
	return resp.StatusCode, body
}

// TestSessionSecurity: cookies carry the right flags; signing in always
// issues a new session (fixation is useless); state-changing requests
// without the CSRF token are refused; repeated wrong passwords for one
// account are stopped with a clear message.
func TestSessionSecurity(t *testing.T) {
	in := start(t, config(t, backend{name: "sqlite"}))
	for _, u := range []string{"mallory", "victor"} {
		in.call("POST", "/api/v1/users", "", "", map[string]string{"username": u, "email": u + "@example.com", "password": u + "-password"}, nil)
	}

	t.Run("cookie flags", func(t *testing.T) {
		c := signInAPI(t, in, "victor", "victor-password")
		if !c.HttpOnly || c.SameSite != http.SameSiteLaxMode || c.Path != "/" || c.Expires.IsZero() {
			t.Errorf("session cookie %+v; want HttpOnly, SameSite=Lax, Path=/, an expiry", c)
		}
		if c.Secure {
			t.Error("Secure is set although Berth is served over plain http here")
		}
	})

	t.Run("fixation", func(t *testing.T) {
		planted := signInAPI(t, in, "mallory", "mallory-password")
		victim := signInAPI(t, in, "victor", "victor-password", planted)
		if victim.Value == planted.Value {
			t.Fatal("signing in kept the planted session token")
		}
		if status, _ := whoami(t, in, planted); status != http.StatusUnauthorized {
			t.Errorf("the planted session still works after the victim signed in over it: %d", status)
		}
		if status, body := whoami(t, in, victim); status != http.StatusOK || !strings.Contains(body, `"username":"victor"`) {
			t.Errorf("the new session: %d %s", status, body)
		}
		forged := &http.Cookie{Name: "berth_session", Value: "berth_sess_attackerchosenvalue"}
		if status, _ := whoami(t, in, forged); status != http.StatusUnauthorized {
			t.Errorf("an invented session token was accepted: %d", status)
		}
	})

	t.Run("CSRF", func(t *testing.T) {
		c := signInAPI(t, in, "victor", "victor-password")
		resp, _ := send(t, "POST", in.URL+"/signout", "", map[string]string{"Content-Type": "application/x-www-form-urlencoded"}, c)
		if resp.StatusCode != http.StatusForbidden {
			t.Errorf("sign-out form without a CSRF token: %d; want 403", resp.StatusCode)
		}
		if status, _ := whoami(t, in, c); status != http.StatusOK {
			t.Fatal("the refused post signed the user out anyway")
		}
		resp, _ = send(t, "DELETE", in.URL+"/api/v1/session", "", nil, c)
		if resp.StatusCode != http.StatusForbidden {
			t.Errorf("cookie-authenticated API write without X-CSRF-Token: %d; want 403", resp.StatusCode)
		}
		_, body := whoami(t, in, c)
		token := between(body, `"csrf_token":"`, `"`)
		resp, _ = send(t, "POST", in.URL+"/signout", url.Values{"_csrf": {token}}.Encode(), map[string]string{"Content-Type": "application/x-www-form-urlencoded"}, c)
		if resp.StatusCode != http.StatusSeeOther {
			t.Errorf("sign-out with the CSRF token: %d; want 303", resp.StatusCode)
		}
		if status, _ := whoami(t, in, c); status != http.StatusUnauthorized {
			t.Error("signed out, the session still works")
		}
	})

	t.Run("sign-in form needs its CSRF cookie", func(t *testing.T) {
		form := url.Values{"username": {"victor"}, "password": {"victor-password"}}
		resp, _ := send(t, "POST", in.URL+"/signin", form.Encode(), map[string]string{"Content-Type": "application/x-www-form-urlencoded"})
		if resp.StatusCode != http.StatusForbidden || cookieNamed(resp, "berth_session") != nil {
			t.Errorf("sign-in form posted cross-site (no CSRF cookie): %d; want 403 and no session", resp.StatusCode)
		}
		page, body := send(t, "GET", in.URL+"/signin", "", nil)
		csrf := cookieNamed(page, "berth_csrf")
		if csrf == nil {
			t.Fatal("the sign-in page set no CSRF cookie")
		}
		form.Set("_csrf", between(body, `name="_csrf" value="`, `"`))
		resp, _ = send(t, "POST", in.URL+"/signin", form.Encode(), map[string]string{"Content-Type": "application/x-www-form-urlencoded"}, csrf)
		if resp.StatusCode != http.StatusSeeOther || cookieNamed(resp, "berth_session") == nil {
			t.Errorf("sign-in form with its CSRF token: %d; want 303 with a session", resp.StatusCode)
		}
	})

	t.Run("brute force per account", func(t *testing.T) {
		var last *http.Response
		var body string
		for i := 0; i < 11; i++ {
			last, body = send(t, "POST", in.URL+"/api/v1/session", `{"username":"mallory","password":"guess"}`, jsonHeader)
		}
		if last.StatusCode != http.StatusTooManyRequests || !strings.Contains(body, "too many failed password attempts") {
			t.Errorf("11th wrong password: %d %s; want 429 naming the account limit", last.StatusCode, body)
		}
		resp, _ := send(t, "POST", in.URL+"/api/v1/session", `{"username":"mallory","password":"mallory-password"}`, jsonHeader)
		if resp.StatusCode != http.StatusTooManyRequests {
			t.Errorf("while the account is limited even the right password gets %d; want 429", resp.StatusCode)
		}
	})
}

// TestNoEnumeration: sign-in errors are identical for an unknown user and a
// wrong password, and sign-up never says an email is registered.
func TestNoEnumeration(t *testing.T) {
	in := start(t, config(t, backend{name: "sqlite"}))
	in.call("POST", "/api/v1/users", "", "", map[string]string{"username": "known", "email": "known@example.com", "password": "known-password"}, nil)
	_, unknown := send(t, "POST", in.URL+"/api/v1/session", `{"username":"nobody","password":"whatever-pw"}`, jsonHeader)
	_, wrong := send(t, "POST", in.URL+"/api/v1/session", `{"username":"known","password":"whatever-pw"}`, jsonHeader)
	if unknown != wrong {
		t.Errorf("sign-in errors differ: unknown user %q, wrong password %q", unknown, wrong)
	}
	var created struct{ Username string }
	status := in.call("POST", "/api/v1/users", "", "", map[string]string{"username": "other", "email": "known@example.com", "password": "other-password"}, &created)
	if status != http.StatusCreated || created.Username != "other" {
		t.Errorf("sign-up with an email already in use: %d; want 201 (emails are not unique, so none is revealed)", status)
	}
}

func between(s, start, end string) string {
	i := strings.Index(s, start)
	if i < 0 {
		return ""
	}
	s = s[i+len(start):]
	j := strings.Index(s, end)
	if j < 0 {
		return ""
	}
	return s[:j]
}

// TestCheckoutFormNeedsTermsAndCSRF: the product page's checkout form is
// refused without the CSRF token and without accepting the terms, and
// issues nothing then.
func TestCheckoutFormNeedsTermsAndCSRF(t *testing.T) {
	in := start(t, config(t, backend{name: "sqlite"}))
	in.call("POST", "/api/v1/users", "", "", map[string]string{"username": "tess", "email": "tess@example.com", "password": "tess-password"}, nil)
	product, free, _ := pickFreeTier(t, in)
	c := signInAPI(t, in, "tess", "tess-password")
	_, body := whoami(t, in, c)
	token := between(body, `"csrf_token":"`, `"`)
	post := func(form url.Values) int {
		resp, _ := send(t, "POST", in.URL+"/products/"+product.Slug+"/checkout", form.Encode(),
			map[string]string{"Content-Type": "application/x-www-form-urlencoded"}, c)
		return resp.StatusCode
	}
	if got := post(url.Values{"tier": {free.ID}, "accept": {"yes"}}); got != http.StatusForbidden {
		t.Errorf("checkout without the CSRF token: %d; want 403", got)
	}
	if got := post(url.Values{"tier": {free.ID}, "_csrf": {token}}); got != http.StatusUnprocessableEntity {
		t.Errorf("checkout without accepting the terms: %d; want 422", got)
	}
	var list struct{ Licenses []licenseJSON }
	in.call("GET", "/api/v1/licenses", "tess", "tess-password", nil, &list)
	if len(list.Licenses) != 0 {
		t.Fatalf("refused checkouts issued %d licenses", len(list.Licenses))
	}
	if got := post(url.Values{"tier": {free.ID}, "_csrf": {token}, "accept": {"yes"}}); got != http.StatusSeeOther {
		t.Errorf("checkout with the token and the terms accepted: %d; want 303 to the page that shows the key", got)
	}
}
