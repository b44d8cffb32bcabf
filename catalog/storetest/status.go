package storetest

import (
	"context"
	"slices"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/berth/berth/catalog"
)

// putHiddenProducts puts, beside putExploreProducts' five, a draft x and
// an unpublished y of the publisher "hidden" that would otherwise lead
// every list: most stars, every tab's badge or kind, the category
// "database" and one of their own.
func putHiddenProducts(t *testing.T, s catalog.Store) {
	t.Helper()
	putExploreProducts(t, s)
	free := catalog.Tier{ID: "express", Currency: "usd"}
	for _, p := range []catalog.Product{
		{Slug: "x", Name: "Xylophone", Publisher: "hidden", Kind: catalog.KindImage, Badge: catalog.BadgeOfficial,
			Categories: []string{"database", "secret"}, Tiers: []catalog.Tier{free}, Repositories: []string{"hidden/x"},
			Stars: 100, Pulls: 100, Status: catalog.StatusDraft},
		{Slug: "y", Name: "Yodeller", Publisher: "hidden", Kind: catalog.KindPlugin, Badge: catalog.BadgeCertified,
			Categories: []string{"secret"}, Tiers: []catalog.Tier{free}, Repositories: []string{"hidden/y"},
			Stars: 100, Pulls: 90, Status: catalog.StatusUnpublished},
	} {
		mustPut(t, s, p)
		if err := s.SetPlatforms(context.Background(), p.Slug, []string{"linux/amd64"}); err != nil {
			t.Fatalf("SetPlatforms(%s): %v", p.Slug, err)
		}
	}
}

// listed returns the slugs of every list a buyer sees, each named: Explore
// in every tab and sort and with the hidden products' filters, Search for
// their names, and ListProducts.
func listed(t *testing.T, s catalog.Store) map[string][]string {
	t.Helper()
	ctx := context.Background()
	out := map[string][]string{}
	var queries []catalog.ExploreQuery
	for _, tab := range []string{"", "official", "certified", "plugins"} {
		for _, sort := range []string{catalog.SortPopular, catalog.SortNewest, catalog.SortUpdated, catalog.SortName} {
			queries = append(queries, catalog.ExploreQuery{Tab: tab, Sort: sort})
		}
	}
	queries = append(queries, catalog.ExploreQuery{Publisher: "hidden"}, catalog.ExploreQuery{Category: "secret"},
		catalog.ExploreQuery{Price: "free", OS: "linux", Arch: "amd64"}, catalog.ExploreQuery{Limit: 1})
	for _, q := range queries {
		page, err := s.Explore(ctx, q)
		if err != nil {
			t.Fatalf("Explore(%+v): %v", q, err)
		}
		out[fmtQuery(q)] = slugs(page.Products)
	}
	for _, text := range []string{"xylophone", "xylophnoe", "yodeller", "xy", "hidden", "secret"} {
		hits, err := s.Search(ctx, text, 10)
		if err != nil {
			t.Fatalf("Search(%s): %v", text, err)
		}
		for _, h := range hits {
			out["Search "+text] = append(out["Search "+text], h.Product.Slug)
		}
	}
	list, err := s.ListProducts(ctx, catalog.ListQuery{})
	if err != nil {
		t.Fatalf("ListProducts: %v", err)
	}
	out["ListProducts"] = slugs(list)
	return out
}

func fmtQuery(q catalog.ExploreQuery) string {
	return "Explore " + q.Tab + "/" + q.Sort + "/" + q.Publisher + "/" + q.Category + "/" + q.Price + "/" + q.OS
}

// checkListed fails t unless every list holds want and none holds gone.
func checkListed(t *testing.T, s catalog.Store, want, gone string) {
	t.Helper()
	lists := listed(t, s)
	for name, got := range lists {
		if slices.Contains(got, gone) {
			t.Errorf("%s = %q, holds %s", name, got, gone)
		}
	}
	for _, name := range []string{"Explore /popular////", "Explore official/name////", "ListProducts"} {
		if !slices.Contains(lists[name], want) {
			t.Errorf("%s = %q, lacks %s", name, lists[name], want)
		}
	}
}

func testHiddenListings(t *testing.T, s catalog.Store) {
	ctx := context.Background()
	putHiddenProducts(t, s)
	for name, got := range listed(t, s) {
		if slices.Contains(got, "x") || slices.Contains(got, "y") {
			t.Errorf("%s = %q, holds a hidden product", name, got)
		}
	}
	checkCounts(t, s, []catalog.CategoryCount{{Name: "database", Products: 2}, {Name: "monitoring", Products: 1},
		{Name: "storage", Products: 2}}, []string{"acme", "omega", "zeta"})
	if got := mustProduct(t, s, "x").Status; got != catalog.StatusDraft {
		t.Errorf("ProductBySlug(x).Status = %q, want draft", got)
	}
	if got, err := s.ProductByRepository(ctx, "hidden/y"); err != nil || got != "y" {
		t.Errorf("ProductByRepository(hidden/y) = %q, %v; want y", got, err)
	}

	t.Run("publishing shows it", func(t *testing.T) {
		x := mustProduct(t, s, "x")
		x.Status = catalog.StatusPublished
		mustPut(t, s, x)
		checkListed(t, s, "x", "y")
		if got := listed(t, s)["Search xylophnoe"]; len(got) == 0 || got[0] != "x" {
			t.Errorf("Search(xylophnoe) = %q, want x first", got)
		}
		checkCounts(t, s, []catalog.CategoryCount{{Name: "database", Products: 3}, {Name: "monitoring", Products: 1},
			{Name: "secret", Products: 1}, {Name: "storage", Products: 2}}, []string{"acme", "hidden", "omega", "zeta"})
	})
	t.Run("unpublishing hides it", func(t *testing.T) {
		c := mustProduct(t, s, "c")
		c.Status = catalog.StatusUnpublished
		mustPut(t, s, c)
		checkListed(t, s, "x", "c")
		checkCounts(t, s, []catalog.CategoryCount{{Name: "database", Products: 2}, {Name: "monitoring", Products: 1},
			{Name: "secret", Products: 1}, {Name: "storage", Products: 1}}, []string{"acme", "hidden", "omega", "zeta"})
	})
}

// checkCounts fails t unless Categories and PublisherSlugs return these.
func checkCounts(t *testing.T, s catalog.Store, categories []catalog.CategoryCount, publishers []string) {
	t.Helper()
	ctx := context.Background()
	cats, err := s.Categories(ctx, "")
	if err != nil {
		t.Fatalf("Categories: %v", err)
	}
	if diff := cmp.Diff(categories, cats); diff != "" {
		t.Errorf("Categories (-want +got):\n%s", diff)
	}
	pubs, err := s.PublisherSlugs(ctx)
	if err != nil {
		t.Fatalf("PublisherSlugs: %v", err)
	}
	if diff := cmp.Diff(publishers, pubs); diff != "" {
		t.Errorf("PublisherSlugs (-want +got):\n%s", diff)
	}
}

func testProductsByPublisher(t *testing.T, s catalog.Store) {
	ctx := context.Background()
	for _, p := range []catalog.Product{
		{Slug: "bravo", Name: "Bravo", Publisher: "acme", Status: catalog.StatusDraft, Stars: 9},
		{Slug: "z-alpha", Name: "alpha", Publisher: "acme", Categories: []string{"database"}},
		{Slug: "charlie", Name: "Charlie", Publisher: "acme", Status: catalog.StatusUnpublished},
		{Slug: "a-alpha", Name: "Alpha", Publisher: "acme", Status: catalog.StatusPublished},
		{Slug: "other", Name: "Aardvark", Publisher: "zeta"},
	} {
		mustPut(t, s, p)
	}
	got, err := s.ProductsByPublisher(ctx, "acme")
	if err != nil {
		t.Fatalf("ProductsByPublisher: %v", err)
	}
	if diff := cmp.Diff([]string{"a-alpha", "z-alpha", "bravo", "charlie"}, slugs(got)); diff != "" {
		t.Errorf("ProductsByPublisher(acme) (-want +got):\n%s", diff)
	}
	for _, p := range got {
		if diff := cmp.Diff(mustProduct(t, s, p.Slug), p, equate); diff != "" {
			t.Errorf("listed %s differs from ProductBySlug (-want +got):\n%s", p.Slug, diff)
		}
	}
	if got, err := s.ProductsByPublisher(ctx, "nobody"); err != nil || len(got) != 0 {
		t.Errorf("ProductsByPublisher(nobody) = %v, %v; want none", got, err)
	}
}
