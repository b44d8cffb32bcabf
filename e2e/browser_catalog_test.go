package e2e

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// TestBrowserCatalog walks the catalog in a browser over the demo: Explore
// with a tab and a filter (each its own URL), search as you type, a
// product page with its tags, a tag page with its layers, and a diff.
func TestBrowserCatalog(t *testing.T) {
	in := start(t, config(t, backend{name: "sqlite"}))
	// The demo's tags reach the catalog from the registry's notifications.
	var tags struct{ Tags []struct{ Name string } }
	deadline := time.Now().Add(30 * time.Second)
	for in.call("GET", "/api/v1/images/acme/db/tags", "", "", nil, &tags) != http.StatusOK || len(tags.Tags) < 2 {
		if time.Now().After(deadline) {
			t.Fatalf("acme/db's tags never reached the catalog: %+v", tags)
		}
		time.Sleep(200 * time.Millisecond)
	}
	ctx := browser(t)

	open(t, ctx, in.URL+"/explore")
	screenshot(t, ctx, "explore.png")
	if got := navigation(t, ctx, chromedp.Click(chromedp.CSS(`nav.tabs a[href*="tab=certified"]`))); got.Query().Get("tab") != "certified" {
		t.Fatalf("the Certified tab went to %s", got)
	}
	badges := evaluate[[]string](t, ctx, `[...document.querySelectorAll('#explore-results .badge')].map(b => b.textContent.trim())`)
	if len(badges) == 0 {
		t.Fatal("the Certified tab lists nothing")
	}
	for _, b := range badges {
		if b != "Certified" {
			t.Errorf("the Certified tab shows a %q product", b)
		}
	}
	got := navigation(t, ctx, chromedp.Click(chromedp.CSS(`.filters a[href*="category=Networking"]`)))
	if got.Query().Get("category") != "Networking" || got.Query().Get("tab") != "certified" {
		t.Fatalf("the Networking filter went to %s; want both filters in the URL", got)
	}
	screenshot(t, ctx, "explore-filtered.png")

	// Search as you type: results appear under the box without submitting.
	open(t, ctx, in.URL+"/")
	if err := chromedp.Do(ctx, chromedp.SendKeys(chromedp.CSS("#search-q"), "netscalr")); err != nil {
		t.Fatal(err)
	}
	deadline = time.Now().Add(10 * time.Second)
	for !strings.Contains(text(t, ctx, "#search-results"), "NetScaler") {
		if time.Now().After(deadline) {
			t.Fatalf("typing showed %q; want NetScaler in the live results", text(t, ctx, "#search-results"))
		}
		time.Sleep(100 * time.Millisecond)
	}
	if loc := location(t, ctx); loc.Path != "/" {
		t.Errorf("typing navigated to %s", loc)
	}
	screenshot(t, ctx, "search-as-you-type.png")

	open(t, ctx, in.URL+"/products/acme-db")
	if rows := evaluate[int](t, ctx, `document.querySelectorAll('#tags tbody tr').length`); rows < 2 {
		t.Fatalf("the product page lists %d tags; want acme/db's", rows)
	}
	screenshot(t, ctx, "product.png")
	if got := navigation(t, ctx, chromedp.Click(chromedp.CSS(`#tags a[href^="/images/acme/db/tags/24.1.0"]`))); got.Path != "/images/acme/db/tags/24.1.0" {
		t.Fatalf("the tag link went to %s", got)
	}
	layers := evaluate[[]string](t, ctx, `[...document.querySelectorAll('.platform table.layers tbody tr')].map(r => r.textContent)`)
	if len(layers) < 2 || !strings.Contains(strings.Join(layers, "\n"), "RUN") || text(t, ctx, ".platform .size") == "" {
		t.Errorf("tag page layers = %q; want layers with their build steps and a size", layers)
	}
	screenshot(t, ctx, "tag.png")

	open(t, ctx, in.URL+"/images/acme/db/diff?from=23.2.4&to=24.1.0")
	if summary := text(t, ctx, ".diff-summary"); !strings.Contains(summary, "added") || !strings.Contains(summary, "shared") {
		t.Errorf("diff page says %q; want added, removed and shared layers", summary)
	}
	screenshot(t, ctx, "diff.png")
}
