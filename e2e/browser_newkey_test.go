package e2e

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
)

// TestBrowserNewKeyNeedsConfirmation: "Make a new license key" first asks;
// a form sent without the confirmation is refused (422) and the old key
// keeps working; confirmed, the new key shows once on its own page, the
// old one stops and the new one works.
func TestBrowserNewKeyNeedsConfirmation(t *testing.T) {
	in := start(t, config(t, backend{name: "sqlite"}))
	register(t, in, "nora")
	var out struct{ License licenseJSON }
	if got := in.call("POST", "/api/v1/products/acme-cache/checkout", "nora", "nora-password", map[string]any{"tier": "express", "accept_terms": true}, &out); got != http.StatusCreated {
		t.Fatalf("free checkout: %d", got)
	}
	old, id := out.License.Key, out.License.ID
	if got := tokenStatus(t, in, in.Registry, "acme/cache", "ci", old); got != http.StatusOK {
		t.Fatalf("the first key gets a token: %d", got)
	}

	c := signInAPI(t, in, "nora", "nora-password")
	_, body := whoami(t, in, c)
	form := url.Values{"_csrf": {between(body, `"csrf_token":"`, `"`)}}
	resp, page := send(t, "POST", in.URL+"/licenses/"+id+"/key", form.Encode(), map[string]string{"Content-Type": "application/x-www-form-urlencoded"}, c)
	if resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(page, "Tick the box") {
		t.Errorf("a new key without confirming: %d; want 422 asking to tick the box", resp.StatusCode)
	}
	if got := tokenStatus(t, in, in.Registry, "acme/cache", "ci", old); got != http.StatusOK {
		t.Errorf("after an unconfirmed request the old key gets %d; want 200 (still working)", got)
	}

	ctx := browser(t)
	signIn(t, ctx, in, "nora", "nora-password", "/licenses/"+id)
	if got := navigation(t, ctx, chromedp.Click(chromedp.CSS(`a[href="/licenses/`+id+`/key"]`))); got.Path != "/licenses/"+id+"/key" {
		t.Fatalf("Make a new license key went to %s; want the confirm page", got)
	}
	if got := tokenStatus(t, in, in.Registry, "acme/cache", "ci", old); got != http.StatusOK {
		t.Errorf("opening the confirm page stopped the old key: %d", got)
	}
	checkAxe(t, ctx, "new key confirm page")
	screenshot(t, ctx, "license-new-key-confirm.png")
	if err := chromedp.Do(ctx, chromedp.Click(chromedp.CSS(`input[name="confirm"]`))); err != nil {
		t.Fatal(err)
	}
	if got := submit(t, ctx, `.license-key-confirm button[type=submit]`); got.Path != "/licenses/"+id+"/issued" {
		t.Fatalf("confirming landed on %s", got)
	}
	fresh := text(t, ctx, "#license-key")
	if !strings.HasPrefix(fresh, "berth_lk_") || fresh == old {
		t.Fatalf("the new key page shows %q", fresh)
	}
	if got := tokenStatus(t, in, in.Registry, "acme/cache", "ci", old); got != http.StatusUnauthorized {
		t.Errorf("the old key after confirming: %d; want 401", got)
	}
	if got := tokenStatus(t, in, in.Registry, "acme/cache", "ci", fresh); got != http.StatusOK {
		t.Errorf("the new key: %d; want 200", got)
	}
}
