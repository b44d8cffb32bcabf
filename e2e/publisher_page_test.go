package e2e

import (
	"bytes"
	"context"
	"encoding/json"
	"mime/multipart"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/berth/berth/account"
)

// storeFront is a Berth with two approved publishers' organisations:
// ottoco (owner ottmar, publisher ottosoft with a published and a draft
// listing) and bobco (owner bob), and a user carol.
type storeFront struct{ in *instance }

func newStoreFront(t *testing.T) storeFront {
	t.Helper()
	cfg := config(t, backend{name: "sqlite"})
	cfg.Demo = false
	in := start(t, cfg)
	ctx := context.Background()
	accounts := in.srv.Backend.Accounts
	var otto account.User
	for _, name := range []string{"ottmar", "bob", "carol", "ada"} {
		u, err := accounts.Register(ctx, account.SignUp{Username: name, Email: name + "@example.com", Password: name + "-password", Admin: name == "ada"})
		must(t, err)
		if name == "ottmar" {
			otto = u
		}
		if name == "bob" {
			_, err = accounts.CreateOrg(ctx, u, "bobco", "")
			must(t, err)
		}
	}
	_, err := accounts.CreateOrg(ctx, otto, "ottoco", "Otto Co")
	must(t, err)
	if status := in.call("POST", "/api/v1/publishers", "ottmar", "ottmar-password", map[string]any{
		"slug": "ottosoft", "name": "Otto Software", "organization": "ottoco", "namespaces": []string{"otto"}}, nil); status != http.StatusCreated {
		t.Fatalf("applying: %d", status)
	}
	if status := in.call("POST", "/api/v1/admin/publishers/ottosoft/review", "ada", "ada-password",
		map[string]any{"decision": "approve", "verified": true}, nil); status != http.StatusOK {
		t.Fatalf("approving: %d", status)
	}
	for _, l := range []struct{ slug, name, status string }{{"otto-db", "Otto DB", "published"}, {"otto-secret", "Otto Secret Draft", ""}} {
		listing := map[string]any{"slug": l.slug, "name": l.name, "kind": "image", "summary": "By Otto.",
			"repositories": []string{"otto/" + strings.TrimPrefix(l.slug, "otto-")}, "tiers": []map[string]any{{"id": "free", "name": "Free"}}}
		if status := in.call("POST", "/api/v1/publishers/ottosoft/products", "ottmar", "ottmar-password", listing, nil); status != http.StatusCreated {
			t.Fatalf("creating %s: %d", l.slug, status)
		}
		if l.status != "" {
			listing["status"] = l.status
			if status := in.call("PUT", "/api/v1/publishers/ottosoft/products/"+l.slug, "ottmar", "ottmar-password", listing, nil); status != http.StatusOK {
				t.Fatalf("publishing %s: %d", l.slug, status)
			}
		}
	}
	return storeFront{in: in}
}

// pageSession signs user in and returns the session cookie and the CSRF
// token its forms carry.
func pageSession(t *testing.T, in *instance, user string) (*http.Cookie, string) {
	t.Helper()
	c := signInAPI(t, in, user, user+"-password")
	_, body := send(t, "GET", in.URL+"/api/v1/session", "", nil, c)
	var s struct {
		CSRF string `json:"csrf_token"`
	}
	must(t, json.Unmarshal([]byte(body), &s))
	return c, s.CSRF
}

// postForm posts values as a signed-in page form would.
func postForm(t *testing.T, in *instance, path string, c *http.Cookie, csrf string, values url.Values) (*http.Response, string) {
	t.Helper()
	values.Set("_csrf", csrf)
	return send(t, "POST", in.URL+path, values.Encode(), map[string]string{"Content-Type": "application/x-www-form-urlencoded"}, c)
}

// TestPublicPublisherPage: anyone sees an approved publisher's page, with
// its products on sale and its monogram or logo, never its drafts; its
// members see the drafts and the portal there too; the JSON profile says
// the same; an application under review has no public page.
func TestPublicPublisherPage(t *testing.T) {
	w := newStoreFront(t)
	resp, page := send(t, "GET", w.in.URL+"/publishers/ottosoft", "", nil)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("anonymous GET /publishers/ottosoft: %d, want 200 (%s)", resp.StatusCode, resp.Header.Get("Location"))
	}
	for _, want := range []string{"Otto Software", "Verified Publisher", `href="/products/otto-db"`, "logo-fallback"} {
		if !strings.Contains(page, want) {
			t.Errorf("the public page lacks %q", want)
		}
	}
	for _, hidden := range []string{"Otto Secret Draft", "Signing keys", "Push tokens"} {
		if strings.Contains(page, hidden) {
			t.Errorf("the public page shows %q to an anonymous visitor", hidden)
		}
	}
	c, _ := pageSession(t, w.in, "ottmar")
	if _, page := send(t, "GET", w.in.URL+"/publishers/ottosoft", "", nil, c); !strings.Contains(page, "Otto Secret Draft") || !strings.Contains(page, "Signing keys") {
		t.Errorf("the publisher's owner does not see the draft and the portal on its page")
	}
	var profile struct {
		Name     string
		Verified bool
		Roles    map[string]string
		Products []struct{ Slug, Status string }
	}
	if status := w.in.call("GET", "/api/v1/publishers/ottosoft", "", "", nil, &profile); status != http.StatusOK ||
		!profile.Verified || len(profile.Products) != 1 || profile.Products[0].Slug != "otto-db" || len(profile.Roles) != 0 {
		t.Errorf("anonymous GET /api/v1/publishers/ottosoft: %d %+v; want the published otto-db only, no roles", status, profile)
	}
	if status := w.in.call("GET", "/api/v1/publishers/ottosoft", "ottmar", "ottmar-password", nil, &profile); status != http.StatusOK || len(profile.Products) != 2 {
		t.Errorf("the owner's GET /api/v1/publishers/ottosoft: %d %+v; want both listings", status, profile)
	}
	// bob's application is pending: no public page yet, but bob sees his.
	if status := w.in.call("POST", "/api/v1/publishers", "bob", "bob-password", map[string]any{
		"slug": "bobsoft", "name": "Bob Soft", "organization": "bobco", "namespaces": []string{"bobsoft"}}, nil); status != http.StatusCreated {
		t.Fatalf("bob applying: %d", status)
	}
	if resp, _ := send(t, "GET", w.in.URL+"/publishers/bobsoft", "", nil); resp.StatusCode != http.StatusNotFound {
		t.Errorf("anonymous GET of a pending publisher: %d, want 404", resp.StatusCode)
	}
	bc, _ := pageSession(t, w.in, "bob")
	if resp, _ := send(t, "GET", w.in.URL+"/publishers/bobsoft", "", nil, bc); resp.StatusCode != http.StatusOK {
		t.Errorf("bob's GET of his pending publisher: %d, want 200", resp.StatusCode)
	}
}

// TestPublisherLogo: a publisher's owner uploads a logo through the API
// and the portal form; it is served at its own URL as the checked type,
// cached for good under its tag; a non-image is refused with 422 and the
// old logo stays; strangers cannot upload.
func TestPublisherLogo(t *testing.T) {
	w := newStoreFront(t)
	png := testImage(t, "png", 8, 8)
	req, _ := http.NewRequest("PUT", w.in.URL+"/api/v1/publishers/ottosoft/logo", strings.NewReader(string(png)))
	req.SetBasicAuth("ottmar", "ottmar-password")
	req.Header.Set("Content-Type", "image/png")
	resp, err := http.DefaultClient.Do(req)
	must(t, err)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("uploading a PNG logo: %d", resp.StatusCode)
	}
	_, page := send(t, "GET", w.in.URL+"/publishers/ottosoft", "", nil)
	src := regexp.MustCompile(`<img class="logo" src="(/logos/publishers/ottosoft\?v=[0-9a-f]{16})"`).FindStringSubmatch(page)
	if src == nil {
		t.Fatalf("the public page shows no uploaded logo")
	}
	resp, body := send(t, "GET", w.in.URL+strings.ReplaceAll(src[1], "&amp;", "&"), "", nil)
	if resp.StatusCode != http.StatusOK || resp.Header.Get("Content-Type") != "image/png" || body != string(png) ||
		!strings.Contains(resp.Header.Get("Cache-Control"), "immutable") || resp.Header.Get("X-Content-Type-Options") != "nosniff" {
		t.Errorf("GET %s: %d %q %q, %d bytes", src[1], resp.StatusCode, resp.Header.Get("Content-Type"), resp.Header.Get("Cache-Control"), len(body))
	}
	// A form upload of text posing as an image is refused beside the field.
	c, csrf := pageSession(t, w.in, "ottmar")
	resp, page = multipartLogo(t, w.in, "/publishers/ottosoft/logo", c, csrf, []byte("<svg onload=alert(1)>"))
	if resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(page, "not PNG, JPEG or WebP") || !strings.Contains(page, `aria-describedby="error-logo"`) {
		t.Errorf("uploading SVG text by the form: %d; want 422 naming the accepted types beside the field", resp.StatusCode)
	}
	if resp, body := send(t, "GET", w.in.URL+"/logos/publishers/ottosoft", "", nil); resp.StatusCode != http.StatusOK || body != string(png) {
		t.Errorf("the refused upload replaced the logo: %d, %d bytes", resp.StatusCode, len(body))
	}
	if status := w.in.call("PUT", "/api/v1/publishers/ottosoft/logo", "carol", "carol-password", nil, nil); status != http.StatusNotFound && status != http.StatusForbidden {
		t.Errorf("a stranger uploading a logo: %d, want 404 or 403", status)
	}
}

// multipartLogo posts file as the "logo" field of a page form.
func multipartLogo(t *testing.T, in *instance, path string, c *http.Cookie, csrf string, file []byte) (*http.Response, string) {
	t.Helper()
	var b bytes.Buffer
	mw := multipart.NewWriter(&b)
	must(t, mw.WriteField("_csrf", csrf))
	fw, err := mw.CreateFormFile("logo", "logo.png")
	must(t, err)
	_, _ = fw.Write(file)
	must(t, mw.Close())
	return send(t, "POST", in.URL+path, b.String(), map[string]string{"Content-Type": mw.FormDataContentType()}, c)
}
