package storetest

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/berth/berth/catalog"
	"github.com/berth/berth/internal/storetesting"
)

// putExploreProducts puts five products that every sort orders
// differently, with platforms set as tags would set them:
//
//	slug name     badge      kind    publisher categories          tiers      stars pulls created updated platforms
//	a    Alpha    official   image   acme      database            free       5     10    +1h     +5h     linux/amd64, linux/arm64/v8
//	b    bravo    certified  plugin  acme      monitoring          paid       5     20    +2h     +4h     windows/amd64
//	c    Charlie  -          image   zeta      database, storage   free, paid 9     0     +3h     +3h     linux/amd64
//	d    delta    official   plugin  zeta      -                   -          0     0     +5h     +1h     -
//	e    Echo     -          image   omega     storage (twice)     paid       0     50    +5h     +2h     linux/arm/v7
func putExploreProducts(t *testing.T, s catalog.Store) {
	t.Helper()
	at := func(hours int) time.Time { return storetesting.T0.Add(time.Duration(hours) * time.Hour) }
	free := catalog.Tier{ID: "express", Currency: "usd"}
	paid := catalog.Tier{ID: "pro", Price: 1500, Currency: "usd"}
	for _, p := range []struct {
		catalog.Product
		platforms []string
	}{
		{catalog.Product{Slug: "a", Name: "Alpha", Badge: catalog.BadgeOfficial, Kind: catalog.KindImage,
			Publisher: "acme", Categories: []string{"database"}, Tiers: []catalog.Tier{free},
			Stars: 5, Pulls: 10, CreatedAt: at(1), UpdatedAt: at(5)}, []string{"linux/amd64", "linux/arm64/v8"}},
		{catalog.Product{Slug: "b", Name: "bravo", Badge: catalog.BadgeCertified, Kind: catalog.KindPlugin,
			Publisher: "acme", Categories: []string{"monitoring"}, Tiers: []catalog.Tier{paid},
			Stars: 5, Pulls: 20, CreatedAt: at(2), UpdatedAt: at(4)}, []string{"windows/amd64"}},
		{catalog.Product{Slug: "c", Name: "Charlie", Kind: catalog.KindImage,
			Publisher: "zeta", Categories: []string{"database", "storage"}, Tiers: []catalog.Tier{free, paid},
			Stars: 9, CreatedAt: at(3), UpdatedAt: at(3)}, []string{"linux/amd64"}},
		{catalog.Product{Slug: "d", Name: "delta", Badge: catalog.BadgeOfficial, Kind: catalog.KindPlugin,
			Publisher: "zeta", CreatedAt: at(5), UpdatedAt: at(1)}, nil},
		{catalog.Product{Slug: "e", Name: "Echo", Kind: catalog.KindImage,
			Publisher: "omega", Categories: []string{"storage", "storage"}, Tiers: []catalog.Tier{paid},
			Pulls: 50, CreatedAt: at(5), UpdatedAt: at(2)}, []string{"linux/arm/v7"}},
	} {
		mustPut(t, s, p.Product)
		if err := s.SetPlatforms(context.Background(), p.Slug, p.platforms); err != nil {
			t.Fatalf("SetPlatforms(%s): %v", p.Slug, err)
		}
	}
}

// exploreCase is one Explore query and the slugs it must return.
type exploreCase struct {
	name     string
	q        catalog.ExploreQuery
	want     []string
	wantMore bool
}

// runExplore runs each case on s.
func runExplore(t *testing.T, s catalog.Store, cases []exploreCase) {
	t.Helper()
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			page, err := s.Explore(context.Background(), tc.q)
			if err != nil {
				t.Fatalf("Explore: %v", err)
			}
			if diff := cmp.Diff(tc.want, slugs(page.Products)); diff != "" {
				t.Errorf("slugs mismatch (-want +got):\n%s", diff)
			}
			if page.More != tc.wantMore {
				t.Errorf("More = %v, want %v", page.More, tc.wantMore)
			}
		})
	}
}

func testExploreSorts(t *testing.T, s catalog.Store) {
	putExploreProducts(t, s)
	runExplore(t, s, []exploreCase{
		{"popular", catalog.ExploreQuery{Sort: catalog.SortPopular}, []string{"c", "b", "a", "e", "d"}, false},
		{"default is popular", catalog.ExploreQuery{}, []string{"c", "b", "a", "e", "d"}, false},
		{"unknown is popular", catalog.ExploreQuery{Sort: "stars"}, []string{"c", "b", "a", "e", "d"}, false},
		{"newest, ties by slug", catalog.ExploreQuery{Sort: catalog.SortNewest}, []string{"d", "e", "c", "b", "a"}, false},
		{"updated", catalog.ExploreQuery{Sort: catalog.SortUpdated}, []string{"a", "b", "c", "e", "d"}, false},
		{"name, case aside", catalog.ExploreQuery{Sort: catalog.SortName}, []string{"a", "b", "c", "d", "e"}, false},
		{"official", catalog.ExploreQuery{Tab: "official"}, []string{"a", "d"}, false},
		{"official newest", catalog.ExploreQuery{Tab: "official", Sort: catalog.SortNewest}, []string{"d", "a"}, false},
		{"certified lists images only", catalog.ExploreQuery{Tab: "certified", Sort: catalog.SortUpdated}, nil, false},
		{"plugins", catalog.ExploreQuery{Tab: "plugins"}, []string{"b", "d"}, false},
		{"plugins by name", catalog.ExploreQuery{Tab: "plugins", Sort: catalog.SortName}, []string{"b", "d"}, false},
		{"plugins updated", catalog.ExploreQuery{Tab: "plugins", Sort: catalog.SortUpdated}, []string{"b", "d"}, false},
	})
	t.Run("products are complete", func(t *testing.T) {
		page, err := s.Explore(context.Background(), catalog.ExploreQuery{})
		if err != nil {
			t.Fatalf("Explore: %v", err)
		}
		for _, p := range page.Products {
			if diff := cmp.Diff(mustProduct(t, s, p.Slug), p, equate); diff != "" {
				t.Errorf("explored %s differs from ProductBySlug (-want +got):\n%s", p.Slug, diff)
			}
		}
	})
}

func testExploreFilters(t *testing.T, s catalog.Store) {
	putExploreProducts(t, s)
	runExplore(t, s, []exploreCase{
		{"category", catalog.ExploreQuery{Category: "database"}, []string{"c", "a"}, false},
		{"category listed twice", catalog.ExploreQuery{Category: "storage", Sort: catalog.SortName}, []string{"c", "e"}, false},
		{"unknown category", catalog.ExploreQuery{Category: "games"}, nil, false},
		{"kind", catalog.ExploreQuery{Kind: catalog.KindImage}, []string{"c", "a", "e"}, false},
		{"publisher", catalog.ExploreQuery{Publisher: "zeta", Sort: catalog.SortNewest}, []string{"d", "c"}, false},
		{"free", catalog.ExploreQuery{Price: "free"}, []string{"c", "a"}, false},
		{"paid", catalog.ExploreQuery{Price: "paid"}, []string{"c", "b", "e"}, false},
		{"unknown price", catalog.ExploreQuery{Price: "cheap"}, []string{"c", "b", "a", "e", "d"}, false},
		{"os", catalog.ExploreQuery{OS: "linux"}, []string{"c", "a", "e"}, false},
		{"arch", catalog.ExploreQuery{Arch: "amd64"}, []string{"c", "b", "a"}, false},
		{"arch with a variant", catalog.ExploreQuery{Arch: "arm64"}, []string{"a"}, false},
		{"os and arch", catalog.ExploreQuery{OS: "linux", Arch: "amd64"}, []string{"c", "a"}, false},
		{"os and arch of one platform", catalog.ExploreQuery{OS: "windows", Arch: "arm64"}, nil, false},
		{"official tab", catalog.ExploreQuery{Tab: "official"}, []string{"a", "d"}, false},
		{"certified tab", catalog.ExploreQuery{Tab: "certified"}, nil, false}, // b is a plugin
		{"plugins tab", catalog.ExploreQuery{Tab: "plugins"}, []string{"b", "d"}, false},
		{"plugin kind", catalog.ExploreQuery{Kind: catalog.KindPlugin}, []string{"b", "d"}, false},
		{"official in a category", catalog.ExploreQuery{Tab: "official", Category: "database"}, []string{"a"}, false},
		{"paid plugins", catalog.ExploreQuery{Tab: "plugins", Price: "paid"}, []string{"b"}, false},
		{"official plugins", catalog.ExploreQuery{Tab: "official", Kind: catalog.KindPlugin}, []string{"d"}, false},
		{"plugins of kind image", catalog.ExploreQuery{Tab: "plugins", Kind: catalog.KindImage}, nil, false},
		{"every filter", catalog.ExploreQuery{Tab: "official", Sort: catalog.SortName, Category: "database",
			Kind: catalog.KindImage, Publisher: "acme", Price: "free", OS: "linux", Arch: "arm64"}, []string{"a"}, false},
	})
}

func testExplorePages(t *testing.T, s catalog.Store) {
	putExploreProducts(t, s)
	runExplore(t, s, []exploreCase{
		{"first page", catalog.ExploreQuery{Limit: 2}, []string{"c", "b"}, true},
		{"second page", catalog.ExploreQuery{Limit: 2, Offset: 2}, []string{"a", "e"}, true},
		{"last page", catalog.ExploreQuery{Limit: 2, Offset: 4}, []string{"d"}, false},
		{"exactly full", catalog.ExploreQuery{Limit: 5}, []string{"c", "b", "a", "e", "d"}, false},
		{"past the end", catalog.ExploreQuery{Limit: 2, Offset: 10}, nil, false},
		{"no limit", catalog.ExploreQuery{Offset: 3}, []string{"e", "d"}, false},
		{"filtered first page", catalog.ExploreQuery{Price: "paid", Limit: 2}, []string{"c", "b"}, true},
		{"filtered last page", catalog.ExploreQuery{Price: "paid", Limit: 2, Offset: 2}, []string{"e"}, false},
		{"sorted page", catalog.ExploreQuery{Sort: catalog.SortName, Limit: 1, Offset: 3}, []string{"d"}, true},
	})
}

func testSetPlatforms(t *testing.T, s catalog.Store) {
	ctx := context.Background()
	mustPut(t, s, catalog.Product{Slug: "a", Name: "A"})
	t.Run("unknown product", func(t *testing.T) {
		if err := s.SetPlatforms(ctx, "nope", []string{"linux/amd64"}); !errors.Is(err, catalog.ErrNotFound) {
			t.Errorf("SetPlatforms: err = %v, want ErrNotFound", err)
		}
	})
	t.Run("kept once each, sorted", func(t *testing.T) {
		if err := s.SetPlatforms(ctx, "a", []string{"linux/arm64/v8", "linux/amd64", "", "linux/amd64"}); err != nil {
			t.Fatalf("SetPlatforms: %v", err)
		}
		want := []string{"linux/amd64", "linux/arm64/v8"}
		if diff := cmp.Diff(want, mustProduct(t, s, "a").Platforms); diff != "" {
			t.Errorf("Platforms (-want +got):\n%s", diff)
		}
	})
	t.Run("put keeps them", func(t *testing.T) {
		put := mustPut(t, s, catalog.Product{Slug: "a", Name: "A2", Platforms: []string{"windows/amd64"}})
		want := []string{"linux/amd64", "linux/arm64/v8"}
		if diff := cmp.Diff(want, put.Platforms); diff != "" {
			t.Errorf("PutProduct Platforms (-want +got):\n%s", diff)
		}
		if diff := cmp.Diff(want, mustProduct(t, s, "a").Platforms); diff != "" {
			t.Errorf("stored Platforms (-want +got):\n%s", diff)
		}
	})
	t.Run("replaced", func(t *testing.T) {
		if err := s.SetPlatforms(ctx, "a", []string{"windows/amd64"}); err != nil {
			t.Fatalf("SetPlatforms: %v", err)
		}
		runExplore(t, s, []exploreCase{
			{"old os", catalog.ExploreQuery{OS: "linux"}, nil, false},
			{"new os", catalog.ExploreQuery{OS: "windows", Arch: "amd64"}, []string{"a"}, false},
		})
	})
	t.Run("cleared", func(t *testing.T) {
		if err := s.SetPlatforms(ctx, "a", nil); err != nil {
			t.Fatalf("SetPlatforms: %v", err)
		}
		if got := mustProduct(t, s, "a").Platforms; len(got) != 0 {
			t.Errorf("Platforms = %q, want none", got)
		}
		runExplore(t, s, []exploreCase{{"no os", catalog.ExploreQuery{OS: "windows"}, nil, false}})
	})
	t.Run("a new product's are stored alike", func(t *testing.T) {
		put := mustPut(t, s, catalog.Product{Slug: "b", Platforms: []string{"linux/s390x", "linux/amd64", "linux/s390x"}})
		want := []string{"linux/amd64", "linux/s390x"}
		if diff := cmp.Diff(want, put.Platforms); diff != "" {
			t.Errorf("PutProduct Platforms (-want +got):\n%s", diff)
		}
		if diff := cmp.Diff(want, mustProduct(t, s, "b").Platforms); diff != "" {
			t.Errorf("stored Platforms (-want +got):\n%s", diff)
		}
		runExplore(t, s, []exploreCase{{"its arch", catalog.ExploreQuery{Arch: "s390x"}, []string{"b"}, false}})
	})
}

func testCategories(t *testing.T, s catalog.Store) {
	ctx := context.Background()
	got, err := s.Categories(ctx, "")
	if err != nil || len(got) != 0 {
		t.Errorf("Categories of an empty catalog = %v, %v; want none", got, err)
	}
	putExploreProducts(t, s)
	want := []catalog.CategoryCount{{Name: "database", Products: 2}, {Name: "monitoring", Products: 1}, {Name: "storage", Products: 2}}
	if got, err = s.Categories(ctx, ""); err != nil {
		t.Fatalf("Categories: %v", err)
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("Categories (-want +got):\n%s", diff)
	}
	t.Run("follow puts", func(t *testing.T) {
		c := mustProduct(t, s, "c")
		c.Categories = []string{"analytics"}
		mustPut(t, s, c)
		want := []catalog.CategoryCount{{Name: "analytics", Products: 1}, {Name: "database", Products: 1},
			{Name: "monitoring", Products: 1}, {Name: "storage", Products: 1}}
		got, err := s.Categories(ctx, "")
		if err != nil {
			t.Fatalf("Categories: %v", err)
		}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("Categories (-want +got):\n%s", diff)
		}
		runExplore(t, s, []exploreCase{{"old category", catalog.ExploreQuery{Category: "storage"}, []string{"e"}, false}})
	})
}

// testExploreTabs checks that a tab selects the same products in Explore
// and in the category counts beside it: "Certified images" lists
// certified images, not certified plugins.
func testExploreTabs(t *testing.T, s catalog.Store) {
	ctx := context.Background()
	putExploreProducts(t, s)
	mustPut(t, s, catalog.Product{Slug: "f", Name: "Foxtrot", Badge: catalog.BadgeCertified, Kind: catalog.KindImage,
		Publisher: "acme", Categories: []string{"storage", "monitoring"}, CreatedAt: storetesting.T0, UpdatedAt: storetesting.T0})
	runExplore(t, s, []exploreCase{
		{"certified images", catalog.ExploreQuery{Tab: "certified"}, []string{"f"}, false},
		{"certified plugins are none", catalog.ExploreQuery{Tab: "certified", Kind: catalog.KindPlugin}, nil, false},
		{"plugins keep certified ones", catalog.ExploreQuery{Tab: "plugins"}, []string{"b", "d"}, false},
	})
	for _, tc := range []struct {
		tab  string
		want []catalog.CategoryCount
	}{
		{"", []catalog.CategoryCount{{Name: "database", Products: 2}, {Name: "monitoring", Products: 2}, {Name: "storage", Products: 3}}},
		{"official", []catalog.CategoryCount{{Name: "database", Products: 1}}},
		{"certified", []catalog.CategoryCount{{Name: "monitoring", Products: 1}, {Name: "storage", Products: 1}}},
		{"plugins", []catalog.CategoryCount{{Name: "monitoring", Products: 1}}},
		{"unknown", []catalog.CategoryCount{{Name: "database", Products: 2}, {Name: "monitoring", Products: 2}, {Name: "storage", Products: 3}}},
	} {
		t.Run("categories of tab "+tc.tab, func(t *testing.T) {
			got, err := s.Categories(ctx, tc.tab)
			if err != nil {
				t.Fatalf("Categories(%q): %v", tc.tab, err)
			}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("Categories(%q) (-want +got):\n%s", tc.tab, diff)
			}
		})
	}
	t.Run("counts follow a new badge", func(t *testing.T) {
		f := mustProduct(t, s, "f")
		f.Badge = catalog.BadgeOfficial
		mustPut(t, s, f)
		for tab, want := range map[string][]catalog.CategoryCount{
			"certified": nil,
			"official":  {{Name: "database", Products: 1}, {Name: "monitoring", Products: 1}, {Name: "storage", Products: 1}},
		} {
			got, err := s.Categories(ctx, tab)
			if err != nil {
				t.Fatalf("Categories(%q): %v", tab, err)
			}
			if diff := cmp.Diff(want, got, cmpopts.EquateEmpty()); diff != "" {
				t.Errorf("Categories(%q) (-want +got):\n%s", tab, diff)
			}
		}
	})
}

// testPlatformsInUse checks the platforms Explore's OS and architecture
// filters offer: those of published products, each once, and each
// finding what it names.
func testPlatformsInUse(t *testing.T, s catalog.Store) {
	ctx := context.Background()
	got, err := s.PlatformsInUse(ctx)
	if err != nil || len(got) != 0 {
		t.Errorf("PlatformsInUse of an empty catalog = %v, %v; want none", got, err)
	}
	putExploreProducts(t, s)
	mustPut(t, s, catalog.Product{Slug: "x", Name: "Draft", Status: catalog.StatusDraft, Platforms: []string{"linux/s390x", "linux/amd64"}})
	want := []string{"linux/amd64", "linux/arm/v7", "linux/arm64/v8", "windows/amd64"}
	if got, err = s.PlatformsInUse(ctx); err != nil {
		t.Fatalf("PlatformsInUse: %v", err)
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("PlatformsInUse (-want +got):\n%s", diff)
	}
	runExplore(t, s, []exploreCase{
		{"windows", catalog.ExploreQuery{OS: "windows"}, []string{"b"}, false},
		{"arm", catalog.ExploreQuery{Arch: "arm"}, []string{"e"}, false},
		{"arm64 is not arm", catalog.ExploreQuery{Arch: "arm64"}, []string{"a"}, false},
	})
	t.Run("follow publishing", func(t *testing.T) {
		b := mustProduct(t, s, "b")
		b.Status = catalog.StatusUnpublished
		mustPut(t, s, b)
		x := mustProduct(t, s, "x")
		x.Status = catalog.StatusPublished
		mustPut(t, s, x)
		want := []string{"linux/amd64", "linux/arm/v7", "linux/arm64/v8", "linux/s390x"}
		got, err := s.PlatformsInUse(ctx)
		if err != nil {
			t.Fatalf("PlatformsInUse: %v", err)
		}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("PlatformsInUse (-want +got):\n%s", diff)
		}
	})
}

func testPublisherSlugs(t *testing.T, s catalog.Store) {
	got, err := s.PublisherSlugs(context.Background())
	if err != nil || len(got) != 0 {
		t.Errorf("PublisherSlugs of an empty catalog = %v, %v; want none", got, err)
	}
	putExploreProducts(t, s)
	mustPut(t, s, catalog.Product{Slug: "nobody's"})
	got, err = s.PublisherSlugs(context.Background())
	if err != nil {
		t.Fatalf("PublisherSlugs: %v", err)
	}
	if diff := cmp.Diff([]string{"acme", "omega", "zeta"}, got); diff != "" {
		t.Errorf("PublisherSlugs (-want +got):\n%s", diff)
	}
}

func testProductByRepository(t *testing.T, s catalog.Store) {
	ctx := context.Background()
	mustPut(t, s, catalog.Product{Slug: "a", Repositories: []string{"acme/one", "acme/two"}})
	mustPut(t, s, catalog.Product{Slug: "b", Repositories: []string{"acme/three"}})
	for repo, want := range map[string]string{"acme/one": "a", "acme/two": "a", "acme/three": "b"} {
		if got, err := s.ProductByRepository(ctx, repo); err != nil || got != want {
			t.Errorf("ProductByRepository(%s) = %q, %v; want %q", repo, got, err, want)
		}
	}
	mustPut(t, s, catalog.Product{Slug: "a", Repositories: []string{"acme/one"}})
	for _, repo := range []string{"acme/two", "acme/four", ""} {
		if got, err := s.ProductByRepository(ctx, repo); !errors.Is(err, catalog.ErrNotFound) {
			t.Errorf("ProductByRepository(%q) = %q, %v; want ErrNotFound", repo, got, err)
		}
	}
}

// slugs returns the slugs of ps, in order.
func slugs(ps []catalog.Product) []string {
	var out []string
	for _, p := range ps {
		out = append(out, p.Slug)
	}
	return out
}
