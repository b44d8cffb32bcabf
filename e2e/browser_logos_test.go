package e2e

import (
	"net/http"
	"testing"
)

// TestBrowserLogos: in Chromium, an uploaded logo loads (its natural width
// is the image's) on the product page and on its Explore card, a listing
// without one shows its monogram, and both pages pass axe-core's WCAG 2.1
// AA rules for their logos.
func TestBrowserLogos(t *testing.T) {
	w := logoWorld(t)
	ctx := browser(t)
	axe := axeScript(t)

	open(t, ctx, w.in.URL+"/products/otto-db")
	if n := evaluate[int](t, ctx, `document.querySelectorAll('article.product svg.logo-fallback[role="img"][aria-label]').length`); n != 1 {
		t.Errorf("the product page without a logo shows %d monograms; want 1", n)
	}
	screenshot(t, ctx, "logo-fallback.png")

	if status, body := putLogo(t, w, "ottmar", "ottmar-password", "image/png", testImage(t, "png", 40, 40)); status != http.StatusOK {
		t.Fatalf("uploading a PNG: %d %s", status, body)
	}
	for _, page := range []struct{ path, img string }{
		{"/products/otto-db", `article.product h1 img.logo`},
		{"/explore", `#explore-results .card img.logo`},
	} {
		open(t, ctx, w.in.URL+page.path)
		if got := evaluate[int](t, ctx, `(() => { const i = document.querySelector('`+page.img+`'); return i && i.complete ? i.naturalWidth : -1 })()`); got != 40 {
			t.Errorf("%s: the logo's natural width is %d; want 40 (the uploaded image, loaded)", page.path, got)
		}
		screenshot(t, ctx, "logo"+map[string]string{"/products/otto-db": "-product", "/explore": "-explore"}[page.path]+".png")
		for _, v := range axeViolations(t, ctx, axe) {
			t.Errorf("%s: %s", page.path, v)
		}
	}
}
