package e2e

import (
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
)

// TestBrowserFreeCheckout is the design's first flow in a browser: a buyer
// signs in, opens a product, accepts the terms of its free tier and gets a
// license key shown once; the key then pulls with a real registry client;
// the licenses page lists the license without the key.
func TestBrowserFreeCheckout(t *testing.T) {
	in := start(t, config(t, backend{name: "sqlite"}))
	ctx := browser(t)
	register(t, in, "bianca")
	product, free, _ := pickFreeTier(t, in)
	signIn(t, ctx, in, "bianca", "bianca-password", "/products/"+product.Slug)

	form := `form[action="/products/` + product.Slug + `/checkout"]`
	button := form + ` button[type=submit]`
	if err := chromedp.Do(ctx, chromedp.Click(chromedp.CSS(form+` input[name="accept"]`))); err != nil {
		t.Fatal(err)
	}
	if got := submit(t, ctx, button); !strings.HasPrefix(got.Path, "/licenses/") || !strings.HasSuffix(got.Path, "/issued") {
		t.Fatalf("taking the free tier landed on %s; want /licenses/<id>/issued (post-redirect-get)", got)
	}
	key := strings.TrimSpace(text(t, ctx, "#license-key"))
	if !strings.HasPrefix(key, "berth_lk_") {
		t.Fatalf("the license page shows %q; want the key", key)
	}
	if pull := text(t, ctx, "#login-commands"); !strings.Contains(pull, "docker login "+in.Registry) || !strings.Contains(pull, "--password-stdin") {
		t.Errorf("pull instructions = %q", pull)
	}
	screenshot(t, ctx, "license-issued.png")
	pullWith(t, in.Registry, free.Repositories[0], key)

	open(t, ctx, in.URL+"/licenses")
	page := text(t, ctx, ".licenses")
	if !strings.Contains(page, product.Name) || !strings.Contains(page, "…"+key[len(key)-4:]) || strings.Contains(page, key) {
		t.Errorf("licenses page = %q; want the license (by its product's name) with its hint and never the key", page)
	}
	screenshot(t, ctx, "licenses.png")
}
