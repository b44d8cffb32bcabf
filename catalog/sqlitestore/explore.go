package sqlitestore

import (
	"context"
	"database/sql"
	"fmt"
	"slices"
	"strings"

	"github.com/berth/berth/catalog"
	"github.com/berth/berth/internal/sqldb"
	"github.com/berth/berth/internal/storecodec"
)

// exploreSchema is the migration step for Explore and Search: the logo,
// product columns derived on put (name_key, has_free, has_paid) and the
// rowid of the product's search entry; an index per sort, alone and behind
// each column a tab or the publisher filter fixes; the side tables the
// category and platform filters look up; and the FTS5 search table
// (contentless: products holds the text, the index only its trigrams) with
// its vocabulary, which tells Search how many products hold a trigram. All
// are filled in for the products already stored.
const exploreSchema = `ALTER TABLE products ADD COLUMN logo TEXT NOT NULL DEFAULT '';
	ALTER TABLE products ADD COLUMN name_key TEXT NOT NULL DEFAULT '';
	ALTER TABLE products ADD COLUMN has_free INTEGER NOT NULL DEFAULT 0;
	ALTER TABLE products ADD COLUMN has_paid INTEGER NOT NULL DEFAULT 0;
	ALTER TABLE products ADD COLUMN search_id INTEGER NOT NULL DEFAULT 0;
	UPDATE products SET name_key = lower(name), search_id = rowid,
		has_free = EXISTS (SELECT 1 FROM json_each(tiers) WHERE json_extract(value, '$.price') = 0),
		has_paid = EXISTS (SELECT 1 FROM json_each(tiers) WHERE json_extract(value, '$.price') <> 0);
	CREATE UNIQUE INDEX IF NOT EXISTS products_search_id ON products (search_id);
	CREATE INDEX IF NOT EXISTS products_newest ON products (created_at DESC, slug);
	CREATE INDEX IF NOT EXISTS products_updated ON products (updated_at DESC, slug);
	CREATE INDEX IF NOT EXISTS products_name ON products (name_key, slug);
	CREATE INDEX IF NOT EXISTS products_badge_rank ON products (badge, stars DESC, pulls DESC, slug);
	CREATE INDEX IF NOT EXISTS products_badge_newest ON products (badge, created_at DESC, slug);
	CREATE INDEX IF NOT EXISTS products_badge_updated ON products (badge, updated_at DESC, slug);
	CREATE INDEX IF NOT EXISTS products_badge_name ON products (badge, name_key, slug);
	CREATE INDEX IF NOT EXISTS products_kind_rank ON products (kind, stars DESC, pulls DESC, slug);
	CREATE INDEX IF NOT EXISTS products_kind_newest ON products (kind, created_at DESC, slug);
	CREATE INDEX IF NOT EXISTS products_kind_updated ON products (kind, updated_at DESC, slug);
	CREATE INDEX IF NOT EXISTS products_kind_name ON products (kind, name_key, slug);
	CREATE INDEX IF NOT EXISTS products_publisher_rank ON products (publisher, stars DESC, pulls DESC, slug);
	CREATE INDEX IF NOT EXISTS products_publisher_newest ON products (publisher, created_at DESC, slug);
	CREATE INDEX IF NOT EXISTS products_publisher_updated ON products (publisher, updated_at DESC, slug);
	CREATE INDEX IF NOT EXISTS products_publisher_name ON products (publisher, name_key, slug);
	CREATE TABLE IF NOT EXISTS product_categories (
		category   TEXT NOT NULL,
		product_id TEXT NOT NULL REFERENCES products (id) ON DELETE CASCADE,
		PRIMARY KEY (product_id, category)
	) STRICT, WITHOUT ROWID;
	CREATE INDEX IF NOT EXISTS product_categories_category ON product_categories (category, product_id);
	INSERT OR IGNORE INTO product_categories (category, product_id)
		SELECT c.value, p.id FROM products p, json_each(p.categories) c WHERE c.value <> '';
	CREATE TABLE IF NOT EXISTS product_platforms (
		product_id TEXT NOT NULL REFERENCES products (id) ON DELETE CASCADE,
		platform   TEXT NOT NULL,
		os         TEXT NOT NULL,
		arch       TEXT NOT NULL,
		PRIMARY KEY (product_id, platform)
	) STRICT, WITHOUT ROWID;
	CREATE VIRTUAL TABLE IF NOT EXISTS product_search USING fts5 (
		name, publisher, categories, summary, description,
		content = '', contentless_delete = 1, tokenize = 'trigram'
	);
	INSERT INTO product_search (product_search, rank) VALUES ('rank', 'bm25(10.0, 4.0, 2.0, 1.0, 0.5)');
	CREATE VIRTUAL TABLE IF NOT EXISTS product_search_terms USING fts5vocab (product_search, 'row');
	INSERT INTO product_search (rowid, name, publisher, categories, summary, description)
		SELECT search_id, name, publisher,
			coalesce((SELECT group_concat(value, ' ') FROM json_each(categories)), ''),
			summary, description
		FROM products`

// sortOrder returns the ORDER BY clause of an Explore sort; each has an
// index of its own, and one behind each tab's column.
func sortOrder(sort string) string {
	switch sort {
	case catalog.SortNewest:
		return "p.created_at DESC, p.slug"
	case catalog.SortUpdated:
		return "p.updated_at DESC, p.slug"
	case catalog.SortName:
		return "p.name_key, p.slug"
	default:
		return "p.stars DESC, p.pulls DESC, p.slug"
	}
}

// Explore returns one page of the published products q selects, in q.Sort order (an
// unknown or empty sort is popular; names sort case-insensitively), reading
// Limit+1 rows to tell whether another page follows. A zero Limit means no
// limit; an unknown tab or price does not filter. Category, OS, Arch and
// Interface match exactly.
func (s *Store) Explore(ctx context.Context, q catalog.ExploreQuery) (catalog.ExplorePage, error) {
	query, args := exploreQuery(q)
	out, err := sqldb.QueryAll(ctx, s.db, scanProduct, query, args...)
	if err != nil {
		return catalog.ExplorePage{}, fmt.Errorf("exploring products: %w", err)
	}
	page := catalog.ExplorePage{Products: out}
	if q.Limit > 0 && len(out) > q.Limit {
		page.Products, page.More = out[:q.Limit], true
	}
	return page, nil
}

// exploreQuery returns the statement and arguments of Explore(q). Each
// filter is a column of products or an EXISTS on a side table keyed by
// product, so that SQLite walks the index of the tab and sort and stops
// after the page.
func exploreQuery(q catalog.ExploreQuery) (string, []any) {
	var (
		where = []string{published}
		args  []any
	)
	add := func(cond string, arg ...any) {
		where, args = append(where, cond), append(args, arg...)
	}
	badge, kind := catalog.TabFilter(q.Tab)
	if badge != "" {
		add("p.badge = ?", badge)
	}
	if kind != "" {
		add("p.kind = ?", kind)
	}
	if q.Kind != "" {
		add("p.kind = ?", q.Kind)
	}
	if q.Publisher != "" {
		add("p.publisher = ?", q.Publisher)
	}
	switch q.Price {
	case "free":
		add("p.has_free = 1")
	case "paid":
		add("p.has_paid = 1")
	}
	if q.Category != "" {
		add(`EXISTS (SELECT 1 FROM product_categories c
			WHERE c.product_id = p.id AND c.category = ?)`, q.Category)
	}
	if q.OS != "" || q.Arch != "" {
		cond := `EXISTS (SELECT 1 FROM product_platforms pl WHERE pl.product_id = p.id`
		var platformArgs []any
		if q.OS != "" {
			cond, platformArgs = cond+" AND pl.os = ?", append(platformArgs, q.OS)
		}
		if q.Arch != "" {
			cond, platformArgs = cond+" AND pl.arch = ?", append(platformArgs, q.Arch)
		}
		add(cond+")", platformArgs...)
	}
	if q.Interface != "" {
		add("p.kind = ?", catalog.KindPlugin) // only plugins have interfaces
		return interfaceQuery(q, where, args)
	}
	query := selectProducts + " WHERE " + strings.Join(where, " AND ") +
		" ORDER BY " + sortOrder(q.Sort) + " LIMIT ? OFFSET ?"
	return query, append(args, pageLimit(q), max(q.Offset, 0))
}

// pageLimit is the LIMIT of Explore(q): one row past the page, to tell
// whether another follows; -1 (none) for a zero Limit.
func pageLimit(q catalog.ExploreQuery) int64 {
	if q.Limit > 0 {
		return int64(q.Limit) + 1
	}
	return -1
}

// interfaceQuery returns the statement and arguments of Explore(q) when q
// names a plugin interface, given the other conditions. An interface's
// products are few (plugins, a share of them), so it starts from them in
// product_plugin_interfaces, sorts their ids to pick the page, and reads
// only the page's products in full. Walking a sort index instead passes
// every product without the interface: 57 ms p99 at 10,000 plugins.
func interfaceQuery(q catalog.ExploreQuery, where []string, args []any) (string, []any) {
	page := `SELECT p.id FROM product_plugin_interfaces pf CROSS JOIN products p ON p.id = pf.product_id
		WHERE pf.capability = ? AND ` + strings.Join(where, " AND ") +
		` ORDER BY ` + sortOrder(q.Sort) + ` LIMIT ? OFFSET ?`
	query := `SELECT ` + productColumns + ` FROM (` + page + `) page
		CROSS JOIN products p ON p.id = page.id ORDER BY ` + sortOrder(q.Sort)
	return query, append(append([]any{q.Interface}, args...), pageLimit(q), max(q.Offset, 0))
}

// SetPlatforms makes platforms, each once and sorted, the product's
// platforms, or returns catalog.ErrNotFound for an unknown slug.
func (s *Store) SetPlatforms(ctx context.Context, slug string, platforms []string) error {
	platforms = normalPlatforms(platforms)
	err := sqldb.InTx(ctx, s.db, func(tx *sql.Tx) error {
		id, err := productID(ctx, tx, slug)
		if err != nil {
			return err
		}
		return replacePlatforms(ctx, tx, id, platforms)
	})
	if err != nil {
		return fmt.Errorf("setting platforms of %s: %w", slug, err)
	}
	return nil
}

// normalPlatforms returns platforms without empty or repeated ones, sorted:
// the form both stores keep.
func normalPlatforms(platforms []string) []string {
	out := storecodec.Distinct(slices.DeleteFunc(slices.Clone(platforms),
		func(p string) bool { return p == "" }))
	slices.Sort(out)
	return storecodec.NilIfEmpty(out)
}

// replacePlatforms makes platforms, "os/architecture[/variant]" each, the
// rows of product id in product_platforms.
func replacePlatforms(ctx context.Context, tx *sql.Tx, id string, platforms []string) error {
	if _, err := tx.ExecContext(ctx, `DELETE FROM product_platforms WHERE product_id = ?`, id); err != nil {
		return err
	}
	for _, p := range platforms {
		system, arch, _ := strings.Cut(p, "/")
		arch, _, _ = strings.Cut(arch, "/")
		_, err := tx.ExecContext(ctx, `INSERT INTO product_platforms (product_id, platform, os, arch)
			VALUES (?, ?, ?, ?)`, id, p, system, arch)
		if err != nil {
			return err
		}
	}
	return nil
}

// selectCategories counts the products of each category on the category
// index alone; product_categories holds published products only.
const selectCategories = `SELECT category, count(*) FROM product_categories
	GROUP BY category ORDER BY category`

// selectPublishers hops from one publisher to the next on the index of
// published products' publishers, each hop a search, rather than reading
// every product's entry.
const selectPublishers = `WITH RECURSIVE next (publisher) AS (
		SELECT min(p.publisher) FROM products p WHERE p.publisher > '' AND ` + published + `
		UNION ALL
		SELECT (SELECT min(p.publisher) FROM products p WHERE p.publisher > next.publisher AND ` + published + `)
		FROM next WHERE next.publisher IS NOT NULL)
	SELECT publisher FROM next WHERE publisher IS NOT NULL`

// categoriesQuery returns the statement and arguments of Categories(tab):
// on the category index for every product, or on the badge or kind index
// of product_categories for a tab's products.
func categoriesQuery(tab string) (string, []any) {
	badge, kind := catalog.TabFilter(tab)
	var (
		where []string
		args  []any
	)
	if badge != "" {
		where, args = append(where, "badge = ?"), append(args, badge)
	}
	if kind != "" {
		where, args = append(where, "kind = ?"), append(args, kind)
	}
	if len(where) == 0 {
		return selectCategories, nil
	}
	return `SELECT category, count(*) FROM product_categories
		WHERE ` + strings.Join(where, " AND ") + `
		GROUP BY category ORDER BY category`, args
}

// Categories returns every category with its count of the products tab
// shows, by name.
func (s *Store) Categories(ctx context.Context, tab string) ([]catalog.CategoryCount, error) {
	query, args := categoriesQuery(tab)
	out, err := sqldb.QueryAll(ctx, s.db, func(sc sqldb.Scanner) (catalog.CategoryCount, error) {
		var c catalog.CategoryCount
		err := sc.Scan(&c.Name, &c.Products)
		return c, err
	}, query, args...)
	if err != nil {
		return nil, fmt.Errorf("counting categories: %w", err)
	}
	return out, nil
}

// PublisherSlugs returns every non-empty publisher slug with published
// products, by slug.
func (s *Store) PublisherSlugs(ctx context.Context) ([]string, error) {
	out, err := sqldb.QueryAll(ctx, s.db, scanSlug, selectPublishers)
	if err != nil {
		return nil, fmt.Errorf("listing publishers: %w", err)
	}
	return out, nil
}

// facetSchema is the migration step for what Explore shows beside its
// results: an index of product_platforms by platform, which
// PlatformsInUse hops along; and each product_categories row's product
// badge and kind, indexed, so that Categories counts a tab's products on
// an index alone, as it counts all of them.
const facetSchema = `CREATE INDEX IF NOT EXISTS product_platforms_platform
		ON product_platforms (platform, product_id);
	ALTER TABLE product_categories ADD COLUMN badge TEXT NOT NULL DEFAULT '';
	ALTER TABLE product_categories ADD COLUMN kind TEXT NOT NULL DEFAULT '';
	UPDATE product_categories SET (badge, kind) =
		(SELECT p.badge, p.kind FROM products p WHERE p.id = product_categories.product_id);
	CREATE INDEX IF NOT EXISTS product_categories_badge ON product_categories (badge, kind, category);
	CREATE INDEX IF NOT EXISTS product_categories_kind ON product_categories (kind, category)`

// selectPlatforms hops from one platform to the next on the platform
// index, each hop a search, and keeps those with a published product.
const selectPlatforms = `WITH RECURSIVE next (platform) AS (
		SELECT min(platform) FROM product_platforms
		UNION ALL
		SELECT (SELECT min(pl.platform) FROM product_platforms pl WHERE pl.platform > next.platform)
		FROM next WHERE next.platform IS NOT NULL)
	SELECT platform FROM next WHERE platform IS NOT NULL AND EXISTS (
		SELECT 1 FROM product_platforms pl CROSS JOIN products p ON p.id = pl.product_id
		WHERE pl.platform = next.platform AND ` + published + `)`

// PlatformsInUse returns every platform of a published product, sorted.
func (s *Store) PlatformsInUse(ctx context.Context) ([]string, error) {
	out, err := sqldb.QueryAll(ctx, s.db, scanSlug, selectPlatforms)
	if err != nil {
		return nil, fmt.Errorf("listing platforms: %w", err)
	}
	return out, nil
}
