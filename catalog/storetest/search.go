package storetest

import (
	"context"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/berth/berth/catalog"
)

// putSearchProducts puts products whose names, publishers, categories and
// summaries a search may match. Only "backup" mentions postgres outside
// its name, in its summary.
func putSearchProducts(t *testing.T, s catalog.Store) {
	t.Helper()
	for _, p := range []catalog.Product{
		{Slug: "pg", Name: "PostgreSQL", Publisher: "pgdg", Categories: []string{"database"},
			Summary: "The relational database.", Description: "Runs SQL."},
		{Slug: "backup", Name: "Acme Backup", Publisher: "acme", Categories: []string{"storage"},
			Summary: "Backs up postgres and mysql databases."},
		{Slug: "adc", Name: "NetScaler ADC", Publisher: "citrix", Categories: []string{"networking"},
			Summary: "Application delivery controller."},
		{Slug: "nginx", Name: "nginx", Publisher: "f5", Categories: []string{"web"},
			Summary: "Web server and reverse proxy."},
		{Slug: "redis", Name: "Redis", Publisher: "redis", Categories: []string{"database", "cache"},
			Summary: "In-memory data store."},
	} {
		mustPut(t, s, p)
	}
}

// mustSearch searches s and fails the test on error or on hits out of
// score order.
func mustSearch(t *testing.T, s catalog.Store, text string, limit int) []catalog.SearchHit {
	t.Helper()
	hits, err := s.Search(context.Background(), text, limit)
	if err != nil {
		t.Fatalf("Search(%q): %v", text, err)
	}
	if len(hits) > limit {
		t.Errorf("Search(%q, %d) returned %d hits", text, limit, len(hits))
	}
	for i := 1; i < len(hits); i++ {
		if hits[i].Score > hits[i-1].Score {
			t.Errorf("Search(%q): hit %d (%s, %v) scores above hit %d (%s, %v)", text,
				i, hits[i].Product.Slug, hits[i].Score, i-1, hits[i-1].Product.Slug, hits[i-1].Score)
		}
	}
	return hits
}

// hitSlugs returns the slugs of hits, in order.
func hitSlugs(hits []catalog.SearchHit) []string {
	var out []string
	for _, h := range hits {
		out = append(out, h.Product.Slug)
	}
	return out
}

func testSearchFindsSlips(t *testing.T, s catalog.Store) {
	putSearchProducts(t, s)
	for _, tc := range []struct{ text, want string }{
		{"postgres", "pg"},
		{"postgers", "pg"}, // letters swapped
		{"postgre", "pg"},  // a letter missing
		{"postgrex", "pg"}, // a letter wrong
		{"netscalr", "adc"},
		{"NetScaler", "adc"},
		{"net scaler adc", "adc"},
		{"redis", "redis"},
		{"Reddis", "redis"},
		{"citrix", "adc"},     // publisher
		{"networking", "adc"}, // category
		{"delivery", "adc"},   // summary
		{"reverse proxy", "nginx"},
	} {
		t.Run(tc.text, func(t *testing.T) {
			hits := mustSearch(t, s, tc.text, 10)
			if len(hits) == 0 || hits[0].Product.Slug != tc.want {
				t.Errorf("Search(%q) = %q, want %s first", tc.text, hitSlugs(hits), tc.want)
			}
		})
	}
	t.Run("hits are complete products", func(t *testing.T) {
		for _, h := range mustSearch(t, s, "database", 10) {
			if diff := cmp.Diff(mustProduct(t, s, h.Product.Slug), h.Product, equate); diff != "" {
				t.Errorf("hit %s differs from ProductBySlug (-want +got):\n%s", h.Product.Slug, diff)
			}
		}
	})
}

func testSearchRanksNamesFirst(t *testing.T, s catalog.Store) {
	putSearchProducts(t, s)
	for _, text := range []string{"postgres", "postgers"} {
		t.Run(text, func(t *testing.T) {
			hits := mustSearch(t, s, text, 10)
			got := hitSlugs(hits)
			if len(got) < 2 || got[0] != "pg" || got[1] != "backup" {
				t.Fatalf("Search(%q) = %q, want pg (name) then backup (summary)", text, got)
			}
			if hits[0].Score <= hits[1].Score {
				t.Errorf("name match scores %v, summary match %v: want higher", hits[0].Score, hits[1].Score)
			}
		})
	}
	t.Run("limit keeps the best", func(t *testing.T) {
		if got := hitSlugs(mustSearch(t, s, "postgres", 1)); !cmp.Equal(got, []string{"pg"}) {
			t.Errorf("Search(postgres, 1) = %q, want [pg]", got)
		}
	})
	t.Run("exact name above a longer one", func(t *testing.T) {
		mustPut(t, s, catalog.Product{Slug: "redis-tools", Name: "Redis Tools", Summary: "Tools for redis."})
		got := hitSlugs(mustSearch(t, s, "redis", 10))
		if len(got) < 2 || got[0] != "redis" || got[1] != "redis-tools" {
			t.Errorf("Search(redis) = %q, want redis then redis-tools", got)
		}
	})
}

func testSearchShortWords(t *testing.T, s catalog.Store) {
	putSearchProducts(t, s)
	for _, tc := range []struct {
		text string
		want []string
	}{
		{"ng", []string{"nginx"}},
		{"N", []string{"adc", "nginx"}},
		{"re", []string{"redis"}},
		{"zz", nil},
	} {
		t.Run(tc.text, func(t *testing.T) {
			got := hitSlugs(mustSearch(t, s, tc.text, 10))
			if diff := cmp.Diff(tc.want, got, equate); diff != "" {
				t.Errorf("Search(%q) (-want +got):\n%s", tc.text, diff)
			}
		})
	}
}

func testSearchNothing(t *testing.T, s catalog.Store) {
	ctx := context.Background()
	if hits, err := s.Search(ctx, "postgres", 10); err != nil || len(hits) != 0 {
		t.Errorf("Search of an empty catalog = %v, %v; want none", hits, err)
	}
	putSearchProducts(t, s)
	for _, text := range []string{"", "   ", "\t\n", "!?*", "qqqxxxzzz"} {
		if hits, err := s.Search(ctx, text, 10); err != nil || len(hits) != 0 {
			t.Errorf("Search(%q) = %q, %v; want none", text, hitSlugs(hits), err)
		}
	}
	if hits, err := s.Search(ctx, "postgres", 0); err != nil || len(hits) != 0 {
		t.Errorf("Search with limit 0 = %q, %v; want none", hitSlugs(hits), err)
	}
}

func testSearchFollowsUpdates(t *testing.T, s catalog.Store) {
	putSearchProducts(t, s)
	pg := mustProduct(t, s, "pg")
	pg.Name, pg.Publisher, pg.Summary = "Yugabyte", "yugabyte", "Distributed SQL."
	mustPut(t, s, pg)
	if got := hitSlugs(mustSearch(t, s, "postgresql", 10)); len(got) == 0 || got[0] != "backup" {
		t.Errorf("Search(postgresql) after the rename = %q, want backup first", got)
	}
	for _, text := range []string{"yugabite", "distributed"} {
		if got := hitSlugs(mustSearch(t, s, text, 10)); !cmp.Equal(got, []string{"pg"}) {
			t.Errorf("Search(%s) = %q, want [pg]", text, got)
		}
	}
}
