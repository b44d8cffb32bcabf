package e2e

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/google/go-containerregistry/pkg/authn"
	"github.com/google/go-containerregistry/pkg/v1/random"
	"github.com/google/go-containerregistry/pkg/v1/remote"

	"github.com/berth/berth/account"
	"github.com/berth/berth/signing"
)

// TestPushTokenIsNotAnAccount: a publisher's push token, used as HTTP
// Basic on the API, acted as its owner: it registered a signing key,
// added an organisation owner, minted push tokens, added a webhook, edited
// a listing and read earnings. Now it reaches nothing on the API, and in
// the registry only its staging namespace.
func TestPushTokenIsNotAnAccount(t *testing.T) {
	cfg := config(t, backend{name: "sqlite"})
	cfg.Demo = false
	in := start(t, cfg)
	w := newTrustWorld(t, in, 0)
	ctx := context.Background()
	push := w.creds["push-token"]
	pub, org := w.names["publisher"], w.names["org"]
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	must(t, err)
	pem, err := signing.MarshalPublicKey(&key.PublicKey)
	must(t, err)
	attempts := []struct {
		method, path string
		body         any
	}{
		{"POST", "/api/v1/publishers/" + pub + "/keys", map[string]any{"name": "rogue", "public_key": string(pem)}},
		{"POST", "/api/v1/orgs/" + org + "/members", map[string]any{"username": w.bob.Username, "role": "owner"}},
		{"POST", "/api/v1/publishers/" + pub + "/push-tokens", map[string]any{"name": "more"}},
		{"POST", "/api/v1/publishers/" + pub + "/webhooks", map[string]any{"url": "https://hooks.example.com/x", "events": []string{"purchase"}}},
		{"PUT", "/api/v1/publishers/" + pub + "/products/" + w.names["product"], map[string]any{"name": "Hijacked"}},
		{"GET", "/api/v1/publishers/" + pub + "/earnings", nil},
		{"GET", "/api/v1/user", nil},
	}
	for _, a := range attempts {
		if status := in.call(a.method, a.path, push.user, push.pass, a.body, nil); status != http.StatusUnauthorized {
			t.Errorf("push token: %s %s answered %d, want 401", a.method, a.path, status)
		}
	}
	b := in.srv.Backend
	p, err := b.Stores.Publishers.PublisherBySlug(ctx, pub)
	must(t, err)
	keys, err := b.Stores.Publishers.Keys(ctx, p.ID)
	must(t, err)
	if len(keys) != 0 {
		t.Errorf("the push token registered %d signing keys", len(keys))
	}
	o, err := b.Accounts.Org(ctx, org)
	must(t, err)
	if o.Role(w.bob.ID) != "member" {
		t.Errorf("the push token changed bob's role to %q", o.Role(w.bob.ID))
	}
	prod, err := b.Stores.Catalog.ProductBySlug(ctx, w.names["product"])
	must(t, err)
	if prod.Name != "Alice App" {
		t.Errorf("the push token renamed the listing to %q", prod.Name)
	}

	// In the registry: push and pull on staging/<ns> only.
	auth := remote.WithAuth(&authn.Basic{Username: push.user, Password: push.pass})
	img, err := random.Image(512, 1)
	must(t, err)
	ns := w.names["image-ns"]
	if err := remote.Write(ref(t, in.Registry, "staging/"+ns+"/app", "v1"), img, auth); err != nil {
		t.Fatalf("pushing to staging with the push token: %v", err)
	}
	for _, repo := range []string{ns + "/app", w.alice.Username + "/app"} {
		if err := remote.Write(ref(t, in.Registry, repo, "v1"), img, auth); err == nil {
			t.Errorf("the push token pushed to %s", repo)
		}
	}
	if _, err := remote.Image(ref(t, in.Registry, w.alice.Username+"/app", "v1"), auth); err == nil {
		t.Errorf("the push token pulled alice's private repository")
	}
}

// TestLimitedTokenKeepsItsLimits: a personal access token limited to one
// repository could make a new license key (revoking the old one), check
// out, create an organisation, add an organisation owner, mint push tokens
// and add webhooks. Each is now refused with 403, and nothing changed.
func TestLimitedTokenKeepsItsLimits(t *testing.T) {
	cfg := config(t, backend{name: "sqlite"})
	cfg.Demo = false
	in := start(t, cfg)
	w := newTrustWorld(t, in, 0)
	pat := w.creds["pat-limited"]
	pub, org := w.names["publisher"], w.names["org"]
	attempts := []struct {
		method, path string
		body         any
	}{
		{"POST", "/api/v1/licenses/" + w.names["license"] + "/key", map[string]any{}},
		{"POST", "/api/v1/products/" + w.names["product"] + "/checkout", map[string]any{"tier": "express", "accept_terms": true}},
		{"POST", "/api/v1/orgs", map[string]any{"name": "limitedco", "display_name": "Limited"}},
		{"POST", "/api/v1/orgs/" + org + "/members", map[string]any{"username": w.bob.Username, "role": "owner"}},
		{"POST", "/api/v1/publishers/" + pub + "/push-tokens", map[string]any{"name": "more"}},
		{"POST", "/api/v1/publishers/" + pub + "/webhooks", map[string]any{"url": "https://hooks.example.com/x", "events": []string{"purchase"}}},
	}
	for _, a := range attempts {
		var e apiErr
		if status := in.call(a.method, a.path, pat.user, pat.pass, a.body, &e); status != http.StatusForbidden || !strings.Contains(e.Error.Message, "limited to") {
			t.Errorf("limited token: %s %s answered %d %q, want 403 naming its limits", a.method, a.path, status, e.Error.Message)
		}
	}
	if !w.intact(t) {
		t.Error("a refused request changed alice's world (the license key, organisation or tokens)")
	}
	if _, err := in.srv.Backend.Accounts.Org(context.Background(), "limitedco"); err == nil {
		t.Error("the limited token created an organisation")
	}
	// What it is limited to still works.
	if status := in.call("PATCH", "/api/v1/repositories/"+w.alice.Username+"/app", pat.user, pat.pass, map[string]any{"summary": "ok"}, nil); status != http.StatusOK {
		t.Errorf("the limited token changing its own repository: %d, want 200", status)
	}
}

// TestCSRFWithAuthorizationHeader: the CSRF check was skipped whenever an
// Authorization header came with the request, though the session cookie
// decided who the caller was. Pages take the session only, so they always
// check; on the API the header alone decides.
func TestCSRFWithAuthorizationHeader(t *testing.T) {
	cfg := config(t, backend{name: "sqlite"})
	cfg.Demo = false
	in := start(t, cfg)
	w := newTrustWorld(t, in, 0)
	sess := w.creds["session"]
	client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	post := func(path, contentType, body, basic string) int {
		req, _ := http.NewRequest("POST", in.URL+path, strings.NewReader(body))
		req.Header.Set("Content-Type", contentType)
		req.AddCookie(&http.Cookie{Name: "berth_session", Value: sess.cookie})
		if basic != "" {
			req.SetBasicAuth("x", basic)
		}
		resp, err := client.Do(req)
		must(t, err)
		resp.Body.Close()
		return resp.StatusCode
	}
	// A cross-site form with the session cookie and any Authorization
	// header: refused, and no organisation made.
	if s := post("/orgs", "application/x-www-form-urlencoded", "name=csrfco&display_name=x", "garbage"); s != http.StatusForbidden {
		t.Errorf("page form with a session cookie, an Authorization header and no CSRF token: %d, want 403", s)
	}
	if _, err := in.srv.Backend.Accounts.Org(context.Background(), "csrfco"); err == nil {
		t.Error("the forged form created an organisation")
	}
	// On the API the header decides: a bad one is 401, never the cookie's user.
	if s := post("/api/v1/orgs", "application/json", `{"name":"csrfco2","display_name":"x"}`, "wrong-password"); s != http.StatusUnauthorized {
		t.Errorf("API with a session cookie and a wrong Basic password: %d, want 401", s)
	}
	// A browser's cross-site mark refuses any change.
	req, _ := http.NewRequest("POST", in.URL+"/api/v1/orgs", strings.NewReader(`{"name":"csrfco3","display_name":"x"}`))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Sec-Fetch-Site", "cross-site")
	req.SetBasicAuth(w.alice.Username, "alice-password")
	resp, err := client.Do(req)
	must(t, err)
	resp.Body.Close()
	if resp.StatusCode != http.StatusForbidden {
		t.Errorf("a request marked Sec-Fetch-Site: cross-site: %d, want 403", resp.StatusCode)
	}
}

// TestSignInRedirectStaysOnBerth: ?next=/%09/evil.com answered
// Location: /\t/evil.com, which browsers follow to //evil.com; the form
// field did the same. Only same-origin paths are kept.
func TestSignInRedirectStaysOnBerth(t *testing.T) {
	cfg := config(t, backend{name: "sqlite"})
	cfg.Demo = false
	in := start(t, cfg)
	w := newTrustWorld(t, in, 0)
	// The transport, not a client: a client would refuse to read the bad
	// Location this test looks for.
	client := http.DefaultTransport
	for _, next := range []string{"/\t/evil.com", "//evil.com", "/\\evil.com", "https://evil.com", "/\n/evil.com", " /evil", "/%09/evil.com"} {
		// Signed in, the sign-in page sends the visitor on at once.
		req, _ := http.NewRequest("GET", in.URL+"/signin?next="+url.QueryEscape(next), nil)
		req.AddCookie(&http.Cookie{Name: "berth_session", Value: w.creds["session"].cookie})
		resp, err := client.RoundTrip(req)
		must(t, err)
		resp.Body.Close()
		if loc := resp.Header.Get("Location"); loc != "/" && !(next == "/%09/evil.com" && loc == next) {
			t.Errorf("next=%q sent a signed-in visitor to %q, want /", next, loc)
		}
		// The form field.
		form := url.Values{"username": {w.alice.Username}, "password": {"alice-password"}, "next": {next}, "_csrf": {w.anonCS}}
		req, _ = http.NewRequest("POST", in.URL+"/signin", strings.NewReader(form.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.AddCookie(&http.Cookie{Name: "berth_csrf", Value: w.anonCS})
		resp, err = client.RoundTrip(req)
		must(t, err)
		resp.Body.Close()
		if loc := resp.Header.Get("Location"); resp.StatusCode != http.StatusSeeOther || (loc != "/" && !(next == "/%09/evil.com" && loc == next)) {
			t.Errorf("signing in with next=%q: %d to %q, want 303 to /", next, resp.StatusCode, loc)
		}
	}
}

// TestFlashComesFromTheServer: ?done=<text> showed any text as a green
// success banner. Only messages the server set show.
func TestFlashComesFromTheServer(t *testing.T) {
	cfg := config(t, backend{name: "sqlite"})
	cfg.Demo = false
	in := start(t, cfg)
	w := newTrustWorld(t, in, 0)
	page := func(path string, cookies ...*http.Cookie) (*http.Response, string) {
		req, _ := http.NewRequest("GET", in.URL+path, nil)
		for _, c := range cookies {
			req.AddCookie(c)
		}
		resp, err := http.DefaultClient.Do(req)
		must(t, err)
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp, string(b)
	}
	if _, body := page("/?done=Your+account+is+suspended+call+555"); strings.Contains(body, "suspended") {
		t.Error("the home page shows text from ?done= as a message")
	}
	forged := &http.Cookie{Name: "berth_flash", Value: "WW91IHdvbg.bm90LWEtbWFj"} // "You won", unsigned
	if _, body := page("/", forged); strings.Contains(body, "You won") {
		t.Error("a forged flash cookie was shown")
	}
	// A real one shows once: star a product through its form.
	sess := &http.Cookie{Name: "berth_session", Value: w.creds["session"].cookie}
	client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	form := url.Values{"_csrf": {w.creds["session"].csrf}}
	req, _ := http.NewRequest("POST", in.URL+"/licenses/"+w.names["license"]+"/terms", strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.AddCookie(sess)
	resp, err := client.Do(req)
	must(t, err)
	resp.Body.Close()
	var flash *http.Cookie
	for _, c := range resp.Cookies() {
		if c.Name == "berth_flash" {
			flash = c
		}
	}
	if resp.StatusCode != http.StatusSeeOther || flash == nil || strings.Contains(resp.Header.Get("Location"), "done=") {
		t.Fatalf("accepting terms: %d to %q with flash cookie %v; want 303, a flash cookie and no ?done=", resp.StatusCode, resp.Header.Get("Location"), flash)
	}
	resp, body := page(resp.Header.Get("Location"), sess, flash)
	if !strings.Contains(body, "Terms accepted") {
		t.Error("the server's own flash message is not shown")
	}
	cleared := false
	for _, c := range resp.Cookies() {
		cleared = cleared || (c.Name == "berth_flash" && c.Value == "")
	}
	if !cleared {
		t.Error("the flash cookie is not cleared after it showed")
	}
}

// TestRepositoryNamespaceDefault: a repository created without a
// namespace goes to the account the caller acts for; the permission is
// decided on that namespace, not refused as "no namespace".
func TestRepositoryNamespaceDefault(t *testing.T) {
	cfg := config(t, backend{name: "sqlite"})
	cfg.Demo = false
	in := start(t, cfg)
	w := newTrustWorld(t, in, 0)
	var r struct {
		FullName string `json:"full_name"`
	}
	if s := in.call("POST", "/api/v1/repositories", w.alice.Username, "alice-password", map[string]any{"name": "tools"}, &r); s != http.StatusCreated || r.FullName != w.alice.Username+"/tools" {
		t.Errorf("creating without a namespace: %d %q, want 201 %s/tools", s, r.FullName, w.alice.Username)
	}
	pat := w.creds["pat-limited"]
	if s := in.call("POST", "/api/v1/repositories", pat.user, pat.pass, map[string]any{"name": "more"}, nil); s != http.StatusForbidden {
		t.Errorf("a token limited to %s/app creating %s/more: %d, want 403", w.alice.Username, w.alice.Username, s)
	}
}

// TestImagesFollowTheirListing: what a repository holds is seen as its
// listing is (a draft's tags only by its publisher's members) or, for a
// user's repository, as the repository is (a private one only by those
// with a permission on it); to everyone else it does not exist.
func TestImagesFollowTheirListing(t *testing.T) {
	cfg := config(t, backend{name: "sqlite"})
	cfg.Demo = false
	in := start(t, cfg)
	w := newTrustWorld(t, in, 0)
	ctx := context.Background()
	prod, err := in.srv.Backend.Stores.Catalog.ProductBySlug(ctx, w.names["product"])
	must(t, err)
	prod.Status = "draft"
	_, err = in.srv.Backend.Stores.Catalog.PutProduct(ctx, prod)
	must(t, err)
	_, err = in.srv.Backend.Accounts.Register(ctx, account.SignUp{Username: "stranger", Email: "s@example.com", Password: "stranger-password"})
	must(t, err)
	draft := "/api/v1/images/" + w.names["image-ns"] + "/app/tags"
	private := "/api/v1/images/" + w.alice.Username + "/app/tags"
	for _, path := range []string{draft, private} {
		if s := in.call("GET", path, "", "", nil, nil); s != http.StatusNotFound {
			t.Errorf("anonymous GET %s: %d, want 404", path, s)
		}
		if s := in.call("GET", path, "stranger", "stranger-password", nil, nil); s != http.StatusNotFound {
			t.Errorf("a stranger's GET %s: %d, want 404", path, s)
		}
		if s := in.call("GET", path, w.alice.Username, "alice-password", nil, nil); s != http.StatusOK {
			t.Errorf("alice's GET %s: %d, want 200", path, s)
		}
	}
}
