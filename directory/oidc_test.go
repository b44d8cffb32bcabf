package directory_test

import (
	"errors"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/oauth2-proxy/mockoidc"

	"github.com/berth/berth/account"
	"github.com/berth/berth/directory"
)

// startOIDC runs mockoidc on loopback and returns a client of it.
func startOIDC(t testing.TB) (*mockoidc.MockOIDC, *directory.OIDC) {
	t.Helper()
	m, err := mockoidc.Run()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = m.Shutdown() })
	cfg := m.Config()
	o, err := directory.NewOIDC(ctx, directory.OIDCConfig{Name: "corp", Issuer: cfg.Issuer, ClientID: cfg.ClientID,
		ClientSecret: directory.Secret(cfg.ClientSecret), RedirectURL: "http://localhost/signin/oidc/corp/callback",
		Scopes: []string{"groups"}}, http.DefaultClient)
	if err != nil {
		t.Fatal(err)
	}
	return m, o
}

// authorize plays the browser at the provider: it follows the
// authorization URL and returns the state and code of the redirect back.
func authorize(t testing.TB, authURL string) (state, code string) {
	t.Helper()
	u, err := url.Parse(authURL)
	if err != nil {
		t.Fatal(err)
	}
	if q := u.Query(); q.Get("code_challenge_method") != "S256" || q.Get("code_challenge") == "" || q.Get("nonce") == "" || q.Get("state") == "" {
		t.Fatalf("authorization URL lacks PKCE, nonce or state: %s", authURL)
	}
	browser := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := browser.Get(authURL)
	if err != nil {
		t.Fatal(err)
	}
	_ = resp.Body.Close()
	back, err := url.Parse(resp.Header.Get("Location"))
	if err != nil || resp.StatusCode != http.StatusFound {
		t.Fatalf("provider answered %d, Location %q", resp.StatusCode, resp.Header.Get("Location"))
	}
	return back.Query().Get("state"), back.Query().Get("code")
}

func TestOIDCCodeFlow(t *testing.T) {
	m, o := startOIDC(t)
	e := newEnv(t, directory.Options{})
	e.corp(t)
	svc := directory.New(o, e.store, e.accounts, e.audit, directory.Options{})
	if _, err := svc.AddMapping(ctx, e.admin, directory.Mapping{Group: "developers", Org: "corp", Team: "devs", Role: "member"}); err != nil {
		t.Fatal(err)
	}
	m.QueueUser(&mockoidc.MockUser{Subject: "sub-erin", Email: "erin@corp.example", EmailVerified: true,
		PreferredUsername: "Erin", Groups: []string{"developers"}})
	authURL, pending := o.Begin()
	state, code := authorize(t, authURL)
	id, err := o.Finish(ctx, pending, state, code)
	if err != nil {
		t.Fatal(err)
	}
	if id.Provider != "oidc:corp" || id.ID != "sub-erin" || id.Username != "Erin" || id.Email != "erin@corp.example" ||
		!slices.Equal(id.Groups, []string{"developers"}) {
		t.Errorf("identity = %+v", id)
	}
	u, err := svc.SignInIdentity(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	if role, teams := e.membership(t, u.ID); u.Username != "erin" || role != account.RoleMember || !slices.Equal(teams, []string{"devs"}) {
		t.Errorf("erin: %+v, %s %v", u, role, teams)
	}
	if again, err := svc.SignInIdentity(ctx, id); err != nil || again.ID != u.ID {
		t.Errorf("second sign-in: %+v, %v", again, err)
	}
	// The same subject from the LDAP service is another identity.
	if _, err := e.dir.SignInIdentity(ctx, id); !errors.Is(err, directory.ErrBadCredentials) {
		t.Errorf("an OIDC identity through the LDAP service: %v", err)
	}
}

func TestOIDCRefusesForgedCallbacks(t *testing.T) {
	m, o := startOIDC(t)
	unverified := &mockoidc.MockUser{Subject: "sub-frank", Email: "frank@corp.example", PreferredUsername: "frank"}

	m.QueueUser(unverified)
	authURL, pending := o.Begin()
	state, code := authorize(t, authURL)
	if id, err := o.Finish(ctx, pending, state, code); err != nil || id.Email != "" {
		t.Errorf("unverified email: %+v, %v; want the email dropped", id, err)
	}

	for name, tamper := range map[string]func(p *directory.Pending, state, code *string){
		"other state":    func(_ *directory.Pending, state, _ *string) { *state = "forged" },
		"no pending":     func(p *directory.Pending, _, _ *string) { *p = directory.Pending{} },
		"other nonce":    func(p *directory.Pending, _, _ *string) { p.Nonce = "other" },
		"other verifier": func(p *directory.Pending, _, _ *string) { p.Verifier = strings.Repeat("a", 43) },
		"expired":        func(p *directory.Pending, _, _ *string) { p.Started = p.Started.Add(-11 * 60e9) },
	} {
		m.QueueUser(unverified)
		authURL, pending := o.Begin()
		state, code := authorize(t, authURL)
		tamper(&pending, &state, &code)
		_, err := o.Finish(ctx, pending, state, code)
		if !errors.Is(err, directory.ErrBadState) && !errors.Is(err, directory.ErrBadCredentials) {
			t.Errorf("%s: %v, want ErrBadState or ErrBadCredentials", name, err)
		}
	}
}
