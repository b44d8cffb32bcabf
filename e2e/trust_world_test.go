package e2e

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"strings"
	"testing"

	"github.com/berth/berth/account"
	"github.com/berth/berth/catalog"
	"github.com/berth/berth/licensing"
)

// trustWorld is one user, alice, who owns everything a route can name: an
// organisation with a member and a team, an approved publisher with a
// listing, a private repository and a license; and one credential of every
// kind, each of them alice's except the administrator's session (ada,
// who is related to none of alice's things).
type trustWorld struct {
	in     *instance
	n      int // generation: names are fresh after a rebuild
	alice  account.User
	bob    account.User
	names  map[string]string // route parameter values
	creds  map[string]credential
	anonCS string // an anonymous visitor's CSRF token (cookie and field)
}

// credential is how one kind of caller presents itself.
type credential struct {
	user, pass string // HTTP basic
	cookie     string // session cookie
	csrf       string
}

// The credential kinds of the table: every kind access knows, with the
// personal access token three ways (read, read-write, limited) and the
// administrator.
var trustKinds = []string{"anonymous", "session", "password", "pat-read", "pat-write", "pat-limited",
	"push-token", "license-key", "refresh-token", "admin"}

func newTrustWorld(t *testing.T, in *instance, n int) *trustWorld {
	t.Helper()
	ctx := context.Background()
	b := in.srv.Backend
	w := &trustWorld{in: in, n: n, creds: map[string]credential{}}
	sfx := fmt.Sprintf("%d", n)
	var err error
	w.alice, err = b.Accounts.Register(ctx, account.SignUp{Username: "alice" + sfx, Email: "alice" + sfx + "@example.com", Password: "alice-password"})
	must(t, err)
	w.bob, err = b.Accounts.Register(ctx, account.SignUp{Username: "bob" + sfx, Email: "bob" + sfx + "@example.com", Password: "bob-password"})
	must(t, err)
	ada, err := b.Accounts.Register(ctx, account.SignUp{Username: "ada" + sfx, Email: "ada" + sfx + "@example.com", Password: "ada-password", Admin: true})
	must(t, err)
	org := "aliceco" + sfx
	_, err = b.Accounts.CreateOrg(ctx, w.alice, org, "Alice Co")
	must(t, err)
	must(t, b.Accounts.AddMember(ctx, w.alice, org, w.bob.Username, account.RoleMember))
	must(t, b.Accounts.CreateTeam(ctx, w.alice, org, "devs", "developers"))

	pub, ns := "alicesoft"+sfx, "alns"+sfx
	if status := in.call("POST", "/api/v1/publishers", w.alice.Username, "alice-password", map[string]any{
		"slug": pub, "name": "Alice Software", "organization": org, "namespaces": []string{ns}}, nil); status != http.StatusCreated {
		t.Fatalf("applying to publish: %d", status)
	}
	if status := in.call("POST", "/api/v1/admin/publishers/"+pub+"/review", ada.Username, "ada-password",
		map[string]any{"decision": "approve"}, nil); status != http.StatusOK {
		t.Fatalf("approving the publisher: %d", status)
	}
	product := "alice-app" + sfx
	_, err = b.Stores.Catalog.PutProduct(ctx, catalog.Product{Slug: product, Name: "Alice App", Publisher: pub, Kind: catalog.KindImage,
		Repositories: []string{ns + "/app"}, Tiers: []catalog.Tier{{ID: "express", Name: "Express", Currency: "usd", Repositories: []string{ns + "/app"}}}})
	must(t, err)
	_, err = b.Repositories.Create(ctx, catalog.NewRepository{Namespace: w.alice.Username, Name: "app", Private: true})
	must(t, err)
	lic, err := b.Licenses.Grant(ctx, licensing.Grant{Owner: w.alice.ID, Product: product, Tier: "express"})
	must(t, err)

	w.names = map[string]string{"org": org, "publisher": pub, "product": product, "license": lic.License.ID,
		"ns": w.alice.Username, "repo": "app", "image-ns": ns, "image-name": "app"}

	token := func(access account.TokenAccess, resources ...string) string {
		_, secret, err := b.Accounts.CreateToken(ctx, w.alice.ID, account.NewToken{Name: "table " + string(access), Access: access, Resources: resources})
		must(t, err)
		return secret
	}
	var push struct{ Token string }
	if status := in.call("POST", "/api/v1/publishers/"+pub+"/push-tokens", w.alice.Username, "alice-password", map[string]any{"name": "table push"}, &push); status != http.StatusCreated {
		t.Fatalf("push token: %d", status)
	}
	w.creds["password"] = credential{user: w.alice.Username, pass: "alice-password"}
	w.creds["pat-read"] = credential{user: w.alice.Username, pass: token(account.TokenRead)}
	w.creds["pat-write"] = credential{user: w.alice.Username, pass: token(account.TokenReadWrite)}
	w.creds["pat-limited"] = credential{user: w.alice.Username, pass: token(account.TokenReadWrite, w.alice.Username+"/app")}
	w.creds["push-token"] = credential{user: w.alice.Username, pass: push.Token}
	w.creds["license-key"] = credential{user: "ci", pass: lic.Key}
	w.creds["refresh-token"] = credential{user: w.alice.Username, pass: w.refreshToken(t)}
	w.creds["session"] = w.session(t, w.alice.Username, "alice-password")
	w.creds["admin"] = w.session(t, ada.Username, "ada-password")
	w.anonCS = w.anonymousCSRF(t)
	return w
}

// refreshToken asks the token endpoint for alice's offline token.
func (w *trustWorld) refreshToken(t *testing.T) string {
	t.Helper()
	req, _ := http.NewRequest("GET", w.in.URL+"/token?"+url.Values{"service": {w.in.Registry}, "offline_token": {"true"}}.Encode(), nil)
	req.SetBasicAuth(w.alice.Username, "alice-password")
	var got struct {
		RefreshToken string `json:"refresh_token"`
	}
	if status := doJSON(t, req, &got); status != http.StatusOK || !strings.HasPrefix(got.RefreshToken, licensing.RefreshPrefix) {
		t.Fatalf("refresh token: %d %q", status, got.RefreshToken)
	}
	return got.RefreshToken
}

// session signs in through the API and returns the cookie and CSRF token.
func (w *trustWorld) session(t *testing.T, username, password string) credential {
	t.Helper()
	jar, _ := cookiejar.New(nil)
	client := &http.Client{Jar: jar}
	body := strings.NewReader(`{"username":"` + username + `","password":"` + password + `"}`)
	resp, err := client.Post(w.in.URL+"/api/v1/session", "application/json", body)
	must(t, err)
	resp.Body.Close()
	if resp.StatusCode != http.StatusCreated && resp.StatusCode != http.StatusOK {
		t.Fatalf("signing %s in: %d", username, resp.StatusCode)
	}
	resp, err = client.Get(w.in.URL + "/api/v1/session")
	must(t, err)
	var s struct {
		CSRF string `json:"csrf_token"`
	}
	must(t, json.NewDecoder(resp.Body).Decode(&s))
	resp.Body.Close()
	u, _ := url.Parse(w.in.URL)
	for _, c := range jar.Cookies(u) {
		if c.Name == "berth_session" {
			return credential{cookie: c.Value, csrf: s.CSRF}
		}
	}
	t.Fatalf("no session cookie for %s", username)
	return credential{}
}

// anonymousCSRF is the token an anonymous visitor's forms echo.
func (w *trustWorld) anonymousCSRF(t *testing.T) string {
	t.Helper()
	resp, err := http.Get(w.in.URL + "/signin")
	must(t, err)
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, resp.Body)
	for _, c := range resp.Cookies() {
		if c.Name == "berth_csrf" {
			return c.Value
		}
	}
	t.Fatal("no CSRF cookie from the sign-in page")
	return ""
}

// intact reports whether every fixture and credential still stands, so
// that a cell that deleted or signed out something is followed by a
// rebuild rather than by cells that test nothing.
func (w *trustWorld) intact(t *testing.T) bool {
	ctx := context.Background()
	b := w.in.srv.Backend
	for _, kind := range []string{"session", "admin", "password", "pat-read", "pat-write"} {
		if w.send(t, kind, false, "GET", "/api/v1/user").StatusCode != http.StatusOK {
			return false
		}
	}
	if w.send(t, "pat-limited", false, "GET", "/api/v1/repositories/"+w.names["ns"]+"/app").StatusCode != http.StatusOK {
		return false
	}
	if _, _, err := b.Accounts.AuthenticateToken(ctx, w.creds["push-token"].pass); err != nil {
		return false
	}
	if u, err := b.Accounts.User(ctx, w.bob.ID); err != nil || u.Disabled {
		return false
	}
	o, err := b.Accounts.Org(ctx, w.names["org"])
	if err != nil || o.Role(w.bob.ID) == "" || len(o.Teams) == 0 {
		return false
	}
	l, err := b.Licenses.License(ctx, w.names["license"])
	if err != nil || l.Status != licensing.StatusActive || secretHashOf(w.creds["license-key"].pass) != l.KeyHash {
		return false
	}
	_, err = b.Stores.Catalog.ProductBySlug(ctx, w.names["product"])
	return err == nil
}
