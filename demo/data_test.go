package demo_test

import (
	"slices"
	"strings"
	"testing"

	"github.com/berth/berth/catalog"
	"github.com/berth/berth/demo"
)

func TestDemoDataIsConsistent(t *testing.T) {
	namespaces := map[string][]string{}
	for _, p := range demo.Publishers() {
		namespaces[p.Slug] = p.Namespaces
	}
	if len(namespaces) < 3 {
		t.Errorf("%d demo publishers, want at least 3", len(namespaces))
	}
	products := demo.Products()
	if len(products) < 8 {
		t.Errorf("%d demo products, want at least 8", len(products))
	}
	owner := map[string]string{}
	var official, certified, plugin, freeAndPaid, paidOnly bool
	for _, p := range products {
		official = official || p.Badge == catalog.BadgeOfficial
		certified = certified || p.Badge == catalog.BadgeCertified
		plugin = plugin || p.Kind == catalog.KindPlugin
		free, paid := tierPrices(p)
		freeAndPaid = freeAndPaid || free && paid
		paidOnly = paidOnly || !free && paid
		if len(p.Repositories) < 1 || len(p.Repositories) > 3 || len(p.Tiers) == 0 {
			t.Errorf("%s: %d repositories and %d tiers, want 1 to 3 and some", p.Slug, len(p.Repositories), len(p.Tiers))
		}
		if strings.Count(p.Description, "\n\n") < 2 || p.Summary == "" || len(p.Categories) == 0 {
			t.Errorf("%s: want a summary, categories and a description of a few paragraphs", p.Slug)
		}
		for _, r := range p.Repositories {
			ns, _, ok := strings.Cut(r, "/")
			if !ok || !slices.Contains(namespaces[p.Publisher], ns) {
				t.Errorf("%s: repository %s is not in a namespace of publisher %q", p.Slug, r, p.Publisher)
			}
			if o, taken := owner[r]; taken {
				t.Errorf("repository %s belongs to %s and %s", r, o, p.Slug)
			}
			owner[r] = p.Slug
		}
		checkTiers(t, p)
	}
	if !official || !certified || !plugin || !freeAndPaid || !paidOnly {
		t.Errorf("want official %v, certified %v, plugin %v, free beside paid %v, paid only %v all true",
			official, certified, plugin, freeAndPaid, paidOnly)
	}
	if got := demo.Repositories(); len(got) != len(owner) {
		t.Errorf("Repositories lists %d, products ship %d", len(got), len(owner))
	}
}

// tierPrices reports whether p has a free tier and a paid one.
func tierPrices(p catalog.Product) (free, paid bool) {
	for _, tr := range p.Tiers {
		free = free || tr.Free()
		paid = paid || !tr.Free()
	}
	return free, paid
}

// checkTiers checks p's tiers have unique IDs and prices, pull only the
// product's repositories, and together cover all of them.
func checkTiers(t *testing.T, p catalog.Product) {
	t.Helper()
	covered := map[string]bool{}
	var ids []string
	for _, tr := range p.Tiers {
		if slices.Contains(ids, tr.ID) || tr.Name == "" || tr.Description == "" || tr.Currency != "usd" || tr.Price < 0 {
			t.Errorf("%s: tier %+v is duplicated or incomplete", p.Slug, tr)
		}
		ids = append(ids, tr.ID)
		if len(tr.Repositories) == 0 {
			t.Errorf("%s: tier %s pulls nothing", p.Slug, tr.ID)
		}
		for _, r := range tr.Repositories {
			covered[r] = true
			if !slices.Contains(p.Repositories, r) {
				t.Errorf("%s: tier %s pulls %s, which the product does not ship", p.Slug, tr.ID, r)
			}
		}
	}
	if len(covered) != len(p.Repositories) {
		t.Errorf("%s: tiers pull %d of %d repositories", p.Slug, len(covered), len(p.Repositories))
	}
}

// checkStored checks the stores hold every demo publisher and product as the
// demo defines them, with IDs and creation times the store kept.
func checkStored(t *testing.T, d demo.Deps) {
	t.Helper()
	for _, want := range demo.Publishers() {
		got, err := d.Publishers.PublisherBySlug(t.Context(), want.Slug)
		if err != nil {
			t.Fatalf("publisher %s: %v", want.Slug, err)
		}
		if got.ID == "" || got.Name != want.Name || got.Verified != want.Verified || !slices.Equal(got.Namespaces, want.Namespaces) {
			t.Errorf("stored publisher %+v, want %+v with an ID", got, want)
		}
	}
	for _, want := range demo.Products() {
		got, err := d.Catalog.ProductBySlug(t.Context(), want.Slug)
		if err != nil {
			t.Fatalf("product %s: %v", want.Slug, err)
		}
		if got.ID == "" || got.CreatedAt.IsZero() {
			t.Errorf("stored product %s has ID %q, created %v", want.Slug, got.ID, got.CreatedAt)
		}
		if !productsEqual(got, want) {
			t.Errorf("stored product differs:\n got %+v\nwant %+v", got, want)
		}
	}
}

// productsEqual compares the listing fields, nil and empty lists alike.
func productsEqual(a, b catalog.Product) bool {
	tierEqual := func(x, y catalog.Tier) bool {
		return x.ID == y.ID && x.Name == y.Name && x.Description == y.Description && x.Price == y.Price &&
			x.Currency == y.Currency && slices.Equal(x.Repositories, y.Repositories) && x.Seats == y.Seats &&
			x.Versions == y.Versions && x.TagPattern == y.TagPattern && x.Perpetual == y.Perpetual &&
			x.PullQuota == y.PullQuota && x.QuotaPeriod == y.QuotaPeriod
	}
	return a.Slug == b.Slug && a.Name == b.Name && a.Publisher == b.Publisher && a.Kind == b.Kind &&
		a.Badge == b.Badge && a.Summary == b.Summary && a.Description == b.Description &&
		slices.Equal(a.Categories, b.Categories) && slices.Equal(a.Repositories, b.Repositories) &&
		slices.EqualFunc(a.Tiers, b.Tiers, tierEqual)
}
