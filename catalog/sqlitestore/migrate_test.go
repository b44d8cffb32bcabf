package sqlitestore

import (
	"context"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/berth/berth/catalog"
	"github.com/berth/berth/internal/sqldb"
	"github.com/berth/berth/internal/sqldb/sqldbtest"
	"github.com/berth/berth/internal/storetesting"
)

// TestMigrateIndexesExistingProducts upgrades a database made by the steps
// before Explore and Search, with products in it, and checks that Explore's
// columns and side tables and the search index were filled in for them,
// that they are published, and that they can be put again beside new ones.
func TestMigrateIndexesExistingProducts(t *testing.T) {
	ctx := context.Background()
	db := sqldbtest.Open(t)
	if err := sqldb.Migrate(ctx, db, "catalog", schema[:3]); err != nil {
		t.Fatalf("applying the steps before: %v", err)
	}
	_, err := db.ExecContext(ctx, `INSERT INTO products (id, slug, name, publisher, kind, badge,
		summary, description, categories, tiers, stars, pulls, created_at, updated_at) VALUES
		('p1', 'pg', 'PostgreSQL', 'pgdg', 'image', 'official', 'SQL.', '', '["database","storage"]',
			'[{"id":"free","name":"","description":"","price":0,"currency":"usd","repositories":null}]', 3, 0, 1, 1),
		('p2', 'redis', 'Redis', 'redis', 'image', '', 'Cache.', '', '["database"]',
			'[{"id":"pro","name":"","description":"","price":900,"currency":"usd","repositories":null}]', 1, 0, 2, 2)`)
	if err != nil {
		t.Fatalf("inserting old products: %v", err)
	}
	s := storetesting.NewStore(t, db, New)

	explore := func(q catalog.ExploreQuery) []string {
		t.Helper()
		page, err := s.Explore(ctx, q)
		if err != nil {
			t.Fatalf("Explore: %v", err)
		}
		var slugs []string
		for _, p := range page.Products {
			slugs = append(slugs, p.Slug)
		}
		return slugs
	}
	for _, tc := range []struct {
		q    catalog.ExploreQuery
		want []string
	}{
		{catalog.ExploreQuery{Price: "free"}, []string{"pg"}},
		{catalog.ExploreQuery{Price: "paid"}, []string{"redis"}},
		{catalog.ExploreQuery{Category: "storage"}, []string{"pg"}},
		{catalog.ExploreQuery{Sort: catalog.SortName}, []string{"pg", "redis"}},
		{catalog.ExploreQuery{Tab: "official"}, []string{"pg"}},
	} {
		if diff := cmp.Diff(tc.want, explore(tc.q)); diff != "" {
			t.Errorf("Explore(%+v) (-want +got):\n%s", tc.q, diff)
		}
	}
	cats, err := s.Categories(ctx, "")
	if err != nil {
		t.Fatalf("Categories: %v", err)
	}
	if diff := cmp.Diff([]catalog.CategoryCount{{Name: "database", Products: 2}, {Name: "storage", Products: 1}}, cats); diff != "" {
		t.Errorf("Categories (-want +got):\n%s", diff)
	}
	// The step filling in product_categories' badges and kinds counted
	// the official tab's products.
	if cats, err = s.Categories(ctx, "official"); err != nil {
		t.Fatalf("Categories(official): %v", err)
	}
	if diff := cmp.Diff([]catalog.CategoryCount{{Name: "database", Products: 1}, {Name: "storage", Products: 1}}, cats); diff != "" {
		t.Errorf("Categories(official) (-want +got):\n%s", diff)
	}
	search := func(text string) string {
		t.Helper()
		hits, err := s.Search(ctx, text, 1)
		if err != nil || len(hits) == 0 {
			t.Fatalf("Search(%s) = %v, %v; want a hit", text, hits, err)
		}
		return hits[0].Product.Slug
	}
	if got := search("postgers"); got != "pg" {
		t.Errorf("Search(postgers) = %s, want pg", got)
	}

	pg, err := s.ProductBySlug(ctx, "pg")
	if err != nil {
		t.Fatalf("ProductBySlug: %v", err)
	}
	if pg.Status != catalog.StatusPublished {
		t.Errorf("migrated product's status = %q, want published", pg.Status)
	}
	pg.Name = "Postgres Pro"
	if _, err := s.PutProduct(ctx, pg); err != nil {
		t.Fatalf("PutProduct of a migrated product: %v", err)
	}
	if _, err := s.PutProduct(ctx, catalog.Product{Slug: "mysql", Name: "MySQL"}); err != nil {
		t.Fatalf("PutProduct of a new product: %v", err)
	}
	for text, want := range map[string]string{"postgres pro": "pg", "mysql": "mysql", "redis": "redis"} {
		if got := search(text); got != want {
			t.Errorf("Search(%s) = %s, want %s", text, got, want)
		}
	}
	if got, err := s.ProductBySlug(ctx, "pg"); err != nil || !cmp.Equal(pg, got, cmpopts.EquateEmpty()) {
		t.Errorf("migrated product after a put = %+v, %v; want %+v", got, err, pg)
	}
}
