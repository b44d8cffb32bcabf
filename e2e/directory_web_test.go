package e2e

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"strings"
	"testing"

	"github.com/oauth2-proxy/mockoidc"

	"github.com/berth/berth/account"
	"github.com/berth/berth/audit"
	"github.com/berth/berth/directory"
	"github.com/berth/berth/directory/ldaptest"
)

// webBrowser is a cookie-keeping client that does not follow redirects,
// so that each hop of a sign-in can be checked.
type webBrowser struct {
	t      *testing.T
	client *http.Client
	base   string
}

func newWebBrowser(t *testing.T, base string) *webBrowser {
	jar, _ := cookiejar.New(nil)
	return &webBrowser{t: t, base: base, client: &http.Client{Jar: jar,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
}

// get fetches a URL (relative to Berth, or absolute) and returns the
// status, the Location and the body.
func (b *webBrowser) get(raw string) (int, string, string) {
	b.t.Helper()
	if strings.HasPrefix(raw, "/") {
		raw = b.base + raw
	}
	resp, err := b.client.Get(raw)
	must(b.t, err)
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, resp.Header.Get("Location"), string(body)
}

// post sends a form from the page at from, with that page's CSRF token.
func (b *webBrowser) post(from, path string, form url.Values) (int, string, string) {
	b.t.Helper()
	_, _, page := b.get(from)
	form.Set("_csrf", between(page, `name="_csrf" value="`, `"`))
	resp, err := b.client.PostForm(b.base+path, form)
	must(b.t, err)
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, resp.Header.Get("Location"), string(body)
}

// who is the username of the browser's session, or "".
func (b *webBrowser) who() string {
	b.t.Helper()
	resp, err := b.client.Get(b.base + "/api/v1/session")
	must(b.t, err)
	defer resp.Body.Close()
	var s struct{ User struct{ Username string } }
	_ = json.NewDecoder(resp.Body).Decode(&s)
	return s.User.Username
}

// oidcRoundTrip follows Berth's redirect to the provider and the
// provider's back to Berth's callback, and returns the callback's answer.
func (b *webBrowser) oidcRoundTrip(status int, toProvider string) (int, string, string) {
	b.t.Helper()
	if status != http.StatusSeeOther || toProvider == "" {
		b.t.Fatalf("starting the OIDC flow: %d to %q, want 303 to the provider", status, toProvider)
	}
	status, back, _ := b.get(toProvider)
	if status != http.StatusFound || !strings.Contains(back, "/callback?") {
		b.t.Fatalf("the provider answered %d to %q", status, back)
	}
	return b.get(back)
}

// TestDirectoryWebSignIn: the sign-in form takes a directory password (the
// account is made just in time); "Sign in with" an OIDC provider signs a
// person in and applies their groups; a forged callback is refused; a
// signed-in local account links itself to the provider from its settings
// page, and then signs in through it.
func TestDirectoryWebSignIn(t *testing.T) {
	slapd := ldaptest.Start(t)
	slapd.AddUser(t, "alice", "alice-password")
	m, err := mockoidc.Run()
	must(t, err)
	t.Cleanup(func() { _ = m.Shutdown() })
	oc := m.Config()
	cfg := config(t, backend{name: "sqlite"})
	cfg.Demo = false
	cfg.Directory = ldapSettings(slapd)
	cfg.Directory.OIDC = []directory.OIDCConfig{{Name: "corp-sso", DisplayName: "Corp SSO", Issuer: oc.Issuer, ClientID: oc.ClientID,
		ClientSecret: directory.Secret(oc.ClientSecret), Scopes: []string{"groups"}}}
	in := start(t, cfg)
	ctx := context.Background()
	admin, err := in.srv.Backend.Accounts.Register(ctx, account.SignUp{Username: "root-admin", Email: "root@example.com", Password: "root-password", Admin: true})
	must(t, err)
	_, err = in.srv.Backend.Accounts.Register(ctx, account.SignUp{Username: "owen", Email: "owen@example.com", Password: "owen-password"})
	must(t, err)
	_, err = in.srv.Backend.Accounts.CreateOrg(ctx, admin, "corp", "Corp")
	must(t, err)
	must(t, in.srv.Backend.Accounts.CreateTeam(ctx, admin, "corp", "devs", ""))
	sso := in.srv.Backend.Directory.OIDC[0].Service
	if _, err := sso.AddMapping(ctx, admin, directory.Mapping{Group: "developers", Org: "corp", Team: "devs", Role: "member"}); err != nil {
		t.Fatal(err)
	}

	t.Run("the sign-in form takes a directory password", func(t *testing.T) {
		b := newWebBrowser(t, in.URL)
		_, _, page := b.get("/signin")
		if !strings.Contains(page, `href="/signin/oidc/corp-sso?next=%2f"`) || !strings.Contains(page, "Sign in with Corp SSO") {
			t.Errorf("the sign-in page has no Corp SSO button: %s", between(page, `class="sso"`, `</div>`))
		}
		if status, _, _ := b.post("/signin", "/signin", url.Values{"username": {"alice"}, "password": {"wrong"}}); status != http.StatusUnauthorized {
			t.Errorf("a wrong directory password: %d, want 401", status)
		}
		if status, to, _ := b.post("/signin", "/signin", url.Values{"username": {"alice"}, "password": {"alice-password"}}); status != http.StatusSeeOther || to != "/" {
			t.Fatalf("alice's directory sign-in: %d to %q", status, to)
		}
		if got := b.who(); got != "alice" {
			t.Errorf("signed in as %q, want alice (created just in time)", got)
		}
	})

	t.Run("sign in with an OIDC provider", func(t *testing.T) {
		m.QueueUser(&mockoidc.MockUser{Subject: "sub-carol", Email: "carol@corp.example", EmailVerified: true,
			PreferredUsername: "carol", Groups: []string{"developers"}})
		b := newWebBrowser(t, in.URL)
		status, to, _ := b.get("/signin/oidc/corp-sso?next=/settings")
		status, to, _ = b.oidcRoundTrip(status, to)
		if status != http.StatusSeeOther || to != "/settings" {
			t.Fatalf("callback: %d to %q, want 303 to /settings", status, to)
		}
		if got := b.who(); got != "carol" {
			t.Fatalf("signed in as %q, want carol", got)
		}
		carol, err := in.srv.Backend.Accounts.UserByUsername(ctx, "carol")
		must(t, err)
		if o, _ := in.srv.Backend.Accounts.Org(ctx, "corp"); o.Role(carol.ID) != account.RoleMember {
			t.Errorf("carol is %q of corp, want member through developers", o.Role(carol.ID))
		}
		events, err := in.srv.Backend.Security.List(ctx, audit.Query{ActorID: carol.ID, Action: audit.SignIn})
		must(t, err)
		if len(events) != 1 || events[0].Credential != audit.CredentialDirectory || !strings.Contains(events[0].Detail, "OIDC corp-sso") {
			t.Errorf("carol's OIDC sign-in in the security log: %+v", events)
		}
	})

	t.Run("a callback without the browser's pending sign-in is refused", func(t *testing.T) {
		m.QueueUser(&mockoidc.MockUser{Subject: "sub-mallory", PreferredUsername: "mallory"})
		victim, attacker := newWebBrowser(t, in.URL), newWebBrowser(t, in.URL)
		status, to, _ := attacker.get("/signin/oidc/corp-sso")
		if status != http.StatusSeeOther {
			t.Fatalf("begin: %d", status)
		}
		_, back, _ := attacker.get(to)
		// The attacker's callback link, opened in the victim's browser.
		if status, _, _ := victim.get(back); status != http.StatusBadRequest {
			t.Errorf("a callback the browser did not start: %d, want 400", status)
		}
		if got := victim.who(); got != "" {
			t.Errorf("the victim's browser is signed in as %q", got)
		}
	})

	t.Run("a local account links itself, then signs in through the provider", func(t *testing.T) {
		b := newWebBrowser(t, in.URL)
		if status, _, _ := b.post("/signin", "/signin", url.Values{"username": {"owen"}, "password": {"owen-password"}}); status != http.StatusSeeOther {
			t.Fatalf("owen's sign-in: %d", status)
		}
		_, _, page := b.get("/settings")
		if !strings.Contains(page, `action="/settings/oidc/corp-sso/link"`) {
			t.Fatalf("the settings page offers no Link Corp SSO")
		}
		m.QueueUser(&mockoidc.MockUser{Subject: "sub-owen-at-corp", PreferredUsername: "owen.s", Groups: []string{"developers"}})
		status, to, _ := b.post("/settings", "/settings/oidc/corp-sso/link", url.Values{})
		status, to, _ = b.oidcRoundTrip(status, to)
		if status != http.StatusSeeOther || to != "/settings#directory" {
			t.Fatalf("link callback: %d to %q", status, to)
		}
		if _, _, page := b.get("/settings"); !strings.Contains(page, "<strong>linked</strong>") {
			t.Errorf("the settings page does not show Corp SSO linked")
		}
		m.QueueUser(&mockoidc.MockUser{Subject: "sub-owen-at-corp", PreferredUsername: "owen.s"})
		other := newWebBrowser(t, in.URL)
		status, to, _ = other.get("/signin/oidc/corp-sso")
		if status, _, _ = other.oidcRoundTrip(status, to); status != http.StatusSeeOther {
			t.Fatalf("owen's OIDC sign-in: %d", status)
		}
		if got := other.who(); got != "owen" {
			t.Errorf("the linked identity signs in as %q, want owen", got)
		}
	})
}
