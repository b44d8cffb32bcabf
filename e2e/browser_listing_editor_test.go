package e2e

import (
	"net/http"
	"testing"

	"github.com/chromedp/chromedp"
)

// TestBrowserTierEditor: in Chromium, with editor.js, "Add tier" adds a
// row in place (no page load), "Remove tier" removes one and renumbers the
// rest, a bad price is marked invalid and tied to its message as the
// field is left, and saving stores the tiers as edited.
func TestBrowserTierEditor(t *testing.T) {
	w := newStoreFront(t)
	ctx := browser(t)
	path := "/publishers/ottosoft/products/otto-db/edit"
	signIn(t, ctx, w.in, "ottmar", "ottmar-password", path)
	count := func() int { return evaluate[int](t, ctx, `document.querySelectorAll('#tiers fieldset.tier').length`) }
	if n := count(); n != 1 {
		t.Fatalf("the editor shows %d tier rows, want 1", n)
	}
	evaluate[bool](t, ctx, `window.__sameDocument = true`)
	for i := 0; i < 2; i++ {
		if err := chromedp.Do(ctx, chromedp.Click(chromedp.CSS(`#add-tier`))); err != nil {
			t.Fatal(err)
		}
	}
	if n := count(); n != 3 || !evaluate[bool](t, ctx, `window.__sameDocument === true`) {
		t.Fatalf("after two clicks on Add tier: %d rows (same page: %v), want 3 in place", n, evaluate[bool](t, ctx, `window.__sameDocument === true`))
	}
	fill(t, ctx, `#listing-form`, "tiers.1.name", "Middle", "tiers.1.id", "middle", "tiers.2.name", "Pro", "tiers.2.id", "pro", "tiers.2.price", "abc")
	// Leaving the price field runs the inline check.
	evaluate[bool](t, ctx, `(() => { const f = document.querySelector('[name="tiers.2.price"]'); f.dispatchEvent(new Event('change', {bubbles: true})); return true })()`)
	if got := evaluate[string](t, ctx, `document.querySelector('[name="tiers.2.price"]').getAttribute('aria-describedby') ?? ''`); got != "error-tiers-2-price" ||
		text(t, ctx, "#error-tiers-2-price") == "" {
		t.Errorf("a bad price left is not marked: aria-describedby %q, message %q", got, text(t, ctx, "#error-tiers-2-price"))
	}
	evaluate[bool](t, ctx, `(() => { const f = document.querySelector('[name="tiers.2.price"]'); f.value = '19.99'; f.dispatchEvent(new Event('change', {bubbles: true})); return true })()`)
	if err := chromedp.Do(ctx, chromedp.Click(chromedp.CSS(`fieldset.tier[data-tier="1"] .remove-tier`))); err != nil {
		t.Fatal(err)
	}
	if n, second := count(), evaluate[string](t, ctx, `document.querySelector('[name="tiers.1.name"]').value`); n != 2 || second != "Pro" {
		t.Fatalf("after removing tier 2: %d rows, the second named %q; want 2 with Pro renumbered second", n, second)
	}
	if got := submit(t, ctx, `#save-listing`); got.Path != path {
		t.Fatalf("saving landed on %s (page says %q)", got, text(t, ctx, ".error"))
	}
	var listed struct {
		Products []struct {
			Slug  string
			Tiers []struct {
				ID    string
				Price int64
			}
		}
	}
	if status := w.in.call("GET", "/api/v1/publishers/ottosoft/products", "ottmar", "ottmar-password", nil, &listed); status != http.StatusOK {
		t.Fatal(status)
	}
	for _, p := range listed.Products {
		if p.Slug == "otto-db" && (len(p.Tiers) != 2 || p.Tiers[1].ID != "pro" || p.Tiers[1].Price != 1999) {
			t.Errorf("stored tiers %+v; want free and pro at 1999", p.Tiers)
		}
	}
}
