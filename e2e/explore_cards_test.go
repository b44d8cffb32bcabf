package e2e

import (
	"regexp"
	"strings"
	"testing"
)

// exploreCard is one product card of the Explore page, by its link.
func exploreCard(t *testing.T, page, slug string) string {
	t.Helper()
	start := strings.Index(page, `<a href="/products/`+slug+`">`)
	if start < 0 {
		t.Fatalf("Explore shows no card for %s", slug)
	}
	end := strings.Index(page[start:], "</li>")
	return page[start : start+end]
}

// TestExploreCardPrices: an Explore card shows the lowest paid price of
// its product as the home page's cards do (Acme DB: Developer free,
// Standard $49.00 a month, Enterprise $299.00), a product without a paid
// tier shows none, and platforms are chips.
func TestExploreCardPrices(t *testing.T) {
	in := start(t, config(t, backend{name: "sqlite"}))
	page := explorePage(t, in, "/explore?limit=100")
	price := regexp.MustCompile(`<span class="price">([^<]*)</span>`)
	if m := price.FindStringSubmatch(exploreCard(t, page, "acme-db")); m == nil || m[1] != "from $49.00 a month" {
		t.Errorf("Acme DB's Explore card shows price %v; want \"from $49.00 a month\"", m)
	}
	if m := price.FindStringSubmatch(exploreCard(t, page, "acme-cache")); m != nil {
		t.Errorf("Acme Cache (free tiers only) shows price %q on its card", m[1])
	}
	if strings.Contains(page, `class="platform"`) {
		t.Error(`Explore cards still use class="platform" for platform chips`)
	}
}
