package sqlitestore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"

	"github.com/berth/berth/catalog"
	"github.com/berth/berth/internal/secret"
	"github.com/berth/berth/internal/sqldb"
	"github.com/berth/berth/internal/storecodec"
)

// PutProduct inserts p, or replaces the product with p's slug while keeping
// its ID, CreatedAt, Stars, Pulls, Platforms and PluginInterfaces, in one
// transaction. An empty ID on insert is filled in; repeated repositories
// are stored once; a new product's Platforms and PluginInterfaces are
// stored as SetPlatforms and SetPluginInterfaces store them. The product's
// categories, platforms and search entry are rewritten with it; a hidden
// product's categories are left out of product_categories, which holds
// those Explore and Categories show. An empty Status is stored, and
// returned, as published.
func (s *Store) PutProduct(ctx context.Context, p catalog.Product) (catalog.Product, error) {
	p.Repositories = storecodec.Distinct(p.Repositories)
	p.Status = storedStatus(p.Status)
	err := sqldb.InTx(ctx, s.db, func(tx *sql.Tx) error {
		var (
			w   written
			err error
		)
		if p, w, err = upsertProduct(ctx, tx, p); err != nil {
			return err
		}
		if err := replaceRepositories(ctx, tx, p.ID, p.Repositories); err != nil {
			return err
		}
		var listed []string
		if p.Published() {
			listed = p.Categories
		}
		if err := replaceCategories(ctx, tx, p, listed); err != nil {
			return err
		}
		if w.inserted {
			p.Platforms = normalPlatforms(p.Platforms)
			if err := replacePlatforms(ctx, tx, p.ID, p.Platforms); err != nil {
				return err
			}
			p.PluginInterfaces = catalog.NormalCapabilities(p.PluginInterfaces)
			if err := replaceInterfaces(ctx, tx, p.ID, p.PluginInterfaces); err != nil {
				return err
			}
		}
		return reindex(ctx, tx, w.searchID, p)
	})
	if err != nil {
		return catalog.Product{}, fmt.Errorf("putting product %s: %w", p.Slug, err)
	}
	return p, nil
}

// written says how upsertProduct wrote a product: whether it inserted it,
// and the rowid of its product_search entry.
type written struct {
	inserted bool
	searchID int64
}

// upsertProduct writes p's products row and returns p with the kept fields
// of an existing product.
func upsertProduct(ctx context.Context, tx *sql.Tx, p catalog.Product) (catalog.Product, written, error) {
	var (
		created   int64
		platforms string
		ifaces    string
		w         written
	)
	err := tx.QueryRowContext(ctx, `SELECT p.id, p.created_at, p.stars, p.pulls, p.search_id,
		(SELECT json_group_array(pl.platform ORDER BY pl.platform)
			FROM product_platforms pl WHERE pl.product_id = p.id),
		(SELECT json_group_array(pi.capability ORDER BY pi.capability)
			FROM product_plugin_interfaces pi WHERE pi.product_id = p.id)
		FROM products p WHERE p.slug = ?`,
		p.Slug).Scan(&p.ID, &created, &p.Stars, &p.Pulls, &w.searchID, &platforms, &ifaces)
	if errors.Is(err, sql.ErrNoRows) {
		return insertProduct(ctx, tx, p)
	}
	if err != nil {
		return p, w, err
	}
	p.CreatedAt = storecodec.ParseTime(created)
	if p.Platforms, err = sqldb.ParseStrings(platforms); err != nil {
		return p, w, fmt.Errorf("platforms of %s: %w", p.Slug, err)
	}
	if p.PluginInterfaces, err = sqldb.ParseStrings(ifaces); err != nil {
		return p, w, fmt.Errorf("plugin interfaces of %s: %w", p.Slug, err)
	}
	row, err := encode(p)
	if err != nil {
		return p, w, err
	}
	_, err = tx.ExecContext(ctx, `UPDATE products SET name = ?, publisher = ?, kind = ?,
		badge = ?, summary = ?, description = ?, categories = ?, tiers = ?, updated_at = ?,
		logo = ?, name_key = ?, has_free = ?, has_paid = ?, status = ?
		WHERE id = ?`,
		p.Name, p.Publisher, p.Kind, p.Badge, p.Summary, p.Description,
		row.categories, row.tiers, row.updatedAt,
		p.Logo, nameKey(p.Name), p.HasFree(), p.HasPaid(), p.Status, p.ID)
	return p, w, err
}

// insertProduct inserts p as a new product, with the next search_id.
func insertProduct(ctx context.Context, tx *sql.Tx, p catalog.Product) (catalog.Product, written, error) {
	w := written{inserted: true}
	if p.ID == "" {
		p.ID = secret.ID()
	}
	row, err := encode(p)
	if err != nil {
		return p, w, err
	}
	err = tx.QueryRowContext(ctx, `INSERT INTO products (id, slug, name, publisher, kind,
		badge, summary, description, categories, tiers, stars, pulls, created_at, updated_at,
		logo, name_key, has_free, has_paid, status, search_id)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?,
			(SELECT coalesce(max(search_id), 0) + 1 FROM products))
		RETURNING search_id`,
		p.ID, p.Slug, p.Name, p.Publisher, p.Kind, p.Badge, p.Summary, p.Description,
		row.categories, row.tiers, p.Stars, p.Pulls, row.createdAt, row.updatedAt,
		p.Logo, nameKey(p.Name), p.HasFree(), p.HasPaid(), p.Status).Scan(&w.searchID)
	if column, ok := sqldb.UniqueViolation(err); ok {
		return p, w, fmt.Errorf("duplicate %s %q: %w", column, p.ID, err)
	}
	return p, w, err
}

// nameKey is the form of a name that the name sort orders by and that
// short search words match the start of.
func nameKey(name string) string { return strings.ToLower(name) }

// replaceRepositories makes repos, in order, the repositories of product id.
func replaceRepositories(ctx context.Context, tx *sql.Tx, id string, repos []string) error {
	if _, err := tx.ExecContext(ctx, `DELETE FROM product_repositories WHERE product_id = ?`, id); err != nil {
		return err
	}
	for i, r := range repos {
		_, err := tx.ExecContext(ctx, `INSERT INTO product_repositories
			(repository, product_id, position) VALUES (?, ?, ?)`, r, id, i)
		if _, ok := sqldb.UniqueViolation(err); ok {
			return fmt.Errorf("repository %s: %w", r, catalog.ErrRepositoryTaken)
		}
		if err != nil {
			return err
		}
	}
	return nil
}

// replaceCategories makes categories, each once and empty ones left out,
// the rows of product p in product_categories, which Explore's category
// filter and Categories read; each row carries p's badge and kind, by
// which Categories counts a tab's products on an index.
func replaceCategories(ctx context.Context, tx *sql.Tx, p catalog.Product, categories []string) error {
	if _, err := tx.ExecContext(ctx, `DELETE FROM product_categories WHERE product_id = ?`, p.ID); err != nil {
		return err
	}
	for _, c := range storecodec.Distinct(categories) {
		if c == "" {
			continue
		}
		_, err := tx.ExecContext(ctx, `INSERT INTO product_categories (category, product_id, badge, kind)
			VALUES (?, ?, ?, ?)`, c, p.ID, p.Badge, p.Kind)
		if err != nil {
			return err
		}
	}
	return nil
}

// reindex replaces p's entry, rowid searchID, in product_search.
func reindex(ctx context.Context, tx *sql.Tx, searchID int64, p catalog.Product) error {
	if _, err := tx.ExecContext(ctx, `DELETE FROM product_search WHERE rowid = ?`, searchID); err != nil {
		return fmt.Errorf("removing search entry: %w", err)
	}
	_, err := tx.ExecContext(ctx, `INSERT INTO product_search
		(rowid, name, publisher, categories, summary, description) VALUES (?, ?, ?, ?, ?, ?)`,
		searchID, p.Name, p.Publisher, strings.Join(p.Categories, " "), p.Summary, p.Description)
	if err != nil {
		return fmt.Errorf("indexing for search: %w", err)
	}
	return nil
}
